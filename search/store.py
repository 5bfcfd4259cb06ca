"""Per-generation document data shared by every backend, written once at build time.

A backend answers "which paragraphs contain this" and "which rank best"; everything
else a page needs is here, in files a new process maps into memory at once:

  articles.json        one record per article (title, region, years, type, file, ...)
  files.json           source file -> content hash and article ids (incremental builds)
  para.<column>.npy    one value per paragraph: article, position, heading, word count,
                       themes (bit set), section (docnum of the heading above), live,
                       role (search.roles), length in characters, up (a heading's parent)
  para.dup.npy         the first docnum of a paragraph's near-duplicate cluster, or -1
  minhash.npy          the paragraphs' MinHash signatures (search.duplicates), for the next build
  text.bin, text.off.npy   the paragraphs' text, UTF-8, with offsets
  key.bin, key.off.npy     their search keys (search.normalize), same layout

Paragraphs are numbered 0..n-1 in the order they were written (the docnum); an
incremental build appends new paragraphs and marks those of changed or deleted files
as not live, so docnums never move.
"""

from __future__ import annotations

import json
import mmap
import shutil
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from search import duplicates, roles
from search.documents import Article
from search.figures import FigureWriter

COLUMNS = {
    "article": np.int32,
    "position": np.int32,
    "heading": np.int8,
    "wlen": np.int32,
    "themes": np.int64,
    "section": np.int32,
    "live": np.bool_,
    "role": np.int8,  # search.roles: body, heading, lead, note, table, caption
    "nchars": np.int32,  # length of the text in characters
    "up": np.int32,  # a heading's parent heading in the article's outline (-1: none)
}
MAX_THEMES = 63  # one int64 bit per theme


@dataclass(frozen=True)
class ArticleRecord:
    """What the index keeps of an article (its paragraphs live in the columns)."""

    id: str
    source: str
    title: str
    province: str
    city: str
    district: str
    code: str
    year: int | None
    published: str
    delivered: str
    doc_type: str
    level: str
    title_words: tuple[str, ...] = ()
    first: int = 0  # docnum of its first paragraph
    count: int = 0  # number of paragraphs
    live: bool = True

    @classmethod
    def of(cls, a: Article, title_words: tuple[str, ...], first: int) -> ArticleRecord:
        r = a.region
        return cls(
            id=a.id, source=a.source, title=a.title, province=r.province, city=r.city,
            district=r.district, code=r.code, year=a.year, published=a.published,
            delivered=a.delivered, doc_type=a.doc_type, level=a.level,
            title_words=title_words, first=first, count=len(a.paragraphs),
        )  # fmt: skip


class _Blob:
    """Strings appended into one UTF-8 file with an offsets array."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.offsets: list[int] = [0]

    def add(self, text: str) -> None:
        b = text.encode("utf-8")
        self.chunks.append(b)
        self.offsets.append(self.offsets[-1] + len(b))

    def write(self, folder: Path, name: str, previous: Path | None = None) -> None:
        """Write the strings after those of the same blob in the `previous` generation's folder."""
        target = folder / f"{name}.bin"
        prev_offs = np.zeros(1, dtype=np.int64)
        if previous is not None:
            shutil.copyfile(previous / f"{name}.bin", target)  # file to file, not through memory
            prev_offs = _load(previous / f"{name}.off.npy")
        with open(target, "ab" if previous is not None else "wb") as fh:
            for c in self.chunks:
                fh.write(c)
        offs = np.asarray(self.offsets, dtype=np.int64) + int(prev_offs[-1])
        np.save(folder / f"{name}.off.npy", np.concatenate([prev_offs[:-1], offs]))


class StoreWriter:
    """Collects articles and paragraphs of a build; `write` puts them in the generation folder.

    Started from a previous store (incremental build), it keeps that store's paragraphs
    and articles (minus those of `dropped_files`) and appends the new ones.
    """

    def __init__(self, previous: Store | None = None, dropped_files: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.previous = previous
        self.articles: list[ArticleRecord] = []
        self.files: dict[str, dict[str, Any]] = {}
        self.theme_names: list[str] = list(previous.theme_names) if previous else []
        self.cols: dict[str, list[Any]] = {c: [] for c in COLUMNS}
        self.text, self.key = _Blob(), _Blob()
        self.base = previous.size if previous else 0
        self.figures = FigureWriter(previous.folder if previous else None)  # figures.json (search.figures)
        if previous is not None:
            for rec in previous.articles:
                if rec.source in dropped_files and rec.live:
                    rec = ArticleRecord(**{**asdict(rec), "live": False})
                self.articles.append(rec)
            self.files = {k: v for k, v in previous.files.items() if k not in dropped_files}
            self._dropped = np.zeros(previous.size, dtype=bool)
            for rec in self.articles:
                if not rec.live:
                    self._dropped[rec.first : rec.first + rec.count] = True

    @property
    def next_docnum(self) -> int:
        return self.base + len(self.cols["article"])

    def _theme_bits(self, themes: tuple[str, ...]) -> int:
        bits = 0
        for t in themes:
            if t not in self.theme_names:
                self.theme_names.append(t)
            i = self.theme_names.index(t)
            if i < MAX_THEMES:
                bits |= 1 << i
        return bits

    def add_article(self, article: Article, keys: list[str], wlens: list[int], title_words: tuple[str, ...]) -> int:
        """Append one article's paragraphs; returns the docnum of its first paragraph."""
        first = self.next_docnum
        index = len(self.articles)
        self.articles.append(ArticleRecord.of(article, title_words, first))
        paras = article.paragraphs
        found = roles.classify([p.text for p in paras], [p.is_heading for p in paras])
        sections, ups = roles.section_pointers(found, first)
        for i, (p, key, wlen) in enumerate(zip(paras, keys, wlens, strict=True)):
            c = self.cols
            c["article"].append(index)
            c["position"].append(p.position)
            c["heading"].append(1 if p.is_heading else 0)
            c["wlen"].append(wlen)
            c["themes"].append(self._theme_bits(p.themes))
            c["section"].append(sections[i])
            c["live"].append(True)
            c["role"].append(found.roles[i])
            c["nchars"].append(len(p.text))
            c["up"].append(ups[i])
            self.text.add(p.text)
            self.key.add(key)
        self.figures.add(index, first, article.paragraphs, keys)
        return first

    def add_file(self, source: str, digest: str, article_ids: list[str]) -> None:
        self.files[source] = {"hash": digest, "articles": article_ids}

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        prev = self.previous
        for name, dtype in COLUMNS.items():
            new = np.asarray(self.cols[name], dtype=dtype)
            if prev is not None:
                old = np.asarray(prev.col(name), dtype=dtype)
                if name == "live":
                    old = old & ~self._dropped
                new = np.concatenate([old, new])
            np.save(folder / f"para.{name}.npy", new)
        for name, blob in (("text", self.text), ("key", self.key)):
            blob.write(folder, name, prev.folder if prev is not None else None)
        self._write_duplicates(folder)
        meta = {
            "articles": [asdict(a) for a in self.articles],
            "themes": self.theme_names,
        }
        (folder / "articles.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        (folder / "files.json").write_text(json.dumps(self.files, ensure_ascii=False), encoding="utf-8")
        self.figures.write(folder, {i for i, a in enumerate(self.articles) if a.live})


    def _write_duplicates(self, folder: Path) -> None:
        """MinHash signatures of the new paragraphs after the previous ones (minhash.npy), and
        the near-duplicate clusters over all live paragraphs (para.dup.npy, search.duplicates)."""
        role = np.concatenate([np.asarray(self.previous.col("role")) if self.previous else np.zeros(0, np.int8),
                               np.asarray(self.cols["role"], dtype=np.int8)])  # fmt: skip
        nchars = _load(folder / "para.nchars.npy")
        live = _load(folder / "para.live.npy")
        eligible = (role != roles.HEADING) & (nchars >= duplicates.MIN_CHARS)
        keys = [c.decode("utf-8") for c in self.key.chunks]
        sigs = duplicates.signatures(keys, eligible[self.base :])
        if self.previous is not None:
            old = self.previous.folder / "minhash.npy"
            if old.exists():
                before = _load(old)
            else:  # a generation built before duplicates: sign its paragraphs now
                before = duplicates.signatures([self.previous.key(d) for d in range(self.base)], eligible[: self.base])
            sigs = np.concatenate([before, sigs])
        np.save(folder / "minhash.npy", sigs)
        np.save(folder / "para.dup.npy", duplicates.clusters(sigs, eligible & live))


# numpy reads an .npy header with ast.literal_eval, and CPython 3.11 keeps the AST
# constructor's recursion depth per interpreter, not per thread: two threads reading
# headers at once can fail with "SystemError: AST constructor recursion depth mismatch"
# (tests/test_concurrency.py makes it happen). Every .npy read here takes this lock.
_NPY_LOCK = threading.Lock()


def _load(path: Path) -> np.ndarray:
    with _NPY_LOCK:
        return np.load(path)


def _mapped(path: Path) -> np.ndarray:
    """Memory-mapped, seen as a plain array."""
    with _NPY_LOCK:
        return np.load(path, mmap_mode="r").view(np.ndarray)


class Store:
    """The document data of one generation, memory-mapped."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        meta = json.loads((self.folder / "articles.json").read_text(encoding="utf-8"))
        self.articles = [
            ArticleRecord(**{**a, "title_words": tuple(a.get("title_words", ()))}) for a in meta["articles"]
        ]
        self.theme_names: list[str] = meta["themes"]
        self.files: dict[str, dict[str, Any]] = json.loads((self.folder / "files.json").read_text(encoding="utf-8"))
        # Memory-mapped, seen as plain arrays: numpy's memmap class indexes in Python (a
        # method call per item read), a view of its buffer in C.
        self._cols = {name: _mapped(self.folder / f"para.{name}.npy") for name in COLUMNS}
        self.size = len(self._cols["article"])
        dup = self.folder / "para.dup.npy"  # absent from a generation built before duplicates
        self._cols["dup"] = _mapped(dup) if dup.exists() else np.full(self.size, -1, dtype=np.int32)
        self._text = self._map("text")
        self._key = self._map("key")

    def _map(self, name: str) -> tuple[mmap.mmap | bytes, np.ndarray]:
        path = self.folder / f"{name}.bin"
        offs = _load(self.folder / f"{name}.off.npy")
        data: mmap.mmap | bytes = b""
        if path.stat().st_size:
            with open(path, "rb") as fh:
                data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        return data, offs

    def keys_containing(self, docnums: np.ndarray, piece: str) -> np.ndarray:
        """The docnums whose search key holds `piece`: a byte search inside each key, in place
        (UTF-8 is self-synchronising, so a byte match is a character match)."""
        data, offs = self._key
        needle = piece.encode("utf-8")
        find = data.find
        starts, ends = offs[docnums].tolist(), offs[docnums + 1].tolist()
        keep = [i for i, (a, b) in enumerate(zip(starts, ends, strict=True)) if find(needle, a, b) != -1]
        return docnums[keep]

    def docs_containing(self, piece: str) -> np.ndarray:
        """Every docnum whose search key holds `piece`, by one byte search over all the keys:
        on a small index cheaper than any term lookup (a match that runs across the end of
        a key into the next is not one)."""
        data, offs = self._key
        needle = piece.encode("utf-8")
        find = data.find
        found: list[int] = []
        pos = find(needle)
        while pos != -1:
            found.append(pos)
            pos = find(needle, pos + 1)
        if not found:
            return np.zeros(0, dtype=np.int64)
        starts = np.asarray(found, dtype=np.int64)
        docs = np.searchsorted(offs, starts, side="right") - 1
        inside = starts + len(needle) <= offs[docs + 1]
        return np.unique(docs[inside])

    @property
    def key_bytes(self) -> int:
        """Size of all search keys together."""
        return int(self._key[1][-1])

    def col(self, name: str) -> np.ndarray:
        return self._cols[name]

    def blob_offsets(self, name: str) -> np.ndarray:
        return (self._text if name == "text" else self._key)[1]

    @staticmethod
    def _get(blob: tuple[mmap.mmap | bytes, np.ndarray], docnum: int) -> str:
        data, offs = blob
        a, b = int(offs[docnum]), int(offs[docnum + 1])
        return data[a:b].decode("utf-8")

    def text(self, docnum: int) -> str:
        return self._get(self._text, docnum)

    def key(self, docnum: int) -> str:
        return self._get(self._key, docnum)

    def joined_keys(self, docnums: np.ndarray, sep: str) -> tuple[str, np.ndarray, np.ndarray]:
        """The search keys of many paragraphs joined by `sep` (their UTF-8 bytes joined and
        decoded once), each key's first character in the joined text, and its length (a
        key is as long as its text)."""
        data, offs = self._key
        docnums = np.asarray(docnums, dtype=np.int64)
        pieces = [data[a:b] for a, b in zip(offs[docnums].tolist(), offs[docnums + 1].tolist(), strict=True)]
        lengths = np.asarray(self._cols["nchars"])[docnums].astype(np.int64)
        first = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
        return sep.encode("utf-8").join(pieces).decode("utf-8"), first, lengths

    def article_of(self, docnum: int) -> ArticleRecord:
        return self.articles[int(self._cols["article"][docnum])]

    def section(self, docnum: int) -> str:
        s = int(self._cols["section"][docnum])
        return self.text(s) if s >= 0 else ""  # a heading is its own section

    def section_chain(self, docnum: int) -> tuple[int, ...]:
        """Docnums of the headings a paragraph stands under, nearest first."""
        out: list[int] = []
        s = int(self._cols["section"][docnum])
        up = self._cols["up"]
        while s >= 0 and s not in out:
            out.append(s)
            s = int(up[s])
        return tuple(out)

    def duplicates_of(self, docnum: int) -> np.ndarray:
        """The other live paragraphs of the docnum's near-duplicate cluster (in docnum order)."""
        rep = int(self._cols["dup"][docnum])
        if rep < 0:
            return np.zeros(0, dtype=np.int64)
        members = self._members().get(rep, np.zeros(0, dtype=np.int64))
        return members[members != docnum]

    def _members(self) -> dict[int, np.ndarray]:
        found = getattr(self, "_clusters", None)
        if found is None:
            dup = np.asarray(self._cols["dup"])
            docs = np.flatnonzero(dup >= 0)
            order = docs[np.argsort(dup[docs], kind="stable")]
            reps, starts = np.unique(dup[order], return_index=True)
            found = dict(zip(reps.tolist(), np.split(order, starts[1:]), strict=True))
            self._clusters = found
        return found

    def role(self, docnum: int) -> str:
        return roles.NAMES[int(self._cols["role"][docnum])]

    def themes(self, docnum: int) -> tuple[str, ...]:
        bits = int(self._cols["themes"][docnum])
        return tuple(t for i, t in enumerate(self.theme_names) if i < MAX_THEMES and bits >> i & 1)

    def close(self) -> None:
        self._cols.clear()
        for data, _ in (self._text, self._key):
            if isinstance(data, mmap.mmap):
                try:
                    data.close()
                except BufferError:  # a slice still in use elsewhere; the GC closes it
                    pass
