"""Where the index in use is: index/CURRENT names a complete generation folder.

Readers need only this module (not the ingest pipeline the indexer imports), so a
process that serves searches starts without loading it.
"""

from __future__ import annotations

import json
from pathlib import Path

CURRENT = "CURRENT"
REPORT = "build.json"
META = "meta.json"
FORMAT = 3  # of a generation folder; older ones are rebuilt, never read


def current_generation(index_dir: Path) -> Path | None:
    """The folder of the index in use, or None when none has been built."""
    try:
        name = (Path(index_dir) / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    gen = Path(index_dir) / name
    return gen if name and gen.is_dir() else None


def generation_meta(gen: Path) -> dict[str, object] | None:
    """meta.json of a complete generation, None for an incomplete or foreign one."""
    try:
        meta = json.loads((gen / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and meta.get("format") == FORMAT else None


def read_report(index_dir: Path) -> dict[str, object] | None:
    """The build.json of the index in use."""
    gen = current_generation(index_dir)
    if gen is None or not (gen / REPORT).exists():
        return None
    return json.loads((gen / REPORT).read_text(encoding="utf-8"))
