"""The results slip's bars, measured on the printed image: each bar's length follows its count,
and a support-levels bar is cut into parts that follow the counts per level."""
from __future__ import annotations

import pytest
from PIL import Image

from printer import JobPayloadError
from printer.canvas import Sizes
from printer.layouts import render_job

from . import samples


def bars(image: Image.Image, width: int) -> list[dict]:
    """Every bar on a slip: its top and bottom row, its track's length and, on its middle row,
    how far the black runs from the left (the filled part of a plain bar)."""
    pad = Sizes.for_width(width).pad
    px = image.convert("L").load()

    def black(x: int, y: int) -> bool:
        return px[x, y] < 128

    def run(y: int) -> int:
        x = pad
        while x < image.width and black(x, y):
            x += 1
        return x - pad

    found, y = [], 0
    while y < image.height:
        if black(pad, y):
            top = y
            while y < image.height and black(pad, y):
                y += 1
            # A bar's outline: tall enough, and its top edge one long unbroken line (no glyph is).
            if y - top >= 10 and run(top) > 100:
                found.append({"top": top, "bottom": y - 1, "track": run(top), "filled": run((top + y) // 2)})
        y += 1
    return found


def solid_columns(image: Image.Image, bar: dict, width: int) -> list[tuple[int, int]]:
    """Runs of columns black from the bar's top to its bottom (solid parts, cuts, the outline)."""
    pad = Sizes.for_width(width).pad
    px = image.convert("L").load()
    spans: list[tuple[int, int]] = []
    for x in range(bar["track"]):
        if all(px[pad + x, y] < 128 for y in range(bar["top"], bar["bottom"] + 1)):
            if spans and spans[-1][1] == x - 1:
                spans[-1] = (spans[-1][0], x)
            else:
                spans.append((x, x))
    return spans


def payload(counts: list[int], **extra) -> dict:
    return {**samples.RESULTS_SLIP, "results": [{"title": f"Idea {n}", "count": c} for n, c in enumerate(counts, 1)],
            **extra}


@pytest.mark.parametrize("width", [576, 384])
def test_each_bar_is_as_long_as_its_count(width):
    counts = [40, 30, 10, 1, 0]
    [slip] = render_job("results_slip", payload(counts), width)
    found = bars(slip, width)
    assert len(found) == len(counts)
    track = found[0]["track"]
    assert found[0]["filled"] == track  # the best idea fills its track
    for bar, count in zip(found, counts):
        assert bar["track"] == track
        expected = round(track * count / counts[0])
        # An empty bar still shows its outline's left edge.
        assert abs(bar["filled"] - max(expected, 1)) <= 1, (count, bar)


def test_support_levels_print_as_a_bar_cut_in_proportion_to_each_level():
    width = 576
    results = [{"title": "Recommendation A", "count": 75, "line": "75% in support", "levels": [2, 1, 0, 1, 0]},
               {"title": "Recommendation B", "count": 50, "line": "50% in support", "levels": [0, 1, 0, 0, 1]}]
    names = ["Strongly support", "Support", "Neutral", "Oppose", "Strongly oppose"]
    [slip] = render_job("results_slip", {**samples.RESULTS_SLIP, "results": results, "level_names": names}, width)
    found = bars(slip, width)
    # The legend's swatches are short blocks, not bars: only the two results bars are found.
    assert len(found) == 2
    first, second = found
    track = first["track"]
    spans = solid_columns(slip, first, width)
    # A: 2 strongly support (solid, from the left), a cut after support (3 of 4), and the end.
    assert spans[0][0] == 0 and abs(spans[0][1] + 1 - round(track * 2 / 4)) <= 1
    assert abs(spans[1][1] + 1 - round(track * 3 / 4)) <= 1 and spans[1][1] - spans[1][0] == 1
    assert spans[-1][1] == track - 1
    # B: 2 ballots counted against A's 4, so half as long; its first level is empty.
    spans_b = solid_columns(slip, second, width)
    assert spans_b[0] == (0, 0)  # only the outline: no strongly-support part
    cuts = [end + 1 for start, end in spans_b[1:] if end - start == 1]
    assert [abs(c - e) <= 1 for c, e in zip(cuts, [round(track / 4), round(track / 2)])] == [True, True]


def test_the_legend_prints_only_with_levels():
    names = ["Strongly support", "Support", "Neutral", "Oppose", "Strongly oppose"]
    plain = render_job("results_slip", payload([3, 2]), 576)[0]
    named_but_plain = render_job("results_slip", payload([3, 2], level_names=names), 576)[0]
    assert plain.size == named_but_plain.size
    levels = {**samples.RESULTS_SLIP, "level_names": names,
              "results": [{"title": "A", "count": 3, "levels": [1, 1, 1, 0, 0]}]}
    with_levels = render_job("results_slip", levels, 576)[0]
    assert with_levels.height > render_job("results_slip", payload([3]), 576)[0].height + 4 * 18


@pytest.mark.parametrize("bad", [{"levels": [1, -1]}, {"levels": "12"}, {"levels": [True]}])
def test_bad_levels_are_refused_with_a_readable_error(bad):
    with pytest.raises(JobPayloadError):
        render_job("results_slip", {**samples.RESULTS_SLIP, "results": [{"title": "A", "count": 1, **bad}]}, 576)


def test_bad_level_names_are_refused():
    with pytest.raises(JobPayloadError):
        render_job("results_slip", {**samples.RESULTS_SLIP, "level_names": [1, 2]}, 576)
