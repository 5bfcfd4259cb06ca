"""The command line: a thin layer that validates, calls the library, and prints."""

from __future__ import annotations

import csv
import errno
import json
import logging
import socket
import sys
from contextlib import closing
from pathlib import Path

import click

from search import cli_insight, integrity, research_cli
from search.backends import NAMES as BACKENDS
from search.backends import BackendError
from search.engine import BadRequest, IndexMissing, SearchEngine, SearchRequest
from search.generations import IndexCorrupt, read_current
from search.indexer import IndexBuildError, build_index, read_report
from search.query import QuerySyntaxError
from search.results import EXPORT_COLUMNS, SORTS
from search.settings import Settings, SettingsError


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj


def _engine(settings: Settings, index_dir: str | None) -> SearchEngine:
    return SearchEngine(Path(index_dir) if index_dir else settings.index_dir, max_per_page=settings.max_per_page)


index_dir_option = click.option(
    "--index-dir", type=click.Path(file_okay=False), default=None, help="Index folder (default: index/)."
)


@click.group()
@click.version_option(package_name="cppcc-search")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Full-text search with facets over Chinese CPPCC work reports."""
    # the commands say what matters themselves; `serve` sends the library's log to stderr
    logging.getLogger("search").addHandler(logging.NullHandler())
    try:
        ctx.obj = Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@main.command("index")
@click.argument("sources", nargs=-1, type=click.Path())
@index_dir_option
@click.option("--procs", type=click.IntRange(1, 16), default=1, show_default=True, help="Processes that read and cut the files.")
@click.option(
    "--backend",
    type=click.Choice(list(BACKENDS)),
    default=None,
    help="Index backend (default: the current index's, else whoosh). tantivy is much faster on large corpora.",
)
@click.option("--full", is_flag=True, help="Rebuild everything, not only new and changed files.")
@click.option(
    "--keep", type=click.IntRange(1, 100), default=2, show_default=True,
    help="Complete generations kept after the switch, the new one included.",
)  # fmt: skip
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def index_cmd(
    ctx: click.Context, sources: tuple[str, ...], index_dir: str | None, procs: int, backend: str | None, full: bool,
    keep: int, quiet: bool,
) -> None:  # fmt: skip
    """Build the index from report files and folders (default: data/reports).

    Incremental: files unchanged since the current index are carried over without being
    read again; changed and new files are read, deleted ones dropped."""
    settings = _settings(ctx)
    paths = [Path(s) for s in sources] or list(settings.source_dirs)
    target = Path(index_dir) if index_dir else settings.index_dir
    try:
        report = build_index(paths, target, progress=not quiet, procs=procs, backend=backend, full=full, keep=keep)
    except (IndexBuildError, BackendError) as exc:
        raise click.ClickException(str(exc)) from None
    if report.up_to_date:
        click.echo(f"Nothing changed since the current index ({report.files} files, {report.index_dir}/{report.generation}).")
    else:
        how = (
            f"{report.files_read} read, {report.files_reused} unchanged, {report.files_removed} dropped"
            if report.incremental
            else "full build"
        )
        click.echo(
            f"Indexed {report.files} files ({how}): {report.articles} articles, {report.paragraphs} paragraphs "
            f"in {report.seconds:.1f} s with {report.backend} -> {report.index_dir}/{report.generation}"
        )
    if report.repairs:
        click.echo("Repairs: " + ", ".join(f"{k} {v}" for k, v in sorted(report.repairs.items())))
    if report.skipped:
        click.echo(f"Skipped {len(report.skipped)} files:", err=True)
        for s in report.skipped:
            click.echo(f"  {s.path}: {s.reason}", err=True)


@main.command("search")
@click.argument("query", default="")
@click.option("--province", multiple=True, help="Filter; repeat for OR.")
@click.option("--city", multiple=True, help="Filter; repeat for OR.")
@click.option("--district", multiple=True, help="Filter; repeat for OR.")
@click.option("--year", type=int, multiple=True, help="Filter; repeat for OR.")
@click.option("--year-from", type=int, default=None)
@click.option("--year-to", type=int, default=None)
@click.option("--theme", multiple=True, help="Filter; repeat for OR.")
@click.option("--doc-type", multiple=True, help="Filter by document type; repeat for OR.")
@click.option("--level", multiple=True, help="Filter by level (全国, 省级, 市级, 县级); repeat for OR.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--per-page", type=click.IntRange(1, 100), default=None)
@click.option("--sort", type=click.Choice(list(SORTS)), default="relevance", show_default=True)
@click.option("--no-type-prior", is_flag=True, help="Do not rank CPPCC documents first for CPPCC vocabulary.")
@click.option("--no-expand", is_flag=True, help="Search the typed words only, without their synonyms.")
@click.option("--group", type=click.Choice(["article"]), default=None, help="One entry per article (its best paragraphs).")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@index_dir_option
@click.pass_context
def search_cmd(
    ctx: click.Context,
    query: str,
    province: tuple[str, ...],
    city: tuple[str, ...],
    district: tuple[str, ...],
    year: tuple[int, ...],
    year_from: int | None,
    year_to: int | None,
    theme: tuple[str, ...],
    doc_type: tuple[str, ...],
    level: tuple[str, ...],
    page: int,
    per_page: int | None,
    sort: str,
    no_type_prior: bool,
    no_expand: bool,
    group: str | None,
    as_json: bool,
    index_dir: str | None,
) -> None:
    """Search the index; QUERY may use "phrases", OR, -word, NOT word, title:word."""
    settings = _settings(ctx)
    request = SearchRequest(
        query=query,
        provinces=province,
        cities=city,
        districts=district,
        years=year,
        year_from=year_from,
        year_to=year_to,
        themes=theme,
        doc_types=doc_type,
        levels=level,
        page=page,
        per_page=per_page or settings.per_page,
        sort=sort,
        type_prior=not no_type_prior,
        expand=not no_expand,
        group=group or "",
    )
    engine = _engine(settings, index_dir)
    try:
        result = engine.search(request)
        if as_json:
            extra = research_cli.group_json(engine, request) if group else {}
            click.echo(json.dumps(result.to_dict() | extra, ensure_ascii=False, indent=1))
            return
        if group:
            research_cli.echo_groups(engine, request, _terminal)
            return
    except (QuerySyntaxError, BadRequest, IndexMissing) as exc:
        raise click.ClickException(str(exc)) from None
    _warn_fallback(engine)
    click.echo(f"{result.total} paragraphs ({result.elapsed_ms:.0f} ms), page {page} of {result.pages}")
    for notice in result.notices:
        click.echo(f"注意：{notice}")
    if result.expanded:
        click.echo(f"也搜索了：{'、'.join(result.expanded)}（--no-expand 只搜索输入的词）")
    if result.type_prior:
        click.echo(f"「{'、'.join(result.type_prior)}」是政协工作用语：政协的文件排在前面（--no-type-prior 关闭）。")
    for h in result.hits:
        where = " › ".join(p for p in (h.province, h.city, h.district) if p)
        facts = "  ".join(
            x for x in (f"{h.year} 年度" if h.year else "", h.doc_type, h.level, " ".join(h.dated).strip()) if x
        )
        click.echo(f"\n[{h.id}] {h.title}  {where}  {facts}")
        click.echo("  " + _terminal(h.snippet))
        if h.role != "body" or h.duplicates:
            extra = [f"（{h.role}）" if h.role != "body" else "", f"还有 {h.duplicates} 处相同或相近" if h.duplicates else ""]
            click.echo("  " + " ".join(x for x in extra if x))
    for name, values in result.facets.items():
        if values:
            shown = ", ".join(f"{v.value} ({v.count})" for v in values[:12])
            click.echo(f"\n{name}: {shown}")


def _warn_fallback(engine: SearchEngine) -> None:
    if engine.problem:
        click.echo(f"Warning: {engine.problem} The newest intact generation answered instead.", err=True)


def _terminal(snippet_html: str) -> str:
    """A snippet for the terminal: <mark> as bold, entities decoded."""
    from html import unescape

    return unescape(snippet_html.replace("<mark>", "\x1b[1m").replace("</mark>", "\x1b[0m"))


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-")
@index_dir_option
@click.pass_context
def export_cmd(ctx: click.Context, fmt: str, output: click.utils.LazyFile, index_dir: str | None) -> None:
    """Write every indexed paragraph with its metadata (the cleaned corpus)."""
    try:
        hits = _engine(_settings(ctx), index_dir).iter_matches(SearchRequest(sort="oldest"))
        with closing(hits):
            if fmt == "csv":
                writer = csv.writer(output)
                writer.writerow(EXPORT_COLUMNS)
            for h in hits:
                if fmt == "csv":
                    writer.writerow(h.csv_row())
                else:
                    row = {c: v for c, v in h.to_dict().items() if c in EXPORT_COLUMNS}
                    output.write(json.dumps(row, ensure_ascii=False) + "\n")
    except IndexMissing as exc:
        raise click.ClickException(str(exc)) from None


@main.command("articles")
@click.option("--json", "as_json", is_flag=True)
@index_dir_option
@click.pass_context
def articles_cmd(ctx: click.Context, as_json: bool, index_dir: str | None) -> None:
    """List the indexed articles with their metadata and paragraph counts."""
    try:
        articles = _engine(_settings(ctx), index_dir).articles()
    except IndexMissing as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps([a.to_dict() for a in articles], ensure_ascii=False, indent=1))
        return
    for a in articles:
        where = " › ".join(p for p in (a.province, a.city, a.district) if p) or "-"
        click.echo(
            f"{a.id}\t{a.year or '-'}\t{a.delivered or '-'}\t{a.doc_type or '-'}\t{a.level or '-'}\t{where}\t{a.paragraphs}\t{a.title}"
        )


@main.command("stats")
@index_dir_option
@click.pass_context
def stats_cmd(ctx: click.Context, index_dir: str | None) -> None:
    """What the current index holds, and what its build skipped."""
    target = Path(index_dir) if index_dir else _settings(ctx).index_dir
    try:
        found = integrity.serving(target, full=True)
    except IndexCorrupt as exc:
        raise click.ClickException(str(exc)) from None
    report = read_report(target) if found is not None and not found.fallback else None
    if found is None or (report is None and not found.fallback):
        raise click.ClickException(f"No index has been built in {str(target)!r}: run `cppcc-search index` first.")
    if found.fallback:
        report = integrity.generation_report(found.gen) or {}
        report = {"serving": found.gen.name, "problem": found.problem, **report}
    checksum = report.pop("checksum", None)
    report["integrity"] = integrity.status(found.gen) if not found.fallback else f"current generation broken: {found.problem}"
    if isinstance(checksum, dict):
        report["checksum"] = {"algorithm": checksum.get("algorithm"), "digest": checksum.get("digest"),
                              "files": len(checksum.get("files") or {})}  # fmt: skip
    click.echo(json.dumps(report, ensure_ascii=False, indent=1))
    if found.fallback:
        click.echo(f"Warning: {found.problem} Serving the older generation {found.gen.name!r}.", err=True)


@main.command("check")
@index_dir_option
@click.pass_context
def check_cmd(ctx: click.Context, index_dir: str | None) -> None:
    """Verify the current index: CURRENT, completeness and every file's checksum."""
    target = Path(index_dir) if index_dir else _settings(ctx).index_dir
    try:
        gen = read_current(target)
    except IndexCorrupt as exc:
        raise click.ClickException(str(exc)) from None
    if gen is None:
        raise click.ClickException(f"No index has been built in {str(target)!r}: run `cppcc-search index` first.")
    trouble = integrity.problem(gen, full=True)
    if trouble is not None:
        raise click.ClickException(f"{trouble.rstrip('.')}: run `cppcc-search index --full` to rebuild the index.")
    click.echo(f"{gen.name}: {integrity.status(gen, full=False)}.")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=5000, show_default=True)
@index_dir_option
@click.option("--debug", is_flag=True, help="Flask's reloader and debugger (never in production).")
@click.pass_context
def serve_cmd(ctx: click.Context, host: str, port: int, index_dir: str | None, debug: bool) -> None:
    """Serve the web site locally."""
    from webui.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = _settings(ctx)
    if index_dir:
        settings = settings.with_index(index_dir)
    _check_port(host, port)  # before the index is opened: say so at once
    app = create_app(settings)
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    from waitress import create_server

    try:
        server = create_server(app, host=host, port=port, threads=8)
    except OSError as exc:
        raise click.ClickException(_listen_failure(host, port, exc)) from None
    click.echo(f"Serving http://{host}:{port}/ (index: {settings.index_dir})")
    server.run()


def _check_port(host: str, port: int) -> None:
    """ClickException, in a sentence, when nothing can listen on host:port."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as waitress does
            probe.bind(address)
    except OSError as exc:
        raise click.ClickException(_listen_failure(host, port, exc)) from None


def _listen_failure(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"Port {port} on {host} is already in use (another server is running there?): "
            f"choose another with --port, e.g. --port {port + 1}."
        )
    if exc.errno == errno.EACCES:
        return f"Port {port} on {host} may not be opened by this user: choose one above 1023 with --port."
    return f"Cannot listen on {host}:{port} ({exc.strerror or exc}): check --host and --port."


main.add_command(cli_insight.figures_cmd)
main.add_command(cli_insight.compare_cmd)
main.add_command(cli_insight.related_cmd)


main.add_command(research_cli.trend_cmd)
main.add_command(research_cli.kwic_cmd)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
