"""Build the index into a fresh folder, then switch to it atomically.

Layout of the index folder:
  CURRENT              the name of the generation in use (replaced atomically)
  gen-<time>-<pid>-<n>/  one complete Whoosh index per build, with build.json
  .build.lock          held while a build runs; a second build fails at once
Readers resolve CURRENT on every search, so the site never sees a half-built index.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tqdm import tqdm
from whoosh import index as windex

from search import schema as f
from search.corpus import Skipped, iter_corpus
from search.documents import Article

CURRENT = "CURRENT"
LOCK = ".build.lock"
REPORT = "build.json"
KEEP_GENERATIONS = 2
HEADING_BOOST = 0.5  # the new one and the one a running site may still be reading


class IndexBuildError(Exception):
    """Base class of index build errors."""


class BuildInProgress(IndexBuildError):
    """Another build holds the lock of this index folder."""


class NothingToIndex(IndexBuildError):
    """No source file gave any article: the current index is left as it was."""


@dataclass(frozen=True)
class BuildReport:
    """What a build did."""

    index_dir: str
    generation: str
    files: int
    articles: int
    paragraphs: int
    skipped: tuple[Skipped, ...] = field(default_factory=tuple)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["skipped"] = [asdict(s) for s in self.skipped]
        return d


def current_generation(index_dir: Path) -> Path | None:
    """The folder of the index in use, or None when none has been built."""
    try:
        name = (Path(index_dir) / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    gen = Path(index_dir) / name
    return gen if name and gen.is_dir() else None


def read_report(index_dir: Path) -> dict[str, object] | None:
    """The build.json of the index in use."""
    gen = current_generation(index_dir)
    if gen is None or not (gen / REPORT).exists():
        return None
    return json.loads((gen / REPORT).read_text(encoding="utf-8"))


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    fh = open(index_dir / LOCK, "a+")  # noqa: SIM115 - held for the whole build
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildInProgress(
                f"Another build is already writing to {str(index_dir)!r}; "
                "wait for it to finish, then run this one again."
            ) from None
        yield
    finally:
        fh.close()


def paragraph_documents(article: Article) -> Iterator[dict[str, object]]:
    """The Whoosh documents of one article, one per paragraph."""
    r = article.region
    for p in article.paragraphs:
        yield {
            f.ID_FIELD: article.paragraph_id(p.position),
            f.ARTICLE: article.id,
            f.TITLE: article.title,
            f.TITLE_GRAMS: article.title,
            f.TEXT_FIELD: p.text,
            f.GRAMS: p.text,
            f.CHARS: p.text,
            f.PROVINCE: r.province,
            f.CITY: r.city,
            f.DISTRICT: r.district,
            f.YEAR: article.year if article.year is not None else f.NO_YEAR,
            f.THEMES: ",".join(p.themes),
            f.SECTION: p.section,
            f.POSITION: p.position,
            f.HEADING: p.is_heading,
            f.SOURCE: article.source,
            f.PUBLISHED: article.published,
            f.CODE: r.code,
            # A heading names a topic; the paragraphs under it say what was done. With
            # BM25's length normalisation a six-character heading would outrank them.
            "_boost": HEADING_BOOST if p.is_heading else 1.0,
        }


def _switch(index_dir: Path, gen: Path) -> None:
    tmp = index_dir / f".{CURRENT}.{os.getpid()}"
    tmp.write_text(gen.name, encoding="utf-8")
    os.replace(tmp, index_dir / CURRENT)  # atomic on POSIX: readers see old or new


def _prune(index_dir: Path, keep: Path) -> None:
    gens = sorted(
        (p for p in index_dir.iterdir() if p.is_dir() and p.name.startswith("gen-")),
        key=lambda p: p.stat().st_mtime,
    )
    old = [g for g in gens if g != keep][: max(0, len(gens) - KEEP_GENERATIONS)]
    for g in old:
        shutil.rmtree(g, ignore_errors=True)


def build_index(
    sources: Iterable[str | Path],
    index_dir: str | Path,
    *,
    progress: bool = False,
    procs: int = 1,
) -> BuildReport:
    """Index every report under sources into a new generation and make it current."""
    index_dir = Path(index_dir)
    started = time.perf_counter()
    with _build_lock(index_dir):
        gen = index_dir / f"gen-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        gen.mkdir()
        try:
            report = _write(sources, index_dir, gen, progress=progress, procs=procs, started=started)
        except BaseException:
            shutil.rmtree(gen, ignore_errors=True)
            raise
        _switch(index_dir, gen)
        _prune(index_dir, gen)
        return report


def _write(
    sources: Iterable[str | Path],
    index_dir: Path,
    gen: Path,
    *,
    progress: bool,
    procs: int,
    started: float,
) -> BuildReport:
    ix = windex.create_in(str(gen), f.build_schema())
    kwargs = {"procs": procs, "multisegment": True} if procs > 1 else {}
    writer = ix.writer(limitmb=256, **kwargs)
    files = articles = paragraphs = 0
    skipped: list[Skipped] = []
    bar: tqdm | None = None

    def start_bar(found: list[Path]) -> None:
        nonlocal bar
        bar = tqdm(total=len(found), unit="file", desc="indexing", disable=not progress, leave=False)

    try:
        for result in iter_corpus(sources, on_files=start_bar):
            if result.skipped:
                skipped.append(result.skipped)
            else:
                files += 1
            for article in result.articles:
                articles += 1
                for doc in paragraph_documents(article):
                    writer.add_document(**doc)
                    paragraphs += 1
            if bar is not None and result.path.is_file():
                bar.update(1)
    except BaseException:
        writer.cancel()
        raise
    finally:
        if bar is not None:
            bar.close()
    if not articles:
        writer.cancel()
        reasons = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:5])
        raise NothingToIndex(
            "No article was found in the sources, so the current index was left as it was"
            + (f" ({reasons})." if reasons else ".")
        )
    writer.commit()
    report = BuildReport(
        index_dir=str(index_dir),
        generation=gen.name,
        files=files,
        articles=articles,
        paragraphs=paragraphs,
        skipped=tuple(skipped),
        seconds=round(time.perf_counter() - started, 2),
    )
    (gen / REPORT).write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    return report
