"""Is a generation intact? Its build.json records the size and SHA-256 of every file.

    record(gen)        -> what build.json stores under "checksum" (the indexer calls it last)
    problem(gen, full) -> None, or one sentence naming what is wrong
    serving(index_dir) -> the generation to serve: CURRENT's, or the newest intact older one

The quick check (every recorded file present with its recorded size, build.json and
meta.json readable) runs whenever a generation is opened; the full check (every byte
hashed again) runs in `cppcc-search check`, when the site starts, and whenever the site
opens a generation. A generation built before checksums were recorded passes the quick
check on what can be checked (meta.json) and is reported as unverified.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from search.generations import (
    FIX,
    GEN_NAME,
    META,
    REPORT,
    IndexCorrupt,
    generation_meta,
    generation_report,
    read_current,
)

log = logging.getLogger(__name__)

ALGORITHM = "sha256"
_CHUNK = 1 << 20


def _tracked(gen: Path) -> list[Path]:
    """The files a checksum covers: everything but build.json/meta.json at the top (they
    hold it) and lock files a reader or writer may create or touch."""
    files = []
    for p in gen.rglob("*"):
        if p.is_file() and not p.is_symlink():
            rel = p.relative_to(gen)
            if len(rel.parts) == 1 and rel.name in (REPORT, META):
                continue
            if p.name.endswith((".lock", "WRITELOCK")):
                continue
            files.append(p)
    return sorted(files)


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def record(gen: Path) -> dict[str, object]:
    """{"algorithm", "digest", "files": {relative path: [size, sha256]}} of a generation."""
    files = {p.relative_to(gen).as_posix(): [p.stat().st_size, _sha(p)] for p in _tracked(gen)}
    digest = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()
    return {"algorithm": ALGORITHM, "digest": digest, "files": files}


def problem(gen: Path, *, full: bool = False) -> str | None:
    """None when the generation is intact, else one sentence that names what is wrong."""
    name = gen.name
    if generation_meta(gen) is None:
        return f"The generation {name!r} is incomplete or was built by an older version (meta.json)."
    report = generation_report(gen)
    if report is None:
        return f"The build.json of generation {name!r} is missing or unreadable."
    checksum = report.get("checksum")
    if checksum is None:
        return None  # built before checksums: nothing recorded to check against
    files = checksum.get("files") if isinstance(checksum, dict) else None
    if not isinstance(files, dict) or checksum.get("algorithm") != ALGORITHM:
        return f"The checksum in the build.json of generation {name!r} is unreadable."
    for rel, entry in sorted(files.items()):
        path = gen / rel
        try:
            size = path.stat().st_size
        except OSError:
            return f"The file {rel!r} of generation {name!r} is missing."
        if not isinstance(entry, list) or len(entry) != 2 or size != entry[0]:
            return f"The file {rel!r} of generation {name!r} has {size} bytes instead of {entry[0]}."
        if full and _sha(path) != entry[1]:
            return f"The file {rel!r} of generation {name!r} has changed since it was built (its SHA-256 differs)."
    return None


def status(gen: Path, *, full: bool = True) -> str:
    """"verified", "unverified (built before checksums)" or the problem, for `stats`."""
    found = problem(gen, full=full)
    if found is not None:
        return found
    report = generation_report(gen) or {}
    return "verified" if report.get("checksum") else "unverified (built before checksums were recorded)"


@dataclass(frozen=True)
class Serving:
    """The generation to serve; `problem` says why it is not the one CURRENT names."""

    gen: Path
    problem: str | None = None

    @property
    def fallback(self) -> bool:
        return self.problem is not None


def complete_generations(index_dir: Path) -> list[Path]:
    """The complete gen-* folders directly inside index_dir, newest first."""
    try:
        found = [
            p for p in Path(index_dir).iterdir()
            if GEN_NAME.fullmatch(p.name) and p.is_dir() and not p.is_symlink() and generation_meta(p) is not None
        ]  # fmt: skip
    except OSError:
        return []
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)


def serving(index_dir: Path, *, full: bool = False, broken: dict[Path, str] | None = None) -> Serving | None:
    """What to serve: CURRENT's generation when it is intact; else the newest intact older
    complete one, with the reason; None when nothing was ever built.

    Raises IndexCorrupt (one sentence, naming the fix) when CURRENT's generation is broken
    and no other one can stand in. `broken` adds generations known to fail (to open).
    """
    broken = broken or {}
    try:
        gen = read_current(index_dir)
        trouble = broken.get(gen) if gen is not None else None
        trouble = trouble or (problem(gen, full=full) if gen is not None else None)
    except IndexCorrupt as exc:
        gen, trouble = None, str(exc)
    if gen is not None and trouble is None:
        return Serving(gen)
    if gen is None and trouble is None:
        return None  # no CURRENT: nothing built yet
    for older in complete_generations(index_dir):
        if older != gen and older not in broken and problem(older, full=full) is None:
            log.warning("serving generation %s in its place: %s", older.name, trouble)
            return Serving(older, trouble)
    if trouble.endswith(f"{FIX}."):
        raise IndexCorrupt(trouble)
    raise IndexCorrupt(f"{trouble.rstrip('.')}: {FIX}.")
