"""The editable rule files: packaged in search/data, or another file a caller names."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def read_rules(path: Path | str | None, name: str) -> tuple[str, str]:
    """(text, source) of the rule file at `path`, or of the packaged search/data/`name`;
    `source` names it in error messages."""
    if path is None:
        return (resources.files("search") / "data" / name).read_text(encoding="utf-8"), name
    return Path(path).read_text(encoding="utf-8"), str(path)
