"""The SVG bar chart: well-formed, escaped, accessible, bars proportional to the figures."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.webapp.test_contrast import contrast
from webapp.web import chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def bar_widths(root: ET.Element) -> list[int]:
    return [int(g.get("data-length")) for g in root.findall(f"{SVG}g")]


def test_bars_are_proportional_to_the_values():
    rows = [{"label": "A", "value": 40}, {"label": "B", "value": 30}, {"label": "C", "value": 10},
            {"label": "D", "value": 0}]
    root = parse(chart.bar_chart(rows, title="Results"))
    widths = bar_widths(root)
    assert widths[0] == chart.WIDTH - chart.VALUE_ROOM
    assert widths == [round(widths[0] * v / 40) for v in (40, 30, 10, 0)]
    drawn = [int(r.get("width")) for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert drawn == widths[:3]  # a zero bar draws nothing


def test_text_is_escaped_and_the_chart_has_a_title_and_description():
    rows = [{"label": '<script>alert("x")</script> & "quotes"', "value": 3}]
    svg = chart.bar_chart(rows, title="Results <b>", desc="Top & best", chart_id="c1")
    assert "<script>" not in svg and "<b>" not in svg
    root = parse(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").text == "Results <b>"
    assert root.find(f"{SVG}desc").text == "Top & best"
    row = root.find(f"{SVG}g")
    assert row.find(f"{SVG}title").text == '<script>alert("x")</script> & "quotes": 3'
    assert row.find(f"{SVG}text").text == '<script>alert("x")</script> & "quotes"'


def test_long_labels_are_shortened_on_the_bar_but_whole_in_its_title():
    label = "word " * 40
    root = parse(chart.bar_chart([{"label": label, "value": 1}], title="t"))
    row = root.find(f"{SVG}g")
    shown = row.find(f"{SVG}text").text
    assert len(shown) <= chart.MAX_LABEL_CHARS and shown.endswith("\u2026")
    assert row.find(f"{SVG}title").text.startswith(" ".join(label.split()))


def test_rows_with_levels_are_stacked_bars_whose_parts_follow_the_counts():
    rows = [{"label": "A", "value": 75, "value_text": "75%",
             "levels": {"Strongly support": 2, "Support": 1, "Neutral": 0, "Oppose": 1, "Strongly oppose": 0}},
            {"label": "B", "value": 50, "levels": {"Strongly support": 1, "Support": 1, "Neutral": 1,
                                                   "Oppose": 0, "Strongly oppose": 1}},
            {"label": "C", "value": 0, "levels": {"Strongly support": 0, "Support": 0, "Neutral": 0,
                                                  "Oppose": 0, "Strongly oppose": 2}}]
    root = parse(chart.bar_chart(rows, title="Support"))
    groups = root.findall(f"{SVG}g")
    full = chart.WIDTH - chart.VALUE_ROOM
    assert [int(g.get("data-length")) for g in groups] == [full, full, round(full * 2 / 4)]
    parts = [(p.get("data-level"), int(p.get("x")), int(p.get("width"))) for p in groups[0].findall(f"{SVG}rect")]
    assert [name for name, _, _ in parts] == ["Strongly support", "Support", "Oppose"]
    assert parts[0][1] == 0 and sum(w for _, _, w in parts) == full
    assert [w for _, _, w in parts] == [round(full / 2), round(full * 3 / 4) - round(full / 2), full - round(full * 3 / 4)]
    # A legend names the levels, in order.
    legend = [t.text for t in root.findall(f"{SVG}text")][:5]
    assert legend == ["Strongly support", "Support", "Neutral", "Oppose", "Strongly oppose"]
    assert groups[0].findall(f"{SVG}text")[-1].text == "75%"


def test_no_rows_is_still_a_chart():
    root = parse(chart.bar_chart([], title="Nothing yet"))
    assert root.findall(f"{SVG}g") == []


def test_colours_are_high_contrast_on_the_projector_background():
    for colour in (chart.INK, chart.BAR, *chart.LEVEL_COLOURS):
        assert contrast(colour, chart.BACKGROUND) >= 7, colour


def test_labels_are_large_enough_for_the_back_of_a_hall():
    # Scaled to a 1920 px wide screen, a label is at least 50 px tall (about 15 m reading distance).
    assert chart.LABEL_SIZE * 1920 / chart.WIDTH >= 50


def test_a_legend_too_long_for_one_line_wraps():
    names = [f"Level with a long name {n}" for n in range(5)]
    rows = [{"label": "A", "value": 1, "levels": {name: 1 for name in names}}]
    root = parse(chart.bar_chart(rows, title="t"))
    keys = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "key"]
    assert len({k.get("y") for k in keys}) > 1
    for key in keys:
        assert int(key.get("x")) + 52 + 22 * 24 <= chart.WIDTH
    # The bars start below the legend.
    legend_bottom = max(int(k.get("y")) + 40 for k in keys)
    first_part = next(r for r in root.iter(f"{SVG}rect") if r.get("class") == "part")
    assert int(first_part.get("y")) > legend_bottom
