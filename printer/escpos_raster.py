"""Slip images to ESC/POS raster bytes (python-escpos's encoder), and back again for previews.

Encoding: each slip is sent as ``GS v 0`` raster graphics followed by a cut. Reading back
serves the PNG preview printer, which is handed the very bytes a real printer would get,
so a preview shows what the job contains rather than a separate rendering. Only what
this package sends is understood there: ESC @, GS v 0 raster blocks, feeds and cuts.
"""
from __future__ import annotations

import copy
from typing import Iterable

from .escpos_cache import prepare

prepare()
from escpos.printer import Dummy  # noqa: E402 (after prepare: see escpos_cache.py)
from PIL import Image

INIT = b"\x1b@"  # ESC @: reset the printer so a previous job's settings do not leak in


def _encoder(width: int, profile: str | None) -> Dummy:
    printer = Dummy(profile=profile)
    # The stock profiles do not know the paper in use; python-escpos prints a warning on
    # stdout and skips its width check unless the media width is set. Copy before editing:
    # profile data is shared by every printer object of that profile.
    data = copy.deepcopy(printer.profile.profile_data)
    data.setdefault("media", {})["width"] = {"mm": round(width / 8), "pixels": width}
    printer.profile.profile_data = data
    return printer


def to_escpos(images: Iterable[Image.Image], *, cut: bool = True, profile: str | None = None) -> bytes:
    """ESC/POS for printing each image as raster graphics (``GS v 0``), cutting after each one.

    ``profile`` is a python-escpos printer profile name (e.g. "TM-T20II"); it decides
    whether the printer can cut. Without one, the generic profile's full cut is sent,
    which printers without a cutter ignore.
    """
    images = list(images)
    if not images:
        return b""
    printer = _encoder(max(im.width for im in images), profile)
    printer._raw(INIT)
    for image in images:
        printer.image(image, impl="bitImageRaster", high_density_vertical=True,
                      high_density_horizontal=True)
        if cut:
            printer.cut()
        else:
            printer.print_and_feed(4)
    return printer.output


# --- reading a job back ----------------------------------------------------------------

ESC, GS = 0x1B, 0x1D


def _raster_block(data: bytes, i: int) -> tuple[Image.Image, int]:
    """Decode ``GS v 0 m xL xH yL yH`` and its rows, starting at ``data[i]``."""
    if i + 8 > len(data):
        raise ValueError("truncated GS v 0 header")
    width_bytes = data[i + 4] | data[i + 5] << 8
    height = data[i + 6] | data[i + 7] << 8
    start = i + 8
    end = start + width_bytes * height
    if end > len(data):
        raise ValueError("truncated GS v 0 raster data")
    # Raster bits are 1 for a burnt (black) dot; mode "1" stores 1 as white, hence the invert.
    inverted = bytes(b ^ 0xFF for b in data[start:end])
    return Image.frombytes("1", (width_bytes * 8, height), inverted), end


def _stack(blocks: list[Image.Image]) -> Image.Image:
    width = max(b.width for b in blocks)
    sheet = Image.new("1", (width, sum(b.height for b in blocks)), 1)
    y = 0
    for block in blocks:
        sheet.paste(block, (0, y))
        y += block.height
    return sheet


def pages(data: bytes) -> list[Image.Image]:
    """One image per cut-off slip (raster blocks between cuts stacked top to bottom)."""
    slips: list[Image.Image] = []
    current: list[Image.Image] = []
    i = 0
    while i < len(data):
        byte = data[i]
        if byte == GS and data[i + 1 : i + 3] == b"v0":
            block, i = _raster_block(data, i)
            current.append(block)
        elif byte == GS and data[i + 1 : i + 2] == b"V":
            # GS V m, with a feed amount after m for the 65/66 forms.
            i += 4 if i + 2 < len(data) and data[i + 2] in (65, 66) else 3
            if current:
                slips.append(_stack(current))
                current = []
        elif byte == ESC and data[i + 1 : i + 2] == b"@":
            i += 2
        elif byte == ESC and data[i + 1 : i + 2] in (b"d", b"J"):
            i += 3
        else:
            i += 1
    if current:
        slips.append(_stack(current))
    return slips
