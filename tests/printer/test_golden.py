"""Golden images of every layout at 58 mm and 80 mm.

The comparison tolerates small rendering differences (a font update moving a glyph or a
whole line by a dot or two): both images are blurred slightly, then cut into horizontal
bands, and each band of the golden is matched against the new image at the best nearby
offset (a few dots up, down or sideways). A band fails when, even at its best offset,
more than BAND_LIMIT of its pixels differ strongly. A changed QR code, code, line or
missing block fails; a slip shifted by a dot does not.

To accept intended layout changes, regenerate the goldens and look at them before committing:

    VENUEKIT_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/printer/test_golden.py
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFilter, ImageOps

from printer import render_job

from . import samples

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("VENUEKIT_UPDATE_GOLDEN") == "1"
MAX_HEIGHT_CHANGE = 0.03  # of the golden's height
BAND = 48  # dots
MIN_BAND = 12
REACH_Y = 6  # dots a band may have drifted up or down
REACH_X = 2
CHANGED_LEVEL = 64  # grey levels a blurred pixel may move before it counts as changed
BAND_LIMIT = 0.03  # share of a band's pixels allowed to change


def _changed_share(a: Image.Image, b: Image.Image) -> float:
    mask = ImageChops.difference(a, b).point(lambda v: 255 if v > CHANGED_LEVEL else 0)
    return mask.histogram()[255] / (b.width * b.height)


def _best_share(padded: Image.Image, band: Image.Image, top: int, margin: int) -> float:
    """The smallest changed share of ``band`` over every offset within reach."""
    best = 1.0
    for dy in range(-REACH_Y, REACH_Y + 1):
        for dx in range(-REACH_X, REACH_X + 1):
            x, y = margin + dx, margin + top + dy
            best = min(best, _changed_share(padded.crop((x, y, x + band.width, y + band.height)), band))
            if best == 0:
                return 0.0
    return best


def difference(actual: Image.Image, golden: Image.Image) -> str | None:
    """None when the images match within tolerance, else why not."""
    if actual.width != golden.width:
        return f"width {actual.width} != golden {golden.width}"
    if abs(actual.height - golden.height) > MAX_HEIGHT_CHANGE * golden.height:
        return f"height {actual.height} differs too much from golden {golden.height}"
    a = actual.convert("L").filter(ImageFilter.GaussianBlur(1))
    g = golden.convert("L").filter(ImageFilter.GaussianBlur(1))
    margin = max(REACH_X, REACH_Y)
    padded = ImageOps.expand(a, border=margin, fill=255)
    # A band that straddles a spot where the layout grew is split and its halves matched
    # on their own, down to MIN_BAND dots.
    bands = [(top, min(BAND, g.height - top)) for top in range(0, g.height, BAND)]
    while bands:
        top, height = bands.pop()
        share = _best_share(padded, g.crop((0, top, g.width, top + height)), top, margin)
        if share <= BAND_LIMIT:
            continue
        if height > MIN_BAND:
            half = height // 2
            bands += [(top, half), (top + half, height - half)]
            continue
        return f"the band at dots {top}-{top + height} changed ({share:.1%} of it)"
    return None


@pytest.mark.parametrize("width", [384, 576])
@pytest.mark.parametrize("kind", sorted(samples.PAYLOADS))
def test_layout_matches_golden(kind, width, tmp_path):
    image = render_job(kind, samples.PAYLOADS[kind], width)[0]
    path = GOLDEN / f"{kind}-{width}.png"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        image.save(path, optimize=True)
    assert path.exists(), f"no golden {path.name}: regenerate with VENUEKIT_UPDATE_GOLDEN=1"
    problem = difference(image, Image.open(path))
    if problem:
        image.save(tmp_path / path.name)
        pytest.fail(f"{path.name}: {problem}; actual saved at {tmp_path / path.name}")


@pytest.mark.parametrize("change", [{"code": "XXX-XXX"}, {"url": "http://venue.kit/g/ZZZZZZ"},
                                    {"ssid": "venuekit-8"}])
def test_comparison_notices_a_changed_code_qr_or_line(change):
    """The tolerance must not swallow real changes."""
    golden = Image.open(GOLDEN / "group_card-576.png")
    other = render_job("group_card", {**samples.GROUP_CARD, **change}, 576)[0]
    assert difference(other, golden) is not None


def test_comparison_notices_a_missing_line():
    golden = Image.open(GOLDEN / "paper_ballot-384.png")
    payload = {**samples.PAPER_BALLOT, "ideas": samples.PAPER_BALLOT["ideas"][:-1]}
    assert difference(render_job("paper_ballot", payload, 384)[0], golden) is not None


@pytest.mark.parametrize("offset", [(1, 0), (0, 1), (-1, 2), (2, -3)])
def test_comparison_tolerates_a_slip_moved_by_a_few_dots(offset):
    golden = Image.open(GOLDEN / "results_slip-576.png").convert("L")
    shifted = Image.new("L", golden.size, 255)
    shifted.paste(golden, offset)
    assert difference(shifted, golden) is None


def test_comparison_tolerates_one_line_growing_a_little():
    """A taller line pushes everything below it down: later bands find it again."""
    golden = Image.open(GOLDEN / "paper_ballot-576.png").convert("L")
    # Grow the gap between two lines of text, as a font with a taller line would.
    cut = next(y for y in range(golden.height // 3, golden.height)
               if golden.crop((0, y, golden.width, y + 1)).getextrema()[0] == 255)
    grown = Image.new("L", (golden.width, golden.height + 3), 255)
    grown.paste(golden.crop((0, 0, golden.width, cut)), (0, 0))
    grown.paste(golden.crop((0, cut, golden.width, golden.height)), (0, cut + 3))
    assert difference(grown, golden) is None
