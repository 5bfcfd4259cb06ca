"""URL arguments <-> SearchRequest, and the links that change one piece of the state.

Every state of the search page lives in the query string (Datasette's convention:
``q``, repeatable filters ``province``/``city``/``district``/``year``/``theme``/``doc_type``/``level``,
``year_from``/``year_to``, and the controls ``sort``, ``per_page``, ``page``).
This module turns those arguments into a :class:`SearchRequest`, and a request
back into canonical arguments, so every facet toggle, chip and page link is a
plain shareable URL. It never imports Flask.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import cached_property, lru_cache
from typing import Protocol
from urllib.parse import quote_plus

from search.engine import SORTS, SearchRequest
from search.query import MAX_QUERY_LENGTH
from search.results import GROUPS, YEAR_MAX, YEAR_MIN

# URL argument -> SearchRequest field, in the order arguments are written into URLs.
FILTER_ARGS: dict[str, str] = {
    "province": "provinces",
    "city": "cities",
    "district": "districts",
    "year": "years",
    "theme": "themes",
    "doc_type": "doc_types",
    "level": "levels",
}
REGION_ARGS = ("province", "city", "district")
MAX_QUERY_CHARS = MAX_QUERY_LENGTH
# ASCII digits only (int() would also take ٣ and 1_00), and few of them: int() refuses
# more than 4,300 digits with a plain ValueError.
_DIGITS = re.compile(r"-?[0-9]{1,9}")


class BadParameter(ValueError):
    """A URL argument has a value the search cannot use; the message names it and the value."""


class MultiArgs(Protocol):
    """What we need of werkzeug's MultiDict (or any multi-valued mapping)."""

    def getlist(self, key: str) -> list[str]: ...

    def get(self, key: str, default: str | None = None) -> str | None: ...

    def keys(self) -> Iterable[str]: ...


def _int_arg(args: MultiArgs, name: str, label: str) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not _DIGITS.fullmatch(raw):
        raise BadParameter(f"参数 {name}（{label}）必须是整数，收到的是 {raw!r}。")
    return int(raw)


def _year(raw: str, name: str) -> int:
    if not _DIGITS.fullmatch(raw.strip()):
        raise BadParameter(f"参数 {name}（年份）必须是四位数的年份，收到的是 {raw!r}。")
    year = int(raw.strip())
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise BadParameter(
            f"参数 {name}（年份）应在 {YEAR_MIN}–{YEAR_MAX} 之间，收到的是 {raw!r}。"
        )
    return year


MAX_FILTER_VALUES = 50  # per filter: more is no reader's request, and each costs work
MAX_VALUE_CHARS = 100  # a filter value is a place, theme, type or level name: far shorter
SINGLE_ARGS = ("q", "page", "per_page", "sort", "year_from", "year_to")
MAX_ARGS = 200  # URL arguments in all (7 filters x MAX_FILTER_VALUES would be 350)


def _check_repeats(args: MultiArgs) -> None:
    """A single-valued argument given twice is ambiguous: refuse it rather than guess."""
    for name in SINGLE_ARGS:
        n = len(args.getlist(name))
        if n > 1:
            raise BadParameter(f"参数 {name} 只能出现一次，收到了 {n} 次。")
    total = sum(len(args.getlist(k)) for k in set(args.keys()))
    if total > MAX_ARGS:
        raise BadParameter(f"网址参数太多（{total} 个），最多 {MAX_ARGS} 个：请减少筛选条件。")


def _values(args: MultiArgs, name: str) -> tuple[str, ...]:
    """The non-empty values of a repeatable argument, stripped, first occurrence kept."""
    seen: dict[str, None] = {}
    for raw in args.getlist(name):
        value = raw.strip()
        if len(value) > MAX_VALUE_CHARS:
            # no index holds such a name, and every link of the page would repeat it
            raise BadParameter(
                f"参数 {name} 的值太长（{len(value)} 个字符），最多 {MAX_VALUE_CHARS} 个字符。"
            )
        if value:
            seen.setdefault(value, None)
    if len(seen) > MAX_FILTER_VALUES:
        raise BadParameter(
            f"参数 {name} 最多可选 {MAX_FILTER_VALUES} 个值，收到的是 {len(seen)} 个；请缩小选择。"
        )
    return tuple(seen)


def _switch(args: MultiArgs, name: str, label: str) -> bool:
    value = (args.get(name) or "1").strip()
    if value not in ("0", "1"):
        raise BadParameter(f"参数 {name}（{label}）只能是 0 或 1，收到的是 {value!r}。")
    return value == "1"


def parse_request(args: MultiArgs, *, per_page: int = 20, max_per_page: int = 100) -> SearchRequest:
    """Build the SearchRequest the URL arguments describe; raise BadParameter for unusable values."""
    _check_repeats(args)
    query = (args.get("q") or "").strip()
    if len(query) > MAX_QUERY_CHARS:
        raise BadParameter(f"检索词太长（{len(query)} 个字符），最多 {MAX_QUERY_CHARS} 个字符。")

    page = _int_arg(args, "page", "页码")
    if page is not None and page < 1:
        raise BadParameter(f"参数 page（页码）必须是正整数，收到的是 {page!r}。")
    size = _int_arg(args, "per_page", "每页条数")
    if size is not None and not 1 <= size <= max_per_page:
        raise BadParameter(
            f"参数 per_page（每页条数）应在 1–{max_per_page} 之间，收到的是 {size!r}。"
        )

    sort = (args.get("sort") or "relevance").strip() or "relevance"
    if sort not in SORTS:
        raise BadParameter(f"参数 sort（排序）只能是 {'、'.join(SORTS)} 之一，收到的是 {sort!r}。")

    year_from = (
        _year(args.get("year_from") or "", "year_from")
        if (args.get("year_from") or "").strip()
        else None
    )
    year_to = (
        _year(args.get("year_to") or "", "year_to") if (args.get("year_to") or "").strip() else None
    )
    if year_from is not None and year_to is not None and year_from > year_to:
        year_from, year_to = year_to, year_from  # a reversed range is a slip, not an error

    type_prior = _switch(args, "type_prior", "按文档类型优先")
    expand = _switch(args, "expand", "同时搜索同义词")
    group = (args.get("group") or "").strip()
    if group not in GROUPS:
        raise BadParameter(f"参数 group（分组）只能是 article，收到的是 {group!r}。")

    return SearchRequest(
        query=query,
        provinces=_values(args, "province"),
        cities=_values(args, "city"),
        districts=_values(args, "district"),
        years=tuple(_year(v, "year") for v in _values(args, "year")),
        year_from=year_from,
        year_to=year_to,
        themes=_values(args, "theme"),
        doc_types=_values(args, "doc_type"),
        levels=_values(args, "level"),
        page=page or 1,
        per_page=size or per_page,
        sort=sort,
        type_prior=type_prior,
        expand=expand,
        group=group,
    )


@lru_cache(maxsize=65536)
def _quoted(text: str) -> str:
    return quote_plus(text)


def encode_args(pairs: Iterable[tuple[str, str]]) -> str:
    """urlencode for str pairs, with each string quoted once per process (a page builds a
    link per facet value, and the same values come back on every page)."""
    return "&".join(f"{_quoted(k)}={_quoted(v)}" for k, v in pairs)


def request_args(req: SearchRequest, *, per_page: int = 20) -> list[tuple[str, str]]:
    """The canonical URL arguments of a request, defaults left out (inverse of parse_request)."""
    pairs: list[tuple[str, str]] = []
    if req.query:
        pairs.append(("q", req.query))
    for arg, attr in FILTER_ARGS.items():
        pairs.extend((arg, str(v)) for v in getattr(req, attr))
    if req.year_from is not None:
        pairs.append(("year_from", str(req.year_from)))
    if req.year_to is not None:
        pairs.append(("year_to", str(req.year_to)))
    if req.sort != "relevance":
        pairs.append(("sort", req.sort))
    if not req.type_prior:
        pairs.append(("type_prior", "0"))
    if not req.expand:
        pairs.append(("expand", "0"))
    if req.group:
        pairs.append(("group", req.group))
    if req.per_page != per_page:
        pairs.append(("per_page", str(req.per_page)))
    if req.page != 1:
        pairs.append(("page", str(req.page)))
    return pairs


def _without(values: tuple, drop: Iterable) -> tuple:
    dropped = set(drop)
    return tuple(v for v in values if v not in dropped)


class Links:
    """Builds URLs for a request: toggles, removals, pages, sorts. Filter toggles and removals go back to page 1."""

    def __init__(self, req: SearchRequest, base: str, *, per_page: int = 20) -> None:
        self.req = req
        self.base = base
        self.default_per_page = per_page

    def url(self, req: SearchRequest, base: str | None = None) -> str:
        """The URL of a request on this page (or on another base path, like the CSV export)."""
        query = encode_args(request_args(req, per_page=self.default_per_page))
        return f"{base or self.base}?{query}" if query else (base or self.base)

    def with_(self, **changes: object) -> str:
        """This request with some SearchRequest fields changed; page goes back to 1 unless given."""
        changes.setdefault("page", 1)
        return self.url(replace(self.req, **changes))

    def current(self, base: str | None = None) -> str:
        return self.url(self.req, base)

    def page(self, number: int) -> str:
        return self.with_(page=number)

    def sort(self, sort: str) -> str:
        return self.with_(sort=sort)

    def per_page(self, size: int) -> str:
        return self.with_(per_page=size)

    def without(self, drops: Mapping[str, Iterable[str]]) -> SearchRequest:
        """This request, on page 1, without some filter values: {"city": ["济南市"], ...}."""
        changes: dict[str, object] = {"page": 1}
        for arg, values in drops.items():
            attr = FILTER_ARGS[arg]
            typed = {int(v) for v in values} if arg == "year" else set(values)
            changes[attr] = _without(getattr(self.req, attr), typed)
        return replace(self.req, **changes)

    def toggle(self, arg: str, value: str) -> str:
        """Select the value if unselected (OR with the others of its facet), else unselect it."""
        key = (arg, value)
        url = self._toggles.get(key)
        if url is None:
            url = self._toggles[key] = self._toggle(arg, value)  # a hit's theme tags repeat
        return url

    @cached_property
    def _toggles(self) -> dict[tuple[str, str], str]:
        return {}

    def _toggle(self, arg: str, value: str) -> str:
        attr = FILTER_ARGS[arg]
        current = getattr(self.req, attr)
        typed: str | int = int(value) if arg == "year" else value
        if typed in current:
            return self.remove(arg, value)
        # The arguments of this request on page 1 with the value added where request_args
        # would put it (after the values of its facet): no new SearchRequest per facet value.
        pairs = self._page_one_pairs
        rank = self._arg_rank
        r = rank[arg]
        pos = 0
        for i, (k, _) in enumerate(pairs):
            if k in rank and rank[k] <= r:
                pos = i + 1
        query = encode_args([*pairs[:pos], (arg, str(typed)), *pairs[pos:]])
        return f"{self.base}?{query}"

    _arg_rank = {k: i for i, k in enumerate(("q", *FILTER_ARGS))}

    @cached_property
    def _page_one_pairs(self) -> list[tuple[str, str]]:
        return request_args(replace(self.req, page=1), per_page=self.default_per_page)

    def remove(self, arg: str, value: str) -> str:
        return self.url(self.without({arg: [value]}))

    def clear_filters(self) -> str:
        """Keep the query, sort and page size; drop every filter ("清除全部")."""
        return self.url(unfiltered(self.req))

    def widen_to(self, level: str) -> str:
        """Drop the region filters below `level` ("" = all regions, "province", "city")."""
        keep = REGION_ARGS[: REGION_ARGS.index(level) + 1] if level else ()
        dropped = {FILTER_ARGS[a]: () for a in REGION_ARGS if a not in keep}
        return self.url(replace(self.req, **dropped, page=1))

    def hidden_inputs(self, *, exclude: Iterable[str] = ()) -> list[tuple[str, str]]:
        """The current arguments as (name, value) pairs for hidden form fields, page left out."""
        skip = {"page", *exclude}
        return [
            (k, v)
            for k, v in request_args(self.req, per_page=self.default_per_page)
            if k not in skip
        ]


def unfiltered(req: SearchRequest) -> SearchRequest:
    """The same query, sort and page size with no filter at all (what 清除全部 leads to)."""
    return replace(
        req, provinces=(), cities=(), districts=(), years=(), year_from=None, year_to=None,
        themes=(), doc_types=(), levels=(), page=1,
    )
