"""Two kits elect delegates and sync to the hub, which lists each venue's delegates and mandate."""
import json

from tests.sync.conftest import hub_operator, make_kit
from tests.webapp.test_delegates import add, delegates_round
from webapp.hub.mandates import venue_mandates
from webapp.services import assembly, ballots, delegates


def push_all(client):
    while client.push_once(batch_size=50).remaining:
        pass


def elect(store, votes):
    """Round 1 (idea 1a first), then an approval election of 2 seats with `votes` (names per ballot)."""
    made = delegates_round(store)
    ids = add(store, "Ann", "Bo", "Cy")
    assembly.set_phase(store, "voting")
    for code, names in zip(made["codes"][4:], votes):
        ballots.cast(store, code, {ids[n]: 1 for n in names})
    assembly.set_phase(store, "results")
    return made


def test_the_hub_lists_each_venues_delegates_and_mandate(tmp_path, hub_app, hub_store, transport):
    first, first_client = make_kit(tmp_path, "Llandeilo", hub_store, transport)
    second, second_client = make_kit(tmp_path, "Bangor", hub_store, transport)
    made = elect(first, [["Ann", "Bo"], ["Ann"], ["Bo", "Cy"]])
    delegates.publish(first, [r["id"] for r in delegates.mandate_choices(first)], "Llandeilo")
    # The second venue has elected but not published a mandate: its delegates are still listed,
    # counted at the hub from its candidate and ballot records (Cy 2, Bo 1, Ann 1: a tie).
    elect(second, [["Cy"], ["Cy", "Bo"], ["Ann"]])
    push_all(first_client)
    push_all(second_client)
    assert hub_store.scalar("SELECT count(*) FROM records WHERE record_type = 'candidate'") == 6
    assert hub_store.scalar("SELECT count(*) FROM conflicts") == 0

    listed = {v["venue"]: v for v in venue_mandates(hub_store)}
    assert set(listed) == {"Llandeilo", "Bangor"}
    assert [(p["order"], p["name"]) for p in listed["Llandeilo"]["delegates"]] == [(1, "Ann"), (2, "Bo")]
    assert [(i["round_number"], i["title"]) for i in listed["Llandeilo"]["mandate"]] == [(1, made["ideas"][0]["title"])]
    assert listed["Llandeilo"]["published_at"]
    assert [p["name"] for p in listed["Bangor"]["delegates"]] == ["Cy"]
    assert sorted(p["name"] for p in listed["Bangor"]["tied"]) == ["Ann", "Bo"]
    assert listed["Bangor"]["mandate"] == [] and listed["Bangor"]["published_at"] is None

    # Publishing again (round 1 left out) replaces the venue's mandate at the hub.
    delegates.publish(first, [], "Llandeilo")
    push_all(first_client)
    assert {v["venue"]: v for v in venue_mandates(hub_store)}["Llandeilo"]["mandate"] == []

    web = hub_operator(hub_app)
    overview = web.get("/hub/").get_data(as_text=True)
    assert "Delegates and mandates" in overview
    assert "1. Ann, 2. Bo" in overview and "1. Cy" in overview and "tied for the last seat: " in overview
    exported = json.loads(web.get("/hub/export/mandates.json").get_data(as_text=True))
    assert [v["venue"] for v in exported] == ["Llandeilo", "Bangor"]
    assert web.get("/hub/export/mandates.csv").status_code == 302  # nested lists: JSON only


def test_withdrawn_candidates_are_not_counted_at_the_hub(tmp_path, hub_store, transport):
    store, client = make_kit(tmp_path, "Rhyl", hub_store, transport)
    made = delegates_round(store, seats=2)
    ids = add(store, "Ann", "Bo")
    delegates.set_withdrawn(store, ids["Ann"])
    assembly.set_phase(store, "voting")
    ballots.cast(store, made["codes"][5], {ids["Bo"]: 1})
    assembly.set_phase(store, "results")
    push_all(client)
    [venue] = venue_mandates(hub_store)
    assert [p["name"] for p in venue["delegates"]] == ["Bo"] and venue["tied"] == []
