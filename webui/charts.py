"""Server-rendered SVG for the trend page: a line chart by year and a tile map of provinces.

Plain strings of SVG markup (every label escaped), no JavaScript and no inline styles
(the site's CSP forbids them): colours are SVG presentation attributes. The SVG scales
to its container through its viewBox, so the same chart serves a phone and a desktop.
It never imports Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from markupsafe import Markup

from search.research import Trend, TrendRow

# One colour per query (at most four), distinguishable for the common colour blindnesses.
SERIES = ("#1f6fb2", "#c0392b", "#2e8b57", "#b7791f")
# Tile fills from "no matching article" to "every article": a sequential blue scale.
SCALE = ("#eef2f6", "#d3e3f3", "#a9c9e8", "#74a7d5", "#4183bf", "#1f5f9c", "#0e3f70")
NO_DATA = "#ffffff"
MEASURES = {"share": "占当年文章比例", "articles": "文章数", "paragraphs": "段落数"}

# Rough places of the provinces on a grid (column, row): north at the top, east on the right.
TILES: dict[str, tuple[int, int]] = {
    "黑龙江省": (8, 0), "内蒙古自治区": (5, 0), "吉林省": (8, 1), "新疆维吾尔自治区": (1, 1),
    "宁夏回族自治区": (3, 1), "山西省": (4, 1), "河北省": (5, 1), "北京市": (6, 1), "辽宁省": (7, 1),
    "青海省": (1, 2), "甘肃省": (2, 2), "陕西省": (3, 2), "河南省": (4, 2), "山东省": (5, 2),
    "天津市": (6, 2), "西藏自治区": (0, 3), "四川省": (2, 3), "重庆市": (3, 3), "湖北省": (4, 3),
    "安徽省": (5, 3), "江苏省": (6, 3), "上海市": (7, 3), "云南省": (2, 4), "贵州省": (3, 4),
    "湖南省": (4, 4), "江西省": (5, 4), "浙江省": (6, 4), "广西壮族自治区": (3, 5), "广东省": (4, 5),
    "福建省": (5, 5), "台湾省": (6, 5), "海南省": (4, 6), "香港特别行政区": (5, 6), "澳门特别行政区": (6, 6),
    "全国": (0, 0),
}  # fmt: skip
_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


def short_name(province: str) -> str:
    """山东省 -> 山东, 广西壮族自治区 -> 广西, 内蒙古自治区 -> 内蒙古."""
    for s in _SUFFIXES:
        if province.endswith(s) and len(province) > len(s) + 1:
            return province[: -len(s)]
    return province


def percent(share: float | None) -> str:
    if share is None:
        return "–"
    return f"{share * 100:.1f}%" if 0 < share < 0.1 else f"{share * 100:.0f}%"


def value_of(row: TrendRow, measure: str) -> float | None:
    if measure == "share":
        return row.share
    return float(row.articles if measure == "articles" else row.paragraphs)


def _nice_max(v: float, counts: bool) -> float:
    """A round upper bound for the y axis, four round steps of grid (whole steps for counts)."""
    if v <= 0:
        return 1.0 if not counts else 4.0
    for mag in range(-3, 9):
        for step in (1, 2, 2.5, 3, 4, 5, 6, 8):
            s = step * 10**mag
            if counts and s != int(s):
                continue
            if 4 * s >= v:
                return 4 * s
    return v


def year_chart(trend: Trend, measure: str = "share", *, w: int = 900, h: int = 320, name: str = "wide") -> Markup:
    """Lines of the queries over the years (one point per year; a year whose filtered corpus
    has no article breaks the line), with axes, a legend and a tooltip per point. `w` and
    `h` are the viewBox: the page draws a wide one for screens and a narrow one for phones,
    so the text stays legible on both."""
    left, right, top, bottom = 48, 12, 14, 46
    years = sorted({r.year for r in trend.rows if r.year is not None})
    if not years:
        return Markup("")
    y0, y1 = years[0], years[-1]
    values = [v for r in trend.rows if (v := value_of(r, measure)) is not None]
    vmax = _nice_max(max(values, default=0.0), counts=measure != "share")

    def x(year: int) -> float:
        return left + (year - y0) * (w - left - right) / max(y1 - y0, 1) if y1 > y0 else (w + left - right) / 2

    def y(v: float) -> float:
        return top + (1 - v / vmax) * (h - top - bottom)

    def label(v: float) -> str:
        return f"{v * 100:g}%" if measure == "share" else f"{v:g}"

    out = [
        f'<svg class="chart chart-{name}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="chart-title-{name}" '
        'xmlns="http://www.w3.org/2000/svg" font-size="13">',
        f'<title id="chart-title-{name}">{escape(MEASURES[measure])}，按工作年度：{escape("、".join(trend.queries))}</title>',
    ]
    for i in range(5):  # horizontal grid lines and y labels
        v = vmax * i / 4
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e3e7ec"/>')
        out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#5b6470">{label(v)}</text>')
    room = max(2, (w - left - right) // 56)  # year labels that fit side by side
    step = next((s for s in (1, 2, 5, 10, 20, 25, 50) if (y1 - y0) // s + 1 <= room), 100)
    for yr in range(y0, y1 + 1):
        if yr % step == 0 or (y1 - y0 < step and yr == y0):
            out.append(f'<text x="{x(yr):.1f}" y="{h - bottom + 18}" text-anchor="middle" fill="#5b6470">{yr}</text>')
    out.append(f'<line x1="{left}" x2="{w - right}" y1="{h - bottom}" y2="{h - bottom}" stroke="#9aa3ad"/>')
    radius = 3.5 if (w - left - right) / max(y1 - y0, 1) >= 12 else 2
    slot = min(160, (w - left) // max(len(trend.queries), 1))
    for qi, q in enumerate(trend.queries):
        color = SERIES[qi % len(SERIES)]
        runs: list[list[tuple[float, float]]] = [[]]
        points = []
        for r in trend.rows_of(q):
            v = value_of(r, measure)
            if v is None or r.year is None:
                runs.append([])
                continue
            runs[-1].append((x(r.year), y(v)))
            tip = f"「{q}」{r.year} 年：{r.articles}/{r.articles_total} 篇文章（{percent(r.share)}），{r.paragraphs} 段"
            points.append(
                f'<circle cx="{x(r.year):.1f}" cy="{y(v):.1f}" r="{radius}" fill="{color}" data-year="{r.year}">'
                f"<title>{escape(tip)}</title></circle>"
            )
        for run in runs:
            if len(run) > 1:
                pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in run)
                out.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2.5"/>')
        out += points
        lx = left + qi * slot
        out.append(f'<rect x="{lx}" y="{h - 16}" width="14" height="4" fill="{color}"/>')
        out.append(f'<text x="{lx + 20}" y="{h - 10}" fill="#2b3138">{escape(q)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def _bucket(share: float | None) -> int:
    if share is None:
        return -1
    if share <= 0:
        return 0
    return min(len(SCALE) - 1, 1 + int(share * (len(SCALE) - 1) - 1e-9))


def tile_map(rows: Sequence[TrendRow], url_for_province: Callable[[str], str], query: str) -> Markup:
    """One square per province in its rough place, coloured by the query's share of that
    province's articles, each a link that filters the trend to it; 全国 in the corner."""
    size, gap = 60, 4
    by_name = {r.province: r for r in rows if r.province}
    placed = dict(TILES)
    extra_row = 7
    for name in by_name:  # a region the grid does not know still gets a tile, below
        if name not in placed:
            placed[name] = (len([n for n in placed if placed[n][1] == extra_row]), extra_row)
    rows_n = max(r for _, r in placed.values()) + 1
    w, h = 9 * (size + gap), rows_n * (size + gap)
    out = [
        f'<svg class="tiles" viewBox="0 0 {w} {h}" role="img" aria-label="{escape(query)}：各省份文章比例" '
        'xmlns="http://www.w3.org/2000/svg" font-size="17">'
    ]
    for name, (c, r) in placed.items():
        x, y = c * (size + gap), r * (size + gap)
        row = by_name.get(name)
        share = row.share if row else None
        b = _bucket(share)
        fill = NO_DATA if b < 0 else SCALE[b]
        ink = "#ffffff" if b >= 4 else "#1d232a"
        tile = (
            f'<rect x="{x}" y="{y}" width="{size}" height="{size}" rx="4" fill="{fill}" stroke="#c5ccd4"/>'
            f'<text x="{x + size / 2}" y="{y + 22}" text-anchor="middle" fill="{ink}">{escape(short_name(name))}</text>'
            f'<text x="{x + size / 2}" y="{y + 40}" text-anchor="middle" fill="{ink}" font-size="14">{percent(share) if row else ""}</text>'
            # the articles behind the share: 100% of 2 is not 100% of 200
            + (f'<text class="tile-n" x="{x + size / 2}" y="{y + 54}" text-anchor="middle" fill="{ink}" font-size="10">'
               f"{row.articles}/{row.articles_total} 篇</text>" if row and row.articles_total else "")
        )
        if row and row.articles_total:
            tip = f"{name}：{row.articles}/{row.articles_total} 篇文章（{percent(share)}），{row.paragraphs} 段"
            out.append(
                f'<a class="tile" href="{escape(url_for_province(name))}" data-province="{escape(name)}">'
                f"<title>{escape(tip)}</title>{tile}</a>"
            )
        else:
            out.append(f'<g class="tile is-empty" data-province="{escape(name)}"><title>{escape(name)}：无文章</title>{tile}</g>')
    out.append("</svg>")
    return Markup("".join(out))
