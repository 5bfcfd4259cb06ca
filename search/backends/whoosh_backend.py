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

import io
import threading
import weakref
import zlib
from array import array
from collections.abc import Iterator
from pathlib import Path
from pickle import dumps, load, loads
from struct import Struct

import numpy as np
from whoosh import index as windex
from whoosh.codec.whoosh3 import (
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3PostingsWriter,
    W3TermInfo,
)
from whoosh.fields import ID, FieldType, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Existence, Frequency
from whoosh.reading import TermNotFound
from whoosh.system import pack_uint, pack_ushort
from whoosh.util.numeric import length_to_byte

from search.analysis import DocTokens
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
    static_prior,
    top_with_prior,
)
from search.cache import ByteLRU

CHARS, GRAMS, WORDS, FILE = "chars", "grams", "words", "file"
BLOCK_LIMIT = 1024  # postings per block: Whoosh reads and unpickles a block at a time
INLINE_LIMIT = 32  # shorter posting lists live in the term table: no block to write or read
POSTINGS_CACHE_BYTES = 96 * 2**20
_BLOCK_LENGTH = Struct("!i")  # a posting block's byte length, as Whoosh writes it (negative: the last)
# Below this many bytes of search keys (about 1,500 paragraphs) one byte search over all
# the keys answers a piece of three or more characters faster than intersecting its grams
# (a Whoosh term lookup costs 20-40 µs in Python), and the index's words are one set.
SMALL_INDEX_KEY_BYTES = 512 * 1024
# Whoosh's files are memory-mapped when they are together at most this big.
MMAP_BELOW = 16 * 2**20


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
    """Fills posting blocks a block at a time instead of a posting at a time.

    In compact mode (the token fields, which only this module reads) a block or an inlined
    list holds its document numbers as little-endian uint32 bytes (deltas in blocks) and
    its frequencies as uint32 bytes or None, with no per-posting values: written and read
    with numpy instead of pickled tuples of Python numbers. The `file` field keeps Whoosh's
    own encoding, which its deletions read."""

    compact = False

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
                if not self.compact:
                    self._values.extend(pack_uint(n) for n in fchunk)

    # Whoosh minifies a block posting by posting in Python; the same values, with numpy.

    def _mini_ids(self) -> tuple[int, ...] | bytes:
        if self.compact:
            return _pack_deltas(np.frombuffer(self._ids, dtype=np.uint32))  # an array("I"): no copy
        ids = np.asarray(self._ids, dtype=np.int64)
        return tuple(np.diff(ids, prepend=0).tolist())

    def _mini_weights(self) -> tuple[float, ...] | float | bytes | None:
        if getattr(self, "_unit", False):
            return None
        w = np.asarray(self._weights, dtype=np.float64)
        if self.compact:
            return _pack(w.astype(np.uint32))
        if not len(w) or (w == 1.0).all():
            return None
        if (w == w[0]).all():
            return float(w[0])
        return tuple(w.tolist())

    def _mini_values(self):  # noqa: ANN202
        return None if self.compact else super()._mini_values()

    def finish_postings(self):  # noqa: ANN201
        # Whoosh 2.7 calls a method that does not exist (set_inline) whenever a list is
        # short enough to inline, so inlining above one posting never worked there.
        if not self.written() and len(self) < self._inlinelimit:
            terminfo = self._terminfo
            terminfo.add_block(self)
            if self.compact:
                ids = _pack(np.frombuffer(self._ids, dtype=np.uint32))
                weights = None if getattr(self, "_unit", True) else _pack(np.asarray(self._weights).astype(np.uint32))
                terminfo._inlined = (ids, weights, None)  # set_inlined would make tuples of them
            else:
                terminfo.set_inlined(self._ids, self._weights, self._values)
            self._terminfo = None
            return terminfo
        return super().finish_postings()


def _pack(values: np.ndarray) -> bytes:
    """Unsigned numbers as bytes: one byte giving the width (1, 2 or 4), then each number
    little-endian in that width (most deltas and counts fit in one byte)."""
    top = int(values.max()) if len(values) else 0
    width = 1 if top < 1 << 8 else 2 if top < 1 << 16 else 4
    return bytes((width,)) + values.astype(f"<u{width}", copy=False).tobytes()


def _pack_deltas(ids: np.ndarray) -> bytes:
    """A block's ascending uint32 docnums as _pack'ed deltas, the first one whole."""
    deltas = ids.copy()
    deltas[1:] -= ids[:-1]
    return _pack(deltas)


def _uint32s(raw: object) -> np.ndarray:
    """A compact posting part (bytes from _pack) or Whoosh's own (tuple, array) as int64."""
    if isinstance(raw, bytes):
        return np.frombuffer(raw, dtype=f"<u{raw[0]}", offset=1).astype(np.int64)
    return np.asarray(raw, dtype=np.int64)


class _TellingFile:
    """A file being written that knows its position: Whoosh asks the postings and term files
    for it up to four times per term, and a buffered file answers each time with a system
    call (lseek). Everything else goes to the file itself."""

    def __init__(self, file) -> None:  # noqa: ANN001
        self._file = file
        self._pos = file.tell()

    def write(self, data) -> int:  # noqa: ANN001
        n = self._file.write(data)
        self._pos += n
        return n

    def tell(self) -> int:
        return self._pos

    def seek(self, *args) -> int:  # noqa: ANN002
        self._pos = self._file.seek(*args)
        return self._pos

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._file, name)


class LeanFieldWriter(W3FieldWriter):
    """Writes the grouped postings of a DictPool term by term, block by block."""

    def __init__(self, codec, storage, segment) -> None:  # noqa: ANN001
        super().__init__(codec, storage, segment)
        for structfile in (self._postfile, self._tindex.dbfile):
            structfile.file = _TellingFile(structfile.file)

    def add_postings(self, schema, lengths, items):  # noqa: ANN001, ANN201 - Whoosh's signature
        if not isinstance(items, _Grouped):
            return super().add_postings(schema, lengths, items)
        for fieldname in sorted(items.fields):
            self.start_field(fieldname, schema[fieldname])
            postings = items.fields[fieldname]
            pw = self._postwriter
            pw.compact = isinstance(schema[fieldname], TokenSet | TokenCounts)
            pw._compression = COMPACT_COMPRESSION if pw.compact else self._codec._compression
            direct = pw.compact and self.direct
            # str order is UTF-8 byte order, the order Whoosh's term table needs
            for text in sorted(postings):
                entry = postings[text]
                ids, freqs = (entry, None) if isinstance(entry, array) else entry
                if direct:
                    self._write_compact_term(text.encode("utf-8"), ids, freqs)
                    continue
                self.start_term(text.encode("utf-8"))
                pw.add_many(ids, freqs)
                self.finish_term()
            self.finish_field()
        return None

    direct = True  # False: through Whoosh's term and block calls (the tests' reference)

    def _write_compact_term(self, btext: bytes, ids: array, freqs: array | None) -> None:
        """One compact term's postings and term-table row, written at once: the bytes
        start_term / add_many / finish_term write, without Whoosh's per-block bookkeeping
        (a Python sum over every weight, a terminfo update per block, a position query
        per term), which was most of the cost of the 10k build's commit."""
        n = len(ids)
        docs = np.frombuffer(ids, dtype=np.uint32)
        counts = None if freqs is None else np.frombuffer(freqs, dtype=np.uint32)
        info = W3TermInfo()
        info._df = n
        info._minid, info._maxid = int(docs[0]), int(docs[-1])
        info._weight = float(n) if counts is None else float(counts.sum())
        if n < INLINE_LIMIT:
            info._maxweight = 1.0 if counts is None else float(counts.max())
            info._inlined = (_pack(docs), None if counts is None else _pack(counts), None)
        else:
            postfile = self._postfile
            start = postfile.tell()
            postfile.write(WHOOSH3_HEADER_MAGIC)
            limit = BLOCK_LIMIT
            maxweight = 0.0
            for i in range(0, n, limit):
                chunk = docs[i : i + limit]
                if counts is None:
                    top, weights = 1.0, None
                else:
                    cchunk = counts[i : i + limit]
                    top, weights = float(cchunk.max()), _pack(cchunk)
                maxweight = max(maxweight, top)
                data = dumps((_pack_deltas(chunk), weights, None), 2)
                head = dumps((len(chunk), int(chunk[-1]), top, 0, _NO_LENGTH, _ZERO_LENGTH), 2)
                size = len(head) + len(data)
                postfile.write_int(-size if i + limit >= n else size)
                postfile.write(head)
                postfile.write(data)
            info._maxweight = maxweight
            info.set_extent(start, postfile.tell() - start)
        self._tindex.add(pack_ushort(self._fieldid) + btext, info.to_bytes())


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


# Every code point str.isspace() is true of lies at or below U+3000.
_SPACES = np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.int64)
_BATCH_BITS = 10  # a batch of at most 1,024 paragraphs: local docnum in the low bits
BATCH = 1 << _BATCH_BITS
_CP_BITS = 21  # a code point fits in 21 bits; a gram is two of them
_CP_MASK = (1 << _CP_BITS) - 1


def sorted_unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(values, return_counts=True) by a sort: numpy 2.4's hash-based unique of
    int64 took 4.9 s where this takes 0.05 s (1.5 million values)."""
    v = np.sort(values)
    first = np.empty(len(v), dtype=bool)
    first[:1] = True
    np.not_equal(v[1:], v[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return v[starts], np.diff(np.append(starts, len(v)))


def batch_codes(keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The chars and grams of a batch of search keys (search.analysis's char_set and
    gram_set of each), as sorted unique int64 values code << 10 | index of the key: a
    character's code is its code point, a gram's (first << 21) | second, a lone character
    ending a run (first << 21). Code order is the terms' UTF-8 byte order."""
    if len(keys) > BATCH:
        raise ValueError(f"at most {BATCH} keys a batch")
    text = " ".join(keys)  # a space between keys: no gram runs from one key into the next
    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
    doc = np.repeat(np.arange(len(keys), dtype=np.int64), [len(k) + 1 for k in keys])[: len(cp)]
    space = np.isin(cp, _SPACES)
    keep = ~space
    nxt = np.empty_like(cp)
    nxt[:-1] = np.where(space[1:], 0, cp[1:])
    nxt[-1:] = 0
    doc = doc[keep]
    chars = sorted_unique((cp[keep] << _BATCH_BITS) | doc)[0]
    grams = sorted_unique((((cp[keep] << _CP_BITS) | nxt[keep]) << _BATCH_BITS) | doc)[0]
    return chars, grams


def gram_text(code: int) -> str:
    """The gram a gram code stands for."""
    second = code & _CP_MASK
    return chr(code >> _CP_BITS) + chr(second) if second else chr(code >> _CP_BITS)


# zlib level of the token fields' blocks: none, their numbers are packed (see _pack).
COMPACT_COMPRESSION = 0
_NO_LENGTH, _ZERO_LENGTH = length_to_byte(None), length_to_byte(0)  # no field lengths kept

# Postings gathered as batch codes before they are sorted into per-term arrays.
PENDING_CODES = 1 << 22


class DictPool:
    """Stands in for Whoosh's PostingPool: each term's docnums (and frequencies) gathered
    in compact arrays in document order, so a commit sorts distinct terms, not postings."""

    def __init__(self) -> None:
        self.fields: dict[str, dict[str, array | tuple[array, array]]] = {}
        self.fieldnames: set[str] = set()
        # chars, grams and words: batches of codes (see batch_codes; a word's code is its
        # number in `words`), then arrays per code (docnums, and frequencies for words)
        self._pending: dict[str, list[tuple[np.ndarray, int, np.ndarray | None]]] = {}
        self._pending_size = 0
        self._codes: dict[str, dict[int, array | tuple[array, array]]] = {}
        self.words: dict[str, int] = {}

    def _field(self, fieldname: str) -> dict[str, array | tuple[array, array]]:
        postings = self.fields.get(fieldname)
        if postings is None:
            postings = self.fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return postings

    def add(self, item: tuple) -> None:  # Whoosh's interface (add_document), unused here
        raise NotImplementedError("the lean writer adds terms with add_set, add_codes and add_words")

    def add_set(self, fieldname: str, docnum: int, terms) -> None:  # noqa: ANN001
        postings = self._field(fieldname)
        known = postings.keys() & terms  # set operations run in C; new terms are few
        for t in known:
            postings[t].append(docnum)
        for t in terms - known if isinstance(terms, set) else (t for t in terms if t not in known):
            postings[t] = array("I", (docnum,))

    def add_codes(self, fieldname: str, values: np.ndarray, base: int, freqs: np.ndarray | None = None) -> None:
        """A batch's sorted unique codes (batch_codes) for paragraphs numbered from `base`
        on, with each one's frequency for a field that keeps them."""
        self.fieldnames.add(fieldname)
        self._pending.setdefault(fieldname, []).append((values, base, freqs))
        self._pending_size += len(values)
        if self._pending_size > PENDING_CODES:
            self._sort_pending()

    def add_words(self, words: list[str], lengths: list[int], base: int) -> None:
        """The words of a batch of paragraphs (`lengths[i]` of them for the i-th), each
        numbered on first sight, counted per paragraph with numpy."""
        vocab = self.words
        ids = np.fromiter([vocab.setdefault(w, len(vocab)) for w in words], dtype=np.int64, count=len(words))
        docs = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
        values, counts = sorted_unique((ids << _BATCH_BITS) | docs)
        self.add_codes(WORDS, values, base, counts)

    def _sort_pending(self) -> None:
        # One stable sort by code per field; batches come in docnum order and each is
        # sorted by (code, docnum), so every code's docnums stay ascending.
        for fieldname, batches in self._pending.items():
            codes = np.concatenate([v >> _BATCH_BITS for v, _, _ in batches])
            if not len(codes):  # batches of paragraphs without one such token
                continue
            docs = np.concatenate([(v & (BATCH - 1)) + base for v, base, _ in batches]).astype(np.uint32)
            with_freqs = batches[0][2] is not None
            order = np.argsort(codes, kind="stable")
            codes, docs = codes[order], docs[order]
            freqs = np.concatenate([f for _, _, f in batches])[order].astype(np.uint32) if with_freqs else None
            bounds = np.flatnonzero(np.diff(codes)) + 1
            starts = [0, *bounds.tolist()]
            ends = [*bounds.tolist(), len(codes)]
            postings = self._codes.setdefault(fieldname, {})
            get = postings.get
            for code, a, b in zip(codes[starts].tolist(), starts, ends, strict=True):
                entry = get(code)
                if freqs is None:
                    if entry is None:
                        entry = postings[code] = array("I")
                    entry.frombytes(docs[a:b].tobytes())
                else:
                    if entry is None:
                        entry = postings[code] = (array("I"), array("I"))
                    entry[0].frombytes(docs[a:b].tobytes())
                    entry[1].frombytes(freqs[a:b].tobytes())
        self._pending.clear()
        self._pending_size = 0

    def iter_postings(self) -> _Grouped:
        self._sort_pending()
        words = list(self.words)  # a word's code is its place in the order of first sight
        for fieldname, postings in self._codes.items():
            text = chr if fieldname == CHARS else gram_text if fieldname == GRAMS else words.__getitem__
            self._field(fieldname).update((text(c), entry) for c, entry in postings.items())
        self._codes.clear()
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
        self._keys: list[str] = []  # search keys waiting for batch_codes
        self._words: list[str] = []  # and their words, `_word_lengths` a paragraph
        self._word_lengths: list[int] = []
        self._keys_base = 0

    def add(self, doc: DocTokens, fields: ParagraphFields) -> None:
        if doc.docnum != self.base + self.added:
            raise BackendError(f"Whoosh docnums must follow each other: expected {self.base + self.added}, got {doc.docnum}.")
        # What SegmentWriter.add_document does, without a Python call per posting.
        w = self.w
        docnum = w.docnum
        pdw = w.perdocwriter
        pdw.start_doc(docnum)
        pool = self.pool
        if not self._keys:
            self._keys_base = docnum
        self._keys.append(doc.key)
        self._words.extend(doc.words)
        self._word_lengths.append(len(doc.words))
        if len(self._keys) == BATCH:
            self._add_keys()
        pool.add_set(FILE, docnum, (doc.file,))
        schema = self._schema
        # Whoosh keeps a length per field; ranking uses the store's word counts instead
        pdw.add_field(CHARS, schema[CHARS], None, len(doc.key))
        pdw.add_field(GRAMS, schema[GRAMS], None, len(doc.key))
        pdw.add_field(WORDS, schema[WORDS], None, len(doc.words))
        pdw.add_field(FILE, schema[FILE], None, 1)
        pdw.finish_doc()
        w._added = True
        w.docnum += 1
        self.added += 1

    def _add_keys(self) -> None:
        """The chars, grams and words of the paragraphs added since the last batch, in one go."""
        if self._keys:
            chars, grams = batch_codes(self._keys)
            self.pool.add_codes(CHARS, chars, self._keys_base)
            self.pool.add_codes(GRAMS, grams, self._keys_base)
            self.pool.add_words(self._words, self._word_lengths, self._keys_base)
            self._keys, self._words, self._word_lengths = [], [], []

    def delete_file(self, source: str) -> None:
        self.w.delete_by_term(FILE, source)

    def commit(self) -> None:
        from whoosh.writing import NO_MERGE

        self._add_keys()
        self.w.commit(merge=False, mergetype=NO_MERGE)

    def cancel(self) -> None:
        self.w.cancel()


class _Reader(BackendReader):
    def __init__(self, folder: Path, store: object) -> None:
        try:
            # No mmap unless the index is small: each thread has its own reader (Whoosh seeks
            # in its files), and one mapping of the index per thread counts once per thread
            # in the process's memory. A mapped term lookup costs about half an unmapped one.
            small = sum(f.stat().st_size for f in folder.iterdir() if f.is_file()) <= MMAP_BELOW
            self.ix = FileStorage(str(folder), supports_mmap=small, readonly=True).open_index()
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
        self.small = store.key_bytes <= SMALL_INDEX_KEY_BYTES  # type: ignore[attr-defined]
        self._shared_words: list[dict[bytes, bytes]] | None = None
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
        for info, terms, offset in self._term_infos(field, btext):
            if info.is_inlined():
                ids, weights, _ = info.inlined_postings()
                ids_parts.append(_uint32s(ids) + offset)
                if with_freq:
                    n = len(ids_parts[-1])
                    freq_parts.append(np.ones(n) if weights is None else _uint32s(weights).astype(np.float64))
                continue
            start, length = info.extent()
            if isinstance(length, tuple):  # W3TermInfo.from_bytes keeps struct.unpack's 1-tuple
                (length,) = length
            _read_blocks(terms._postfile.get(start, length), offset, ids_parts, freq_parts if with_freq else None)
        ids = np.concatenate(ids_parts) if ids_parts else np.zeros(0, dtype=np.int64)
        freqs = (np.concatenate(freq_parts) if freq_parts else np.zeros(0, dtype=np.float64)) if with_freq else None
        self._cache.put(key, (ids, freqs))
        return ids, freqs

    def _term_infos(self, field: str, btext: bytes) -> Iterator[tuple[W3TermInfo, object, int]]:
        """(term info, term reader, docnum offset) of a term in each segment holding it."""
        if self.small and field == WORDS:
            for seg, offset, table in self._word_tables():
                raw = table.get(btext)
                if raw is not None:
                    yield W3TermInfo.from_bytes(raw), seg._terms, offset
            return
        for seg, offset in self._reader().leaf_readers():
            # One look in the term table; Whoosh's `in` then `postings` looks twice and
            # wraps the matcher to hide deleted documents, which the store's live column does.
            terms = seg._terms
            try:
                yield terms.term_info(field, btext), terms, offset
            except TermNotFound:
                continue

    def _word_tables(self) -> list[tuple[object, int, dict[bytes, bytes]]]:
        """A small index's word term table, per segment, read into a dict once (a few
        thousand rows): a word is found by one dict lookup instead of Whoosh's hashed
        file table (an md5 and two reads)."""
        found = self._local.__dict__.get("word_tables")
        if found is None:
            leaves = self._reader().leaf_readers()
            with self._lock:  # the dicts are shared by the threads; their segments are not
                if self._shared_words is None:
                    self._shared_words = [_word_table(seg._terms) for seg, _ in leaves]
                shared = self._shared_words
            found = [(seg, offset, table) for (seg, offset), table in zip(leaves, shared, strict=True)]
            self._local.word_tables = found
        return found

    def has_word(self, word: str) -> bool:
        btext = word.encode("utf-8")
        if self.small:
            return any(btext in table for _, _, table in self._word_tables())
        return any((WORDS, btext) in seg for seg, _ in self._reader().leaf_readers())

    def docs_with(self, piece: str, limit: int | None = None) -> np.ndarray:
        if limit is not None:
            return self.docs_with(piece)[:limit]  # the lists are read whole anyway
        if self.small and len(piece) > 2:
            return self.store.docs_containing(piece)  # type: ignore[attr-defined]
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
        return top_with_prior(scores[docs], docs, plan, self._prior)

    def clear_cache(self) -> None:
        """Forget cached posting lists (benchmarks time every search cold)."""
        self._cache.clear()

    def close(self) -> None:
        with self._lock:
            _close_readers(self._readers)
            self._local = threading.local()
            self._shared_words = None
            self._cache.clear()


def _word_table(terms) -> dict[bytes, bytes]:  # noqa: ANN001
    """{word: its term-info bytes} of a segment's term reader."""
    prefix = terms._keycoder(WORDS, b"")
    table = {}
    for key, value in terms._tindex.items_from(prefix):
        if not key.startswith(prefix):
            break
        table[key[len(prefix) :]] = value
    return table


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


def _read_blocks(raw: bytes, offset: int, ids_out: list[np.ndarray], freqs_out: list[np.ndarray] | None) -> None:
    """Every posting of a posting list's bytes (read with one get) as numpy arrays. Whoosh's
    W3LeafMatcher reads the same blocks (a signed length, negative for the last; a pickled
    info tuple; the pickled, maybe zlib-compressed data) with about twenty small reads
    through its compound-file wrapper for each block's header."""
    if raw[:4] != WHOOSH3_HEADER_MAGIC:
        raise BackendError("A Whoosh posting list does not start with its block tag: the index is damaged.")
    buf = io.BytesIO(raw)
    pos = 4
    while True:
        (length,) = _BLOCK_LENGTH.unpack_from(raw, pos)
        buf.seek(pos + _BLOCK_LENGTH.size)
        compression = load(buf)[3]  # (count, max id, max weight, compression, min/max length)
        end = pos + _BLOCK_LENGTH.size + abs(length)
        data = raw[buf.tell() : end]
        raw_ids, raw_weights = loads(zlib.decompress(data) if compression else data)[:2]
        ids = np.cumsum(_uint32s(raw_ids))  # a block's ids are delta-encoded
        ids_out.append(ids + offset)
        if freqs_out is not None:
            if raw_weights is None or isinstance(raw_weights, float):
                freqs_out.append(np.full(len(ids), 1.0 if raw_weights is None else raw_weights))
            else:
                freqs_out.append(_uint32s(raw_weights).astype(np.float64))
        if length < 0:
            return
        pos = end


class WhooshBackend(Backend):
    name = "whoosh"
    folder_name = "whoosh"
    writer_class = _Writer
    reader_class = _Reader
