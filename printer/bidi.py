"""Bidirectional text: embedding levels and visual order of runs for mixed-direction lines.

Pillow's raqm layout shapes and orders text, but only within one font. A line that mixes
fonts (Arabic words next to an emoji drawn by another font) is drawn as several runs, so
the runs themselves have to be put in visual order. This module implements the parts of
the Unicode Bidirectional Algorithm (UAX #9) that plain text needs: paragraph direction
(P2-P3), weak types (W1-W7), neutrals (N1-N2), implicit levels (I1-I2), trailing
whitespace (L1) and reordering (L2). Explicit embeddings and isolates are treated as
neutral, which is harmless for titles typed into a form.
"""
from __future__ import annotations

import unicodedata
from typing import Sequence, TypeVar

T = TypeVar("T")

_STRONG_R = {"R", "AL"}
_NEUTRAL = {"B", "S", "WS", "ON", "BN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}


def paragraph_level(text: str) -> int:
    """0 for left-to-right, 1 for right-to-left: the direction of the first strong character."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return 0
        if kind in _STRONG_R:
            return 1
    return 0


def embedding_levels(text: str, base: int | None = None) -> list[int]:
    """One resolved embedding level per character of ``text`` (a single paragraph)."""
    if base is None:
        base = paragraph_level(text)
    sos = "R" if base % 2 else "L"
    types = [unicodedata.bidirectional(c) or "L" for c in text]

    # W1: a non-spacing mark takes the type of what it sits on.
    prev = sos
    for i, t in enumerate(types):
        if t == "NSM":
            types[i] = "ON" if prev in _NEUTRAL else prev
        prev = types[i]
    # W2: European digits after Arabic letters are Arabic numbers. W3: AL -> R.
    last_strong = sos
    for i, t in enumerate(types):
        if t == "EN" and last_strong == "AL":
            types[i] = "AN"
        if t in ("L", "R", "AL"):
            last_strong = t
    types = ["R" if t == "AL" else t for t in types]
    # W4: a single separator between two numbers of the same kind joins them.
    for i in range(1, len(types) - 1):
        if types[i] == "ES" and types[i - 1] == types[i + 1] == "EN":
            types[i] = "EN"
        elif types[i] == "CS" and types[i - 1] == types[i + 1] and types[i - 1] in ("EN", "AN"):
            types[i] = types[i - 1]
    # W5: terminators (%, currency) next to European numbers become numbers.
    for i, t in enumerate(types):
        if t == "ET" and _next_to(types, i, "EN", through="ET"):
            types[i] = "EN"
    # W6: remaining separators and terminators are neutral.
    types = ["ON" if t in ("ES", "ET", "CS") else t for t in types]
    # W7: European numbers in a left-to-right context are simply L.
    last_strong = sos
    for i, t in enumerate(types):
        if t == "EN" and last_strong == "L":
            types[i] = "L"
        if t in ("L", "R"):
            last_strong = t

    # N1/N2: neutrals between two strongs of one direction take it; others take the base.
    def strength(t: str) -> str | None:
        if t == "L":
            return "L"
        if t in ("R", "EN", "AN"):
            return "R"
        return None

    i = 0
    while i < len(types):
        if types[i] not in _NEUTRAL:
            i += 1
            continue
        j = i
        while j < len(types) and types[j] in _NEUTRAL:
            j += 1
        before = strength(types[i - 1]) if i > 0 else sos
        after = strength(types[j]) if j < len(types) else sos
        fill = before if before == after else sos
        types[i:j] = [fill] * (j - i)
        i = j

    # I1/I2: implicit levels.
    levels = []
    for t in types:
        if base % 2 == 0:
            levels.append(base + (1 if t == "R" else 2 if t in ("AN", "EN") else 0))
        else:
            levels.append(base + (1 if t in ("L", "EN", "AN") else 0))
    return levels


def _next_to(types: list[str], i: int, wanted: str, through: str) -> bool:
    for step in (-1, 1):
        j = i + step
        while 0 <= j < len(types) and types[j] == through:
            j += step
        if 0 <= j < len(types) and types[j] == wanted:
            return True
    return False


def line_levels(text: str, levels: Sequence[int], base: int) -> list[int]:
    """L1: whitespace at the end of a line goes back to the paragraph level."""
    out = list(levels)
    i = len(text) - 1
    while i >= 0 and unicodedata.bidirectional(text[i]) in ("WS", "S", "B", "BN"):
        out[i] = base
        i -= 1
    return out


def visual_order(items: Sequence[T], levels: Sequence[int]) -> list[T]:
    """L2: reverse every maximal sequence at or above each odd level, highest first."""
    if not levels:
        return []
    order = list(range(len(items)))
    highest = max(levels)
    lowest_odd = min(levels) | 1
    lv = list(levels)
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if lv[i] >= level:
                j = i
                while j < len(order) and lv[j] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                lv[i:j] = lv[i:j][::-1]
                i = j
            else:
                i += 1
    return [items[k] for k in order]
