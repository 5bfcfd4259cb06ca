"""The reading aids built on the store: stated figures (/figures), two reports compared
(/compare) and related paragraphs (/api/related/<paragraph_id>), each with its JSON twin.

The logic lives in search.figures, search.compare and search.related; these views only
turn URL arguments into calls and results into pages.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request

from search.compare import Comparison, SameArticle, compare, offers
from search.engine import ArticleNotFound, SearchRequest
from search.figure_table import CSV_COLUMNS, FigureTable, csv_row, figure_table
from search.figures import UnknownMetric, load_rules
from search.related import ParagraphNotFound, related
from search.related import source as related_source

from . import params
from .sparkline import sparkline
from .views import _cell, get_engine, get_settings

bp = Blueprint("insight", __name__)


def _filters() -> tuple[SearchRequest, str, str]:
    """(filters of the URL as on the search page, metric, qualifier); BadParameter -> 400."""
    s = get_settings()
    req = params.parse_request(request.args, per_page=s.per_page, max_per_page=s.max_per_page)
    metrics = load_rules().metrics
    metric = (request.args.get("metric") or "").strip() or (metrics[0].name if metrics else "")
    qualifier = (request.args.get("qualifier") or "").strip()
    return req, metric, qualifier


def _table() -> FigureTable:
    req, metric, qualifier = _filters()
    try:
        return figure_table(get_engine(), metric, req, qualifier)
    except UnknownMetric as exc:
        raise params.BadParameter(str(exc)) from None


@bp.get("/figures")
def figures() -> str:
    """A committee x year table of one metric, a chart per committee, each number linked."""
    req, metric, qualifier = _filters()
    table = _table()
    filtered = bool(params.request_args(req, per_page=req.per_page)) or bool(qualifier)
    everything = figure_table(get_engine(), metric) if filtered else table
    charts = {
        r.label: sparkline(r.series, table.years, label=f"{r.label} {table.charted}")
        for r in table.rows
    }
    state = [("metric", table.metric.name), ("qualifier", qualifier), *params.request_args(req)]
    return render_template(
        "figures.html",
        table=table,
        req=req,
        charts=charts,
        options={
            "province": sorted({f.province for f in everything.figures if f.province}),
            "doc_type": sorted({f.doc_type for f in everything.figures if f.doc_type}),
        },
        query=params.encode_args([(k, v) for k, v in state if v]),
    )


@bp.get("/api/figures")
def api_figures() -> Response:
    return jsonify(_table().to_dict())


@bp.get("/figures.csv")
def figures_csv() -> Response:
    table = _table()

    def lines() -> Iterator[str]:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(CSV_COLUMNS)
        for f in table.figures:
            w.writerow([_cell(v) for v in csv_row(f)])
        yield "\ufeff" + buf.getvalue()

    return Response(
        lines(), mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="cppcc-figures.csv"'},
    )  # fmt: skip


# -- compare ---------------------------------------------------------------------------------


def _pair() -> tuple[str, str]:
    a, b = (request.args.get("a") or "").strip(), (request.args.get("b") or "").strip()
    if not a or not b:
        raise params.BadParameter("请给出要对比的两篇文章：/compare?a=<文章编号>&b=<文章编号>。")
    return a, b


def _comparison() -> Comparison:
    try:
        return compare(get_engine(), *_pair())
    except SameArticle as exc:
        raise params.BadParameter(str(exc)) from None


@bp.get("/compare")
def compare_page() -> str:
    """Two reports: distinctive words of each (G²), shared words, figures, aligned sections."""
    return render_template("compare.html", c=_comparison())


@bp.get("/api/compare")
def api_compare() -> Response:
    return jsonify(_comparison().to_dict())


# -- related paragraphs ----------------------------------------------------------------------


@bp.get("/api/related/<paragraph_id>")
def api_related(paragraph_id: str) -> Response:
    words, items = related(get_engine(), paragraph_id)
    return jsonify({"paragraph_id": paragraph_id, "terms": list(words), "related": [r.to_dict() for r in items]})


@bp.get("/related/<paragraph_id>")
def related_page(paragraph_id: str) -> str:
    """The related paragraphs as a page of their own (the document view fetches the JSON)."""
    words, items = related(get_engine(), paragraph_id)
    title, text = related_source(get_engine(), paragraph_id)
    article_id, _, position = paragraph_id.rpartition("-p")
    return render_template(
        "related.html", paragraph_id=paragraph_id, article_id=article_id, position=int(position),
        title=title, text=text, words=words, items=items,
    )  # fmt: skip


@bp.errorhandler(ParagraphNotFound)
def no_paragraph(exc: ParagraphNotFound):  # type: ignore[no-untyped-def]
    from .app import _error  # the app's error pages (app imports this module)

    return _error(404, str(exc), kind="doc")


@bp.errorhandler(ArticleNotFound)
def no_article(exc: ArticleNotFound):  # type: ignore[no-untyped-def]
    from .app import _error

    return _error(404, f"没有找到要对比的文章：{request.args.get('a', '')!s} / {request.args.get('b', '')!s}", kind="doc")


@bp.app_template_global("compare_offers")
def compare_offers(article: Any) -> dict[str, list[Any]]:
    """The reports the document view offers to compare with (search.compare.offers)."""
    return offers(get_engine().articles(), article)
