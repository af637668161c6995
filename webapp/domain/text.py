"""The one boundary for text and numbers that people type.

Every participant, steward and organiser text passes `normalise` before it is stored, so what
is stored, exported, synced and printed is valid Unicode in NFC with no control characters
(a receipt printer obeys ESC sequences; a spreadsheet or terminal may too). Numbers typed into
forms pass `whole_number`: ASCII digits only, because `int()` also accepts Arabic-Indic and
full-width digits and `str.isdigit()` is true for superscripts that `int()` then refuses.
"""
from __future__ import annotations

import re
import unicodedata

from .errors import N_, DomainError

_SURROGATE = re.compile("[\ud800-\udfff]")
# Every line break Unicode knows (what str.splitlines() splits on, less the information
# separators \x1c-\x1e, which are removed as controls).
_LINE_BREAK = re.compile("\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")
# C0 and C1 control characters (Unicode category Cc) but the line feed, which has been
# made the only line break by then.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_NUMBER = re.compile(r"(-?)([0-9]+)")


# For a body (a form or JSON) whose bytes are not UTF-8: no one field can be named.
INVALID_BYTES = N_(
    "The text you sent is not valid text (some characters could not be read, perhaps from a "
    "keyboard app or a copy and paste). Please type it again and send it."
)


class InvalidText(DomainError):
    """Text that is not valid Unicode: a lone surrogate, or bytes that are not UTF-8."""

    def __init__(self, field: str, **field_params: object):
        super().__init__(
            "invalid_text",
            N_("%(field)s is not valid text (it holds characters that cannot be read). Please type it again."),
            field=field, **field_params,
        )


def normalise(value: str, *, field: str, multiline: bool = False, **field_params: object) -> str:
    """`value` as valid NFC text without control characters, trimmed.

    Line breaks (CRLF, CR, NEL, U+2028/9, VT, FF) become "\\n" in a multi-line field and a
    space in a single-line one; a tab becomes a space; every other C0/C1 control is removed.
    Raises InvalidText for a lone surrogate (what a JSON "\\ud800" escape decodes to).
    """
    if _SURROGATE.search(value):
        raise InvalidText(field, **field_params)
    text = _LINE_BREAK.sub("\n", value).replace("\t", " ")
    # Controls go before NFC so a mark they separated from its letter composes with it.
    text = unicodedata.normalize("NFC", _CONTROL.sub("", text))
    lines = [line.strip() if not multiline else line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines) if multiline else " ".join(line for line in lines if line)
    return unicodedata.normalize("NFC", text).strip()


def repair(value: str | bytes, *, multiline: bool = False) -> str:
    """Stored text that predates the boundary, cleaned the same way; bytes that are not UTF-8
    and lone surrogates become U+FFFD instead of being refused."""
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else _SURROGATE.sub("\ufffd", value)
    return normalise(text, field=N_("text"), multiline=multiline)


def repair_json(value: object, *, keep: frozenset[str] = frozenset()) -> object:
    """Every string in JSON-like data through `repair` (multi-line), except under `keep` keys."""
    if isinstance(value, str):
        return repair(value, multiline=True)
    if isinstance(value, dict):
        # Keys are names and ids, not prose: only what cannot be stored is replaced.
        return {_SURROGATE.sub("\ufffd", str(k)): v if k in keep else repair_json(v, keep=keep)
                for k, v in value.items()}
    if isinstance(value, list):
        return [repair_json(v, keep=keep) for v in value]
    return value


def whole_number(value: object, *, field: str, low: int, high: int) -> int:
    """An int, or a string of ASCII digits (optionally signed), within [low, high].

    The digits are counted before converting, so a number thousands of digits long is
    refused as out of range instead of tripping Python's int-conversion limit.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        match = _NUMBER.fullmatch(value.strip()) if isinstance(value, str) else None
        if match is None:
            raise DomainError("not_a_number", N_("%(field)s must be a whole number."), field=field)
        digits = match.group(2).lstrip("0") or "0"
        widest = max(len(str(abs(low))), len(str(abs(high))))
        number = None if len(digits) > widest else int(match.group(1) + digits)
    if number is None or not low <= number <= high:
        raise DomainError(
            "out_of_range", N_("%(field)s must be from %(low)d to %(high)d."), field=field, low=low, high=high
        )
    return number
