"""The mandate slip: the delegates an assembly elected, in order, and the decisions they carry.

Its fixed wording, by these keys, can be replaced per job through the payload's ``labels``
(the web app sends it in the paper's language, as for every slip).
"""
from __future__ import annotations

from typing import Any

from PIL import Image

from . import jobs
from .canvas import Slip

LABELS = {
    "mandate_title": "Mandate",
    "mandate_delegates": "Delegates",
    "mandate_tied": "Tied for the last seat, to be settled:",
    "mandate_ideas": "Decisions they carry",
    "mandate_round": "Round {round}",
    "mandate_none": "None yet",
    # Shared with the results slip (the same keys and wording in printer/layouts.py).
    "results_footer": "{time} \u00b7 {kit_name}",
    "time_unknown": "time unknown",
}


def _label(record: jobs.MandateSlip, key: str, **values: Any) -> str:
    return record.labels.get(key, LABELS[key], **values)


def mandate_slip(record: jobs.MandateSlip, width: int) -> list[Image.Image]:
    slip = Slip(width, record.large)
    s = slip.sizes
    slip.text(_label(record, "mandate_title"), s.title, "bold", "center")
    if record.kit_name:
        slip.text(record.kit_name, s.heading, "bold", "center")
    slip.rule()
    slip.text(_label(record, "mandate_delegates"), s.heading, "bold")
    for order, name in record.delegates:
        slip.text(f"{order}. {name}", s.body, "bold")
    if record.tied:
        # A tie is printed as one, never as if the count had picked someone.
        slip.text(_label(record, "mandate_tied"), s.small)
        slip.text(", ".join(record.tied), s.body)
    if not record.delegates and not record.tied:
        slip.text(_label(record, "mandate_none"), s.body)
    slip.rule()
    slip.text(_label(record, "mandate_ideas"), s.heading, "bold")
    shown_round = None
    for item in record.items:
        if item.round != shown_round:
            shown_round = item.round
            slip.space(s.small // 2)
            slip.text(_label(record, "mandate_round", round=item.round), s.small, "bold")
        slip.text(item.title, s.body)
        if item.line:
            slip.text(item.line, s.small)
    if not record.items:
        slip.text(_label(record, "mandate_none"), s.body)
    slip.rule()
    # An empty time means the kit's clock was never set: say so rather than print a wrong date.
    when = record.time or _label(record, "time_unknown")
    slip.text(_label(record, "results_footer", time=when, kit_name=record.kit_name), s.small, "regular", "center")
    return [slip.image()]
