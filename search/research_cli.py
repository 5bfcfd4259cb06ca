"""The research commands of the CLI (`cppcc-search trend`, `cppcc-search kwic`) and the
grouped output of `cppcc-search search --group article`: thin, like search/cli.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from search import research
from search.engine import BadRequest, IndexMissing, SearchEngine, SearchRequest
from search.query import QuerySyntaxError
from search.settings import Settings

FAILURES = (QuerySyntaxError, BadRequest, IndexMissing)


def filter_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The search command's filters, meaning the same."""
    for opt in reversed(
        [
            click.option("--province", multiple=True, help="Filter; repeat for OR."),
            click.option("--city", multiple=True, help="Filter; repeat for OR."),
            click.option("--district", multiple=True, help="Filter; repeat for OR."),
            click.option("--year", type=int, multiple=True, help="Filter; repeat for OR."),
            click.option("--year-from", type=int, default=None),
            click.option("--year-to", type=int, default=None),
            click.option("--theme", multiple=True, help="Filter; repeat for OR."),
            click.option("--doc-type", multiple=True, help="Filter; repeat for OR."),
            click.option("--level", multiple=True, help="Filter; repeat for OR."),
            click.option("--index-dir", type=click.Path(file_okay=False), default=None, help="Index folder (default: index/)."),
        ]
    ):
        fn = opt(fn)
    return fn


def _request(query: str, f: dict[str, Any], **more: Any) -> SearchRequest:
    return SearchRequest(
        query=query, provinces=f["province"], cities=f["city"], districts=f["district"], years=f["year"],
        year_from=f["year_from"], year_to=f["year_to"], themes=f["theme"], doc_types=f["doc_type"],
        levels=f["level"], **more,
    )  # fmt: skip


def _engine(ctx: click.Context, index_dir: str | None) -> SearchEngine:
    settings: Settings = ctx.obj
    return SearchEngine(Path(index_dir) if index_dir else settings.index_dir, max_per_page=settings.max_per_page)


@click.command("trend")
@click.argument("queries", nargs=-1, required=True)
@click.option("--by", default="year", show_default=True, help="year, province or year,province.")
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON (/api/trend).")
@click.pass_context
def trend_cmd(ctx: click.Context, queries: tuple[str, ...], by: str, as_json: bool, index_dir: str | None, **filters: Any) -> None:
    """Matching articles and paragraphs per work year (or province) for one to four QUERIES,
    with each year's number of articles and the share."""
    try:
        result = research.trend(_engine(ctx, index_dir), _request("", filters), tuple(queries), research.parse_by(by))
    except FAILURES as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    dims = result.by
    click.echo("\t".join(["query", *dims, "articles", "articles_total", "share", "paragraphs"]))
    for r in result.rows:
        keys = [str(r.year) if d == "year" else str(r.province) for d in dims]
        share = "-" if r.share is None else f"{r.share:.1%}"
        click.echo("\t".join([r.query, *keys, str(r.articles), str(r.articles_total), share, str(r.paragraphs)]))


@click.command("kwic")
@click.argument("query")
@click.option("--width", type=int, default=research.KWIC_DEFAULT_WIDTH, show_default=True, help="Characters of context (10-40).")
@click.option("--sort", type=click.Choice(research.KWIC_SORTS), default="year", show_default=True)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--per-page", type=click.IntRange(1, 100), default=50, show_default=True)
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON (/api/kwic).")
@click.pass_context
def kwic_cmd(
    ctx: click.Context, query: str, width: int, sort: str, page: int, per_page: int, as_json: bool,
    index_dir: str | None, **filters: Any,
) -> None:  # fmt: skip
    """A concordance: every occurrence of QUERY with its left and right context."""
    req = _request(query, filters, page=page, per_page=per_page)
    try:
        result = research.concordance(_engine(ctx, index_dir), req, width=width, sort=sort)
    except FAILURES as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    click.echo(f"{result.total} occurrences in {result.paragraphs} paragraphs, page {page} of {result.pages}")
    # Han characters are two columns wide in a terminal: pad the left context by display width
    for line in result.lines:
        pad = " " * (2 * width - _columns(line.left))
        where = " › ".join(p for p in (line.province, line.city, line.district) if p)
        click.echo(f"{pad}{line.left} \x1b[1m{line.match}\x1b[0m {line.right}\t{line.year or '-'} {where} [{line.paragraph_id}]")


def _columns(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def echo_groups(engine: SearchEngine, request: SearchRequest, terminal: Callable[[str], str]) -> None:
    """`search --group article` as text: one block per article with its best paragraphs."""
    gp = research.group_articles(engine, request)
    click.echo(f"{gp.total} articles ({gp.paragraphs} paragraphs), page {request.page} of {gp.pages}")
    for g in gp.groups:
        where = " › ".join(p for p in (g.province, g.city, g.district) if p)
        click.echo(f"\n[{g.article_id}] {g.title}  {where}  {g.year or '-'} 年度  {g.matches} paragraphs")
        for h in g.hits:
            click.echo(f"  ¶{h.position} " + terminal(h.snippet))


def group_json(engine: SearchEngine, request: SearchRequest) -> dict[str, Any]:
    """What /api/search adds with group=article."""
    gp = research.group_articles(engine, request)
    return {"group": "article", "articles_total": gp.total, "groups": [g.to_dict() for g in gp.groups]}
