"""QR codes for slips: the Wi-Fi join string and sharp, scannable module images."""
from __future__ import annotations

import functools
import re

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M
from qrcode.exceptions import DataOverflowError

from .errors import LayoutError

# Below 4 dots a module is about 0.5 mm on a 203 dpi printer: phone cameras start to
# miss it, especially once the paper curls.
MIN_MODULE_DOTS = 4
QUIET_ZONE_MODULES = 4  # the ISO 18004 minimum; anything less fails on some readers

_WIFI_SPECIAL = '\\;,:"'
_HEX = re.compile(r"[0-9A-Fa-f]+")


def wifi_escape(value: str) -> str:
    """A value for the Wi-Fi QR format (ZXing's WIFI: scheme): the reserved characters
    \\ ; , : and " are backslash-escaped, and a value made only of hex digits is put in
    double quotes, since phones read an unquoted hex name or password as raw bytes."""
    escaped = "".join("\\" + c if c in _WIFI_SPECIAL else c for c in value)
    return f'"{escaped}"' if _HEX.fullmatch(value) else escaped


def wifi_uri(ssid: str, password: str | None) -> str:
    """The string phones read to join a network, e.g. ``WIFI:T:WPA;S:kit;P:secret;;``."""
    if password:
        return f"WIFI:T:WPA;S:{wifi_escape(ssid)};P:{wifi_escape(password)};;"
    return f"WIFI:T:nopass;S:{wifi_escape(ssid)};;"


@functools.lru_cache(maxsize=256)
def qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    """The QR symbol's modules including the quiet zone; True is a dark module.

    Cached: layouts ask for a code's size before drawing it, and choosing the mask is
    most of the cost of a slip.
    """
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE_MODULES, box_size=1)
    code.add_data(data)
    try:
        code.make(fit=True)
    except (DataOverflowError, ValueError):  # qrcode raises either, depending on how far over
        raise LayoutError(f"This text ({len(data)} characters) is too long for a QR code.") from None
    return tuple(tuple(row) for row in code.get_matrix())


def qr_image(data: str, max_width: int, max_module: int = 8) -> Image.Image:
    """A black-on-white "L" image of ``data`` as large as fits in ``max_width`` (quiet zone included).

    Raises LayoutError when even the smallest scannable module size does not fit.
    """
    matrix = qr_matrix(data)
    count = len(matrix)
    module = min(max_module, max_width // count)
    if module < MIN_MODULE_DOTS:
        raise LayoutError(
            f"This text is too long for a scannable QR code at this paper width "
            f"({count} modules need {count * MIN_MODULE_DOTS} dots, {max_width} available)."
        )
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    small = Image.frombytes("L", (count, count), pixels)
    return small.resize((count * module, count * module), Image.Resampling.NEAREST)

