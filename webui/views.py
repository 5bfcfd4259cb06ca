"""The routes: search page and its JSON/CSV twins, the document view, the article list.

Each view is thin: URL arguments -> SearchRequest (params.py) -> engine -> template or JSON.
Errors are raised, not handled here: app.py turns them into 4xx/5xx pages or JSON.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from markupsafe import Markup

from search import budget
from search.engine import (
    SORTS,
    Hit,
    QuerySyntaxError,
    SearchEngine,
    SearchPage,
    SearchRequest,
)
from search.limits import MAX_DEPTH, check_depth
from search.query import parse as parse_query
from search.research import GroupPage, group_articles
from search.results import EXPORT_COLUMNS
from search.roles import LABELS as ROLE_LABELS
from search.settings import Settings
from search.snippets import highlight

from . import params, sidebar

bp = Blueprint("web", __name__)

CSV_COLUMNS = EXPORT_COLUMNS
SORT_LABELS = {"relevance": "相关度", "newest": "最新", "oldest": "最早"}


def get_engine() -> SearchEngine:
    """The app's one SearchEngine (thread-safe for reads)."""
    return current_app.extensions["cppcc_search"]


def get_settings() -> Settings:
    return current_app.config["SETTINGS"]


def per_page_choices() -> list[int]:
    """Page sizes offered in the toolbar: the configured default, 20, 50 and the maximum."""
    s = get_settings()
    return sorted({n for n in (s.per_page, 20, 50, s.max_per_page) if 1 <= n <= s.max_per_page})


def parse_search_args() -> SearchRequest:
    """The SearchRequest of the current URL; BadParameter (-> 400) if an argument is unusable."""
    s = get_settings()
    return params.parse_request(request.args, per_page=s.per_page, max_per_page=s.max_per_page)


def links_for(req: SearchRequest) -> params.Links:
    return params.Links(req, url_for("web.search"), per_page=get_settings().per_page)


@bp.get("/")
def index() -> str:
    """The home page is the browse view: the search page with no query."""
    return search()


MAX_RELAX = 12
MAX_DUPLICATES_SHOWN = 20  # near-duplicates listed under a hit


@bp.get("/search")
def search() -> str:
    """The search page; an empty query browses everything."""
    req = parse_search_args()
    engine = get_engine()
    try:
        page = _sidebar_page(engine, req) if req.group == "article" else engine.search(req)
    except QuerySyntaxError as exc:
        # A query that cannot mean anything: say why, and keep the filters and the sidebar
        # (the counts are those of the filters alone).
        browse = engine.search(replace(req, query="", page=1))
        page = replace(browse, request=req, hits=(), total=0)
        return render_search(page, query_error=str(exc)), 400  # type: ignore[return-value]
    req = page.request  # place filters named short are searched by their gazetteer name
    relax: list[tuple[sidebar.Chip, int]] = []
    unfiltered_total = None
    chips = sidebar.chips(req, links_for(req))
    if page.total == 0 and chips:
        # Nothing passes every filter: say what each filter alone costs, and what none would give.
        # (at most MAX_RELAX of them: each is a search of its own; the hints are left out
        # rather than the page lost when they do not fit in the request's time budget)
        try:
            relax = [(c, engine.search(replace(c.without, per_page=1)).total) for c in chips[:MAX_RELAX] if c.without]
            if len(chips) > 1:
                unfiltered_total = engine.search(replace(params.unfiltered(req), per_page=1)).total
        except budget.OverBudget:
            relax, unfiltered_total = [], None
    groups = group_articles(engine, req) if req.group == "article" else None
    # the near-duplicates' articles are named by their titles, not their ids
    titles = engine.titles({d.rsplit("-p", 1)[0] for h in page.hits for d in h.duplicate_ids[:MAX_DUPLICATES_SHOWN]})
    return render_search(page, relax=relax, unfiltered_total=unfiltered_total, groups=groups, titles=titles)


def _sidebar_page(engine: SearchEngine, req: SearchRequest) -> SearchPage:
    """For results by article: the paragraph search's total, facets and notices without
    the page of paragraphs it would rank and never show (the articles are ranked by
    group_articles); the request keeps the visitor's page and page size for the links."""
    page = engine.search(replace(req, page=1, per_page=1))
    if (req.page - 1) * req.per_page < page.total:  # as the search of that page would (and the JSON twin does)
        check_depth(req.page, req.per_page)
    return replace(page, request=replace(page.request, page=req.page, per_page=req.per_page), hits=())


def render_search(
    page: SearchPage,
    *,
    relax: Sequence[tuple[sidebar.Chip, int]] = (),
    unfiltered_total: int | None = None,
    query_error: str = "",
    groups: GroupPage | None = None,
    titles: Mapping[str, str] | None = None,
) -> str:
    """The search page's HTML for a SearchPage: sidebar, chips, hits; no engine call here."""
    req = page.request
    links = links_for(req)
    return render_template(
        "search.html",
        page=page,
        req=req,
        marked_keys=() if query_error else parse_query(req.query).highlight_keys(),
        query_error=query_error,
        links=links,
        regions=sidebar.region_tree(page, links),
        crumbs=sidebar.breadcrumb(req, links),
        years=sidebar.year_bars(page, links),
        year_choices=sidebar.year_choices(page),
        doc_types=sidebar.facet_values(page, "doc_type"),
        levels=sidebar.facet_values(page, "level"),
        themes=sidebar.facet_values(page, "theme"),
        chips=sidebar.chips(req, links),
        relax=[(c, n) for c, n in relax if n],
        unfiltered_total=unfiltered_total,
        sorts=[(key, SORT_LABELS.get(key, key)) for key in SORTS],
        per_page_choices=per_page_choices(),
        groups=groups,
        titles=titles or {},
        max_duplicates_shown=MAX_DUPLICATES_SHOWN,
    )


@bp.get("/api/search")
def api_search() -> Response:
    """The search page as JSON: exactly SearchPage.to_dict(); with group=article, plus the
    page of articles ("groups") and their number ("articles_total")."""
    req = parse_search_args()
    out = get_engine().search(req).to_dict()
    if req.group == "article":
        gp = group_articles(get_engine(), req)
        out |= {"group": "article", "articles_total": gp.total, "groups": [g.to_dict() for g in gp.groups]}
    return jsonify(out)


def _csv_line(values: list[Any]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow(values)
    return buf.getvalue()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A text cell that Excel would run as a formula (=, +, -, @ first) gets a leading '."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_row(hit: Hit) -> list[Any]:
    """One CSV row; the download is meant for spreadsheets, so formula-like text is defused."""
    return [_cell(v) for v in hit.csv_row()]


@bp.get("/search.csv")
def search_csv() -> Response:
    """Every matching paragraph (not just one page) as CSV, with a BOM so Excel reads the Chinese."""
    matches = get_engine().iter_matches(parse_search_args())  # a bad query raises here: a 400

    log = current_app.logger  # the generator runs after the request context is gone

    def lines() -> Iterator[str]:
        yield "\ufeff" + _csv_line(list(CSV_COLUMNS))
        rows = 0
        try:
            for hit in matches:
                yield _csv_line(_csv_row(hit))
                rows += 1
        except budget.OverBudget:
            # the status line is long gone: say so in the file, where the reader looks
            log.warning("CSV export over its budget after %d of %d rows", rows, matches.total)
            yield _csv_line([f"# 导出超出时间预算，只写出了 {matches.total} 条中的前 {rows} 条：请加上筛选条件缩小范围后再导出。"])

    resp = Response(
        lines(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="cppcc-search.csv"'},
    )
    resp.call_on_close(matches.close)  # let the index generation go even if the client leaves
    return resp


# The pages a document is opened from, and what going back to each is called.
BACK_LABELS = {
    "web.index": "返回检索结果",
    "web.search": "返回检索结果",
    "web.articles": "返回全部文章",
    "research.trend_page": "返回趋势",
    "research.kwic_page": "返回索引行",
    "insight.figures": "返回数字对比",
    "insight.compare_page": "返回对比",
}


def _back(query: str) -> tuple[str, str]:
    """Where "‹ 返回…" goes and what it says: the page of ours we came from (a search, the
    concordance, the figures …), else a search for the query."""
    ref = request.referrer
    try:
        parts = urlsplit(ref) if ref else None
    except ValueError:  # a malformed Referer header (http://[::1/search) is no way back
        parts = None
    if parts is not None and parts.netloc == request.host:
        for endpoint, label in BACK_LABELS.items():
            if parts.path == cached_url(endpoint):
                return parts.path + (f"?{parts.query}" if parts.query else ""), label
    return (url_for("web.search", q=query) if query else url_for("web.search")), "返回检索结果"


@bp.get("/doc/<article_id>")
def document(article_id: str) -> str:
    """One whole article, its headings, paragraph anchors and the query's matches."""
    query = (request.args.get("q") or "").strip()[: params.MAX_QUERY_CHARS]
    doc = get_engine().document(
        article_id, query=query
    )  # an unparsable query just goes unhighlighted
    return render_template(
        "document.html",
        doc=doc,
        query=query,
        back=_back(query),
    )


@bp.get("/api/doc/<article_id>")
def api_document(article_id: str) -> Response:
    query = (request.args.get("q") or "").strip()[: params.MAX_QUERY_CHARS]
    from .research import cite  # research builds on this module

    doc = get_engine().document(article_id, query=query)
    return jsonify(doc.to_dict() | {"citation": cite(doc.article).to_dict()})


@bp.get("/articles")
def articles() -> str:
    """Every article in the index, newest first: by work year, then delivery date."""
    items = sorted(get_engine().articles(), key=lambda a: (a.province, a.city, a.title))
    items.sort(key=lambda a: (a.year or 0, a.delivered), reverse=True)  # stable: ties keep the above
    return render_template("articles.html", articles=items)


@bp.get("/api/articles")
def api_articles() -> Response:
    items = get_engine().articles()
    return jsonify({"total": len(items), "articles": [a.to_dict() for a in items]})


@lru_cache(maxsize=8192)
def _cached_url(script_root: str, endpoint: str, values: tuple[tuple[str, Any], ...]) -> str:
    return url_for(endpoint, **dict(values))


@bp.app_template_global("cached_url")
def cached_url(endpoint: str, **values: Any) -> str:
    """url_for, remembered: a results page links the same documents and files again and
    again, and building a URL costs more than the rest of a hit."""
    return _cached_url(request.script_root, endpoint, tuple(sorted(values.items())))


@bp.app_template_global("split_top")
def split_top(items: Any) -> tuple[tuple, tuple]:
    """(shown, folded under 更多) of a facet list: see sidebar.split_top."""
    return sidebar.split_top(items)


bp.add_app_template_global(sidebar.year_ticks, "year_ticks")


@bp.app_template_global("page_numbers")
def page_numbers(current: int, last: int) -> list[int | None]:
    """The page links a pager shows: sidebar.page_numbers."""
    return sidebar.page_numbers(current, last)


@bp.app_template_global("deepest_page")
def deepest_page(per_page: int) -> int:
    """The last page a search serves at this page size (pagination links stop there)."""
    return max(1, MAX_DEPTH // per_page)


@bp.app_template_global("year_list")
def year_list(bars: Any) -> tuple:
    return sidebar.year_list(bars)


@bp.app_context_processor
def page_settings() -> dict[str, Any]:
    """Limits the templates repeat: the histogram's label threshold, the query length."""
    return {
        "histogram_labelled": sidebar.HISTOGRAM_LABELLED,
        "max_query_chars": params.MAX_QUERY_CHARS,
        "role_labels": ROLE_LABELS,
    }


@bp.app_template_filter("marked")
def marked(text: str, keys: tuple[str, ...]) -> Markup:
    """Text escaped, with the query's matches in <mark> (for hit titles)."""
    return Markup(highlight(text, keys))


@bp.app_template_filter("safe_html")
def safe_html(html: str) -> Markup:
    """Mark engine-rendered HTML (snippets, highlighted paragraphs) as safe: the engine escaped it."""
    return Markup(html)


@bp.app_template_filter("region_path")
def region_path(item: Any) -> str:
    """ "山东省 › 济南市 › 市中区" from anything with province/city/district."""
    return " › ".join(p for p in (item.province, item.city, item.district) if p)


@bp.app_template_filter("heading_tag")
def heading_tag(text: str) -> str:
    """h3 for numbered sub-headings like "（一）…", h2 for the others."""
    return "h3" if text.lstrip().startswith(("（", "(")) else "h2"
