"""The results slip's payload for graded methods: counts per level for the segmented bars, the
legend and each line in the paper's language."""
from __future__ import annotations

import json

from tests.conftest import make_assembly
from webapp.printing import paper, queue
from webapp.services import assembly, ballots

KIT = queue.KitInfo("Neuadd", "venuekit-7", "", "http://venue.kit/")


def payload(store) -> dict:
    queue.results_slip(store, KIT)
    return json.loads(store.scalar("SELECT payload FROM print_jobs WHERE kind = 'results_slip' "
                                   "ORDER BY created_at DESC LIMIT 1"))


def test_support_levels_send_counts_per_level_and_a_legend(store):
    made = make_assembly(store, method="support", voters=4)
    first, second = made["ideas"][:2]
    for n, code in enumerate(made["codes"]):
        ballots.cast(store, code, {first["id"]: 5, second["id"]: [1, 2, 4, 5][n]})
    assembly.set_phase(store, "results")
    assembly.reveal(store, True)
    sent = payload(store)
    assert sent["level_names"] == ["Strongly support", "Support", "Neutral", "Oppose", "Strongly oppose"]
    top = sent["results"][:2]
    assert [r["levels"] for r in top] == [[4, 0, 0, 0, 0], [1, 1, 0, 1, 1]]
    assert [r["line"] for r in top] == ["100% in support · passes", "50% in support · passes"]


def test_a_bilingual_slip_names_the_levels_in_both_languages(store, monkeypatch):
    made = make_assembly(store, method="support", voters=1)
    ballots.cast(store, made["codes"][0], {made["ideas"][0]["id"]: 4})
    assembly.set_phase(store, "results")
    assembly.reveal(store, True)
    paper.set_choice(store, "cy+en")

    class Marked:
        def __init__(self, lang: str) -> None:
            self.lang = lang

        def gettext(self, text: str) -> str:
            return f"{self.lang}:{text}"

    monkeypatch.setattr(paper, "catalogue", Marked)
    sent = payload(store)
    # Welsh first, then English: on one line when short, else one block each (paper.bilingual).
    one_line = [n.replace("\n", " / ") for n in sent["level_names"][:2]]
    assert one_line == ["cy:Strongly support / en:Strongly support", "cy:Support / en:Support"]
    assert sent["results"][0]["line"].replace("\n", " / ") == \
        "cy:100% in support · passes / en:100% in support · passes"


def test_approval_results_carry_no_levels(store):
    made = make_assembly(store, voters=1)
    ballots.cast(store, made["codes"][0], {made["ideas"][0]["id"]: 1})
    assembly.set_phase(store, "results")
    assembly.reveal(store, True)
    sent = payload(store)
    assert "level_names" not in sent and all("levels" not in r for r in sent["results"])
    assert sent["results"][0]["line"] == "1 vote"
