"""A slip as a column of blocks (text, QR codes, rules, boxes) stacked into one 1-bit image."""
from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageChops, ImageDraw

from .text import Style, fitted_style, text_block

WIDTHS = {"58mm": 384, "80mm": 576}


@dataclass(frozen=True)
class Sizes:
    """Type sizes in printer dots for one paper width (8 dots per mm at 203 dpi)."""

    small: int
    body: int
    heading: int
    title: int
    code: int
    pad: int

    @classmethod
    def for_width(cls, width: int, large: bool = False) -> "Sizes":
        if large:
            # Large print: body text of at least 16 pt (45 dots at 203 dpi) on any paper width,
            # so it is not scaled down for 58 mm paper; long lines wrap instead.
            return cls(small=40, body=46, heading=54, title=64, code=max(72, width // 5), pad=max(4, width // 72))
        # Scaled from 80 mm paper, with floors so 58 mm text stays readable at arm's length.
        scale = width / 576
        return cls(
            small=max(18, round(22 * scale)),
            body=max(20, round(26 * scale)),
            heading=max(24, round(32 * scale)),
            title=max(30, round(44 * scale)),
            # Codes are typed from the slip at arm's length: as large as fits, up to 1/6 of the width.
            code=max(40, width // 6),
            pad=max(4, round(8 * scale)),
        )


def check_width(width: int) -> int:
    if isinstance(width, bool) or not isinstance(width, int) or width % 8 or not 128 <= width <= 2048:
        raise ValueError(f"paper width must be a multiple of 8 dots from 128 to 2048, not {width!r}")
    return width


class Slip:
    """Blocks are added top to bottom; ``image()`` stacks them at the paper's dot width."""

    def __init__(self, width: int, large: bool = False) -> None:
        self.width = check_width(width)
        self.sizes = Sizes.for_width(width, large)
        self.inner = width - 2 * self.sizes.pad
        self._blocks: list[tuple[Image.Image, str]] = []

    def add(self, block: Image.Image, align: str = "center") -> None:
        self._blocks.append((block, align))

    def text(self, text: str, size: int, face: str = "regular", align: str = "start") -> None:
        if text:
            self.add(text_block(text, self.inner, Style(size, face, align)), "left")

    def code(self, code: str, size: int | None = None) -> None:
        """A code in large monospaced type, shrunk only if it would not fit on one line."""
        style = fitted_style(code, self.inner, Style(size or self.sizes.code, "mono", "center", 1.15),
                             min_size=self.sizes.body)
        self.add(text_block(code, self.inner, style), "left")

    def space(self, dots: int | None = None) -> None:
        self.add(Image.new("L", (1, dots if dots is not None else self.sizes.body // 2), 255))

    def rule(self, thickness: int = 2) -> None:
        gap = self.sizes.body // 3
        block = Image.new("L", (self.inner, thickness + 2 * gap), 255)
        ImageDraw.Draw(block).rectangle((0, gap, self.inner - 1, gap + thickness - 1), fill=0)
        self.add(block)

    def side_by_side(self, blocks: list[Image.Image], gap: int) -> None:
        """Blocks next to each other, tops aligned, the row centred."""
        row = Image.new("L", (sum(b.width for b in blocks) + gap * (len(blocks) - 1),
                              max(b.height for b in blocks)), 255)
        x = 0
        for block in blocks:
            row.paste(block, (x, 0))
            x += block.width + gap
        self.add(row)

    def image(self) -> Image.Image:
        """The whole slip as a mode "1" image, black on white, exactly ``width`` dots wide."""
        pad = self.sizes.pad
        height = pad * 2 + sum(b.height for b, _ in self._blocks)
        sheet = Image.new("L", (self.width, height), 255)
        y = pad
        for block, align in self._blocks:
            if align == "center":
                x = (self.width - block.width) // 2
            elif align == "right":
                x = self.width - pad - block.width
            else:
                x = pad
            sheet.paste(block, (x, y))
            y += block.height
        # A plain threshold, not dithering: thermal heads print grey as speckle.
        return sheet.convert("1", dither=Image.Dither.NONE)


def marked(slip: Image.Image, text: str) -> Image.Image:
    """A finished slip with ``text`` in white on a black bar above it (e.g. "REPRINT")."""
    sizes = Sizes.for_width(slip.width)
    label = text_block(text, slip.width - 2 * sizes.pad, Style(sizes.heading, "bold", "center", 1.2))
    bar = Image.new("L", (slip.width, label.height + 2 * sizes.pad), 0)
    bar.paste(ImageChops.invert(label), (sizes.pad, sizes.pad))
    out = Image.new("L", (slip.width, bar.height + slip.height), 255)
    out.paste(bar, (0, 0))
    out.paste(slip.convert("L"), (0, bar.height))
    return out.convert("1", dither=Image.Dither.NONE)


def captioned(block: Image.Image, caption: str, width: int, size: int) -> Image.Image:
    """``block`` with centred caption text under it, as one block ``width`` wide."""
    label = text_block(caption, width, Style(size, "bold", "center", 1.2))
    out = Image.new("L", (width, block.height + label.height), 255)
    out.paste(block, ((width - block.width) // 2, 0))
    out.paste(label, (0, block.height))
    return out


def boxed(size: tuple[int, int], thickness: int = 3) -> Image.Image:
    """An empty box for a tick, a number of points or a rank."""
    box = Image.new("L", size, 255)
    ImageDraw.Draw(box).rectangle((0, 0, size[0] - 1, size[1] - 1), outline=0, width=thickness)
    return box


def bar(length: int, full: int, height: int) -> Image.Image:
    """A results bar: a filled part of ``length`` inside an outlined track ``full`` wide."""
    track = Image.new("L", (full, height), 255)
    draw = ImageDraw.Draw(track)
    draw.rectangle((0, 0, full - 1, height - 1), outline=0, width=1)
    if length > 0:
        draw.rectangle((0, 0, min(length, full) - 1, height - 1), fill=0)
    return track
