"""The one entry point for searching: SearchRequest in, SearchPage out."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as windex
from whoosh import query as wq

from search import schema as f
from search.facets import FACETS, Columns, FacetFilter, FacetValue, count_facets
from search.indexer import current_generation
from search.query import QuerySyntaxError, match_query, parse, score_query
from search.snippets import highlight, snippet

__all__ = [
    "ArticleNotFound",
    "ArticleSummary",
    "BadRequest",
    "DocParagraph",
    "DocumentView",
    "FacetValue",
    "Hit",
    "IndexMissing",
    "QuerySyntaxError",
    "SearchEngine",
    "SearchPage",
    "SearchRequest",
]

FACET_FIELDS = FACETS
SORTS = ("relevance", "newest", "oldest")


class SearchError(Exception):
    """Base class of the errors a search can end in."""


class BadRequest(SearchError, ValueError):
    """A filter, page or sort value is out of range; the message says which."""


class IndexMissing(SearchError):
    """There is no built index in the index folder."""


class ArticleNotFound(SearchError, KeyError):
    """No article with that id is in the index."""


@dataclass(frozen=True)
class SearchRequest:
    """What the user asked: query text, filters (OR within a facet, AND across), page."""

    query: str = ""
    provinces: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    themes: tuple[str, ...] = ()
    page: int = 1
    per_page: int = 20
    sort: str = "relevance"  # one of SORTS


@dataclass(frozen=True)
class Hit:
    """One matching paragraph, with its snippet already rendered as safe HTML."""

    id: str
    article_id: str
    title: str
    province: str
    city: str
    district: str
    year: int | None
    themes: tuple[str, ...]
    section: str
    text: str
    snippet: str  # HTML: matches in <mark>, everything else escaped
    position: int = 0
    score: float = 0.0

    @property
    def anchor(self) -> str:
        """The paragraph's anchor in the document view (#p12)."""
        return f"p{self.position}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "article_id": self.article_id,
            "title": self.title,
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "year": self.year,
            "themes": list(self.themes),
            "section": self.section,
            "text": self.text,
            "snippet": self.snippet,
        }


@dataclass(frozen=True)
class DocParagraph:
    """One paragraph of the document view, highlighted for the query (safe HTML)."""

    position: int
    text: str
    html: str  # escaped text with the query's matches in <mark>
    section: str
    is_heading: bool
    themes: tuple[str, ...]
    matched: bool  # the query matches this paragraph

    @property
    def anchor(self) -> str:
        return f"p{self.position}"


@dataclass(frozen=True)
class ArticleSummary:
    """One article with its metadata and paragraph count."""

    id: str
    title: str
    province: str
    city: str
    district: str
    year: int | None
    published: str
    source: str
    paragraphs: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class DocumentView:
    """A whole article for reading, with the query's matches highlighted."""

    article: ArticleSummary
    paragraphs: tuple[DocParagraph, ...]
    query: str = ""

    @property
    def match_count(self) -> int:
        return sum(p.matched for p in self.paragraphs)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of /api/doc/<id>."""
        return {
            "article": self.article.to_dict(),
            "query": self.query,
            "match_count": self.match_count,
            "paragraphs": [
                {
                    "position": p.position,
                    "anchor": p.anchor,
                    "text": p.text,
                    "html": p.html,
                    "section": p.section,
                    "is_heading": p.is_heading,
                    "themes": list(p.themes),
                    "matched": p.matched,
                }
                for p in self.paragraphs
            ],
        }


@dataclass(frozen=True)
class SearchPage:
    """The answer to a SearchRequest: total, the page of hits, facet counts."""

    request: SearchRequest
    total: int
    hits: tuple[Hit, ...]
    facets: dict[str, tuple[FacetValue, ...]] = field(default_factory=dict)
    elapsed_ms: float = 0.0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape shared by `cppcc-search search --json` and /api/search."""
        return {
            "query": self.request.query,
            "total": self.total,
            "page": self.request.page,
            "per_page": self.request.per_page,
            "hits": [h.to_dict() for h in self.hits],
            "facets": {
                name: [v.to_dict() for v in self.facets.get(name, ())] for name in FACET_FIELDS
            },
        }


_MAX_YEAR_SPAN = (1900, 2100)
MATCH_CACHE_SIZE = 256


def _check(request: SearchRequest, max_per_page: int) -> None:
    if request.page < 1:
        raise BadRequest(f"页码必须是正整数，而不是 {request.page!r}。")
    if not 1 <= request.per_page <= max_per_page:
        raise BadRequest(f"每页条数必须在 1 到 {max_per_page} 之间，而不是 {request.per_page!r}。")
    if request.sort not in SORTS:
        raise BadRequest(f"排序方式只能是 {'、'.join(SORTS)} 之一，而不是 {request.sort!r}。")
    for y in (*request.years, request.year_from, request.year_to):
        if y is not None and not _MAX_YEAR_SPAN[0] <= y <= _MAX_YEAR_SPAN[1]:
            raise BadRequest(f"年份 {y!r} 超出范围（{_MAX_YEAR_SPAN[0]}–{_MAX_YEAR_SPAN[1]}）。")
    if request.year_from is not None and request.year_to is not None and request.year_from > request.year_to:
        raise BadRequest(f"起始年份 {request.year_from} 晚于结束年份 {request.year_to}。")


class _Opened:
    """One generation of the index, open, with its facet columns."""

    def __init__(self, gen: Path) -> None:
        self.gen = gen
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
        self._lock = threading.Lock()
        self._opened: _Opened | None = None
        self._retired: list[_Opened] = []

    def _state(self) -> _Opened:
        gen = current_generation(self.index_dir)
        if gen is None:
            raise IndexMissing(
                f"No index has been built in {str(self.index_dir)!r}: run `cppcc-search index` first."
            )
        with self._lock:
            if self._opened is None or self._opened.gen != gen:
                if self._opened is not None:
                    # Another thread may still be rendering from it: close it one switch later.
                    for old in self._retired:
                        old.close()
                    self._retired = [self._opened]
                self._opened = _Opened(gen)
            return self._opened

    @property
    def generation(self) -> str:
        return self._state().gen.name

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
            if docs:
                mask[np.fromiter(docs, dtype=np.int64)] = True
        mask.flags.writeable = False
        with self._lock:
            st.match_cache[parsed] = mask
            while len(st.match_cache) > MATCH_CACHE_SIZE:
                st.match_cache.popitem(last=False)
        return mask

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
            pass
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
        # Browse, year sorts and negative-only queries: by year, then reading order.
        years = cols.year[docs]
        if sort == "oldest":
            order = np.lexsort((docs, np.where(years == f.NO_YEAR, 10**6, years)))
        else:
            order = np.lexsort((docs, -years))
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
            year=year if year != f.NO_YEAR else None,
            themes=tuple(t for t in (d.get(f.THEMES) or "").split(",") if t),
            section=d.get(f.SECTION, ""),
            text=text,
            snippet=snippet(text, keys) if with_snippet else "",
            position=d.get(f.POSITION, 0),
            score=score,
        )

    def search(self, request: SearchRequest) -> SearchPage:
        """One page of hits with facet counts over the whole match set."""
        started = time.perf_counter()
        _check(request, self.max_per_page)
        parsed = parse(request.query)
        st = self._state()
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

    def iter_matches(self, request: SearchRequest) -> Iterator[Hit]:
        """Every paragraph the request matches (no paging, no snippets), in its sort order.

        The request is checked and the matches found before this returns, so a bad query
        raises here and not half-way through a streamed export.
        """
        _check(replace(request, page=1, per_page=1), self.max_per_page)
        parsed = parse(request.query)
        st = self._state()
        total_mask, _ = count_facets(st.columns, self._matches(st, parsed), self._filter(request))
        ranked = self._ordered(st, parsed, total_mask, request.sort, None)
        return (self._hit(st, d, s, (), False) for d, s in ranked)

    # documents -----------------------------------------------------------------

    def _summary(self, st: _Opened, article_id: str, docs: np.ndarray) -> ArticleSummary:
        d = st.searcher.stored_fields(int(docs[0]))
        year = d.get(f.YEAR) or None
        return ArticleSummary(
            id=article_id,
            title=d.get(f.TITLE, ""),
            province=d.get(f.PROVINCE, ""),
            city=d.get(f.CITY, ""),
            district=d.get(f.DISTRICT, ""),
            year=year if year != f.NO_YEAR else None,
            published=d.get(f.PUBLISHED, ""),
            source=d.get(f.SOURCE, ""),
            paragraphs=len(docs),
        )

    def document(self, article_id: str, query: str = "") -> DocumentView:
        """The whole article, with the query's matching paragraphs highlighted."""
        st = self._state()
        docs = st.columns.article_docs(article_id)
        if not len(docs):
            raise ArticleNotFound(f"No article with id {article_id!r} is in the index.")
        try:
            parsed = parse(query)
        except QuerySyntaxError:
            parsed = parse("")  # the document is still worth showing without highlights
        matched: set[int] = set()
        if not parsed.is_empty and parsed.groups:
            q = wq.And([match_query(parsed), wq.Term(f.ARTICLE, article_id)])
            matched = set(st.searcher.docs_for_query(q))
        keys = parsed.highlight_keys()
        paragraphs = []
        for docnum in docs:
            d = st.searcher.stored_fields(int(docnum))
            text = d.get(f.TEXT_FIELD, "")
            is_match = int(docnum) in matched
            paragraphs.append(
                DocParagraph(
                    position=d.get(f.POSITION, 0),
                    text=text,
                    html=highlight(text, keys) if is_match else highlight(text, ()),
                    section=d.get(f.SECTION, ""),
                    is_heading=bool(d.get(f.HEADING)),
                    themes=tuple(t for t in (d.get(f.THEMES) or "").split(",") if t),
                    matched=is_match,
                )
            )
        return DocumentView(self._summary(st, article_id, docs), tuple(paragraphs), query)

    def articles(self) -> list[ArticleSummary]:
        """Every article in the index, in index order, with its paragraph count."""
        st = self._state()
        return [self._summary(st, a, st.columns.article_docs(a)) for a in st.columns.article_values]

    def close(self) -> None:
        with self._lock:
            for o in [*self._retired, self._opened]:
                if o is not None:
                    o.close()
            self._opened, self._retired = None, []
