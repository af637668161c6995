"""The ideas of a graded paper ballot (support levels, majority judgment grades).

Each idea is its number and title, then one tick box per mark with the mark's name under it
(the names come from the job's labels, best mark first, so they print in the paper's language).
A steward reads the ticked box back into the same marks the phone ballot offers. Names are
never broken inside a word: where they do not all fit in one row (six grades on 80 mm paper,
or any scale in large print) the boxes wrap onto rows of equal length.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from PIL import Image

from .canvas import Slip, boxed
from .text import Style, text_block, text_width


def mark_boxes(slip: Slip, names: list[str]) -> None:
    """One tick box per mark, its name under it, as many to a row as fit without breaking a
    word of any name, the rows balanced (3 + 3 rather than 4 + 2)."""
    s = slip.sizes
    side = round(s.body * 1.4)
    gap = s.small // 3
    style = Style(s.small, "regular", "center", 1.2)
    widest = max(max((text_width(word, style) for word in name.split()), default=0) for name in names)
    per_row = len(names)
    while per_row > 1 and (slip.inner - gap * (per_row - 1)) // per_row < max(widest + 2, side):
        per_row -= 1
    per_row = -(-len(names) // -(-len(names) // per_row))  # same number of rows, evened out
    each = (slip.inner - gap * (per_row - 1)) // per_row
    box = boxed((side, side))
    for start in range(0, len(names), per_row):
        if start:
            slip.space(s.small)  # well apart: no name may seem to belong to the box below it
        cells = []
        for name in names[start : start + per_row]:
            label = text_block(name, each, style)
            cell = Image.new("L", (each, side + s.small // 4 + label.height), 255)
            cell.paste(box, ((each - side) // 2, 0))
            cell.paste(label, (0, side + s.small // 4))
            cells.append(cell)
        slip.side_by_side(cells, gap)


def graded_ideas(slip: Slip, ideas: Sequence[Any], names: list[str],
                 numbered: Callable[..., None]) -> None:
    """Every idea with its row(s) of mark boxes, a thin rule between ideas; `numbered` draws
    the idea's number and title as the other ballots do."""
    s = slip.sizes
    for index, idea in enumerate(ideas):
        if index:
            slip.rule(1)
        numbered(slip, idea.number, idea.title, s.body, "bold")
        slip.space(s.small // 3)
        mark_boxes(slip, names)
    slip.rule()
