"""The one entry point for searching: SearchRequest in, SearchPage out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FACET_FIELDS = ("province", "city", "district", "year", "theme")
SORTS = ("relevance", "newest", "oldest")


class SearchError(Exception):
    """Base class of the errors a search can end in."""


class QuerySyntaxError(SearchError, ValueError):
    """The query text could not be understood; the message says why, in a sentence."""


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
class FacetValue:
    """One value of a facet with its count over the whole match set."""

    value: str
    count: int
    selected: bool = False
    parent: str = ""  # city -> its province, district -> its city; not part of the JSON shape

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "count": self.count, "selected": self.selected}


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
