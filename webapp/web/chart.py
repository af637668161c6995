"""Results as an SVG bar chart, drawn on the kit: no script, no request, no font to fetch.

`bar_chart(rows, …)` is a pure function from rows to one `<svg>` string. Each row is a mapping
with `label` (the idea, as people typed it: escaped here), `value` (its score) and optionally
`value_text` (the score already worded, e.g. "72 %") and `levels`: an ordered mapping of level
name to count (support levels), drawn as one stacked bar whose parts follow that order.

Sizes are in the drawing's own units on a 1600-wide canvas that the page scales to the screen's
width: a 44-unit label is about 53 px tall on a 1080p projector (1920 px wide), which people read
from 15 m. Colours are light on the projector's dark blue, each at least 4.5:1 against it, and
the stacked parts are also told apart by a dark edge and their order in the legend.
"""
from __future__ import annotations

from html import escape
from typing import Any, Mapping, Sequence

WIDTH = 1600
LABEL_SIZE = 44
VALUE_SIZE = 44
ROW_HEIGHT = 128  # a label line above its bar
BAR_HEIGHT = 52
VALUE_ROOM = 260  # right of the longest bar, for its figure
LEGEND_HEIGHT = 80
MAX_LABEL_CHARS = 58  # about what fits in WIDTH at LABEL_SIZE; the full label is in the <title>

BACKGROUND = "#0b1d33"
INK = "#ffffff"
BAR = "#ffd23f"  # yellow on dark blue: 11.8:1
# Strongest support first; light to dark would vanish on the background, so hues instead.
LEVEL_COLOURS = ("#7ee081", "#c5f0a4", "#d9d9d9", "#ffb870", "#ff8a8a", "#b9c6ff", "#f5a8ff")


def _short(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if number > 0 else 0.0


def _segments(row: Mapping[str, Any]) -> list[tuple[str, float]]:
    levels = row.get("levels") or {}
    return [(str(name), _number(count)) for name, count in levels.items()]


def bar_chart(rows: Sequence[Mapping[str, Any]], *, title: str, desc: str = "",
              chart_id: str = "chart") -> str:
    """An accessible SVG bar chart of `rows`, best first, each bar proportional to its value
    (or, with `levels`, to the sum of its levels). All text is escaped."""
    stacked = any(row.get("levels") for row in rows)
    totals = [sum(c for _, c in _segments(row)) if row.get("levels") else _number(row.get("value"))
              for row in rows]
    best = max(totals, default=0.0)
    track = WIDTH - VALUE_ROOM
    names: list[str] = []
    for row in rows:
        for name, _count in _segments(row):
            if name not in names:
                names.append(name)
    legend = _legend_places(names) if stacked else []
    top = (legend[-1][2] + 1) * LEGEND_HEIGHT if legend else 0
    height = top + ROW_HEIGHT * len(rows) + 16
    parts = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" '
         f'viewBox="0 0 {WIDTH} {height}" width="100%" aria-labelledby="{escape(chart_id)}-title '
         f'{escape(chart_id)}-desc" font-family="system-ui, sans-serif">'),
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
        f'<rect width="{WIDTH}" height="{height}" fill="{BACKGROUND}"/>',
    ]
    for index, (name, x, line) in enumerate(legend):
        colour = LEVEL_COLOURS[index % len(LEVEL_COLOURS)]
        y = line * LEGEND_HEIGHT
        parts.append(f'<rect class="key" x="{x}" y="{y + 14}" width="40" height="40" fill="{colour}" '
                     f'stroke="{BACKGROUND}" stroke-width="3"/>')
        parts.append(f'<text x="{x + 52}" y="{y + 48}" font-size="36" fill="{INK}">{escape(name)}</text>')
    for index, (row, total) in enumerate(zip(rows, totals)):
        y = top + index * ROW_HEIGHT
        label = str(row.get("label", ""))
        value_text = str(row.get("value_text") or _plain(row.get("value")))
        length = round(track * total / best) if best else 0
        parts.append(f'<g class="row" data-value="{escape(_plain(total))}" data-length="{length}">')
        parts.append(f"<title>{escape(label)}: {escape(value_text)}</title>")
        parts.append(f'<text x="0" y="{y + LABEL_SIZE + 4}" font-size="{LABEL_SIZE}" font-weight="700" '
                     f'fill="{INK}">{escape(_short(label))}</text>')
        bar_y = y + LABEL_SIZE + 20
        if row.get("levels"):
            parts.extend(_stacked(row, names, length, total, bar_y))
        elif length:
            parts.append(f'<rect class="bar" x="0" y="{bar_y}" width="{length}" height="{BAR_HEIGHT}" fill="{BAR}"/>')
        parts.append(f'<text x="{length + 20}" y="{bar_y + BAR_HEIGHT - 10}" font-size="{VALUE_SIZE}" '
                     f'font-weight="800" fill="{INK}">{escape(value_text)}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def _legend_places(names: list[str]) -> list[tuple[str, int, int]]:
    """Each level's name (shortened) with its x and legend line: names go on along a line and
    wrap to the next, judged by an average letter width (no font metrics on the kit)."""
    places: list[tuple[str, int, int]] = []
    x = line = 0
    for name in names:
        shown = _short(name, 24)
        room = 52 + 22 * len(shown) + 40
        if x and x + room > WIDTH:
            x, line = 0, line + 1
        places.append((shown, x, line))
        x += room
    return places


def _stacked(row: Mapping[str, Any], names: list[str], length: int, total: float, y: int) -> list[str]:
    """The parts of one stacked bar; edges are rounded from the running sum, so the parts add
    up to the bar's length exactly."""
    out: list[str] = []
    running = 0.0
    start = 0
    for name, count in _segments(row):
        running += count
        end = round(length * running / total) if total else 0
        if end > start:
            colour = LEVEL_COLOURS[names.index(name) % len(LEVEL_COLOURS)]
            out.append(f'<rect class="part" data-level="{escape(name)}" x="{start}" y="{y}" width="{end - start}" '
                       f'height="{BAR_HEIGHT}" fill="{colour}" stroke="{BACKGROUND}" stroke-width="3">'
                       f"<title>{escape(name)}: {escape(_plain(count))}</title></rect>")
        start = end
    return out


def _plain(value: Any) -> str:
    """A figure without a needless ".0"."""
    number = _number(value) if not isinstance(value, str) else value
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    return str(number)
