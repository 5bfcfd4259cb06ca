"""Build the index into a fresh generation folder, then switch to it atomically.

Layout of the index folder:
  CURRENT                the name of the generation in use (replaced atomically)
  gen-<time>-<pid>-<n>/  one complete generation per build:
      store files        text, keys, facet columns, articles (search.store)
      whoosh/ or tantivy/  the backend's index (search.backends)
      build.json         what the build did; meta.json, written last, marks it complete
  .build.lock            held while a build runs; a second build fails at once
Readers resolve CURRENT on every search, so the site never sees a half-built index.

Builds are incremental: a file whose bytes, folder manifest and ingest rules are those
of the current generation is not read again; its paragraphs are carried over (the
backend's segments are hard-linked, the store copied), changed and deleted files are
dropped, new and changed ones added. `full=True` rebuilds from scratch.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tqdm import tqdm

from search import integrity
from search.analysis import DocTokens, index_words
from search.backends import DEFAULT, get_backend
from search.backends.base import BackendWriter, ParagraphFields
from search.corpus import FileReader, FileResult, Skipped, SourceFile, file_digest, plan_files
from search.documents import Article
from search.generations import (
    CURRENT,
    FORMAT,
    META,
    REPORT,
    current_generation,
    generation_meta,
    read_report,
)
from search.normalize import search_key
from search.store import Store, StoreWriter

LOCK = ".build.lock"
KEEP_GENERATIONS = 2  # the new one and the one a running site may still be reading
INGEST_VERSION = "2026-11-30.1"  # bump when cleaning or detection changes what a file gives


class IndexBuildError(Exception):
    """Base class of index build errors."""


class BuildInProgress(IndexBuildError):
    """Another build holds the lock of this index folder."""


class NothingToIndex(IndexBuildError):
    """No source file gave any article: the current index is left as it was."""


class SourceMissing(IndexBuildError):
    """None of the source paths named exists."""


class BuildWriteFailed(IndexBuildError):
    """The index folder could not be written (full disk, no permission, not a folder); the
    partial generation is removed and the current index left as it was."""


def _write_failure(index_dir: Path, exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "free some space on that disk, then run the build again"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        advice = "the index folder is not writable: choose another with --index-dir or fix its permissions"
    elif exc.errno in (errno.ENOTDIR, errno.EEXIST):
        advice = "--index-dir must name a folder (or a path where one can be made), not a file"
    else:
        advice = "the current index was left as it was"
    return f"Writing the index in {str(index_dir)!r} failed: {exc.strerror or exc}{where}; {advice}."


@dataclass(frozen=True)
class BuildReport:
    """What a build did. files/articles/paragraphs count what the new generation holds."""

    index_dir: str
    generation: str
    files: int
    articles: int
    paragraphs: int
    skipped: tuple[Skipped, ...] = field(default_factory=tuple)
    seconds: float = 0.0
    backend: str = DEFAULT
    incremental: bool = False
    files_read: int = 0  # new or changed files read in this build
    files_reused: int = 0  # unchanged files carried over without reading
    files_removed: int = 0  # files of the previous generation that changed or disappeared
    repairs: dict[str, int] = field(default_factory=dict)  # what cleaning repaired, summed
    up_to_date: bool = False  # nothing had changed: no new generation was made

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["skipped"] = [asdict(s) for s in self.skipped]
        return d


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


def _ingest_salt() -> str:
    """The version of everything besides a file that decides what it gives: the ingest code
    version and the rule files (themes, user dictionary, document types)."""
    h = hashlib.sha1(INGEST_VERSION.encode())
    data = Path(__file__).parent / "data"
    for p in sorted(data.glob("*")):
        if p.is_file():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()


# -- preparing files (in worker processes when procs > 1) ------------------------------------


@dataclass(frozen=True)
class Prepared:
    """One file read, cleaned, described and cut into tokens."""

    source: SourceFile
    digest: str
    result: FileResult
    tokens: tuple[tuple[tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]], ...] = ()
    # per article: (title words, per paragraph: (search key, words))


_reader: FileReader | None = None


def _prepare(item: tuple[SourceFile, str]) -> Prepared:
    global _reader
    if _reader is None:
        _reader = FileReader()
    sf, digest = item
    result = _reader(sf)
    tokens = []
    for a in result.articles:
        title_words = tuple(index_words(search_key(a.title)))
        paras = []
        for p in a.paragraphs:
            key = search_key(p.text)
            paras.append((key, tuple(index_words(key))))
        tokens.append((title_words, tuple(paras)))
    return Prepared(sf, digest, result, tuple(tokens))


def _prepared(items: list[tuple[SourceFile, str]], procs: int) -> Iterator[Prepared]:
    if procs <= 1 or len(items) < 4:
        yield from map(_prepare, items)
        return
    ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with ctx.Pool(procs) as pool:
        yield from pool.imap(_prepare, items, chunksize=2)


# -- writing ---------------------------------------------------------------------------------


def _fields(article: Article, p_heading: bool, themes: tuple[str, ...], index: int) -> ParagraphFields:
    r = article.region
    return ParagraphFields(
        province=r.province, city=r.city, district=r.district, doc_type=article.doc_type,
        level=article.level, year=article.year or 0, themes=themes, heading=p_heading,
        article=index,
    )  # fmt: skip


def _add_file(prep: Prepared, store: StoreWriter, backend: BackendWriter, repairs: Counter[str]) -> None:
    ids = []
    for article, (title_words, paras) in zip(prep.result.articles, prep.tokens, strict=True):
        keys = [k for k, _ in paras]
        wlens = [len(w) for _, w in paras]
        index = len(store.articles)
        first = store.add_article(article, keys, wlens, title_words)
        for i, (p, (key, words)) in enumerate(zip(article.paragraphs, paras, strict=True)):
            doc = DocTokens(first + i, key, words, title_words, prep.source.relative)
            backend.add(doc, _fields(article, p.is_heading, p.themes, index))
        ids.append(article.id)
        repairs.update(dict(article.repairs))
    store.add_file(prep.source.relative, prep.digest, ids)


def _switch(index_dir: Path, gen: Path) -> None:
    tmp = index_dir / f".{CURRENT}.{os.getpid()}"
    tmp.write_text(gen.name, encoding="utf-8")
    os.replace(tmp, index_dir / CURRENT)  # atomic on POSIX: readers see old or new


def _generations(index_dir: Path) -> list[Path]:
    return sorted(
        (p for p in index_dir.iterdir() if p.is_dir() and p.name.startswith("gen-")),
        key=lambda p: p.stat().st_mtime,
    )


def _remove_debris(index_dir: Path) -> None:
    """Remove what killed builds left: generation folders without meta.json (the lock
    is held, so no build is writing them) that are not current."""
    current = current_generation(index_dir)
    for g in _generations(index_dir):
        if g != current and generation_meta(g) is None:
            shutil.rmtree(g, ignore_errors=True)


def _prune(index_dir: Path, new: Path, keep: int = KEEP_GENERATIONS) -> None:
    """Keep the newest `keep` complete generations, the new one among them (the one before
    it is what a running site may still read); never the one CURRENT names."""
    protected = {new, current_generation(index_dir)}
    complete = [g for g in _generations(index_dir) if g not in protected and generation_meta(g) is not None]
    for g in complete[: max(0, len(complete) - (max(1, keep) - 1))]:
        shutil.rmtree(g, ignore_errors=True)


def build_index(
    sources: Iterable[str | Path],
    index_dir: str | Path,
    *,
    backend: str | None = None,
    full: bool = False,
    progress: bool = False,
    procs: int = 1,
    keep: int = KEEP_GENERATIONS,
) -> BuildReport:
    """Index every report under sources into a new generation and make it current.

    `backend` defaults to the current generation's (else Whoosh); a different backend
    than the current one, or `full`, rebuilds everything. After the switch the newest
    `keep` complete generations are kept. A write that fails (full disk, no permission)
    raises BuildWriteFailed with the partial generation removed.
    """
    index_dir = Path(index_dir)
    try:
        return _build(sources, index_dir, backend=backend, full=full, progress=progress, procs=procs, keep=keep)
    except OSError as exc:
        raise BuildWriteFailed(_write_failure(index_dir, exc)) from exc
    except ValueError as exc:  # tantivy reports a failed write as "An IO error occurred: '… (os error 28)'"
        # or, from its commit, "Internal error: 'No space left on device (os error 28)'"
        code = re.search(r"(?:IO|Internal) error.*\(os error (\d+)\)", str(exc))
        if code is None:
            raise
        err = int(code.group(1))
        raise BuildWriteFailed(_write_failure(index_dir, OSError(err, os.strerror(err)))) from exc


def _build(
    sources: Iterable[str | Path], index_dir: Path, *, backend: str | None, full: bool, progress: bool,
    procs: int, keep: int,
) -> BuildReport:  # fmt: skip
    started = time.perf_counter()
    with _build_lock(index_dir):
        _remove_debris(index_dir)
        prev = current_generation(index_dir)
        if prev is not None and integrity.problem(prev) is not None:
            prev = None  # a damaged generation is never carried forward: build from scratch
        prev_meta = generation_meta(prev) if prev is not None else None
        name = backend or (str(prev_meta["backend"]) if prev_meta else DEFAULT)
        kind = get_backend(name)
        incremental = not full and prev_meta is not None and prev_meta.get("backend") == name
        sources = list(sources)
        planned, missing = plan_files(sources)
        if sources and not any(Path(s).exists() for s in sources):
            raise SourceMissing(
                f"The source {'folder' if len(sources) == 1 else 'paths'} "
                f"{', '.join(repr(str(s)) for s in sources)} do{'es' if len(sources) == 1 else ''} not exist."
            )
        salt = _ingest_salt()
        digests = {sf.relative: file_digest(sf, salt) for sf in planned}
        previous = Store(prev) if incremental and prev is not None else None
        known = previous.files if previous is not None else {}
        prev_skips = (prev_meta or {}).get("skipped_digests", {}) if incremental else {}
        reused = [sf for sf in planned if known.get(sf.relative, {}).get("hash") == digests[sf.relative]]
        unchanged_skips = {
            sf.relative: sf for sf in planned
            if sf.relative in prev_skips and prev_skips[sf.relative][0] == digests[sf.relative]  # type: ignore[index]
        }  # fmt: skip
        still_skipped = [Skipped(str(sf.path), prev_skips[rel][1]) for rel, sf in unchanged_skips.items()]  # type: ignore[index]
        settled = {sf.relative for sf in reused} | set(unchanged_skips)
        to_read = [sf for sf in planned if sf.relative not in settled]
        dropped = set(known) - {sf.relative for sf in reused}
        if incremental and prev is not None and not to_read and not dropped:
            old = read_report(index_dir) or {}
            return BuildReport(
                index_dir=str(index_dir), generation=prev.name, files=len(reused),
                articles=int(old.get("articles", 0)), paragraphs=int(old.get("paragraphs", 0)),
                skipped=(*missing, *still_skipped), seconds=round(time.perf_counter() - started, 2),
                backend=name, incremental=True, files_reused=len(reused), up_to_date=True,
            )  # fmt: skip
        gen = index_dir / f"gen-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        gen.mkdir()
        try:
            written = _write(
                gen, kind, previous, prev, to_read, digests, dropped, procs=procs, progress=progress,
            )  # fmt: skip
            skipped = (*missing, *still_skipped, *written.skipped)
            if not written.articles:
                reasons = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:5])
                raise NothingToIndex(
                    "No article was found in the sources, so the current index was left as it was"
                    + (f" ({reasons})." if reasons else ".")
                )
            result = BuildReport(
                index_dir=str(index_dir), generation=gen.name,
                files=len(reused) + written.files_read_ok, articles=written.articles,
                paragraphs=written.paragraphs, skipped=tuple(skipped),
                seconds=round(time.perf_counter() - started, 2), backend=name,
                incremental=previous is not None, files_read=len(to_read),
                files_reused=len(reused), files_removed=len(dropped), repairs=written.repairs,
            )  # fmt: skip
            report = result.to_dict()
            report["checksum"] = integrity.record(gen)  # `cppcc-search check` verifies it
            (gen / REPORT).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
            by_path = {str(sf.path): sf.relative for sf in planned}
            skip_digests = {
                by_path[s.path]: [digests[by_path[s.path]], s.reason] for s in skipped if s.path in by_path
            }
            meta = {"format": FORMAT, "backend": name, "skipped_digests": skip_digests}
            (gen / META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        except BaseException:
            shutil.rmtree(gen, ignore_errors=True)
            raise
        finally:
            if previous is not None:
                previous.close()
        _switch(index_dir, gen)
        _prune(index_dir, gen, keep)
        return result


@dataclass(frozen=True)
class _Written:
    """What _write put in the new generation (counts over its live articles)."""

    articles: int
    paragraphs: int
    skipped: tuple[Skipped, ...]
    files_read_ok: int
    repairs: dict[str, int]


def _write(
    gen: Path,
    kind: type,
    previous: Store | None,
    prev_gen: Path | None,
    to_read: list[SourceFile],
    digests: dict[str, str],
    dropped: set[str],
    *,
    procs: int,
    progress: bool,
) -> _Written:
    store = StoreWriter(previous, dropped)
    prev_backend = prev_gen / kind.folder_name if previous is not None and prev_gen is not None else None
    backend = kind.writer(gen / kind.folder_name, prev_backend, procs=procs)
    repairs: Counter[str] = Counter()
    skipped: list[Skipped] = []
    ok = 0
    try:
        for source in sorted(dropped):
            backend.delete_file(source)
        bar = tqdm(total=len(to_read), unit="file", desc="indexing", disable=not progress, leave=False)
        try:
            for prep in _prepared([(sf, digests[sf.relative]) for sf in to_read], procs):
                if prep.result.skipped:
                    skipped.append(prep.result.skipped)
                else:
                    _add_file(prep, store, backend, repairs)
                    ok += 1
                bar.update(1)
        finally:
            bar.close()
        live_articles = [a for a in store.articles if a.live]
        if live_articles:
            backend.commit()
        else:
            backend.cancel()
    except BaseException:
        backend.cancel()
        raise
    if live_articles:
        store.write(gen)
    return _Written(
        articles=len(live_articles),
        paragraphs=sum(a.count for a in live_articles),
        skipped=tuple(skipped),
        files_read_ok=ok,
        repairs=dict(repairs),
    )
