"""Small line charts as inline SVG, drawn on the server (no script, no chart server).

Colours and strokes come from the console's stylesheet through classes, so the strict
Content-Security-Policy (no inline styles) holds inside the SVG too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Series:
    """One line: a CSS class, a legend and one value (or none) per month."""

    css: str
    label: str
    values: Sequence[float | None]


def line_chart(
    title: str,
    months: Sequence[str],
    series: Sequence[Series],
    top: float,
    *,
    width: int = 640,
    height: int = 220,
) -> str:
    """An SVG with one polyline per series over `months`, y from 0 to `top`.

    Missing values break the line. The SVG has a title for screen readers; the console shows
    the same figures in a table next to it.
    """
    left, right, upper, lower = 40, 12, 12, 28
    plot_w, plot_h = width - left - right, height - upper - lower
    step = plot_w / max(1, len(months) - 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: float) -> float:
        return upper + plot_h * (1 - min(max(v / top, 0.0), 1.0)) if top else upper + plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        gy = y(top * frac)
        parts.append(
            f'<line class="grid" x1="{left}" y1="{gy:.1f}" x2="{width - right}" y2="{gy:.1f}"/>'
            f'<text class="axis" x="{left - 6}" y="{gy + 4:.1f}" text-anchor="end">'
            f"{top * frac:g}</text>"
        )
    for i, month in enumerate(months):
        parts.append(
            f'<text class="axis" x="{x(i):.1f}" y="{height - 8}" text-anchor="middle">'
            f"{escape(month)}</text>"
        )
    for s in series:
        run: list[str] = []
        runs: list[list[str]] = []
        for i, v in enumerate(s.values):
            if v is None:
                if run:
                    runs.append(run)
                run = []
                continue
            run.append(f"{x(i):.1f},{y(v):.1f}")
        if run:
            runs.append(run)
        for points in runs:
            parts.append(
                f'<polyline class="line {escape(s.css)}" points="{" ".join(points)}">'
                f"<title>{escape(s.label)}</title></polyline>"
            )
            for point in points:
                cx, cy = point.split(",")
                parts.append(f'<circle class="dot {escape(s.css)}" cx="{cx}" cy="{cy}" r="2.5"/>')
    parts.append("</svg>")
    return "".join(parts)
