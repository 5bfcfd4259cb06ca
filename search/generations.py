"""Where the index in use is: index/CURRENT names a complete generation folder.

Readers need only this module (not the ingest pipeline the indexer imports), so a
process that serves searches starts without loading it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from search.results import IndexMissing

CURRENT = "CURRENT"
REPORT = "build.json"
META = "meta.json"
FORMAT = 4  # of a generation folder; older ones are rebuilt, never read (3: packed Whoosh postings; 4: roles)
GEN_NAME = re.compile(r"gen-[0-9A-Za-z_-]+")  # what the indexer names them: never / or ..
FIX = "run `cppcc-search index --full` to rebuild the index"


class IndexCorrupt(IndexMissing):
    """The index folder holds something other than a complete, intact generation where
    CURRENT points; the message names the problem and the command that fixes it."""


def current_name(index_dir: Path) -> str | None:
    """The generation name CURRENT holds if it is a well-formed one, else None."""
    try:
        name = (Path(index_dir) / CURRENT).read_bytes().decode("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return name if GEN_NAME.fullmatch(name) else None


def read_current(index_dir: Path) -> Path | None:
    """The complete generation CURRENT names; None when there is no CURRENT at all.

    Raises IndexCorrupt when CURRENT names anything but a complete gen-* folder directly
    inside the index folder (garbage bytes, a path, ../, an absolute path, a symlink).
    """
    index_dir = Path(index_dir)
    path = index_dir / CURRENT
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexCorrupt(f"{str(path)!r} cannot be read ({exc.strerror}): {FIX}.") from None
    try:
        name = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise IndexCorrupt(f"{str(path)!r} holds bytes that are no generation name: {FIX}.") from None
    if not GEN_NAME.fullmatch(name):
        raise IndexCorrupt(
            f"{str(path)!r} names {name[:80]!r}, not a gen-* folder inside the index folder: {FIX}."
        )
    gen = index_dir / name
    if gen.is_symlink() or not gen.is_dir():
        raise IndexCorrupt(f"{str(path)!r} names {name!r}, which is not a folder in {str(index_dir)!r}: {FIX}.")
    if generation_meta(gen) is None:
        raise IndexCorrupt(
            f"The generation {name!r} that {str(path)!r} names is incomplete or was built by an "
            f"older version: {FIX}."
        )
    return gen


def current_generation(index_dir: Path) -> Path | None:
    """The folder CURRENT names if it is a gen-* folder inside index_dir, else None (the
    lenient reading the indexer uses: a broken CURRENT just means a full build)."""
    name = current_name(index_dir)
    if name is None:
        return None
    gen = Path(index_dir) / name
    return gen if gen.is_dir() and not gen.is_symlink() else None


def generation_meta(gen: Path) -> dict[str, object] | None:
    """meta.json of a complete generation, None for an incomplete or foreign one."""
    try:
        meta = json.loads((gen / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and meta.get("format") == FORMAT else None


def read_report(index_dir: Path) -> dict[str, object] | None:
    """The build.json of the index in use (None when missing or unreadable)."""
    gen = current_generation(index_dir)
    if gen is None:
        return None
    return generation_report(gen)


def generation_report(gen: Path) -> dict[str, object] | None:
    """The build.json of a generation, None when it is missing or not a JSON object."""
    try:
        report = json.loads((gen / REPORT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return report if isinstance(report, dict) else None
