"""Which words a layout drew, slip by slip, and at what size.

A slip reaches the printer as an image, so to read its words back the tests listen to the text
drawing itself (every word on a slip goes through ``text_block``). Together with a check that
the decoded ESC/POS bytes are that very layout, this reads what the paper says.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from printer import canvas, layouts, marks


@dataclass
class Drawn:
    slips: list[list[tuple[str, int]]] = field(default_factory=list)

    def texts(self, slip: int | None = None) -> list[str]:
        chosen = self.slips if slip is None else [self.slips[slip]]
        return [text for drawn in chosen for text, _size in drawn]

    def joined(self, slip: int | None = None) -> str:
        return "\n".join(self.texts(slip))

    def sizes(self, slip: int | None = None) -> list[int]:
        chosen = self.slips if slip is None else [self.slips[slip]]
        return [size for drawn in chosen for _text, size in drawn]


def spy(monkeypatch: pytest.MonkeyPatch) -> Drawn:
    """Start recording: each new slip starts a new list of (text, type size in dots)."""
    drawn = Drawn()
    original_block = canvas.text_block
    original_slip = layouts.Slip

    def recording_block(text, width, style):
        if not drawn.slips:
            drawn.slips.append([])
        drawn.slips[-1].append((text, style.size))
        return original_block(text, width, style)

    class RecordingSlip(original_slip):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            drawn.slips.append([])

    monkeypatch.setattr(canvas, "text_block", recording_block)
    monkeypatch.setattr(layouts, "text_block", recording_block)
    monkeypatch.setattr(marks, "text_block", recording_block)
    monkeypatch.setattr(layouts, "Slip", RecordingSlip)
    return drawn
