"""CLI twins of /figures, /compare and /api/related (registered on the group in search.cli)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from search.compare import SameArticle, compare
from search.engine import ArticleNotFound, BadRequest, IndexMissing, SearchEngine, SearchRequest
from search.figure_table import figure_table
from search.figures import UnknownMetric
from search.query import QuerySyntaxError
from search.related import ParagraphNotFound, related

_ERRORS = (IndexMissing, BadRequest, QuerySyntaxError, UnknownMetric, ArticleNotFound, KeyError)


def _engine(ctx: click.Context, index_dir: str | None) -> SearchEngine:
    settings = ctx.obj
    return SearchEngine(Path(index_dir) if index_dir else settings.index_dir, max_per_page=settings.max_per_page)


def _index_dir(f):  # type: ignore[no-untyped-def]
    return click.option("--index-dir", type=click.Path(file_okay=False), default=None, help="Index folder (default: index/).")(f)


@click.command("figures")
@click.option("--metric", required=True, help="A metric of search/data/figures.toml: 提案, 社情民意信息, 协商 ...")
@click.option("--qualifier", default="", help="Only figures with this qualifier (立案, 提交, 采用 ...).")
@click.option("--query", "-q", default="", help="Only figures in paragraphs matching this query.")
@click.option("--province", multiple=True, help="Filter; repeat for OR.")
@click.option("--city", multiple=True, help="Filter; repeat for OR.")
@click.option("--district", multiple=True, help="Filter; repeat for OR.")
@click.option("--year-from", type=int, default=None)
@click.option("--year-to", type=int, default=None)
@click.option("--doc-type", multiple=True, help="Filter by document type; repeat for OR.")
@click.option("--level", multiple=True, help="Filter by level; repeat for OR.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of /api/figures.")
@_index_dir
@click.pass_context
def figures_cmd(
    ctx: click.Context, metric: str, qualifier: str, query: str, province: tuple[str, ...], city: tuple[str, ...],
    district: tuple[str, ...], year_from: int | None, year_to: int | None, doc_type: tuple[str, ...],
    level: tuple[str, ...], as_json: bool, index_dir: str | None,
) -> None:  # fmt: skip
    """The figures reports state for one metric, by committee and work year."""
    req = SearchRequest(
        query=query, provinces=province, cities=city, districts=district, year_from=year_from,
        year_to=year_to, doc_types=doc_type, levels=level,
    )  # fmt: skip
    try:
        table = figure_table(_engine(ctx, index_dir), metric, req, qualifier)
    except _ERRORS as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(table.to_dict(), ensure_ascii=False, indent=1))
        return
    for f in table.figures:
        where = " › ".join(p for p in (f.province, f.city, f.district) if p) or "-"
        click.echo(f"{where}\t{f.year or '-'}\t{f.qualifier or '-'}\t{f.shown}{f.unit}\t{f.paragraph_id}\t{f.statement}")


@click.command("compare")
@click.argument("a")
@click.argument("b")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of /api/compare.")
@_index_dir
@click.pass_context
def compare_cmd(ctx: click.Context, a: str, b: str, as_json: bool, index_dir: str | None) -> None:
    """Compare two articles: distinctive words (log-likelihood G²), shared words, figures, sections."""
    try:
        c = compare(_engine(ctx, index_dir), a, b)
    except (*_ERRORS, SameArticle) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(c.to_dict(), ensure_ascii=False, indent=1))
        return
    click.echo(f"A: {c.a.title} ({c.a.year or '-'})\nB: {c.b.title} ({c.b.year or '-'})\n{c.statistic}")
    for label, rows in (("A", c.distinctive_a), ("B", c.distinctive_b)):
        click.echo(f"distinctive of {label}: " + "、".join(f"{k.word}({k.g2:.1f})" for k in rows))
    click.echo("shared: " + "、".join(k.word for k in c.shared))
    for p in c.figures:
        show = lambda figs: " ".join(f.shown + f.unit for f in figs) or "-"  # noqa: E731
        click.echo(f"{p.metric}\t{p.qualifier or '-'}\tA {show(p.a)}\tB {show(p.b)}")
    for s in c.sections:
        click.echo(f"{s.a or '-'}\t|\t{s.b or '-'}")


@click.command("related")
@click.argument("paragraph_id")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of /api/related/<paragraph_id>.")
@_index_dir
@click.pass_context
def related_cmd(ctx: click.Context, paragraph_id: str, as_json: bool, index_dir: str | None) -> None:
    """Paragraphs of other committees or other years most like this one."""
    try:
        words, items = related(_engine(ctx, index_dir), paragraph_id)
    except (*_ERRORS, ParagraphNotFound) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        out = {"paragraph_id": paragraph_id, "terms": list(words), "related": [r.to_dict() for r in items]}
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
        return
    for r in items:
        where = " › ".join(p for p in (r.province, r.city, r.district) if p) or "-"
        click.echo(f"{r.paragraph_id}\t{where}\t{r.year or '-'}\t{'、'.join(r.shared)}\t{r.text[:60]}")
