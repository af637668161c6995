"""A strict little ESC/POS reader for tests: bytes -> commands -> one PNG-able image per slip.

It is written separately from printer/escpos_raster.py on purpose, so the tests check
the printer package's bytes against an independent reading of the format:

* ``GS v 0 m xL xH yL yH`` + (xL + 256 xH) * (yL + 256 yH) bytes of rows, most
  significant bit = leftmost dot, 1 = burnt (black);
* python-escpos splits tall images into several GS v 0 blocks: they are stacked;
* ``GS V`` cuts end a slip. Any byte it does not understand is an error.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image


class DecodeError(AssertionError):
    pass


@dataclass
class Raster:
    width: int  # dots
    height: int
    mode: int
    rows: bytes

    def image(self) -> Image.Image:
        bytes_per_row = self.width // 8
        img = Image.new("L", (self.width, self.height), 255)
        pixels = img.load()
        for y in range(self.height):
            row = self.rows[y * bytes_per_row : (y + 1) * bytes_per_row]
            for xb, byte in enumerate(row):
                if not byte:
                    continue
                for bit in range(8):
                    if byte & (0x80 >> bit):
                        pixels[xb * 8 + bit, y] = 0
        return img


@dataclass
class Command:
    name: str
    args: bytes = b""
    raster: Raster | None = None
    raw: bytes = b""  # the command's bytes exactly as received


@dataclass
class Stream:
    """Incremental parser: feed bytes as they arrive; complete commands pile up in ``commands``."""

    buffer: bytearray = field(default_factory=bytearray)
    commands: list[Command] = field(default_factory=list)

    def feed(self, data: bytes) -> list[Command]:
        self.buffer += data
        new: list[Command] = []
        while self.buffer:
            parsed = _parse_one(bytes(self.buffer))
            if parsed is None:
                break  # wait for more bytes
            command, used = parsed
            command.raw = bytes(self.buffer[:used])
            del self.buffer[:used]
            new.append(command)
        self.commands += new
        return new


def _parse_one(data: bytes) -> tuple[Command, int] | None:
    b = data[0]
    if b == 0x1B:  # ESC
        if len(data) < 2:
            return None
        if data[1] == 0x40:
            return Command("init"), 2
        if data[1] == 0x64:  # ESC d n: print and feed n lines
            return (Command("feed", data[2:3]), 3) if len(data) >= 3 else None
        raise DecodeError(f"unexpected ESC {data[1]:#04x}")
    if b == 0x1D:  # GS
        if len(data) < 2:
            return None
        if data[1] == 0x76:  # GS v 0
            if len(data) < 8:
                return None
            if data[2] != 0x30:
                raise DecodeError(f"GS v {data[2]:#04x} is not raster mode 0")
            width_bytes = data[4] | data[5] << 8
            height = data[6] | data[7] << 8
            size = width_bytes * height
            if len(data) < 8 + size:
                return None
            raster = Raster(width_bytes * 8, height, data[3], data[8 : 8 + size])
            return Command("raster", data[3:8], raster), 8 + size
        if data[1] == 0x56:  # GS V m [n]
            if len(data) < 3:
                return None
            if data[2] in (0, 1, 0x30, 0x31):
                return Command("cut", data[2:3]), 3
            if data[2] in (65, 66):
                return (Command("cut", data[2:4]), 4) if len(data) >= 4 else None
            raise DecodeError(f"unexpected GS V mode {data[2]}")
        raise DecodeError(f"unexpected GS {data[1]:#04x}")
    if b == 0x10:  # DLE EOT n: real-time status request
        if len(data) < 3:
            return None
        if data[1] != 0x04 or data[2] not in (1, 2, 3, 4):
            raise DecodeError("unexpected DLE command")
        return Command("status", data[2:3]), 3
    if b == 0x0A:
        return Command("lf"), 1
    raise DecodeError(f"unexpected byte {b:#04x}")


def commands(data: bytes) -> list[Command]:
    stream = Stream()
    stream.feed(data)
    if stream.buffer:
        raise DecodeError(f"{len(stream.buffer)} bytes left over: a command was cut short")
    return stream.commands


def slips(data: bytes) -> list[Image.Image]:
    """One greyscale image per cut slip: raster blocks stacked in order, split at cuts."""
    out: list[Image.Image] = []
    blocks: list[Raster] = []
    for command in commands(data):
        if command.name == "raster":
            blocks.append(command.raster)
        elif command.name == "cut":
            if not blocks:
                raise DecodeError("a cut with nothing printed before it")
            out.append(_stack(blocks))
            blocks = []
    if blocks:
        out.append(_stack(blocks))
    return out


def _stack(blocks: list[Raster]) -> Image.Image:
    widths = {b.width for b in blocks}
    if len(widths) != 1:
        raise DecodeError(f"raster blocks of one slip differ in width: {sorted(widths)}")
    sheet = Image.new("L", (blocks[0].width, sum(b.height for b in blocks)), 255)
    y = 0
    for block in blocks:
        sheet.paste(block.image(), (0, y))
        y += block.height
    return sheet
