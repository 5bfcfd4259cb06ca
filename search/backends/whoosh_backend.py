"""The Whoosh backend (the default): postings in Whoosh, everything else in numpy.

Lean by design (see docs/benchmarks.md for what each choice bought):
- three posting fields fed with ready-made tokens (search.analysis), no analyzer at
  write time: `chars` and `grams` store document numbers only, `words` adds the term
  frequency; nothing is stored in Whoosh (the store holds text and facet columns);
- a phrase of grams is answered by intersecting the grams' document lists in numpy and
  checking the survivors against the stored search key, instead of reading positions;
- postings are read a block at a time into numpy arrays (large blocks: fewer pickles);
- ranking is BM25 computed with numpy over the allowed paragraphs.
The field classes below are pickled into the index with the schema: keep their import path.
"""

from __future__ import annotations

import threading
import weakref
from array import array
from pathlib import Path

import numpy as np
from whoosh import index as windex
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3LeafMatcher, W3PostingsWriter
from whoosh.fields import ID, FieldType, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Existence, Frequency
from whoosh.reading import TermNotFound
from whoosh.system import pack_uint

from search.analysis import DocTokens, char_set, gram_set
from search.backends.base import (
    TITLE_BOOST,
    Backend,
    BackendError,
    BackendReader,
    BackendWriter,
    ParagraphFields,
    RankPlan,
    bm25,
    clone_folder,
    prior,
    static_prior,
    top_k,
)
from search.cache import ByteLRU

CHARS, GRAMS, WORDS, FILE = "chars", "grams", "words", "file"
BLOCK_LIMIT = 1024  # postings per block: Whoosh reads and unpickles a block at a time
INLINE_LIMIT = 32  # shorter posting lists live in the term table: no block to write or read
POSTINGS_CACHE_BYTES = 96 * 2**20


class TokenSet(FieldType):
    """A field indexed from a ready-made collection of tokens: document numbers only."""

    def __init__(self) -> None:
        self.format = Existence()
        self.vector = None
        # Scorable only so that Whoosh writes a length column: without one, its posting
        # writer stats the missing column file once per posting (a third of a build).
        self.scorable = True
        self.stored = False
        self.unique = False
        self.analyzer = None

    def index(self, value, **kwargs):  # noqa: ANN001, ANN201 - Whoosh's signature
        for t in sorted(value):
            yield t.encode("utf-8"), 1, 1.0, b""


class TokenCounts(FieldType):
    """A field indexed from a ready-made {token: count}: document numbers and frequencies."""

    def __init__(self) -> None:
        self.format = Frequency()
        self.vector = None
        self.scorable = True  # see TokenSet
        self.stored = False
        self.unique = False
        self.analyzer = None

    def index(self, value, **kwargs):  # noqa: ANN001, ANN201 - Whoosh's signature
        for t, n in sorted(value.items()):
            yield t.encode("utf-8"), n, float(n), pack_uint(n)


class LeanPostingsWriter(W3PostingsWriter):
    """Fills posting blocks a block at a time instead of a posting at a time."""

    def add_many(self, ids: array, freqs: array | None) -> None:
        limit = self._blocklimit
        for i in range(0, len(ids), limit):
            if i:
                self._write_block()
                self._new_block()
            chunk = ids[i : i + limit]
            self._ids.extend(chunk)
            self._unit = freqs is None
            if freqs is None:
                self._weights = array("f", [1.0]) * len(chunk)
                self._maxweight = 1.0
            else:
                fchunk = freqs[i : i + limit]
                self._weights = array("f", fchunk)
                self._maxweight = float(max(fchunk))
                self._values.extend(pack_uint(n) for n in fchunk)


    # Whoosh minifies a block posting by posting in Python; the same values, with numpy.

    def _mini_ids(self) -> tuple[int, ...]:
        ids = np.asarray(self._ids, dtype=np.int64)
        return tuple(np.diff(ids, prepend=0).tolist())

    def _mini_weights(self) -> tuple[float, ...] | float | None:
        if getattr(self, "_unit", False):
            return None
        w = np.asarray(self._weights, dtype=np.float64)
        if not len(w) or (w == 1.0).all():
            return None
        if (w == w[0]).all():
            return float(w[0])
        return tuple(w.tolist())

    def finish_postings(self):  # noqa: ANN201
        # Whoosh 2.7 calls a method that does not exist (set_inline) whenever a list is
        # short enough to inline, so inlining above one posting never worked there.
        if not self.written() and len(self) < self._inlinelimit:
            terminfo = self._terminfo
            terminfo.add_block(self)
            terminfo.set_inlined(self._ids, self._weights, self._values)
            self._terminfo = None
            return terminfo
        return super().finish_postings()


class LeanFieldWriter(W3FieldWriter):
    """Writes the grouped postings of a DictPool term by term, block by block."""

    def add_postings(self, schema, lengths, items):  # noqa: ANN001, ANN201 - Whoosh's signature
        if not isinstance(items, _Grouped):
            return super().add_postings(schema, lengths, items)
        for fieldname in sorted(items.fields):
            self.start_field(fieldname, schema[fieldname])
            postings = items.fields[fieldname]
            pw = self._postwriter
            # str order is UTF-8 byte order, the order Whoosh's term table needs
            for text in sorted(postings):
                entry = postings[text]
                ids, freqs = (entry, None) if isinstance(entry, array) else entry
                self.start_term(text.encode("utf-8"))
                pw.add_many(ids, freqs)
                self.finish_term()
            self.finish_field()
        return None


class LeanCodec(W3Codec):
    """Whoosh's codec with large posting blocks, written a block at a time, and no
    per-posting length lookups (ranking keeps lengths in the store)."""

    length_stats = False

    def __init__(self) -> None:
        super().__init__(blocklimit=BLOCK_LIMIT, compression=1, inlinelimit=INLINE_LIMIT)

    def field_writer(self, storage, segment):  # noqa: ANN001, ANN201
        return LeanFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids=False):  # noqa: ANN001, ANN201
        return LeanPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                  compression=self._compression, inlinelimit=self._inlinelimit)  # fmt: skip


class _Grouped:
    """Postings per field and term, handed from DictPool to LeanFieldWriter."""

    def __init__(self, fields: dict[str, dict[str, array | tuple[array, array]]]) -> None:
        self.fields = fields

    def __iter__(self):  # noqa: ANN204 - the flat form Whoosh's own writers expect
        for fieldname in sorted(self.fields):
            for text, entry in sorted(self.fields[fieldname].items()):
                ids, freqs = (entry, None) if isinstance(entry, array) else entry
                btext = text.encode("utf-8")
                for i, docnum in enumerate(ids):
                    n = 1 if freqs is None else freqs[i]
                    yield fieldname, btext, docnum, float(n), (b"" if freqs is None else pack_uint(n))


class DictPool:
    """Stands in for Whoosh's PostingPool: each term's docnums (and frequencies) gathered
    in compact arrays in document order, so a commit sorts distinct terms, not postings."""

    def __init__(self) -> None:
        self.fields: dict[str, dict[str, array | tuple[array, array]]] = {}
        self.fieldnames: set[str] = set()

    def _field(self, fieldname: str) -> dict[str, array | tuple[array, array]]:
        postings = self.fields.get(fieldname)
        if postings is None:
            postings = self.fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return postings

    def add(self, item: tuple) -> None:  # Whoosh's interface (add_document), unused here
        raise NotImplementedError("the lean writer adds terms with add_set / add_counts")

    def add_set(self, fieldname: str, docnum: int, terms) -> None:  # noqa: ANN001
        postings = self._field(fieldname)
        known = postings.keys() & terms  # set operations run in C; new terms are few
        for t in known:
            postings[t].append(docnum)
        for t in terms - known if isinstance(terms, set) else (t for t in terms if t not in known):
            postings[t] = array("I", (docnum,))

    def add_counts(self, fieldname: str, docnum: int, counts) -> None:  # noqa: ANN001
        postings = self._field(fieldname)
        get = postings.get
        for t, n in counts.items():
            entry = get(t)
            if entry is None:
                postings[t] = (array("I", (docnum,)), array("I", (n,)))
            else:
                entry[0].append(docnum)
                entry[1].append(n)

    def iter_postings(self) -> _Grouped:
        return _Grouped(self.fields)

    def cleanup(self) -> None:
        self.fields.clear()


def build_schema() -> Schema:
    return Schema(**{CHARS: TokenSet(), GRAMS: TokenSet(), WORDS: TokenCounts(), FILE: ID()})


class _Writer(BackendWriter):
    def __init__(self, folder: Path, previous: Path | None, procs: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if previous is not None:
            clone_folder(previous, folder, link=lambda p: p.suffix == ".seg")  # TOCs are rewritten
            self.ix = windex.open_dir(str(folder))
        else:
            self.ix = windex.create_in(str(folder), build_schema())
        self._schema = self.ix.schema
        self.base = self.ix.doc_count_all()
        # One writer, no merging: Whoosh's docnums must stay the order of addition (the
        # store's docnums); an incremental build adds one segment after the old ones.
        self.w = self.ix.writer(codec=LeanCodec())
        self.pool = self.w.pool = DictPool()
        self.added = 0

    def add(self, doc: DocTokens, fields: ParagraphFields) -> None:
        if doc.docnum != self.base + self.added:
            raise BackendError(f"Whoosh docnums must follow each other: expected {self.base + self.added}, got {doc.docnum}.")
        # What SegmentWriter.add_document does, without a Python call per posting.
        w = self.w
        docnum = w.docnum
        pdw = w.perdocwriter
        pdw.start_doc(docnum)
        pool = self.pool
        chars = char_set(doc.key)
        grams = gram_set(doc.key)
        words = doc.word_counts
        pool.add_set(CHARS, docnum, chars)
        pool.add_set(GRAMS, docnum, grams)
        pool.add_counts(WORDS, docnum, words)
        pool.add_set(FILE, docnum, (doc.file,))
        schema = self._schema
        pdw.add_field(CHARS, schema[CHARS], None, len(chars))
        pdw.add_field(GRAMS, schema[GRAMS], None, len(grams))
        pdw.add_field(WORDS, schema[WORDS], None, len(doc.words))
        pdw.add_field(FILE, schema[FILE], None, 1)
        pdw.finish_doc()
        w._added = True
        w.docnum += 1
        self.added += 1

    def delete_file(self, source: str) -> None:
        self.w.delete_by_term(FILE, source)

    def commit(self) -> None:
        from whoosh.writing import NO_MERGE

        self.w.commit(merge=False, mergetype=NO_MERGE)

    def cancel(self) -> None:
        self.w.cancel()


class _Reader(BackendReader):
    def __init__(self, folder: Path, store: object) -> None:
        try:
            # No mmap: each thread has its own reader (Whoosh seeks in its files), and one
            # mapping of the index per thread counts once per thread in the process's memory.
            self.ix = FileStorage(str(folder), supports_mmap=False, readonly=True).open_index()
        except Exception as exc:  # noqa: BLE001 - Whoosh raises many kinds
            raise BackendError(f"The Whoosh index in {str(folder)!r} cannot be opened: {exc}") from exc
        self._schema = self.ix.schema
        self.store = store
        self._local = threading.local()
        self._lock = threading.Lock()
        self._cache = ByteLRU(POSTINGS_CACHE_BYTES)
        self._n = self.ix.doc_count_all()
        wlen = store.col("wlen")  # type: ignore[attr-defined]
        live = store.col("live")  # type: ignore[attr-defined]
        self._wlen = np.asarray(wlen, dtype=np.float64)
        self._live_count = int(np.count_nonzero(live))
        self._avgdl = float(self._wlen[np.asarray(live)].mean()) if self._live_count else 1.0
        self._prior = static_prior(store)
        self._live = np.asarray(live, dtype=bool)
        self._titles = _Titles(store)
        self._readers: list = []
        # Readers hold open files: closed with this object even when nobody calls close().
        self._finalizer = weakref.finalize(self, _close_readers, self._readers)

    def _reader(self):  # noqa: ANN202
        # Whoosh's readers keep a file position per posting list: one reader per thread.
        r = getattr(self._local, "reader", None)
        if r is None:
            r = self._local.reader = self.ix.reader()
            with self._lock:
                self._readers.append(r)
        return r

    def postings(self, field: str, text: str, with_freq: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Docnums (and frequencies) of a term, deleted documents included."""
        key = (field, text)
        hit = self._cache.get(key)
        if hit is not None and (hit[1] is not None or not with_freq):
            return hit
        btext = text.encode("utf-8")
        ids_parts: list[np.ndarray] = []
        freq_parts: list[np.ndarray] = []
        fmt = self._schema[field].format
        for seg, offset in self._reader().leaf_readers():
            # One look in the term table; Whoosh's `in` then `postings` looks twice and
            # wraps the matcher to hide deleted documents, which the store's live column does.
            terms = seg._terms
            try:
                info = terms.term_info(field, btext)
            except TermNotFound:
                continue
            if info.is_inlined():
                ids, weights, _ = info.inlined_postings()
                ids_parts.append(np.asarray(ids, dtype=np.int64) + offset)
                if with_freq:
                    freq_parts.append(np.asarray(weights, dtype=np.float64))
                continue
            m = terms._codec.postings_reader(terms._postfile, info, fmt, term=(field, btext))
            _read_all(m, offset, ids_parts, freq_parts if with_freq else None)
        ids = np.concatenate(ids_parts) if ids_parts else np.zeros(0, dtype=np.int64)
        freqs = (np.concatenate(freq_parts) if freq_parts else np.zeros(0, dtype=np.float64)) if with_freq else None
        self._cache.put(key, (ids, freqs))
        return ids, freqs

    def has_word(self, word: str) -> bool:
        btext = word.encode("utf-8")
        return any((WORDS, btext) in seg for seg, _ in self._reader().leaf_readers())

    def docs_with(self, piece: str) -> np.ndarray:
        if len(piece) == 1:
            return self.postings(CHARS, piece)[0]
        grams = sorted({piece[i : i + 2] for i in range(len(piece) - 1)})
        lists = sorted((self.postings(GRAMS, g)[0] for g in grams), key=len)
        docs = lists[0]
        for other in lists[1:]:
            if not len(docs):
                break
            docs = docs[np.isin(docs, other, assume_unique=True)]
        if len(grams) == 1 and len(piece) == 2:
            return docs  # a bigram's postings are exact
        return self.store.keys_containing(docs, piece)  # type: ignore[attr-defined]

    def top(self, plan: RankPlan) -> list[tuple[int, float]]:
        allowed = plan.allowed
        docs = np.flatnonzero(allowed)
        if not len(docs):
            return []
        scores = np.zeros(self._n, dtype=np.float64)
        n_docs = self._live_count
        for w in plan.words:
            ids, tfs = self.postings(WORDS, w, with_freq=True)
            if not len(ids):
                continue
            sel = allowed[ids]
            d = ids[sel]
            if len(d):
                # document frequency over live paragraphs only: an incremental build's
                # dropped paragraphs are still in Whoosh's postings
                df = int(np.count_nonzero(self._live[ids]))
                scores[d] += bm25(tfs[sel], df, n_docs, self._wlen[d], self._avgdl)
        scores += TITLE_BOOST * self._titles.scores(plan.words, docs, self._n, self._live_count)
        s = scores[docs] * prior(plan, self._prior, docs)
        return top_k(s, docs, plan.limit, plan.order)

    def clear_cache(self) -> None:
        """Forget cached posting lists (benchmarks time every search cold)."""
        self._cache.clear()

    def close(self) -> None:
        with self._lock:
            _close_readers(self._readers)
            self._local = threading.local()
            self._cache.clear()


def _close_readers(readers: list) -> None:
    while readers:
        try:
            readers.pop().close()
        except Exception:  # noqa: BLE001, S110 - closing is best effort
            pass


class _Titles:
    """BM25 of query words on titles, as tantivy scores its per-paragraph title field: the
    title counts once for every paragraph of its article. Built once per open generation."""

    def __init__(self, store: object) -> None:
        articles = store.articles  # type: ignore[attr-defined]
        self.art_col = np.asarray(store.col("article"))  # type: ignore[attr-defined]
        self.lengths = np.array([len(a.title_words) for a in articles], dtype=np.float64)
        self.counts = np.array([a.count if a.live else 0 for a in articles], dtype=np.float64)
        self.avgdl = float((self.lengths * self.counts).sum() / max(self.counts.sum(), 1))
        postings: dict[str, dict[int, int]] = {}
        for i, a in enumerate(articles):
            for w in a.title_words:
                per = postings.setdefault(w, {})
                per[i] = per.get(i, 0) + 1
        self.postings = {
            w: (np.fromiter(per, dtype=np.int64), np.fromiter(per.values(), dtype=np.float64))
            for w, per in postings.items()
        }
        self.n_articles = len(articles)

    def scores(self, words: tuple[str, ...], docs: np.ndarray, size: int, n_docs: int) -> np.ndarray:
        """The title score of each paragraph in docs, as a dense array of `size`."""
        out = np.zeros(size, dtype=np.float64)
        if not words or not len(docs):
            return out
        per_article = np.zeros(self.n_articles, dtype=np.float64)
        for w in words:
            hit = self.postings.get(w)
            if hit is None:
                continue
            arts, tf = hit
            df = int(self.counts[arts].sum())
            per_article[arts] += bm25(tf, df, n_docs, self.lengths[arts], self.avgdl)
        out[docs] = per_article[self.art_col[docs]]
        return out


def _read_all(m: object, offset: int, ids_out: list[np.ndarray], freqs_out: list[np.ndarray] | None) -> None:
    """Every posting of a matcher as numpy arrays, a block at a time where Whoosh allows."""
    if isinstance(m, W3LeafMatcher):
        while m.is_active():
            if m._data is None:
                m._read_data()
            raw_ids, raw_weights = m._data[0], m._data[1]
            ids = np.asarray(raw_ids, dtype=np.int64)
            if not m._byteids:
                ids = np.cumsum(ids)  # Whoosh delta-encodes the ids of a block
            ids_out.append(ids + offset)
            if freqs_out is not None:
                if raw_weights is None or isinstance(raw_weights, float):
                    freqs_out.append(np.full(len(ids), 1.0 if raw_weights is None else raw_weights))
                else:
                    freqs_out.append(np.asarray(raw_weights, dtype=np.float64))
            m._next_block()
        return
    ids_l, fr_l = [], []
    while m.is_active():  # type: ignore[attr-defined]
        ids_l.append(m.id())  # type: ignore[attr-defined]
        if freqs_out is not None:
            fr_l.append(m.weight())  # type: ignore[attr-defined]
        m.next()  # type: ignore[attr-defined]
    ids_out.append(np.asarray(ids_l, dtype=np.int64) + offset)
    if freqs_out is not None:
        freqs_out.append(np.asarray(fr_l, dtype=np.float64))


class WhooshBackend(Backend):
    name = "whoosh"
    folder_name = "whoosh"
    writer_class = _Writer
    reader_class = _Reader
