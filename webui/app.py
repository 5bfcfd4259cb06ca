"""The Flask application factory and the error pages.

    create_app()                               # Settings.from_env()
    create_app(Settings().with_index("index")) # explicit
    waitress-serve --call webui.app:create_app

Every error a user can cause becomes a 4xx page (or ``{"error": ...}`` under /api/ and
for the CSV export); nothing else reaches the user as a traceback.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask.globals import request_ctx
from markupsafe import Markup, escape
from werkzeug.exceptions import BadHost, HTTPException

from search import budget
from search.engine import ArticleNotFound, BadRequest, IndexMissing, QuerySyntaxError, SearchEngine
from search.generations import IndexCorrupt
from search.settings import Settings
from search.snippets import escape_text

from .insight import bp as insight_bp
from .params import BadParameter, Links, parse_request
from .research import bp as research_bp
from .views import bp

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

MAX_HOST_CHARS = 253 + len(":65535")

ERROR_TITLES = {
    400: "请求有误",
    404: "未找到",
    405: "不支持的请求方法",
    500: "服务器内部错误",
    503: "索引尚未建立",
}
TOO_BROAD = (
    "这次检索范围太大，没能在 {seconds:g} 秒内完成，已停止。请缩小范围后再试：用更长、更具体的词"
    "（单个常用字如“的”“政”几乎出现在每一段），减少 OR 的选项，加上地区、年份、类型等筛选条件，"
    "或不要翻到太靠后的页。"
)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.endswith(".csv")


def _kept_filters() -> list[tuple[str, str]]:
    """The filters of the failed search, so fixing the query in the box does not lose them."""
    s: Settings = current_app.config["SETTINGS"]
    try:
        req = parse_request(request.args, per_page=s.per_page, max_per_page=s.max_per_page)
    except BadParameter:
        return []
    return Links(req, "", per_page=s.per_page).hidden_inputs(exclude=["q"])


def _error(status: int, message: str, *, kind: str = "", title: str = "") -> tuple[Response | str, int]:
    """The error as JSON for API clients, else as a page that keeps the search box."""
    if _wants_json():
        return jsonify({"error": message}), status
    title = title or ERROR_TITLES.get(status, "出错了")
    if request_ctx.url_adapter is None:
        # no URL can be built for this request (werkzeug refused its Host header): a page
        # without the site's links, which url_for would fail to make
        body = f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{escape(title)}</title>'
        return f"{body}<h1>{escape(title)}</h1><p>{escape(message)}</p></html>", status
    hidden = _kept_filters() if kind in ("query", "budget") else []
    return render_template(
        "error.html", status=status, title=title, message=message, kind=kind, hidden=hidden
    ), status


def register_error_handlers(app: Flask) -> None:
    """Turn every exception into a friendly page or JSON body with the right status."""

    @app.errorhandler(BadParameter)
    def bad_parameter(exc: BadParameter):
        return _error(400, str(exc), kind="params")

    @app.errorhandler(BadRequest)
    def engine_bad_request(exc: BadRequest):
        return _error(400, str(exc), kind="params")

    @app.errorhandler(QuerySyntaxError)
    def bad_query(exc: QuerySyntaxError):
        return _error(400, str(exc), kind="query")

    @app.errorhandler(ArticleNotFound)
    def no_article(exc: ArticleNotFound):
        return _error(
            404,
            f"没有找到这篇文章：{(request.view_args or {}).get('article_id', '')!s}",
            kind="doc",
        )

    @app.errorhandler(IndexMissing)
    def no_index(exc: IndexMissing):
        app.logger.warning("index missing: %s", exc)
        return _error(
            503,
            "还没有建立检索索引。请先运行 cppcc-search index 建立索引，然后刷新本页。",
            kind="index",
        )

    @app.errorhandler(IndexCorrupt)
    def broken_index(exc: IndexCorrupt):
        app.logger.error("index broken: %s", exc)
        return _error(
            503,
            f"检索索引已损坏，暂时无法检索。原因：{exc}",
            kind="corrupt",
            title="索引已损坏",
        )

    @app.errorhandler(budget.OverBudget)
    def over_budget(exc: budget.OverBudget):
        seconds = current_app.config["SETTINGS"].request_budget
        app.logger.warning("over the %g s budget: %s?%s", seconds, request.path, request.query_string.decode(errors="replace")[:300])
        return _error(503, TOO_BROAD.format(seconds=seconds), kind="budget", title="检索范围太大")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        messages = {404: "没有这个页面。", 405: "不支持这种请求方法。"}
        if isinstance(exc, BadHost):
            return _error(400, "请求头中的主机名（Host）无效。", kind="params")
        return _error(exc.code or 500, messages.get(exc.code or 0, exc.description or ""))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        return _error(500, "服务器出了点问题，请稍后再试。")


def create_app(settings: Settings | None = None) -> Flask:
    """Build the web app over the index in settings.index_dir (default: Settings.from_env())."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["SETTINGS"] = settings
    app.json.ensure_ascii = False  # readable Chinese in /api/ answers
    app.json.sort_keys = False  # keep the documented key order of SearchPage.to_dict()
    # every generation's files are hashed against its build.json before it is served
    engine = SearchEngine(settings.index_dir, max_per_page=settings.max_per_page)
    engine.warm_up()  # open the index now, not on the first visitor's search
    app.extensions["cppcc_search"] = engine
    app.register_blueprint(bp)

    @app.before_request
    def check_host() -> None:
        # werkzeug checks each label of the Host header, not its length; a name is at most
        # 253 characters (RFC 1035), and links and citations repeat it
        if len(request.host) > MAX_HOST_CHARS:
            raise BadHost()

    @app.before_request
    def open_budget() -> None:
        budget.start(settings.request_budget)

    @app.teardown_request
    def close_budget(exc: BaseException | None) -> None:
        budget.end()

    app.register_blueprint(insight_bp)  # /figures, /compare, /api/related
    app.register_blueprint(research_bp)  # /trend, /kwic, /p/<id> and citations
    # plain text with each lost character (〓) as a labelled placeholder (table of contents)
    app.add_template_filter(lambda text: Markup(escape_text(text)), "lost")
    register_error_handlers(app)

    @app.after_request
    def security_headers(resp: Response) -> Response:
        resp.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp

    return app
