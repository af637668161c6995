"""Print jobs as the steward reads them, in the page's language.

A job's stored label ("Group card 3", "Ballot slip K7Q-F9M-2XT (again)") is English: it is made
where the job is queued, often outside any request (buttons, boot), and it is what logs and the
CLI show. The printing page rebuilds it from its parts in the reader's language instead.
"""
from __future__ import annotations

import re
from typing import Callable

from webapp.domain.errors import N_

# The stored label's English start, and the words for it; what follows is a number or codes.
PREFIXES = (
    ("Group card ", N_("Group card %(what)s")),
    ("Ballot slip ", N_("Ballot slip %(what)s")),
    ("Paper ballot ", N_("Paper ballot %(what)s")),
)
WHOLE = {
    "Kit-ready slip": N_("Kit-ready slip"),
    "Results slip": N_("Results slip"),
    "Settings problem slip": N_("Settings problem slip"),
    "Mandate slip": N_("Mandate slip"),
}
AGAIN = " (again)"
REPLACES = re.compile(r"^(?P<new>.*) \(replaces (?P<old>[^()]*)\)$")
STATUS_NAMES = {
    "queued": N_("waiting"),
    "printing": N_("printing"),
    "printed": N_("printed"),
    "failed": N_("failed"),
    "cancelled": N_("cancelled"),
}


def job_label(label: str, gettext: Callable[[str], str]) -> str:
    """The stored English label in `gettext`'s language; a label of another shape as stored."""
    again = 0
    while label.endswith(AGAIN):
        label, again = label[: -len(AGAIN)], again + 1
    replaced = REPLACES.match(label)
    if replaced:
        label = replaced["new"]
    text = gettext(WHOLE[label]) if label in WHOLE else None
    for prefix, words in PREFIXES:
        if text is None and label.startswith(prefix):
            text = gettext(words) % {"what": label[len(prefix):]}
    if text is None:
        return label + AGAIN * again
    if replaced:
        text = gettext("%(label)s (replaces %(old)s)") % {"label": text, "old": replaced["old"]}
    for _ in range(again):
        text = gettext("%(label)s (again)") % {"label": text}
    return text


def job_status(status: str, gettext: Callable[[str], str]) -> str:
    return gettext(STATUS_NAMES[status]) if status in STATUS_NAMES else status
