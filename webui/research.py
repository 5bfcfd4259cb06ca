"""The research pages: trends (/trend), the concordance (/kwic), paragraph permalinks
(/p/<paragraph id>) and citations, each page with its JSON and CSV twin.

Thin views as in views.py: URL arguments -> SearchRequest (params.py) plus the page's
own arguments (by, measure, width, sort) -> search.research -> template, JSON or CSV.
The filters are the search page's and mean the same.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date
from functools import lru_cache
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from search import research
from search.documents import paragraph_id, split_paragraph_id
from search.engine import SearchEngine, SearchRequest
from search.settings import Settings

from . import charts, params, sidebar
from .views import cached_url

bp = Blueprint("research", __name__)

KWIC_PER_PAGE = 50
KWIC_EXPORT_MAX = 200_000  # lines in one CSV download
BY_LABELS = {("year",): "按年份", ("province",): "按省份", ("year", "province"): "年份 × 省份"}
KWIC_SORT_LABELS = {"year": "年份", "left": "左侧词", "right": "右侧词", "region": "地区"}


def _engine() -> SearchEngine:
    return current_app.extensions["cppcc_search"]


def _settings() -> Settings:
    return current_app.config["SETTINGS"]


class PageLinks(params.Links):
    """Links of a research page: the search state plus the page's own arguments."""

    def __init__(self, req: SearchRequest, base: str, *, per_page: int, extra: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(req, base, per_page=per_page)
        self.extra = list(extra)

    def url(self, req: SearchRequest, base: str | None = None) -> str:
        u = super().url(req, base)
        if not self.extra:
            return u
        return u + ("&" if "?" in u else "?") + params.encode_args(self.extra)

    def with_extra(self, **changes: str) -> str:
        """This page with some of its own arguments changed (page back to 1)."""
        extra = dict(self.extra) | changes
        pairs = [(k, v) for k, v in extra.items() if v]
        return PageLinks(self.req, self.base, per_page=self.default_per_page, extra=pairs).url(replace(self.req, page=1))


def research_request(req: SearchRequest) -> SearchRequest:
    """Query and filters only: what a link from the results page to a research page keeps."""
    return replace(req, page=1, per_page=_settings().per_page, sort="relevance", group="")


@bp.app_template_global("research_url")
def research_url(endpoint: str, req: SearchRequest, query: str | None = None) -> str:
    """/trend, /kwic or /search for the query (or another) and the filters of a request."""
    r = research_request(req if query is None else replace(req, query=query))
    return params.Links(r, "", per_page=_settings().per_page).current(cached_url(endpoint))


def _cite_args(item: Any, position: int | None) -> tuple:
    article_id = getattr(item, "article_id", None) or item.id
    # GB/T 7714's date of an online document is its publication: the page's, else the delivery
    issued = getattr(item, "published", "") or item.delivered
    site = _settings().public_url or request.host_url.rstrip("/")  # the Host header is capped (app.py)
    url = site + cached_url("web.document", article_id=article_id)
    if position is not None:
        url += f"#p{position}"
    return (article_id, item.title, item.doc_type, item.province, item.city, item.district, item.year,
            issued, url, date.today(), position)  # fmt: skip


@lru_cache(maxsize=4096)
def _citation(args: tuple) -> research.Citation:
    names = ("article_id", "title", "doc_type", "province", "city", "district", "year", "date_issued", "url",
             "cited", "position")  # fmt: skip
    return research.citation(**dict(zip(names, args, strict=True)))


def cite(item: Any, position: int | None = None) -> research.Citation:
    """The citation of an article (ArticleSummary, ArticleGroup) or, with `position`, of one of
    its paragraphs: the permalink on this site as the access path, cited today."""
    return _citation(_cite_args(item, position))


@lru_cache(maxsize=4096)
def _cite_box(args: tuple, box_id: str, label: str) -> Markup:
    c = _citation(args)
    i = escape(box_id)
    return Markup(
        f'<details class="cite"><summary>{escape(label)}</summary><div class="cite-body">'
        f'<p class="cite-label">GB/T 7714-2015 <button type="button" class="copy" data-copy="cite-gb-{i}">复制</button></p>'
        f'<p class="cite-text" id="cite-gb-{i}">{escape(c.gbt7714)}</p>'
        f'<p class="cite-label">BibTeX <button type="button" class="copy" data-copy="cite-bib-{i}">复制</button></p>'
        f'<pre class="cite-text" id="cite-bib-{i}">{escape(c.bibtex)}</pre></div></details>'
    )


@bp.app_template_global("cite_box")
def cite_box(item: Any, position: int | None = None, box_id: str = "", label: str = "引用") -> Markup:
    """引用 under a hit, an article group or the document: both references and their copy
    buttons, rendered once per paragraph and day (a results page shows twenty of them, and
    the same paragraphs come back on other pages)."""
    args = _cite_args(item, position)
    return _cite_box(args, box_id or (args[0] if position is None else paragraph_id(args[0], position)), label)


def _csv(header: Iterable[str], rows: Iterable[Iterable[Any]], filename: str) -> Response:
    def lines() -> Iterator[str]:
        for i, row in enumerate([list(header), *rows]):
            buf = io.StringIO()
            csv.writer(buf).writerow([_cell(v) for v in row])
            yield ("\ufeff" if i == 0 else "") + buf.getvalue()

    return Response(lines(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _cell(value: Any) -> Any:
    """Spreadsheet-safe text (a leading ' before =, +, -, @), no year as ""."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value


# trends ----------------------------------------------------------------------------


def _trend_args() -> tuple[SearchRequest, tuple[str, ...], tuple[str, ...], str]:
    s = _settings()
    req = params.parse_request(request.args, per_page=s.per_page, max_per_page=s.max_per_page)
    measure = (request.args.get("measure") or "share").strip()
    if measure not in charts.MEASURES:
        raise params.BadParameter(f"参数 measure 只能是 {'、'.join(charts.MEASURES)} 之一，收到的是 {measure!r}。")
    by = research.parse_by(request.args.get("by") or "year")
    return research_request(req), research.split_queries(req.query), by, measure


TREND_LEAD_YEARS = 3  # years shown before a word's first use, so its start is seen as one


def _from_first_use(trend: research.Trend) -> tuple[research.Trend, tuple[int, int, int] | None]:
    """The trend by year from TREND_LEAD_YEARS before the first year any query is used, for
    the page (乡村振兴 on reports from 1921 drew 90 empty years); and (first year, last year
    left out, their articles) when years were left out. The JSON and CSV keep every year."""
    used = [r.year for r in trend.rows if r.year is not None and r.articles]
    years = [r.year for r in trend.rows if r.year is not None]
    if not used or not years:
        return trend, None
    start = min(used) - TREND_LEAD_YEARS
    if start <= min(years):
        return trend, None
    before = [r for r in trend.rows if r.year is not None and r.year < start]
    articles = sum(r.articles_total for r in before if r.query == trend.queries[0])
    kept = tuple(r for r in trend.rows if r.year is None or r.year >= start)
    return replace(trend, rows=kept), (min(years), start - 1, articles)


@bp.get("/trend")
def trend_page() -> str:
    """Articles and paragraphs of one to four queries per work year / province."""
    req, queries, by, measure = _trend_args()
    extra = [("by", ",".join(by))] if by != ("year",) else []
    if measure != "share":
        extra.append(("measure", measure))
    links = PageLinks(req, url_for("research.trend_page"), per_page=_settings().per_page, extra=extra)
    trend = research.trend(_engine(), req, queries, by) if queries else None
    left_out = None
    if trend is not None and "year" in by:
        trend, left_out = _from_first_use(trend)
    year_links = PageLinks(req, url_for("research.trend_page"), per_page=_settings().per_page)

    def province_url(name: str) -> str:
        return year_links.url(replace(req, provinces=(name,), cities=(), districts=()))

    maps = []
    if trend is not None and by == ("province",):
        maps = [(q, charts.tile_map(trend.rows_of(q), province_url, q)) for q in queries]
    years: list[int] = []
    provinces: list[str] = []
    if trend is not None and by == ("year", "province"):
        years = sorted({r.year for r in trend.rows if r.year is not None})
        totals: dict[str, int] = {}
        for r in trend.rows:
            if r.province and r.query == queries[0]:
                totals[r.province] = totals.get(r.province, 0) + r.articles_total
        provinces = sorted(totals, key=lambda p: (-totals[p], p))
    return render_template(
        "trend.html",
        req=req,
        queries=queries,
        by=by,
        measure=measure,
        trend=trend,
        left_out=left_out,
        charts=(charts.year_chart(trend, measure), charts.year_chart(trend, measure, w=420, h=300, name="narrow"))
        if trend is not None and by == ("year",) else (),
        maps=maps,
        years=years,
        provinces=provinces,
        cells={(r.query, r.year, r.province): r for r in trend.rows} if trend is not None else {},
        links=links,
        chips=sidebar.chips(req, links),
        by_choices=[(",".join(k), v) for k, v in BY_LABELS.items()],
        measures=charts.MEASURES,
        series=charts.SERIES,
        percent=charts.percent,
        scale=charts.SCALE,
        short_name=charts.short_name,
    )


@bp.get("/api/trend")
def api_trend() -> Response:
    req, queries, by, _ = _trend_args()
    return jsonify(research.trend(_engine(), req, queries, by).to_dict())


@bp.get("/trend.csv")
def trend_csv() -> Response:
    req, queries, by, _ = _trend_args()
    t = research.trend(_engine(), req, queries, by)
    header = ["query", *by, "articles", "paragraphs", "articles_total", "share"]
    return _csv(header, (list(r.to_dict(by).values()) for r in t.rows), "cppcc-trend.csv")


# concordance ------------------------------------------------------------------------


def _kwic_args() -> tuple[SearchRequest, int, str]:
    s = _settings()
    args = MultiDict(request.args)
    sort = (args.pop("sort", "") or "year").strip()  # the concordance's own sorts, not the search page's
    req = params.parse_request(args, per_page=min(KWIC_PER_PAGE, s.max_per_page), max_per_page=s.max_per_page)
    raw = (request.args.get("width") or str(research.KWIC_DEFAULT_WIDTH)).strip()
    if not re.fullmatch(r"[0-9]{1,3}", raw):
        raise params.BadParameter(f"参数 width（语境宽度）必须是 10–40 的整数，收到的是 {raw!r}。")
    width = int(raw)
    research.check_kwic(width, sort)
    return replace(req, sort="relevance", group=""), width, sort


@bp.get("/kwic")
def kwic_page() -> str:
    """Every occurrence of the query with its left and right context."""
    req, width, sort = _kwic_args()
    per_page = min(KWIC_PER_PAGE, _settings().max_per_page)
    extra = [(k, v) for k, v in (("width", str(width)), ("sort", sort)) if v not in (str(research.KWIC_DEFAULT_WIDTH), "year")]
    links = PageLinks(req, url_for("research.kwic_page"), per_page=per_page, extra=extra)
    conc = research.concordance(_engine(), req, width=width, sort=sort) if req.query else None
    return render_template(
        "kwic.html",
        req=req,
        conc=conc,
        width=width,
        sort=sort,
        links=links,
        chips=sidebar.chips(req, links),
        sorts=KWIC_SORT_LABELS,
        widths=(10, 15, 20, 30, 40),
    )


@bp.get("/api/kwic")
def api_kwic() -> Response:
    req, width, sort = _kwic_args()
    return jsonify(research.concordance(_engine(), req, width=width, sort=sort).to_dict())


@bp.get("/kwic.csv")
def kwic_csv() -> Response:
    """Every line of the concordance (not just one page)."""
    req, width, sort = _kwic_args()
    c = research.concordance(_engine(), req, width=width, sort=sort, limit=KWIC_EXPORT_MAX)
    cols = research.KWIC_CSV_COLUMNS
    return _csv(cols, ([line.to_dict()[k] for k in cols] for line in c.lines), "cppcc-kwic.csv")


# permalinks -------------------------------------------------------------------------


@bp.get("/p/<paragraph_id>")
def paragraph(paragraph_id: str) -> Response:
    """The stable address of a paragraph ("<article id>-p<position>", as in hits, exports and
    the concordance): a redirect to it in its article."""
    where = split_paragraph_id(paragraph_id)
    if where is None or not research.paragraph_exists(_engine(), *where):
        abort(404)
    target = url_for("web.document", article_id=where[0], q=request.args.get("q") or None) + f"#p{where[1]}"
    return redirect(target, code=302)
