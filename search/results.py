"""The records a search hands back, the request that asks for them, and the errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from search.facets import FACETS, FacetValue

FACET_FIELDS = FACETS
SORTS = ("relevance", "newest", "oldest")
GROUPS = ("", "article")  # one row per paragraph, or per article (search.research)
# The columns of an exported paragraph (CLI export, /search.csv): a hit without its snippet.
EXPORT_COLUMNS = (
    "id", "article_id", "title", "province", "city", "district", "year", "delivered", "doc_type",
    "level", "themes", "section", "text",
)  # fmt: skip


def dated(delivered: str, published: str) -> tuple[str, str]:
    """The date to show of a document and what it is: ("报告", the day it was delivered)
    when its text says so (a dateline, a session), else ("发布", the day its page was
    published); ("", "") when neither is known."""
    if delivered and delivered != published:
        return "报告", delivered
    return ("发布", published or delivered) if (published or delivered) else ("", "")


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
    doc_types: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    page: int = 1
    per_page: int = 20
    sort: str = "relevance"  # one of SORTS
    type_prior: bool = True  # CPPCC documents first when the query is CPPCC vocabulary (search.ranking)
    expand: bool = True  # a word also finds its synonyms (search.synonyms)
    group: str = ""  # one of GROUPS: "article" lists articles (search.research.group_articles)


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
    doc_type: str = ""
    level: str = ""
    delivered: str = ""  # when it was delivered (a dateline), else its page's date
    role: str = "body"  # search.roles: body, heading, lead, note, table, caption
    duplicates: int = 0  # near-duplicates the query also matches, folded into this hit
    duplicate_ids: tuple[str, ...] = ()  # their paragraph ids
    published: str = ""  # the date its page gave, "" when none

    def csv_row(self) -> list[Any]:
        """The values of EXPORT_COLUMNS for a CSV file: themes joined by ;, no year as ""."""
        row = self.to_dict()
        row["themes"] = ";".join(self.themes)
        return [row[c] if row[c] is not None else "" for c in EXPORT_COLUMNS]

    @property
    def dated(self) -> tuple[str, str]:
        """("报告" or "发布", the date): see `dated`."""
        return dated(self.delivered, self.published)

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
            "delivered": self.delivered,
            "published": self.published,
            "doc_type": self.doc_type,
            "level": self.level,
            "themes": list(self.themes),
            "section": self.section,
            "role": self.role,
            "text": self.text,
            "snippet": self.snippet,
            "duplicates": self.duplicates,
            "duplicate_ids": list(self.duplicate_ids),
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
    role: str = "body"  # search.roles
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
    doc_type: str = ""
    level: str = ""
    delivered: str = ""

    @property
    def dated(self) -> tuple[str, str]:
        """("报告" or "发布", the date): see `dated`."""
        return dated(self.delivered, self.published)

    @property
    def title_year_disagrees(self) -> int | None:
        """The year its title names when that is two or more years from its date (see
        metadata.title_disagrees): shown to the reader as a point to check."""
        from search.metadata import title_disagrees  # metadata loads the gazetteer's module

        return title_disagrees(self.title, self.delivered)

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
                    "role": p.role,
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
    notices: tuple[str, ...] = ()  # how the query was read leniently, one sentence each
    type_prior: tuple[str, ...] = ()  # the CPPCC words for which CPPCC documents were ranked first
    expanded: tuple[str, ...] = ()  # the synonyms searched besides the typed words
    suggestions: tuple[tuple[str, int], ...] = ()  # (query, total) close to a query with no hits

    @property
    def pages(self) -> int:
        return page_count(self.total, self.request.per_page)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape shared by `cppcc-search search --json` and /api/search."""
        return {
            "query": self.request.query,
            "total": self.total,
            "page": self.request.page,
            "per_page": self.request.per_page,
            "notices": list(self.notices),
            "type_prior": list(self.type_prior),
            "expanded": list(self.expanded),
            "suggestions": [{"query": q, "total": n} for q, n in self.suggestions],
            "hits": [h.to_dict() for h in self.hits],
            "facets": {
                name: [v.to_dict() for v in self.facets.get(name, ())] for name in FACET_FIELDS
            },
        }


YEAR_MIN, YEAR_MAX = 1900, 2100


def page_count(total: int, per_page: int) -> int:
    """Pages of per_page that `total` items fill: at least one, an empty one for none."""
    return max(1, -(-total // per_page))


def check_request(request: SearchRequest, max_per_page: int) -> None:
    """Raise BadRequest, in a sentence, for a page, size, sort or year out of range."""
    if request.page < 1:
        raise BadRequest(f"页码必须是正整数，而不是 {request.page!r}。")
    if not 1 <= request.per_page <= max_per_page:
        raise BadRequest(f"每页条数必须在 1 到 {max_per_page} 之间，而不是 {request.per_page!r}。")
    if request.sort not in SORTS:
        raise BadRequest(f"排序方式只能是 {'、'.join(SORTS)} 之一，而不是 {request.sort!r}。")
    if request.group not in GROUPS:
        raise BadRequest(f"分组方式只能是 article 或不分组，而不是 {request.group!r}。")
    for y in (*request.years, request.year_from, request.year_to):
        if y is not None and not YEAR_MIN <= y <= YEAR_MAX:
            raise BadRequest(f"年份 {y!r} 超出范围（{YEAR_MIN}–{YEAR_MAX}）。")
    if request.year_from is not None and request.year_to is not None and request.year_from > request.year_to:
        raise BadRequest(f"起始年份 {request.year_from} 晚于结束年份 {request.year_to}。")
