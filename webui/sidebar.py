"""What the search page's sidebar and chips show, built from a SearchPage and its Links.

Plain frozen records (region tree nodes, breadcrumb steps, histogram bars, chips) that
the templates only render. It never imports Flask.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from search.engine import SearchPage, SearchRequest
from search.facets import FacetValue

from .params import FILTER_ARGS, REGION_ARGS, Links

# A facet list longer than FACET_SHOWN + FACET_SLACK shows its top FACET_SHOWN values and
# folds the rest under "更多" (a <details>, so it works without JavaScript).
FACET_SHOWN = 10
FACET_SLACK = 3
# Up to this many years, each histogram column carries its count and year (a 4-digit year
# needs ~30 px: eight fit the sidebar); beyond, a label every TICK_STEPS years, the
# smallest step that gives at most MAX_TICKS labels (every 10 years of 105 ran together).
HISTOGRAM_LABELLED = 8
TICK_STEPS = (5, 10, 20, 25, 50, 100)
MAX_TICKS = 6
# Levels read top-down, as the region tree does; a level outside this list follows by count.
LEVEL_ORDER = ("全国", "省级", "市级", "县级")
# The label of each filter, on its chip and in the "no results" hints.
FILTER_LABELS = {
    "province": "省份",
    "city": "城市",
    "district": "区县",
    "year": "工作年度",
    "theme": "主题",
    "doc_type": "文档类型",
    "level": "层级",
}

@dataclass(frozen=True)
class Chip:
    """One active filter, shown as a removable chip."""

    label: str  # "地区"
    value: str  # "济南市"
    remove_url: str
    without: SearchRequest | None = None  # the request the remove_url stands for


@dataclass(frozen=True)
class RegionNode:
    """One place in the region drill-down tree, with the link that toggles it."""

    arg: str  # "province" | "city" | "district"
    value: str
    count: int
    selected: bool
    url: str
    children: tuple[RegionNode, ...] = ()


@dataclass(frozen=True)
class Crumb:
    """One step of the region breadcrumb; the last one has no link."""

    label: str
    url: str | None


@dataclass(frozen=True)
class YearBar:
    """One column of the year histogram."""

    value: str
    count: int
    percent: int  # height relative to the tallest year, 0-100
    selected: bool
    in_range: bool
    url: str


def split_top(items: Iterable, shown: int | None = None) -> tuple[tuple, tuple]:
    """(always shown, folded under 更多): the first `shown`, plus anything picked or opened.

    Counts order the list, so the top values come first; a picked value (or a place that is
    open on a picked place under it) is never folded away, wherever it ranks. A list only a
    few longer than `shown` is not folded at all: a "更多 2 个" toggle costs more than it saves.
    """
    items = tuple(items)
    shown = FACET_SHOWN if shown is None else shown
    if len(items) <= shown + FACET_SLACK:
        return items, ()
    keep = [
        i < shown or bool(getattr(x, "selected", False) or getattr(x, "children", ()))
        for i, x in enumerate(items)
    ]
    return (
        tuple(x for x, k in zip(items, keep, strict=True) if k),
        tuple(x for x, k in zip(items, keep, strict=True) if not k),
    )


def region_tree(page: SearchPage, links: Links) -> tuple[RegionNode, ...]:
    """Provinces with counts; a place opens on the places under it when it or one of them is picked.

    Unpicking a place also unpicks the places under it, so no orphan filter is left behind.
    """
    levels = [(arg, page.facets.get(arg, ())) for arg in REGION_ARGS]
    picked = {arg: set(getattr(page.request, FILTER_ARGS[arg])) for arg in REGION_ARGS}

    def under(depth: int, value: str) -> dict[str, tuple[str, ...]]:
        found, parents = {}, {value}
        for arg, values in levels[depth + 1 :]:
            found[arg] = tuple(v.value for v in values if v.parent in parents)
            parents = set(found[arg])
        return found

    def nodes(depth: int, parent: str | None) -> tuple[RegionNode, ...]:
        arg, values = levels[depth]
        out = []
        for fv in values:
            if parent is not None and fv.parent != parent:
                continue
            below = under(depth, fv.value)
            opened = fv.selected or any(picked[a] & set(vs) for a, vs in below.items())
            kids = nodes(depth + 1, fv.value) if opened and depth + 1 < len(levels) else ()
            url = (
                links.url(links.without({arg: [fv.value], **below}))
                if fv.selected
                else links.toggle(arg, fv.value)
            )
            out.append(RegionNode(arg, fv.value, fv.count, fv.selected, url, kids))
        return tuple(out)

    tree = nodes(0, None)
    # A place picked in the URL that the tree does not show (no paragraph left there, or a city
    # whose province has none) still shows, so it can be unpicked where it was picked.
    listed: dict[str, set[str]] = {arg: set() for arg in REGION_ARGS}

    def walk(ns: tuple[RegionNode, ...]) -> None:
        for n in ns:
            listed[n.arg].add(n.value)
            walk(n.children)

    walk(tree)
    missing = tuple(
        RegionNode(arg, v, 0, True, links.remove(arg, v))
        for arg in REGION_ARGS
        for v in getattr(page.request, FILTER_ARGS[arg])
        if v not in listed[arg]
    )
    return tree + missing


def breadcrumb(req: SearchRequest, links: Links) -> tuple[Crumb, ...]:
    """全部地区 › 山东省 › 济南市: each step widens to that level; the last is where we are."""
    levels = [("", "全部地区")]
    for arg in REGION_ARGS:
        values = getattr(req, FILTER_ARGS[arg])
        if values:
            levels.append((arg, "、".join(values)))
    return tuple(
        Crumb(label, None if i == len(levels) - 1 else links.widen_to(level))
        for i, (level, label) in enumerate(levels)
    )


def year_ticks(bars: Sequence[YearBar]) -> frozenset[str]:
    """The years a compact histogram labels: multiples of the step, none within half a step
    of the last year (its label would run past the sidebar's edge)."""
    years = [int(b.value) for b in bars if b.value.isdigit()]
    if not years:
        return frozenset()
    step = next((s for s in TICK_STEPS if len(years) <= s * MAX_TICKS), TICK_STEPS[-1])
    return frozenset(str(y) for y in years if y % step == 0 and years[-1] - y >= step // 2)


def year_bars(page: SearchPage, links: Links) -> tuple[YearBar, ...]:
    """The year facet as histogram columns, oldest first, one per year of the span.

    A year with no paragraphs between two that have some is an empty column (url ""),
    so the axis is time: a gap in the record shows as a gap, not as a neighbour.
    A year picked in the URL but absent from the facet keeps its column so it can be unpicked;
    outside the years with paragraphs it stands alone at its end (year=1900 would
    otherwise draw 125 empty columns).
    """
    counts = {v.value: v for v in page.facets.get("year", ())}
    numeric = sorted(int(y) for y in counts if y.isdigit())
    req = page.request
    for y in req.years:
        counts.setdefault(str(y), FacetValue(str(y), 0, True))
    filled = range(numeric[0], numeric[-1] + 1) if numeric else range(0)
    picked = sorted({y for y in req.years if y not in filled})
    span = [str(y) for y in sorted([*filled, *picked])]
    span += sorted(y for y in counts if not y.isdigit())
    tallest = max((v.count for v in counts.values()), default=0) or 1

    def in_range(value: str) -> bool:
        try:
            year = int(value)
        except ValueError:
            return True
        return (req.year_from is None or year >= req.year_from) and (
            req.year_to is None or year <= req.year_to
        )

    bars = []
    for value in span:
        v = counts.get(value)
        count = v.count if v else 0
        selected = bool(v and v.selected)
        bars.append(
            YearBar(
                value,
                count,
                max(4, round(100 * count / tallest)) if count else 0,
                selected,
                in_range(value),
                links.toggle("year", value) if count or selected else "",
            )
        )
    return tuple(bars)


def page_numbers(current: int, last: int, around: int = 2) -> list[int | None]:
    """The page numbers a pager links: the first, the last and `around` either side of
    the current one, None for each gap between them (computed, not looped over every page)."""
    if last < 1:
        return []
    shown = sorted({1, last, *range(max(1, current - around), min(last, current + around) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


def year_list(bars: tuple[YearBar, ...]) -> tuple[YearBar, ...]:
    """The years that have paragraphs (or are picked), newest first: the histogram as a list."""
    return tuple(b for b in reversed(bars) if b.url)


def chips(req: SearchRequest, links: Links) -> tuple[Chip, ...]:
    """The active filters, each with the link that removes it."""
    out: list[Chip] = []
    for arg, attr in FILTER_ARGS.items():
        for value in getattr(req, attr):
            without = links.without({arg: [str(value)]})
            out.append(Chip(FILTER_LABELS[arg], str(value), links.url(without), without))
    if req.year_from is not None or req.year_to is not None:
        span = f"{req.year_from or '…'}–{req.year_to or '…'}"
        without = replace(req, year_from=None, year_to=None, page=1)
        out.append(Chip("工作年度范围", span, links.url(without), without))
    return tuple(out)


def facet_values(page: SearchPage, arg: str) -> tuple[FacetValue, ...]:
    """A flat facet (theme, doc_type, level) as the sidebar lists it.

    The engine orders by count; levels read better top-down (全国 › 省级 › 市级 › 县级),
    so they keep that order whatever their counts. A value picked in the URL is in the
    engine's list even with no paragraphs, so it can always be unpicked.
    """
    values = page.facets.get(arg, ())
    if arg == "level":
        rank = {v: i for i, v in enumerate(LEVEL_ORDER)}
        values = tuple(sorted(values, key=lambda v: (rank.get(v.value, len(rank)), -v.count)))
    return tuple(values)


def year_choices(page: SearchPage) -> tuple[str, ...]:
    """The years offered by the range selects: those in the facet, plus any range end already chosen."""
    req = page.request
    years = {v.value for v in page.facets.get("year", ())}
    years.update(str(y) for y in (req.year_from, req.year_to) if y is not None)
    return tuple(sorted(years))
