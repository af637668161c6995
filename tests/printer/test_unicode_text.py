"""Any language prints: Welsh, accents, right-to-left scripts and emoji render as real glyphs, not boxes."""
from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from printer import bidi, fonts
from printer.text import HAVE_RAQM, Paragraph, Style, text_block

from . import samples

STYLE = Style(32)
NOT_IN_ANY_FONT = "\U000F0001"  # a private-use character: every font draws its missing-glyph box


def ink(image: Image.Image) -> Image.Image | None:
    """The inked part of a block, or None when it is blank."""
    box = ImageChops.invert(image.convert("L")).getbbox()
    return image.crop(box) if box else None


def same(a: Image.Image | None, b: Image.Image | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.size == b.size and ImageChops.difference(a.convert("L"), b.convert("L")).getbbox() is None


def test_fonts_from_the_debian_packages_are_installed():
    """scripts/apt-packages.txt installs these; without them slips fall back to boxes."""
    regular = [Path(p).name for p in fonts.chain("regular").paths]
    missing = [name for name in ("DejaVuSans.ttf", "NotoSansArabic-Regular.ttf", "Symbola_hint.ttf",
                                         "unifont_upper.otf")
               if name not in regular]
    assert not missing, f"missing fonts {missing}: run `make test-deps` (fonts-dejavu-core, fonts-noto-core, fonts-symbola, fonts-unifont)"
    assert Path(fonts.chain("mono").primary).name == "DejaVuSansMono-Bold.ttf"


def test_raqm_layout_is_available_for_shaping():
    assert HAVE_RAQM, "Pillow lacks raqm: Arabic would print unjoined (needs libfribidi0)"


@pytest.mark.parametrize("char", ["ŵ", "ŷ", "é", "ø", "ß", "ب", "ש", samples.EMOJI, "\U0001F333", "中", "ह",
                                  "\U0001FAF6", "\U0001F6DD", "\U0001FAB4"])  # 🫶 🛝 🪴: newer emoji
def test_every_character_is_drawn_by_a_font_that_has_it(char):
    path = fonts.chain("regular").font_for(char)
    assert ord(char) in fonts.load_font_file(path).codepoints, f"{char!r} would print as a box"


@pytest.mark.parametrize("text", ["ŵ", "ŷ", "ñ", "ب", "ש", samples.EMOJI, "中"])
def test_rendered_glyph_is_not_the_missing_glyph_box(text):
    tofu = ink(text_block(NOT_IN_ANY_FONT, 200, STYLE))
    assert tofu is not None, "the missing-glyph box itself should draw something"
    glyph = ink(text_block(text, 200, STYLE))
    assert glyph is not None, f"{text!r} rendered blank"
    assert not same(glyph, tofu), f"{text!r} rendered as the missing-glyph box"


def test_emoji_in_an_idea_title_is_drawn_by_the_emoji_font():
    paragraph = Paragraph(samples.EMOJI_TITLE, STYLE)
    emoji_at = samples.EMOJI_TITLE.index(samples.EMOJI)
    assert Path(paragraph.paths[emoji_at]).name.startswith("Symbola")
    # The Latin words around it stay in the main font.
    assert Path(paragraph.paths[0]).name == "DejaVuSans.ttf"
    assert Path(paragraph.paths[-1]).name == "DejaVuSans.ttf"


def dot_groups(image: Image.Image) -> list[int]:
    """Sizes of the groups of touching black dots once ``image`` is printed (a plain
    threshold, as slips are), largest first."""
    printed = image.convert("1", dither=Image.Dither.NONE)
    width, height = printed.size
    px = printed.load()
    seen: set[tuple[int, int]] = set()
    sizes = []
    for start in ((x, y) for y in range(height) for x in range(width)):
        if px[start] or start in seen:
            continue
        seen.add(start)
        stack, size = [start], 0
        while stack:
            x, y = stack.pop()
            size += 1
            for nx in (x - 1, x, x + 1):
                for ny in (y - 1, y, y + 1):
                    if 0 <= nx < width and 0 <= ny < height and not px[nx, ny] and (nx, ny) not in seen:
                        seen.add((nx, ny))
                        stack.append((nx, ny))
        sizes.append(size)
    return sorted(sizes, reverse=True)


@pytest.mark.parametrize("size", [20, 26])  # body text on 58 mm and 80 mm paper
@pytest.mark.parametrize("emoji", ["\U0001F5F3", "\U0001F331", "\U0001F6B2", "\U0001FAF6"])  # 🗳 🌱 🚲 🫶
def test_an_emoji_in_a_body_line_prints_as_a_solid_shape_not_speckles(emoji, size):
    """Symbol fonts draw emoji as thin line art: grey edges cut by the printer's threshold
    left scattered dots. The printed glyph must be one connected shape with no stray dots."""
    text = f"Vote {emoji} now"
    line = text_block(text, 400, Style(size))
    paragraph = Paragraph(text, Style(size))
    glyph = line.crop((int(paragraph.width(0, 5)), 0, round(paragraph.width(0, 6)) + 1, line.height))
    groups = dot_groups(glyph.crop(ImageChops.invert(glyph).getbbox()))
    specks = [g for g in groups if g <= 2]
    assert not specks, f"{emoji!r} prints with {len(specks)} stray dots: {groups}"
    assert groups[0] >= 0.8 * sum(groups), f"{emoji!r} prints broken into pieces: {groups}"


def test_welsh_circumflex_differs_from_the_plain_letter():
    assert not same(ink(text_block("ŵŷ", 200, STYLE)), ink(text_block("wy", 200, STYLE)))


def test_arabic_is_shaped_letters_join():
    joined = ink(text_block(samples.ARABIC, 500, STYLE))
    # A zero-width non-joiner between letters forces isolated forms: it must look different.
    unjoined = ink(text_block("\u200c".join(samples.ARABIC), 500, STYLE))
    assert joined is not None and unjoined is not None
    assert not same(joined, unjoined)
    assert joined.width < unjoined.width


def test_hebrew_is_drawn_right_to_left():
    """Our block must equal the letters drawn in reverse order, left to right."""
    font = ImageFont.truetype(fonts.chain("regular").primary, STYLE.size, layout_engine=ImageFont.Layout.BASIC)
    reference = Image.new("L", (500, 60), 255)
    ImageDraw.Draw(reference).text((10, 45), samples.HEBREW[::-1], font=font, fill=0, anchor="ls")
    assert same(ink(text_block(samples.HEBREW, 500, STYLE)), ink(reference))


def columns(image: Image.Image, left: int, width: int) -> Image.Image:
    return image.crop((left, 0, left + width, image.height))


def test_runs_in_different_fonts_are_put_in_right_to_left_order():
    """Raqm orders text within one font; the emoji's font splits the line, so the runs
    themselves must be reordered: the first Hebrew word belongs at the right end."""
    first, second = "שלום", "עולם"
    line = text_block(f"{first} {samples.EMOJI} {second}", 500, STYLE)
    line_left, _, line_right, _ = ImageChops.invert(line).getbbox()
    for word, at_left in ((second, True), (first, False)):
        alone = text_block(word, 500, STYLE)
        left, _, right, _ = ImageChops.invert(alone).getbbox()
        width = right - left
        start = line_left if at_left else line_right - width
        assert same(columns(line, start, width), columns(alone, left, width)), f"{word} is misplaced"


def test_right_to_left_paragraph_is_right_aligned():
    block = text_block(samples.HEBREW, 500, STYLE)
    left, _top, right, _bottom = ImageChops.invert(block).getbbox()
    assert right > 490 and left > 200


@pytest.mark.parametrize(
    "logical, visual",
    [
        ("I like שלום 123 עולם!", "I like םלוע 123 םולש!"),
        ("שלום abc", "abc םולש"),
        ("سنة 2024", "2024 ةنس"),
        ("plain text", "plain text"),
        ("(אב)", "(בא)"),
    ],
)
def test_bidi_visual_order(logical, visual):
    base = bidi.paragraph_level(logical)
    levels = bidi.line_levels(logical, bidi.embedding_levels(logical, base), base)
    shown = "".join(bidi.visual_order(list(logical), levels))
    if "(" in logical:
        # Brackets in a right-to-left run are mirrored when drawn, so compare without them.
        shown, visual = shown.strip("()"), visual.strip("()")
    assert shown == visual


def test_long_text_wraps_within_the_width():
    text = " ".join([samples.WELSH, samples.ACCENTS, samples.ARABIC, samples.EMOJI_TITLE] * 3)
    for width in (384, 576):
        paragraph = Paragraph(text, STYLE)
        lines = paragraph.lines(width)
        assert len(lines) > 3
        assert all(paragraph.width(start, end) <= width for start, end in lines)
        assert "".join(text[s:e] for s, e in lines) == text, "wrapping must not drop characters"


def test_a_word_longer_than_the_line_is_split():
    word = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch" * 2
    paragraph = Paragraph(word, STYLE)
    lines = paragraph.lines(384)
    assert len(lines) >= 2
    assert all(paragraph.width(s, e) <= 384 for s, e in lines)
