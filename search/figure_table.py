"""The committee x year table of one metric (/figures, /api/figures, `cppcc-search figures`):
the stated figures of search.figures over the paragraphs a request selects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from search.figures import Figure, Metric, load_rules, store_figures


@dataclass(frozen=True)
class CommitteeRow:
    """One committee (region) of the table: its figures by work year, and the chart series."""

    province: str
    city: str
    district: str
    cells: dict[int, tuple[Figure, ...]]  # work year -> figures (one per qualifier and value)
    series: tuple[tuple[int, float], ...]  # (year, value) of the charted qualifier

    @property
    def label(self) -> str:
        return (
            " › ".join(p for p in (self.province, self.city, self.district) if p) or "（未知地区）"
        )


@dataclass(frozen=True)
class FigureTable:
    """The figures of one metric over the selected paragraphs, as committees x years."""

    metric: Metric
    qualifier: str  # the chosen qualifier, "" for all
    charted: str  # the qualifier the charts follow (the chosen one, else the most stated)
    figures: tuple[Figure, ...]  # every matching figure, in committee, year, reading order
    rows: tuple[CommitteeRow, ...]
    years: tuple[int, ...]
    qualifiers: tuple[tuple[str, int], ...]  # the metric's qualifiers in the selection, with counts
    metrics: tuple[Metric, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric.name,
            "label": self.metric.label,
            "qualifier": self.qualifier,
            "qualifiers": [{"value": q, "count": n} for q, n in self.qualifiers],
            "years": list(self.years),
            "total": len(self.figures),
            "rows": [f.to_dict() for f in self.figures],
        }


UNSTATED = "未写明"  # the qualifier argument that picks the figures stated without one


def figure_table(engine: Any, metric: str, request: Any = None, qualifier: str = "") -> FigureTable:
    """The figures of `metric` stated in the paragraphs the request selects (its query and
    filters, as on the search page), by committee and work year."""
    rules = load_rules()
    m = rules.metric(metric)
    with engine.selection(request) as (st, mask):
        picked = [f for f in store_figures(st.store) if f.metric == m.name and mask[f.docnum]]
    counts: dict[str, int] = {}
    for f in picked:
        counts[f.qualifier] = counts.get(f.qualifier, 0) + 1
    qualifiers = tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    wanted = "" if qualifier == UNSTATED else qualifier
    if qualifier:
        picked = [f for f in picked if f.qualifier == wanted]
    picked.sort(key=lambda f: (f.province, f.city, f.district, f.year or 0, f.docnum))
    charted = wanted if qualifier else (qualifiers[0][0] if qualifiers else "")
    by_committee: dict[tuple[str, str, str], dict[int, list[Figure]]] = {}
    for f in picked:
        cell = by_committee.setdefault(f.committee, {}).setdefault(f.year or 0, [])
        if not any((g.qualifier, g.value, g.unit) == (f.qualifier, f.value, f.unit) for g in cell):
            cell.append(f)  # a lead paragraph and the body often state the same figure
    rows = []
    for (prov, city, dist), cells in by_committee.items():
        series = tuple(
            (year, max(f.value for f in figs if f.qualifier == charted))
            for year, figs in sorted(cells.items())
            if year and any(f.qualifier == charted for f in figs)
        )
        rows.append(CommitteeRow(prov, city, dist, {y: tuple(v) for y, v in cells.items()}, series))
    years = tuple(sorted({y for r in rows for y in r.cells}))
    return FigureTable(
        metric=m, qualifier=qualifier, charted=charted, figures=tuple(picked), rows=tuple(rows),
        years=years, qualifiers=qualifiers, metrics=rules.metrics,
    )  # fmt: skip


CSV_COLUMNS = ("metric", "qualifier", "value", "approx", "unit", "number", "province", "city", "district",
               "year", "title", "article_id", "paragraph_id", "statement", "text")  # fmt: skip


def csv_row(f: Figure) -> list[Any]:
    d = f.to_dict()
    return [d[c] for c in CSV_COLUMNS]
