"""Rounds across venues: the hub combines rounds that share a round key, whatever their number."""
import json
from collections import Counter

from tests.conftest import make_assembly
from tests.sync.conftest import hub_operator, make_kit
from webapp.hub.results import attendance, combined, import_ideas, round_keys
from webapp.services import assembly, ballots, rounds
from webapp.sync import state as sync_state


def push_all(client):
    while client.push_once(batch_size=50).remaining:
        pass


def _close(store):
    assembly.set_phase(store, "results")


def _kit_with_two_rounds(tmp_path, name, hub_store, transport, first_votes: int, second_votes: int):
    """Round 1 (key round-1) with `first_votes` ballots, then a run-off of its top 2 keyed
    "transport" with `second_votes` ballots: each ballot picks the run-off's idea n % 2."""
    store, client = make_kit(tmp_path, name, hub_store, transport)
    made = make_assembly(store, voters=max(first_votes, second_votes))
    ids = [i["id"] for i in made["ideas"]]
    for n, code in enumerate(made["codes"][:first_votes]):
        ballots.cast(store, code, {ids[n % 3]: 1})
    _close(store)
    rounds.start_next(store, {"from_round": "1", "top": "2", "round_key": "Transport", "question": "Which first?"})
    assembly.set_phase(store, "submission")
    assembly.set_phase(store, "voting")
    second = {}
    for n, code in enumerate(made["codes"][:second_votes]):
        view = ballots.ballot_view(store, code)
        idea = sorted(view["ideas"], key=lambda i: i["number"])[n % 2]
        ballots.cast(store, code, {idea["id"]: 1})
        second[idea["id"]] = second.get(idea["id"], 0) + 1
    _close(store)
    push_all(client)
    return store, second


def test_the_same_round_key_at_two_kits_and_online_is_one_result(tmp_path, hub_store, transport, hub_app):
    kit_a, votes_a = _kit_with_two_rounds(tmp_path, "kit-a", hub_store, transport, 6, 5)
    kit_b, votes_b = _kit_with_two_rounds(tmp_path, "kit-b", hub_store, transport, 4, 3)
    assert round_keys(hub_store, None) == ["round-1", "transport"]

    room = hub_app.extensions["venuekit"].store
    # The online room's own round 1 (the venues' first ideas), closed without votes; its second
    # round takes the key the venues used and their run-off ideas.
    import_ideas(hub_store, room)
    assembly.set_phase(room, "submission")
    assembly.set_phase(room, "voting")
    _close(room)
    rounds.start_next(room, {"round_key": "transport", "question": "Which first?"})
    from webapp.services import ideas

    # Each kit's run-off: its top 2, widened by any tie at the cut.
    assert import_ideas(hub_store, room) == len(ideas.visible(kit_a)) + len(ideas.visible(kit_b))
    assembly.set_phase(room, "submission")
    assembly.set_phase(room, "voting")
    online = Counter()
    for n, code in enumerate(ballots.issue_codes(room, 3)):
        view = ballots.ballot_view(room, code)
        idea = sorted(view["ideas"], key=lambda i: i["number"])[n]
        ballots.cast(room, code, {idea["id"]: 1})
        online[idea["id"]] += 1

    result = combined(hub_store, room, round_key="transport")
    scores = {r["idea_id"]: r["score"] for r in result["rows"]}
    expected = Counter(votes_a) + Counter(votes_b) + online
    assert result["ballots"] == 5 + 3 + 3
    assert {k: v for k, v in scores.items() if v} == dict(expected)
    assert [(v["venue"], v["ballots"]) for v in result["venues"]] == [("kit-a", 5), ("kit-b", 3), ("Online", 3)]
    first = combined(hub_store, room, round_key="round-1")
    assert first["ballots"] == 6 + 4

    present = attendance(hub_store, room)
    assert present["keys"] == ["round-1", "transport"]
    assert [(r["venue"], r["counts"]) for r in present["venues"]] == [
        ("kit-a", [6, 5]), ("kit-b", [4, 3]), ("Online", [0, 3])]


def test_a_kit_shows_the_combined_result_of_its_own_round_only(tmp_path, hub_store, transport):
    from webapp.sync.client import HubClient

    store, _ = _kit_with_two_rounds(tmp_path, "kit-a", hub_store, transport, 4, 2)
    assembly.reveal(store)
    client = HubClient(store, request=transport)
    combined_now = client.pull_results("transport")
    assert combined_now["round_key"] == "transport" and combined_now["ballots"] == 2
    sync_state.save(store, combined=json.dumps(combined_now))
    assert sync_state.combined_results(store)["ballots"] == 2
    # Back in another round, the stored result is not shown as this round's.
    sync_state.save(store, combined=json.dumps({**combined_now, "round_key": "round-1"}))
    assert sync_state.combined_results(store) is None


def test_hub_page_lists_rounds_and_attendance(tmp_path, hub_store, transport, hub_app):
    _kit_with_two_rounds(tmp_path, "kit-a", hub_store, transport, 3, 2)
    web = hub_operator(hub_app)
    page = web.get("/hub/?round=transport").get_data(as_text=True)
    assert "transport" in page and "round-1" in page
    assert 'aria-current="page">transport' in page
    assert "Attendance" in page


def test_records_sent_before_a_kits_upgrade_count_in_its_round_1_meanwhile(hub_store):
    """A kit upgraded to rounds sends its round first, then each old ballot again under its round
    (after deleting the old one): until then the old records are still its round 1's."""
    from webapp.hub.results import venue_records

    with hub_store.write() as db:
        db["kits"].insert({"kit_id": "kit-old", "name": "Old", "assembly_id": "a", "enrolled_at": "x",
                           "last_contact": "x", "checkpoint": 0, "public_key": None, "legacy_key": None})
        records = [("round", "r1", {"id": "r1", "number": 1, "round_key": "round-1", "question": "Q",
                                    "rules": {"method": "approval"}}),
                   ("idea", "i1", {"id": "i1", "number": 1, "title": "Old idea", "hidden": 0, "merged_into": None}),
                   ("idea", "i2", {"id": "i2", "round_id": "r1", "number": 2, "title": "New idea", "hidden": 0,
                                   "merged_into": None}),
                   ("ballot", "b1", {"ballot_id": "b1", "choices": {"i1": 1}}),
                   ("ballot", "r1:b2", {"round_id": "r1", "ballot_id": "b2", "choices": {"i2": 1}})]
        for seq, (rtype, rid, body) in enumerate(records, start=1):
            db["records"].insert({"record_type": rtype, "record_id": rid, "kit_id": "kit-old", "version": seq,
                                  "op": "upsert", "body": json.dumps(body), "received_at": "x"})
    first = venue_records(hub_store, "kit-old")["rounds"]["round-1"]
    assert [i["title"] for i in first["ideas"]] == ["Old idea", "New idea"]
    assert first["ballots"] == [{"i1": 1}, {"i2": 1}]
