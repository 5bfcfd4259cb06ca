"""The tantivy backend, for large corpora: the same tokens, matched and ranked in Rust.

tantivy (tantivy-py, embedded, no server) indexes the tokens of search.analysis as
whitespace-separated strings, so it cuts exactly what the Whoosh backend cuts:

- `grams`: one gram per character position, with positions, so an exact substring is
  a phrase of non-overlapping grams at their offsets (no check against the text needed);
- `chars`: the distinct characters; `words` and `title`: words with frequencies, ranked
  by tantivy's BM25 (the formula of search.backends.base), the title at TITLE_BOOST;
- `n`: the store's docnum, a fast field; `prior`: the score multiplier, applied with
  `weight_by_field` (tantivy multiplies by log2(2 + prior));
- filter fields (region, type, level, themes, year) so that a page's ranking runs as
  one native query when the match condition is expressible in it.
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

import numpy as np

from search.analysis import DocTokens, char_set, gram_sequence, piece_grams
from search.backends.base import (
    HEADING_PRIOR,
    TITLE_BOOST,
    Backend,
    BackendError,
    BackendReader,
    BackendWriter,
    DocFilter,
    ParagraphFields,
    RankPlan,
    top_k,
)

try:
    import tantivy
except ImportError:  # pragma: no cover - tantivy is a dependency; this keeps the message clear
    tantivy = None

HEAP_BYTES = 256_000_000
# weight_by_field multiplies by log2(2 + prior): 2.0 doubles the body, 0.0 keeps headings
# at 1, so a heading weighs HEADING_PRIOR of a body paragraph; scores are halved back.
_BODY_PRIOR = 2.0
_PRIOR_SCALE = 0.5
_TEXT_FILTERS = {"provinces": "province", "cities": "city", "districts": "district",
                 "doc_types": "doc_type", "levels": "level", "themes": "themes"}  # fmt: skip

_SEP = "\x1f"  # joins a place to its parent in the city_key / district_key facet columns
# facet name -> (fast field, how a bucket key becomes the engine's facet value)
_FACET_FIELDS = {
    "province": ("province", str),
    "city": ("city_key", lambda k: tuple(k.split(_SEP, 1))),
    "district": ("district_key", lambda k: tuple(k.split(_SEP, 1))),
    "year": ("year", int),
    "theme": ("themes", str),
    "doc_type": ("doc_type", str),
    "level": ("level", str),
}

assert math.isclose(math.log2(2.0) / math.log2(2.0 + _BODY_PRIOR), HEADING_PRIOR)


def _require() -> None:
    if tantivy is None:
        raise BackendError("The tantivy backend needs the `tantivy` package: pip install tantivy.")


def build_schema():  # noqa: ANN201
    _require()
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("grams", tokenizer_name="whitespace", index_option="position")
    sb.add_text_field("chars", tokenizer_name="whitespace", index_option="basic")
    sb.add_text_field("words", tokenizer_name="whitespace", index_option="freq")
    sb.add_text_field("title", tokenizer_name="whitespace", index_option="freq")
    sb.add_text_field("file", tokenizer_name="raw", index_option="basic")
    for name in (*_TEXT_FILTERS.values(), "city_key", "district_key"):
        # fast: facet counts are tantivy aggregations over these columns
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=True)
    sb.add_unsigned_field("n", fast=True, indexed=True)
    sb.add_unsigned_field("year", fast=True, indexed=True)
    sb.add_float_field("prior", fast=True)
    return sb.build()


class _Writer(BackendWriter):
    def __init__(self, folder: Path, previous: Path | None, procs: int) -> None:
        _require()
        folder.mkdir(parents=True, exist_ok=True)
        if previous is not None:
            for p in previous.iterdir():
                if p.is_file() and not p.name.endswith(".lock"):
                    try:
                        os.link(p, folder / p.name)  # tantivy never rewrites a file in place
                    except OSError:
                        shutil.copy2(p, folder / p.name)
            self.ix = tantivy.Index.open(str(folder))
        else:
            self.ix = tantivy.Index(build_schema(), path=str(folder))
        self.w = self.ix.writer(heap_size=HEAP_BYTES, num_threads=max(1, procs))

    def add(self, doc: DocTokens, fields: ParagraphFields) -> None:
        d = tantivy.Document()
        d.add_text("grams", " ".join(gram_sequence(doc.key)))
        d.add_text("chars", " ".join(char_set(doc.key)))
        d.add_text("words", " ".join(doc.words))
        d.add_text("title", " ".join(doc.title_words))
        d.add_text("file", doc.file)
        for attr, name in (("province", "province"), ("city", "city"), ("district", "district"),
                           ("doc_type", "doc_type"), ("level", "level")):  # fmt: skip
            value = getattr(fields, attr)
            if value:
                d.add_text(name, value)
        if fields.city:
            d.add_text("city_key", f"{fields.province}{_SEP}{fields.city}")
        if fields.district:
            d.add_text("district_key", f"{fields.city}{_SEP}{fields.district}")
        for t in fields.themes:
            d.add_text("themes", t)
        d.add_unsigned("n", doc.docnum)
        d.add_unsigned("year", fields.year)
        d.add_float("prior", 0.0 if fields.heading else _BODY_PRIOR)
        self.w.add_document(d)

    def delete_file(self, source: str) -> None:
        self.w.delete_documents_by_term("file", source)

    def commit(self) -> None:
        self.w.commit()
        self.w.wait_merging_threads()

    def cancel(self) -> None:
        try:
            self.w.rollback()
        except Exception:  # noqa: BLE001, S110 - the folder is thrown away anyway
            pass


class _Reader(BackendReader):
    def __init__(self, folder: Path, store: object) -> None:
        _require()
        try:
            self.ix = tantivy.Index.open(str(folder))
        except Exception as exc:  # noqa: BLE001 - tantivy raises ValueError and others
            raise BackendError(f"The tantivy index in {str(folder)!r} cannot be opened: {exc}") from exc
        self.schema = self.ix.schema
        self.searcher = self.ix.searcher()
        self.store = store
        self._n = int(store.size)  # type: ignore[attr-defined]

    @property
    def doc_count(self) -> int:
        return self._n

    # queries ------------------------------------------------------------------

    def _piece(self, piece: str):  # noqa: ANN202
        Q = tantivy.Query
        if len(piece) == 1:
            return Q.term_query(self.schema, "chars", piece)
        if len(piece) == 2:
            return Q.term_query(self.schema, "grams", piece)
        return Q.phrase_query(self.schema, "grams", piece_grams(piece))

    def _filter_clauses(self, f: DocFilter) -> list:
        Q, Oc = tantivy.Query, tantivy.Occur
        out = []
        for attr, field in _TEXT_FILTERS.items():
            values = getattr(f, attr)
            if values:
                out.append((Oc.Must, Q.term_set_query(self.schema, field, list(values))))
        if f.years:
            out.append((Oc.Must, Q.term_set_query(self.schema, "year", [int(y) for y in f.years])))
        if f.year_from is not None or f.year_to is not None:
            lo = f.year_from if f.year_from is not None else 1
            hi = f.year_to if f.year_to is not None else 10**6
            out.append((Oc.Must, Q.range_query(self.schema, "year", tantivy.FieldType.Unsigned, max(lo, 1), hi)))
        return out

    def _all_n(self, query) -> np.ndarray:  # noqa: ANN001
        res = self.searcher.search(query, limit=max(1, self._n), count=False, order_by_field="n", order=tantivy.Order.Asc)
        return np.fromiter((h[0] for h in res.hits), dtype=np.int64)

    def has_word(self, word: str) -> bool:
        return self.searcher.doc_freq("words", word) > 0

    def docs_with(self, piece: str) -> np.ndarray:
        return self._all_n(self._piece(piece))

    def _native_query(self, groups, negated, f: DocFilter):  # noqa: ANN001, ANN202
        Q, Oc = tantivy.Query, tantivy.Occur
        clauses: list = []
        for group in groups:
            q = self._piece(group[0]) if len(group) == 1 else Q.boolean_query([(Oc.Should, self._piece(p)) for p in group])
            clauses.append((Oc.Must, Q.const_score_query(q, 0.0)))
        clauses += [(Oc.MustNot, self._piece(p)) for p in negated]
        clauses += [(Oc.Must, Q.const_score_query(q, 0.0)) for _, q in self._filter_clauses(f)]
        return clauses

    def count(
        self, groups: tuple[tuple[str, ...], ...], negated: tuple[str, ...], f: DocFilter, facets: tuple[str, ...]
    ) -> tuple[int, dict[str, dict[object, int]]]:
        """How many live paragraphs match pieces and filter, and their facet counts, in
        one aggregation: {facet: {value: count}}."""
        Q = tantivy.Query
        clauses = self._native_query(groups, negated, f)
        if not clauses or all(o == tantivy.Occur.MustNot for o, _ in clauses):
            clauses.append((tantivy.Occur.Must, Q.all_query()))
        query = Q.boolean_query(clauses)
        agg: dict[str, object] = {"_total": {"value_count": {"field": "n"}}}
        for name in facets:
            agg[name] = {"terms": {"field": _FACET_FIELDS[name][0], "size": 1_000_000}}
        res = self.searcher.aggregate(query, agg)
        out: dict[str, dict[object, int]] = {}
        for name in facets:
            convert = _FACET_FIELDS[name][1]
            out[name] = {convert(b["key"]): int(b["doc_count"]) for b in res[name]["buckets"]}
        return int(res["_total"]["value"] or 0), out

    def top(self, plan: RankPlan) -> list[tuple[int, float]]:
        Q, Oc = tantivy.Query, tantivy.Occur
        docs = np.flatnonzero(plan.allowed) if plan.allowed is not None else None
        if docs is not None and not len(docs):
            return []
        clauses: list = []
        if plan.native:
            clauses = self._native_query(plan.groups, plan.negated, plan.filter)
        else:
            allowed = Q.term_set_query(self.schema, "n", [int(d) for d in docs])
            clauses.append((Oc.Must, Q.const_score_query(allowed, 0.0)))
        for w in plan.words:
            clauses.append((Oc.Should, Q.term_query(self.schema, "words", w)))
            clauses.append((Oc.Should, Q.boost_query(Q.term_query(self.schema, "title", w), TITLE_BOOST)))
        if not clauses or all(o == Oc.MustNot for o, _ in clauses):
            clauses.append((Oc.Must, Q.all_query()))
        query = Q.boolean_query(clauses)
        if docs is None:
            limit = plan.limit if plan.limit is not None else self._n
        else:
            limit = len(docs) if plan.limit is None else min(plan.limit, len(docs))
        res = self.searcher.search(query, limit=max(1, limit), count=False, weight_by_field="prior")
        addrs = [a for _, a in res.hits]
        ns = self.searcher.fast_field_values("n", addrs) if addrs else []
        scores = np.array([s * _PRIOR_SCALE for s, _ in res.hits], dtype=np.float64)
        ns_arr = np.asarray(ns, dtype=np.int64)
        if plan.allowed is None:
            return top_k(np.round(scores, 5), ns_arr, limit, plan.order)
        ok = plan.allowed[ns_arr] if len(ns_arr) else np.zeros(0, dtype=bool)
        if not ok.all() or len(ns_arr) < limit:
            # The native query and the engine's answer disagree (deleted paragraphs in an
            # incremental generation, say): rank exactly the allowed ones instead.
            if plan.native:
                return self.top(RankPlan(plan.allowed, plan.words, plan.limit, order=plan.order))
        # Equal scores in docnum order, as the Whoosh backend does.
        return top_k(np.round(scores[ok], 5), ns_arr[ok], limit, plan.order)

    def close(self) -> None:
        self.searcher = None


class TantivyBackend(Backend):
    name = "tantivy"
    folder_name = "tantivy"

    @classmethod
    def writer(cls, folder: Path, previous: Path | None, *, procs: int = 1) -> BackendWriter:
        return _Writer(folder, previous, procs)

    @classmethod
    def open(cls, folder: Path, store: object) -> BackendReader:
        return _Reader(folder, store)
