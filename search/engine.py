"""The one entry point for searching: SearchRequest in, SearchPage out.

The engine follows atomic rebuilds: each request takes the generation named in
index/CURRENT at that moment and holds it until it is done (a streamed export
until its last row); a generation that has been replaced is closed when its last
user lets go.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as windex

from search import schema as f
from search.facets import Columns, FacetFilter, FacetValue, count_facets
from search.indexer import current_generation
from search.normalize import search_key
from search.query import ParsedQuery, QuerySyntaxError, match_query, parse, score_query
from search.results import (
    FACET_FIELDS,
    SORTS,
    ArticleNotFound,
    ArticleSummary,
    BadRequest,
    DocParagraph,
    DocumentView,
    Hit,
    IndexMissing,
    SearchError,
    SearchPage,
    SearchRequest,
    check_request,
)
from search.snippets import highlight, snippet

__all__ = [
    "FACET_FIELDS",
    "SORTS",
    "ArticleNotFound",
    "ArticleSummary",
    "BadRequest",
    "DocParagraph",
    "DocumentView",
    "FacetValue",
    "HeldMatches",
    "Hit",
    "IndexMissing",
    "QuerySyntaxError",
    "SearchEngine",
    "SearchError",
    "SearchPage",
    "SearchRequest",
]

MATCH_CACHE_SIZE = 256


def _themes(stored: dict[str, Any]) -> tuple[str, ...]:
    """The themes of a stored paragraph (kept comma-joined in the index)."""
    return tuple(t for t in (stored.get(f.THEMES) or "").split(",") if t)


class _Opened:
    """One generation of the index, open, with its facet columns and its users."""

    def __init__(self, gen: Path) -> None:
        self.gen = gen
        self.users = 0
        self.retired = False
        self.index = windex.open_dir(str(gen))
        self.searcher = self.index.searcher()
        reader = self.searcher.reader()
        self.columns = Columns(list(reader.iter_docs()), reader.doc_count_all())
        self.match_cache: OrderedDict[Any, np.ndarray] = OrderedDict()

    def close(self) -> None:
        self.searcher.close()


class SearchEngine:
    """Searches the index in index_dir; follows atomic rebuilds; safe to share across threads."""

    def __init__(self, index_dir: str | Path, *, max_per_page: int = 100) -> None:
        self.index_dir = Path(index_dir)
        self.max_per_page = max_per_page
        # Re-entrant: a HeldMatches collected by the garbage collector while this thread
        # holds the lock releases its generation from inside the lock.
        self._lock = threading.RLock()
        self._opened: _Opened | None = None

    def _acquire(self) -> _Opened:
        """The current generation, opened if it is new, with one more user.

        Opening a generation reads every stored document (about 0.5 s for 20k
        paragraphs), so it happens outside the lock: requests on the old generation go
        on meanwhile. CURRENT is read under the lock before and after, and a freshly
        opened generation is installed only if it is still current, so the installed
        one only ever moves forward.
        """
        with self._lock:
            gen = current_generation(self.index_dir)
            if gen is None:
                raise IndexMissing(
                    f"No index has been built in {str(self.index_dir)!r}: run `cppcc-search index` first."
                )
            if self._opened is not None and self._opened.gen == gen:
                self._opened.users += 1
                return self._opened
        fresh = _Opened(gen)
        spare: _Opened | None = None
        with self._lock:
            if self._opened is not None and self._opened.gen == gen:
                spare, st = fresh, self._opened  # another thread opened it first
            elif current_generation(self.index_dir) == gen:
                old, self._opened = self._opened, fresh
                if old is not None:
                    old.retired = True
                    if old.users == 0:
                        old.close()
                st = fresh
            else:
                # CURRENT moved on while we opened: serve this request from what we
                # opened, then let it go; the next request opens the newer one.
                fresh.retired = True
                st = fresh
            st.users += 1
        if spare is not None:
            spare.close()
        return st

    def _release(self, st: _Opened) -> None:
        with self._lock:
            st.users -= 1
            if st.retired and st.users == 0:
                st.close()

    @contextmanager
    def _use(self) -> Iterator[_Opened]:
        st = self._acquire()
        try:
            yield st
        finally:
            self._release(st)

    # searching -----------------------------------------------------------------

    def _matches(self, st: _Opened, parsed: Any) -> np.ndarray:
        """Which paragraphs the query matches, as a read-only mask (cached per index generation).

        Paging, sorting and every facet click re-run the same query with other filters:
        the cache answers those without asking Whoosh again.
        """
        with self._lock:
            cached = st.match_cache.get(parsed)
            if cached is not None:
                st.match_cache.move_to_end(parsed)
                return cached
        mask = np.zeros(st.columns.size, dtype=bool)
        if parsed.is_empty:
            mask[:] = True
        else:
            docs = list(st.searcher.docs_for_query(match_query(parsed)))
            if docs and parsed.needs_verification:
                docs = [d for d in docs if self._verify(st, d, parsed)]
            if docs:
                mask[np.fromiter(docs, dtype=np.int64)] = True
        mask.flags.writeable = False
        with self._lock:
            st.match_cache[parsed] = mask
            while len(st.match_cache) > MATCH_CACHE_SIZE:
                st.match_cache.popitem(last=False)
        return mask

    @staticmethod
    def _verify(st: _Opened, docnum: int, parsed: ParsedQuery) -> bool:
        """The exact test for what the index can only narrow down (phrases with spaces)."""
        d = st.searcher.stored_fields(docnum)
        return parsed.matches(search_key(d.get(f.TEXT_FIELD, "")), search_key(d.get(f.TITLE, "")))

    def clear_cache(self) -> None:
        """Forget cached matches (benchmarks use it to time every search cold)."""
        with self._lock:
            if self._opened is not None:
                self._opened.match_cache.clear()

    def warm_up(self) -> None:
        """Open the index, build its facet columns and load the segmenter now, not on the
        first visitor's search."""
        try:
            self.search(SearchRequest(query="政协", per_page=1))
        except IndexMissing:
            return
        self.clear_cache()

    @staticmethod
    def _filter(request: SearchRequest) -> FacetFilter:
        return FacetFilter(
            provinces=request.provinces,
            cities=request.cities,
            districts=request.districts,
            years=request.years,
            year_from=request.year_from,
            year_to=request.year_to,
            themes=request.themes,
        )

    def _ordered(self, st: _Opened, parsed: Any, total_mask: np.ndarray, sort: str, limit: int | None) -> list[tuple[int, float]]:
        """(docnum, score) of the matches in the requested order, the first `limit` of them."""
        cols = st.columns
        docs = np.flatnonzero(total_mask)
        if not len(docs):
            return []  # and never hand Whoosh an empty filter: it would mean "no filter"
        scoring = score_query(parsed) if sort == "relevance" else None
        if scoring is not None:
            # The score query is a loose bag of terms: the allowed set (exact matches that
            # pass the filters) decides which paragraphs can appear at all.
            allowed = set(docs.tolist())
            results = st.searcher.search(scoring, filter=allowed, limit=limit)
            ranked = [(results.docnum(i), float(results.score(i))) for i in range(len(results.top_n))]
            if limit is None or len(ranked) < min(limit, len(docs)):
                # a match without any scored term (a single character met only as a prefix)
                seen = {d for d, _ in ranked}
                ranked += [(int(d), 0.0) for d in docs if int(d) not in seen]
            return ranked if limit is None else ranked[:limit]
        # Year sorts: by year, then reading order. Browsing (no words to rank by): the
        # first real paragraph of every article, newest first, then the second ones...
        # so a page shows many articles, not twenty paragraphs of one.
        years = cols.year[docs]
        if sort == "oldest":
            order = np.lexsort((docs, np.where(years == f.NO_YEAR, 10**6, years)))
        elif sort == "newest":
            order = np.lexsort((docs, -years))
        else:
            order = np.lexsort((docs, -years, cols.browse_rank[docs]))
        docs = docs[order]
        if limit is not None:
            docs = docs[:limit]
        return [(int(d), 0.0) for d in docs]

    def _hit(self, st: _Opened, docnum: int, score: float, keys: tuple[str, ...], with_snippet: bool) -> Hit:
        d = st.searcher.stored_fields(docnum)
        year = d.get(f.YEAR) or None
        text = d.get(f.TEXT_FIELD, "")
        return Hit(
            id=d[f.ID_FIELD],
            article_id=d[f.ARTICLE],
            title=d.get(f.TITLE, ""),
            province=d.get(f.PROVINCE, ""),
            city=d.get(f.CITY, ""),
            district=d.get(f.DISTRICT, ""),
            year=year,
            themes=_themes(d),
            section=d.get(f.SECTION, ""),
            text=text,
            snippet=snippet(text, keys) if with_snippet else "",
            position=d.get(f.POSITION, 0),
            score=score,
        )

    def search(self, request: SearchRequest) -> SearchPage:
        """One page of hits with facet counts over the whole match set."""
        started = time.perf_counter()
        check_request(request, self.max_per_page)
        parsed = parse(request.query)
        with self._use() as st:
            matches = self._matches(st, parsed)
            total_mask, facets = count_facets(st.columns, matches, self._filter(request))
            total = int(total_mask.sum())
            first = (request.page - 1) * request.per_page
            hits: tuple[Hit, ...] = ()
            if first < total:
                ranked = self._ordered(st, parsed, total_mask, request.sort, first + request.per_page)
                keys = parsed.highlight_keys()
                hits = tuple(self._hit(st, d, s, keys, True) for d, s in ranked[first:])
        return SearchPage(
            request=request,
            total=total,
            hits=hits,
            facets=facets,
            elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
        )

    def iter_matches(self, request: SearchRequest) -> HeldMatches:
        """Every paragraph the request matches (no paging, no snippets), in its sort order.

        The request is checked and the matches found before this returns, so a bad query
        raises here and not half-way through a streamed export; the generation stays
        open until the last row has been read (or the iterator is closed).
        """
        check_request(replace(request, page=1, per_page=1), self.max_per_page)
        parsed = parse(request.query)
        st = self._acquire()
        try:
            total_mask, _ = count_facets(st.columns, self._matches(st, parsed), self._filter(request))
            ranked = self._ordered(st, parsed, total_mask, request.sort, None)
        except BaseException:
            self._release(st)
            raise
        return HeldMatches(self, st, ranked)

    # documents -----------------------------------------------------------------

    @staticmethod
    def _summary(st: _Opened, article_id: str, docs: np.ndarray) -> ArticleSummary:
        d = st.searcher.stored_fields(int(docs[0]))
        year = d.get(f.YEAR) or None
        return ArticleSummary(
            id=article_id,
            title=d.get(f.TITLE, ""),
            province=d.get(f.PROVINCE, ""),
            city=d.get(f.CITY, ""),
            district=d.get(f.DISTRICT, ""),
            year=year,
            published=d.get(f.PUBLISHED, ""),
            source=d.get(f.SOURCE, ""),
            paragraphs=len(docs),
        )

    def document(self, article_id: str, query: str = "") -> DocumentView:
        """The whole article; the paragraphs the query matches are flagged and highlighted.

        A query that cannot be parsed is shown without highlights, not as an error: the
        article is still worth reading.
        """
        try:
            parsed = parse(query)
        except QuerySyntaxError:
            parsed = parse("")
        with self._use() as st:
            docs = st.columns.article_docs(article_id)
            if not len(docs):
                raise ArticleNotFound(f"No article with id {article_id!r} is in the index.")
            matched = self._matches(st, parsed) if not parsed.is_empty else np.zeros(st.columns.size, dtype=bool)
            keys = parsed.highlight_keys()
            paragraphs = []
            for docnum in docs:
                d = st.searcher.stored_fields(int(docnum))
                text = d.get(f.TEXT_FIELD, "")
                is_match = bool(matched[docnum])
                paragraphs.append(
                    DocParagraph(
                        position=d.get(f.POSITION, 0),
                        text=text,
                        html=highlight(text, keys if is_match else ()),
                        section=d.get(f.SECTION, ""),
                        is_heading=bool(d.get(f.HEADING)),
                        themes=_themes(d),
                        matched=is_match,
                    )
                )
            return DocumentView(self._summary(st, article_id, docs), tuple(paragraphs), query)

    def articles(self) -> list[ArticleSummary]:
        """Every article in the index, in index order, with its paragraph count."""
        with self._use() as st:
            return [self._summary(st, a, st.columns.article_docs(a)) for a in st.columns.article_values]

    def close(self) -> None:
        """Close the open generation (a later search opens it again)."""
        with self._lock:
            if self._opened is not None:
                self._opened.retired = True
                if self._opened.users == 0:
                    self._opened.close()
            self._opened = None


class HeldMatches(Iterator[Hit]):
    """The hits of iter_matches, holding their generation open until read or closed."""

    def __init__(self, engine: SearchEngine, st: _Opened, ranked: list[tuple[int, float]]) -> None:
        self._engine, self._st = engine, st
        self._ranked = iter(ranked)
        self._held = True

    def __next__(self) -> Hit:
        if not self._held:
            raise StopIteration
        try:
            d, s = next(self._ranked)
        except StopIteration:
            self.close()
            raise
        return self._engine._hit(self._st, d, s, (), False)

    def close(self) -> None:
        if self._held:
            self._held = False
            self._engine._release(self._st)

    def __del__(self) -> None:
        self.close()
