"""The tantivy backend, for large corpora: the same tokens, matched and ranked in Rust.

tantivy (tantivy-py, embedded, no server) indexes the tokens of search.analysis as
whitespace-separated strings, so it cuts exactly what the Whoosh backend cuts:

- `grams`: one gram per character position, with positions, so an exact substring is
  a phrase of non-overlapping grams at their offsets (no check against the text needed);
- `chars`: the distinct characters; `words` and `title`: words with frequencies, ranked
  by tantivy's BM25 (the formula of search.backends.base), the title at TITLE_BOOST;
- `n`: the store's docnum and `a`: its article's index, fast fields; the prior
  (role, length, and the query's) is applied to the top BM25 hits, exactly (see _ranked);
- filter fields (region, type, level, themes, year) so that a page's ranking runs as
  one native query when the match condition is expressible in it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from search.analysis import DocTokens, char_set, gram_sequence, piece_grams
from search.backends.base import (
    TITLE_BOOST,
    Backend,
    BackendError,
    BackendReader,
    BackendWriter,
    DocFilter,
    ParagraphFields,
    RankPlan,
    clone_folder,
    prior,
    static_prior,
    top_k,
)

try:
    import tantivy
except ImportError:  # pragma: no cover - tantivy is a dependency; this keeps the message clear
    tantivy = None

HEAP_BYTES = 256_000_000
_MAX_FETCH = 20_000  # beyond this many candidates, near-ties at the bottom of a page may differ
_TEXT_FILTERS = {"provinces": "province", "cities": "city", "districts": "district",
                 "doc_types": "doc_type", "levels": "level", "themes": "themes"}  # fmt: skip


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
    for name in _TEXT_FILTERS.values():
        fast = name == "themes"  # theme counts are an aggregation over this column
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=fast)
    sb.add_unsigned_field("n", fast=True, indexed=True)
    sb.add_unsigned_field("a", fast=True)  # the article's index in the store, for facet counts
    sb.add_unsigned_field("year", fast=True, indexed=True)
    return sb.build()


class _Writer(BackendWriter):
    def __init__(self, folder: Path, previous: Path | None, procs: int) -> None:
        _require()
        folder.mkdir(parents=True, exist_ok=True)
        if previous is not None:
            # tantivy never rewrites a file in place; its lock files belong to the old writer
            clone_folder(previous, folder, link=lambda p: True, skip=lambda p: p.name.endswith(".lock"))
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
        for t in fields.themes:
            d.add_text("themes", t)
        d.add_unsigned("n", doc.docnum)
        d.add_unsigned("a", fields.article)
        d.add_unsigned("year", fields.year)
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
        self._prior = static_prior(store)

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

    def _all_n(self, query, limit: int | None = None, offset: int = 0) -> np.ndarray:  # noqa: ANN001
        """Docnums of the query's paragraphs in docnum order: `limit` of them (all when
        None) from the `offset`-th."""
        limit = max(1, self._n if limit is None else min(limit, self._n))
        res = self.searcher.search(query, limit=limit, count=False, order_by_field="n", offset=offset, order=tantivy.Order.Asc)
        return np.fromiter((h[0] for h in res.hits), dtype=np.int64)

    def has_word(self, word: str) -> bool:
        return self.searcher.doc_freq("words", word) > 0

    def docs_with(self, piece: str, limit: int | None = None) -> np.ndarray:
        return self._all_n(self._piece(piece), limit)

    def _native_query(self, groups, negated, f: DocFilter):  # noqa: ANN001, ANN202
        Q, Oc = tantivy.Query, tantivy.Occur
        clauses: list = []
        for group in groups:
            q = self._piece(group[0]) if len(group) == 1 else Q.boolean_query([(Oc.Should, self._piece(p)) for p in group])
            clauses.append((Oc.Must, Q.const_score_query(q, 0.0)))
        clauses += [(Oc.MustNot, self._piece(p)) for p in negated]
        clauses += [(Oc.Must, Q.const_score_query(q, 0.0)) for _, q in self._filter_clauses(f)]
        return clauses

    def _matching(self, groups, negated, f: DocFilter):  # noqa: ANN001, ANN202
        """The live paragraphs that match pieces and filter, as one query (every paragraph
        when nothing is required)."""
        clauses = self._native_query(groups, negated, f)
        if not clauses or all(o == tantivy.Occur.MustNot for o, _ in clauses):
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)

    def first(
        self, groups: tuple[tuple[str, ...], ...], negated: tuple[str, ...], f: DocFilter, offset: int, limit: int
    ) -> np.ndarray:
        """Docnums of the live paragraphs that match pieces and filter, in docnum order, the
        `limit` from the `offset`-th: a long match set a part at a time."""
        return self._all_n(self._matching(groups, negated, f), limit, offset)

    def total(self, groups: tuple[tuple[str, ...], ...], negated: tuple[str, ...], f: DocFilter) -> int:
        """How many live paragraphs match pieces and filter, counted in tantivy."""
        return int(self.searcher.search(self._matching(groups, negated, f), limit=1, count=True).count or 0)

    def count(
        self, groups: tuple[tuple[str, ...], ...], negated: tuple[str, ...], f: DocFilter, themes: bool
    ) -> tuple[int, dict[int, int], dict[str, int]]:
        """How many live paragraphs match pieces and filter, how many of them each article
        holds ({article index: count}) and, if asked, each theme, in one aggregation."""
        agg: dict[str, object] = {
            "_total": {"value_count": {"field": "n"}},
            "a": {"terms": {"field": "a", "size": 1_000_000}},
        }
        if themes:
            agg["t"] = {"terms": {"field": "themes", "size": 10_000}}
        res = self.searcher.aggregate(self._matching(groups, negated, f), agg)
        per_article = {int(b["key"]): int(b["doc_count"]) for b in res["a"]["buckets"]}
        per_theme = {str(b["key"]): int(b["doc_count"]) for b in res["t"]["buckets"]} if themes else {}
        return int(res["_total"]["value"] or 0), per_article, per_theme

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
        ns_arr, scores = self._ranked(query, limit, plan)
        if plan.allowed is None:
            return top_k(scores, ns_arr, limit, plan.order)
        ok = plan.allowed[ns_arr] if len(ns_arr) else np.zeros(0, dtype=bool)
        if (not ok.all() or len(ns_arr) < limit) and plan.native:
            # The native query and the engine's answer disagree (deleted paragraphs in an
            # incremental generation, say): rank exactly the allowed ones instead.
            return self.top(RankPlan(plan.allowed, plan.words, plan.limit, order=plan.order, boost=plan.boost))
        return top_k(scores[ok], ns_arr[ok], limit, plan.order)

    def _ranked(self, query, limit: int, plan: RankPlan) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
        """Docnums and scores (BM25 times the prior) of at least the `limit` best.

        tantivy ranks by BM25 alone, which lets it skip blocks that cannot make the top;
        the prior (at most 1) is applied here. A paragraph not fetched scores at most the
        lowest BM25 fetched, so once the limit-th adjusted score beats that, the top is
        exact; else fetch more.
        """
        k = max(64, limit * 8)  # strong priors (role, section, type) need room below the top
        while True:
            hits = self.searcher.search(query, limit=k, count=False).hits
            raw_scores, addrs = zip(*hits, strict=True) if hits else ((), ())
            ns = np.asarray(self.searcher.fast_field_values("n", list(addrs)) if addrs else [], dtype=np.int64)
            raw = np.array(raw_scores, dtype=np.float64)
            scores = np.round(raw * prior(plan, self._prior, ns), 5) if len(ns) else raw
            if len(hits) < k or k >= self._n or k >= _MAX_FETCH:
                return ns, scores
            best = np.sort(scores)[::-1][:limit]
            if len(best) == limit and best[-1] > np.round(raw.min(), 5):  # compared as rounded
                return ns, scores
            k *= 8

    def close(self) -> None:
        self.searcher = None


class TantivyBackend(Backend):
    name = "tantivy"
    folder_name = "tantivy"
    writer_class = _Writer
    reader_class = _Reader
