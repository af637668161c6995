"""Word-wrapped, multi-font, bidirectional text drawn into greyscale image blocks."""
from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from . import bidi, fonts

HAVE_RAQM = bool(ImageFont.core.HAVE_RAQM)


@dataclass(frozen=True)
class Style:
    """How a block of text looks: pixel size, face, alignment and line height."""

    size: int
    face: str = "regular"  # "regular", "bold" or "mono"
    align: str = "start"  # "start" follows the paragraph's direction; or "center", "left", "right"
    spacing: float = 1.3  # line height as a multiple of the size


@dataclass(frozen=True)
class Run:
    """Characters drawn in one call: same font, same direction."""

    text: str
    font_path: str
    level: int

    @property
    def rtl(self) -> bool:
        return self.level % 2 == 1


@functools.lru_cache(maxsize=20000)
def _run_length(path: str, size: int, text: str, rtl: bool) -> float:
    font = fonts.freetype(path, size)
    if HAVE_RAQM:
        return font.getlength(text, direction="rtl" if rtl else "ltr")
    return font.getlength(text)


def clean_text(text: str) -> str:
    """Control characters would print as boxes: tabs become spaces, the rest are dropped."""
    out = []
    for char in str(text):
        if char == "\n":
            out.append(char)
        elif char == "\t":
            out.append(" ")
        elif unicodedata.category(char) != "Cc":
            out.append(char)
    return "".join(out).replace("\r", "")


def _attaches(char: str) -> bool:
    """Marks, joiners and selectors belong to the character before them."""
    return unicodedata.category(char).startswith("M") or fonts.is_ignorable(char) or 0x1F3FB <= ord(char) <= 0x1F3FF


def assign_fonts(text: str, chain: fonts.FontChain) -> list[str]:
    """The font path for each character: whole words in one font where possible."""
    paths: list[str] = []
    current: str | None = None
    i = 0
    while i < len(text):
        j = i
        is_space = text[i].isspace()
        while j < len(text) and text[j].isspace() == is_space:
            j += 1
        token = text[i:j]
        # Spaces stay with the run they are in; a word gets the best font that has all of
        # it, so Latin after an emoji goes back to the main font instead of the emoji font.
        whole = chain.font_for_word(token, prefer=current if is_space else None)
        if whole is not None:
            paths += [whole] * len(token)
            current = whole
        else:
            for char in token:
                if paths and _attaches(char):
                    paths.append(paths[-1])
                    continue
                current = chain.font_for(char, prefer=current)
                paths.append(current)
        i = j
    return paths


def _break_points(text: str) -> list[int]:
    """Indices where a line may end: after spaces, and between ideographs."""
    points = []
    for i in range(1, len(text)):
        if text[i - 1].isspace() and not text[i].isspace():
            points.append(i)
        elif unicodedata.east_asian_width(text[i]) == "W" and not _attaches(text[i]) and text[i - 1] != "\u200d":
            points.append(i)
    points.append(len(text))
    return points


def _cluster_points(text: str, start: int, end: int) -> list[int]:
    return [i for i in range(start + 1, end + 1) if i == end or (not _attaches(text[i]) and text[i - 1] != "\u200d")]


class Paragraph:
    """One paragraph of text laid out for a style: fonts chosen, levels resolved."""

    def __init__(self, text: str, style: Style) -> None:
        self.text = text
        self.style = style
        self.base = bidi.paragraph_level(text)
        self.levels = bidi.embedding_levels(text, self.base)
        self.paths = assign_fonts(text, fonts.chain(style.face))

    def runs(self, start: int, end: int) -> list[Run]:
        """Runs of ``text[start:end]`` in visual (left-to-right drawing) order."""
        while end > start and self.text[end - 1].isspace():
            end -= 1  # trailing spaces are invisible at a line end (rule L1)
        while start < end and self.text[start].isspace():
            start += 1
        runs: list[Run] = []
        for i in range(start, end):
            key = (self.paths[i], self.levels[i])
            if runs and (runs[-1].font_path, runs[-1].level) == key:
                runs[-1] = Run(runs[-1].text + self.text[i], *key)
            else:
                runs.append(Run(self.text[i], *key))
        return bidi.visual_order(runs, [r.level for r in runs])

    def width(self, start: int, end: int) -> float:
        return sum(_run_length(r.font_path, self.style.size, r.text, r.rtl) for r in self.runs(start, end))

    def lines(self, max_width: int) -> list[tuple[int, int]]:
        """Greedy word wrap; a word wider than the line is split between characters."""
        lines: list[tuple[int, int]] = []
        start = 0
        points = _break_points(self.text)
        while start < len(self.text):
            best = None
            for point in points:
                if point <= start:
                    continue
                if self.width(start, point) <= max_width:
                    best = point
                else:
                    break
            if best is None:
                # Not even one word fits: cut it at the last character that does.
                best = start + 1
                for point in _cluster_points(self.text, start, len(self.text)):
                    if self.width(start, point) > max_width:
                        break
                    best = point
            lines.append((start, best))
            start = best
        return lines or [(0, 0)]


def line_height(style: Style) -> int:
    return round(style.size * style.spacing)


def text_block(text: str, width: int, style: Style) -> Image.Image:
    """Draw ``text`` wrapped to ``width`` pixels; returns a white "L" image of that width."""
    paragraphs = [Paragraph(p, style) for p in clean_text(text).split("\n")]
    laid_out = [(p, p.lines(width)) for p in paragraphs]
    step = line_height(style)
    total = sum(len(lines) for _p, lines in laid_out)
    image = Image.new("L", (width, max(1, total * step)), 255)
    draw = ImageDraw.Draw(image)
    primary = fonts.freetype(fonts.chain(style.face).primary, style.size)
    ascent, descent = primary.getmetrics()
    # Centre the font's box in the line so taller scripts are not clipped at the top.
    baseline_offset = (step - (ascent + descent)) // 2 + ascent
    y = 0
    for paragraph, lines in laid_out:
        for start, end in lines:
            runs = paragraph.runs(start, end)
            lengths = [_run_length(r.font_path, style.size, r.text, r.rtl) for r in runs]
            x = _line_start(style.align, paragraph.base, width, sum(lengths))
            for run, length in zip(runs, lengths):
                font = fonts.freetype(run.font_path, style.size)
                # Symbol fonts' thin strokes break into speckles when grey edges meet the
                # printer's threshold; FreeType's monochrome rasteriser keeps them joined.
                draw.fontmode = "1" if fonts.is_symbol_font(run.font_path) else "L"
                if HAVE_RAQM:
                    draw.text((x, y + baseline_offset), run.text, font=font, fill=0, anchor="ls",
                              direction="rtl" if run.rtl else "ltr")
                else:
                    # Without raqm there is no shaping; reversing at least keeps the order right.
                    shown = run.text[::-1] if run.rtl else run.text
                    draw.text((x, y + baseline_offset), shown, font=font, fill=0, anchor="ls")
                x += length
            y += step
    return image


def _line_start(align: str, base: int, width: int, used: float) -> float:
    if align == "start":
        align = "right" if base % 2 else "left"
    elif align == "end":
        align = "left" if base % 2 else "right"
    if align == "center":
        return max(0.0, (width - used) / 2)
    if align == "right":
        return max(0.0, width - used)
    return 0.0


def fitted_style(text: str, width: int, style: Style, min_size: int) -> Style:
    """The largest style no bigger than ``style`` that fits ``text`` on one line."""
    size = style.size
    while size > min_size and text_width(text, Style(size, style.face, style.align, style.spacing)) > width:
        size -= 2
    return Style(max(size, min_size), style.face, style.align, style.spacing)


def text_width(text: str, style: Style) -> float:
    """Width in dots of ``text`` on one line."""
    paragraph = Paragraph(clean_text(text), style)
    return paragraph.width(0, len(paragraph.text))
