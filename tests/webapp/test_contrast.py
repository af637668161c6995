"""Colour pairs used for text meet WCAG AA (4.5:1 for body text)."""
import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "webapp" / "templates"


def luminance(hex_colour: str) -> float:
    hex_colour = hex_colour.lstrip("#")
    if len(hex_colour) == 3:
        hex_colour = "".join(c * 2 for c in hex_colour)
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


VARS = dict(re.findall(r"--(\w+):(#[0-9a-fA-F]{3,6})", (TEMPLATES / "base.html").read_text()))

PAIRS = [
    ("ink", "paper"), ("muted", "paper"), ("accent", "paper"), ("ok", "paper"), ("bad", "paper"),
]


@pytest.mark.parametrize("fg,bg", PAIRS)
def test_page_colours_meet_aa(fg, bg):
    assert contrast(VARS[fg], VARS[bg]) >= 4.5


@pytest.mark.parametrize("fg,bg", [
    ("#ffffff", VARS.get("accent", "#000")),  # button text
    (VARS.get("ok", "#000"), "#e7f5ec"), (VARS.get("bad", "#000"), "#fbeaea"),  # notices
    ("#ffffff", "#0b1d33"), ("#c9d6e3", "#0b1d33"),  # projector
])
def test_component_colours_meet_aa(fg, bg):
    assert contrast(fg, bg) >= 4.5


def test_contrast_function_knows_black_on_white():
    assert round(contrast("#000", "#fff"), 1) == 21.0
