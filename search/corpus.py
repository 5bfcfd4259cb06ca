"""From source paths to Articles: read, clean, split, detect metadata, assign themes.

One unreadable or broken file is reported and skipped; it never stops the rest.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from search.clean import parse_document
from search.documents import Article, ArticleDraft, Block
from search.manifest import NAMES as MANIFEST_NAMES
from search.manifest import Manifest, ManifestError, load_manifest
from search.metadata import describe
from search.sources import UnreadableSource, find_sources, read_source
from search.themes import ThemeRules


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class FileResult:
    """What one source file gave: its articles, or the reason it was skipped."""

    path: Path
    articles: tuple[Article, ...] = ()
    skipped: Skipped | None = None


def _root_of(path: Path, roots: list[Path]) -> Path:
    for root in roots:
        if root.is_dir() and path.is_relative_to(root):
            return root
    return path.parent


class _Manifests:
    """Sidecar manifests, loaded once per folder."""

    def __init__(self) -> None:
        self._cache: dict[Path, Manifest | ManifestError] = {}

    def for_folder(self, folder: Path) -> Manifest:
        if folder not in self._cache:
            try:
                self._cache[folder] = load_manifest(folder)
            except ManifestError as exc:
                self._cache[folder] = exc
        found = self._cache[folder]
        if isinstance(found, ManifestError):
            raise found
        return found


@dataclass(frozen=True)
class SourceFile:
    """A report file found under the sources, with what identifies it in the index."""

    path: Path
    relative: str  # path relative to the source folder it was found in
    stem: str  # article ids are "<stem>-<n>"; unique across the corpus


def plan_files(sources: Iterable[str | Path]) -> tuple[list[SourceFile], list[Skipped]]:
    """Every report file under the given files and folders, in path order, and a Skipped
    for each source path that does not exist."""
    roots = [Path(s) for s in sources]
    missing = [Skipped(str(r), "the path does not exist") for r in roots if not r.exists()]
    links: list[tuple[Path, str]] = []
    taken: set[str] = set()
    planned = []
    found = find_sources([r for r in roots if r.exists()], links)
    missing += [Skipped(str(p), reason) for p, reason in links]
    for path in found:
        root = _root_of(path, roots)
        relative = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        stem = path.stem
        if stem in taken:  # the same file name in two folders
            stem = f"{stem}-{hashlib.sha1(relative.encode()).hexdigest()[:6]}"
        taken.add(stem)
        planned.append(SourceFile(path, relative, stem))
    return planned, missing


def file_digest(sf: SourceFile, salt: str = "") -> str:
    """What an incremental build compares: the file's bytes, its folder's manifest, and
    `salt` (the rules and code version of the ingest)."""
    h = hashlib.sha1(salt.encode())
    try:
        h.update(sf.path.read_bytes())
    except OSError as exc:
        h.update(f"unreadable: {exc}".encode())
    for name in MANIFEST_NAMES:
        m = sf.path.parent / name
        if m.is_file():
            h.update(name.encode())
            h.update(m.read_bytes())
    return h.hexdigest()


def as_one_article(drafts: list[ArticleDraft], title: str) -> list[ArticleDraft]:
    """The drafts of a file whose metadata names one title, merged into one article under it.

    Nothing is lost: a title line the cleaner found (when it differs), and the title,
    subtitle and lead of the pieces it would have split off, stay in the text as headings.
    """
    drafts = [d for d in drafts if d.blocks or d.title]
    if not drafts:
        return []
    first = drafts[0]
    head = (first.title,) if first.title and first.title != title else ()
    blocks = [Block(t, True) for t in head] + list(first.blocks)
    repairs: Counter[str] = Counter(dict(first.repairs))
    for draft in drafts[1:]:
        blocks += [Block(t, True) for t in (draft.title, draft.subtitle) if t]
        blocks += [Block(t) for t in draft.lead.split("\n") if t]
        blocks += draft.blocks
        repairs.update(dict(draft.repairs))
    return [replace(first, title=title, blocks=tuple(blocks), repairs=tuple(sorted(repairs.items())))]


def stated_overrides(meta: Mapping[str, str]) -> dict[str, object]:
    """What a file states about itself (front-matter title and date) as low-priority overrides."""
    out: dict[str, object] = {}
    if meta.get("title"):
        out["title"] = meta["title"]
    if meta.get("published"):
        out["published"] = meta["published"]
    return out


def read_articles(sf: SourceFile, *, manifests: _Manifests, rules: ThemeRules) -> FileResult:
    """Articles of one file, or a Skipped saying why there are none."""
    path, relative = sf.path, sf.relative
    shown = str(path)
    try:
        source = read_source(path)
    except UnreadableSource as exc:
        return FileResult(path, skipped=Skipped(shown, str(exc)))
    try:
        manifest = manifests.for_folder(path.parent)
        drafts = parse_document(source.text, is_html=source.is_html)
        stated = stated_overrides(source.meta)
        if stated.get("title"):
            drafts = as_one_article(drafts, str(stated["title"]))
        articles = []
        for n, draft in enumerate(drafts, start=1):
            if not draft.blocks:
                continue
            article = describe(
                draft,
                article_id=f"{sf.stem}-{n}",
                source=relative,
                overrides={**stated, **manifest.overrides_for(relative, n)},
                rules=rules,
            )
            if article.paragraphs:
                articles.append(article)
    except ManifestError as exc:
        return FileResult(path, skipped=Skipped(shown, f"the sidecar manifest is invalid: {exc}"))
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the build
        return FileResult(path, skipped=Skipped(shown, f"{type(exc).__name__}: {exc}"))
    if not articles:
        return FileResult(path, skipped=Skipped(shown, "no article text was left after cleaning"))
    return FileResult(path, articles=tuple(articles))


class FileReader:
    """Reads planned files one by one, loading each folder's manifest once."""

    def __init__(self, rules: ThemeRules | None = None) -> None:
        self.rules = rules or ThemeRules.load()
        self.manifests = _Manifests()

    def __call__(self, sf: SourceFile) -> FileResult:
        return read_articles(sf, manifests=self.manifests, rules=self.rules)


def iter_corpus(
    sources: Iterable[str | Path],
    *,
    rules: ThemeRules | None = None,
    on_files: Callable[[list[Path]], None] | None = None,
) -> Iterator[FileResult]:
    """FileResults for every report file under the given files and folders, in path order.

    A source path that does not exist gives a Skipped of its own.
    """
    planned, missing = plan_files(sources)
    if on_files:
        on_files([sf.path for sf in planned])
    for m in missing:
        yield FileResult(Path(m.path), skipped=m)
    reader = FileReader(rules)
    for sf in planned:
        yield reader(sf)
