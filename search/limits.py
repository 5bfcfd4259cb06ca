"""Caps on what one request may ask for, each refused in a sentence (a 400 on the site).

Every cap bounds work that grows with the request: each term is a posting-list
intersection, each OR alternative another one, each piece of a spaced phrase another
one plus a verification pass, and a deep page ranks everything before it. The query's
length is capped by the parser (search.query.MAX_QUERY_LENGTH), the values of one filter
by the site (webui.params.MAX_FILTER_VALUES); the time of what is left is bounded by the
request budget (search.budget).
"""

from __future__ import annotations

from search.query import ParsedQuery, QuerySyntaxError
from search.results import BadRequest

MAX_TERMS = 24  # words to look for (every piece of a spaced phrase counts), NOT-words included
MAX_OR_BRANCHES = 12  # alternatives of one OR group
MAX_DEPTH = 10_000  # page × per_page: the deepest hit a page may show


class QueryTooComplex(QuerySyntaxError):
    """The query has more terms or OR alternatives than a search takes."""


class PageTooDeep(BadRequest):
    """page × per_page goes past the deepest hit a page may show."""


def check_query(parsed: ParsedQuery) -> None:
    """Raise QueryTooComplex when the query exceeds MAX_TERMS or MAX_OR_BRANCHES."""
    terms = sum(max(1, len(t.key.split())) for t in parsed.terms)
    if terms > MAX_TERMS:
        raise QueryTooComplex(
            f"查询包含 {terms} 个词，最多 {MAX_TERMS} 个：请删去一些词，或用更具体的短语。"
        )
    widest = max((len(g) for g in parsed.groups), default=0)
    if widest > MAX_OR_BRANCHES:
        raise QueryTooComplex(
            f"一组 OR 有 {widest} 个选项，最多 {MAX_OR_BRANCHES} 个：请分成几次检索。"
        )


def check_depth(page: int, per_page: int) -> None:
    """Raise PageTooDeep when the page would show hits past MAX_DEPTH."""
    if page * per_page > MAX_DEPTH:
        raise PageTooDeep(
            f"第 {page} 页（每页 {per_page} 条）超出了可翻到的前 {MAX_DEPTH} 条结果："
            "请加上筛选条件缩小范围，或用 CSV 导出全部结果。"
        )
