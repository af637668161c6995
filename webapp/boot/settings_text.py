"""Turn the bytes a laptop left in venuekit.toml into TOML text, undoing what editors do.

Windows Notepad saves a UTF-8 byte-order mark (or, as "Unicode", UTF-16), CRLF line ends and,
as "ANSI", Windows-1252; macOS TextEdit turns straight quotes into curly ones and may put
no-break spaces where spaces were. None of that changes what the organiser meant, so it is
undone silently here. Anything else is left for the TOML parser and the checks to refuse.
"""
from __future__ import annotations

import codecs
import re

MAX_BYTES = 256 * 1024  # a settings file is a few hundred bytes; more is not a settings file

# Curly and low quotes an editor puts where a straight quote was typed.
SMART_DOUBLE = "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"
SMART_SINGLE = "\u2018\u2019\u201a\u201b\u2032"
# Spaces that look like a space but are not TOML whitespace.
ODD_SPACES = "\u00a0\u2007\u202f\ufeff"

_ERROR_AT = re.compile(r"\(at line (\d+), column \d+\)|\(at end of document\)")


class NotText(ValueError):
    """The file's bytes are not text in any encoding an editor would have saved."""


def decode(raw: bytes) -> str:
    """The file's text: UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252."""
    if len(raw) > MAX_BYTES:
        raise NotText("too large")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise NotText("bad UTF-16") from exc
    else:
        if raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            try:
                # Notepad's "ANSI" on a Western European Windows.
                text = raw.decode("cp1252")
            except UnicodeDecodeError as exc:
                raise NotText("neither UTF-8 nor Windows-1252") from exc
    text = text.lstrip("\ufeff")
    # Control characters other than tab and line ends never appear in a file someone typed.
    if any((ord(c) < 32 and c not in "\t\r\n") or c == "\x7f" for c in text):
        raise NotText("control characters")
    return text


def repair(text: str) -> str:
    """Undo curly quotes and odd spaces outside strings, and make every line end a plain LF.

    A string opened with a curly quote is closed by the next curly or straight quote of the
    same kind on that line; curly quotes inside a string opened with a straight quote are text.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    state = None  # None, '"', "'", '"""', "'''", "smart\"", "smart'", "#"
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if state is None:
            if text.startswith('"""', i) or text.startswith("'''", i):
                state = text[i : i + 3]
                out.append(state)
                i += 3
                continue
            if c in "\"'":
                state = c
            elif c in SMART_DOUBLE:
                state, c = 'smart"', '"'
            elif c in SMART_SINGLE:
                state, c = "smart'", "'"
            elif c == "#":
                state = "#"
            elif c in ODD_SPACES:
                c = " "
        elif state == "#":
            if c == "\n":
                state = None
        elif state in ('"""', "'''"):
            if text.startswith(state, i):
                out.append(state)
                i += 3
                state = None
                continue
            if c == "\\" and state == '"""' and i + 1 < n:
                out.append(text[i : i + 2])
                i += 2
                continue
        elif state == '"':
            if c == "\\" and i + 1 < n and text[i + 1] != "\n":
                out.append(text[i : i + 2])
                i += 2
                continue
            if c in '"\n':
                state = None
        elif state == "'":
            if c in "'\n":
                state = None
        elif state == 'smart"':
            if c in SMART_DOUBLE or c == '"':
                state, c = None, '"'
            elif c == "\\":
                c = "\\\\"  # typed text, not an escape: a password may hold a backslash
            elif c == "\n":
                state = None
        elif state == "smart'":
            if c in SMART_SINGLE or c == "'":
                state, c = None, "'"
            elif c == "\n":
                state = None
        out.append(c)
        i += 1
    return "".join(out)


def error_line(message: str, text: str) -> int | None:
    """The line a tomllib error message points at ("(at line 3, column 9)")."""
    found = _ERROR_AT.search(message)
    if not found:
        return None
    if found.group(1):
        return int(found.group(1))
    return max(1, text.count("\n") + (0 if text.endswith("\n") else 1))


def error_detail(message: str) -> str:
    """tomllib's message without its position, e.g. "Invalid value"."""
    return _ERROR_AT.sub("", message).strip()


def _key_pattern(name: str) -> str:
    return rf"""["']?{re.escape(name)}["']?"""


def key_line(text: str, name: str, sub: str | None = None) -> int | None:
    """The line where top-level setting `name` (or key `sub` of table `name`) is set."""
    lines = text.split("\n")
    table: str | None = None
    header = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]")
    key = _key_pattern(name)
    first = None
    for number, line in enumerate(lines, start=1):
        found = header.match(line)
        if found:
            table = found.group(1).strip().strip("\"'").split(".")[0].strip().strip("\"'").lower()
            if table == name.lower():
                if sub is None:
                    return number
                first = first or number
            continue
        if table is None and re.match(rf"^\s*{key}\s*(=|\.)", line, re.IGNORECASE):
            if sub is None or re.search(rf"\b{re.escape(sub)}\b", line):
                return number
            first = first or number
        elif sub is not None and table == name.lower() and re.match(rf"^\s*{_key_pattern(sub)}\s*=", line):
            return number
    return first
