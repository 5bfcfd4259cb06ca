"""Small server-rendered SVG charts (no script, no CDN): a committee's figures over the years."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 168, 44, 5
LEFT = 30  # room for the largest value, written at the top left


def _fmt(v: float) -> str:
    return str(int(v)) if v == int(v) else f"{v:g}"


def sparkline(
    series: Sequence[tuple[int, float]], years: Sequence[int], *, label: str = ""
) -> Markup:
    """A line over the table's years (shared x axis), scaled to the committee's own largest
    value; each point has a <title> with year and value. Empty when there is no point."""
    if not series or not years:
        return Markup("")
    lo, hi = min(years), max(years)
    top = max(v for _, v in series) or 1.0

    def x(year: int) -> float:
        return LEFT + (WIDTH - LEFT - PAD) * ((year - lo) / (hi - lo) if hi > lo else 0.5)

    def y(value: float) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * (value / top)

    points = [(x(yr), y(v), yr, v) for yr, v in series]
    parts = [
        f'<svg class="spark" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}">',
        f'<line x1="{LEFT}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#d0d5db" stroke-width="1"/>',
    ]
    if len(points) > 1:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#b3262f" stroke-width="1.6"/>')
    for px, py, yr, v in points:
        parts.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.6" fill="#b3262f"><title>{yr}: {_fmt(v)}</title></circle>'
        )
    parts.append(f'<text x="2" y="{PAD + 6}" font-size="9" fill="#5e6670">{_fmt(top)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
