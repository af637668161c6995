"""A demo assembly for trying the kit out: `venuekit demo` / `make run DEMO=1`."""
from __future__ import annotations

import random

from webapp.domain import codes
from webapp.domain.phases import Phase
from webapp.services import assembly, ballots, ideas
from webapp.storage import Store

DEMO_IDEAS = [
    ("Citizens' assemblies on every big local decision", "Randomly selected residents, paid for their time."),
    ("Votes at 16", ""),
    ("Participatory budgeting for 5% of the council budget", ""),
    ("Plain-language summaries of every new law", ""),
    ("A public register of lobbying meetings", ""),
    ("Civic education in every school year", ""),
    ("Open council meetings streamed and archived", ""),
    ("Neighbourhood forums with real powers", ""),
    ("Recall elections for representatives", ""),
]


def seed(store: Store, voters: int = 24) -> str:
    """Fill an assembly in setup with 3 groups, 9 ideas and `voters` ballots, ending in voting."""
    if assembly.get(store)["phase"] is not Phase.SETUP:
        return "demo: the assembly is past setup already; nothing changed"
    assembly.update_settings(store, {"num_groups": 3, "ideas_per_group": 3, "method": "approval", "max_choices": 3})
    assembly.set_phase(store, "submission")
    for index, group in enumerate(assembly.groups(store)):
        ideas.save_for_group(store, group["id"], DEMO_IDEAS[index * 3 : index * 3 + 3])
    assembly.set_phase(store, "voting")
    issued = ballots.issue_codes(store, voters + 6)
    visible = ideas.visible(store)
    rng = random.Random(7)
    for code in issued[:voters]:
        picks = rng.sample(visible[:6], k=rng.randint(1, 3))
        ballots.cast(store, code, {idea["id"]: 1 for idea in picks})
    unused = ", ".join(codes.display(c, codes.BALLOT) for c in issued[voters:])
    groups = ", ".join(codes.display(g["code"], codes.GROUP) for g in assembly.groups(store))
    return f"demo: 3 groups ({groups}), {len(visible)} ideas, {voters} ballots cast; unused ballot codes: {unused}"
