"""A ballot form belongs to its round: idea numbers start again in each round, so a form opened
in one round and sent in the next must not count for the ideas that now have those numbers."""
from tests.conftest import csrf_from, make_assembly
from webapp.services import assembly, ballots, rounds


def _run_off(store):
    assembly.set_phase(store, "results")
    rounds.start_next(store, {"from_round": "1", "top": "2"})
    assembly.set_phase(store, "submission")
    assembly.set_phase(store, "voting")


def test_a_phone_form_from_round_1_sent_in_the_run_off_is_refused_and_nothing_saved(client, store):
    made = make_assembly(store, groups=3)
    code = made["codes"][0]
    ballots.cast(store, made["codes"][1], {made["ideas"][4]["id"]: 1})  # round 1's top: idea 5
    old = client.get(f"/b/{code}").get_data(as_text=True)
    assert 'name="r" value="1"' in old
    _run_off(store)
    reply = client.post(f"/b/{code}", data={"csrf_token": csrf_from(old), "r": "1", "idea": ["1"]})
    page = reply.get_data(as_text=True)
    assert reply.status_code == 409
    assert "This ballot was for another round" in page and "round 2" in page
    assert 'name="r" value="2"' in page  # the current round's ballot, to vote again
    assert ballots.current(store, ballots.lookup(store, code)["ballot_id"]) is None
    # The same form made for round 2 is saved.
    fresh = client.get(f"/b/{code}").get_data(as_text=True)
    assert client.post(f"/b/{code}", data={"csrf_token": csrf_from(fresh), "r": "2", "idea": ["1"]}).status_code == 303


def test_a_paper_ballot_entered_on_a_round_1_form_after_the_run_off_opened_is_refused(steward, store):
    made = make_assembly(store, groups=3)
    code = made["codes"][2]
    old = steward.get(f"/steward/paper/{code}").get_data(as_text=True)
    _run_off(store)
    reply = steward.post(f"/steward/paper/{code}", data={"csrf_token": csrf_from(old), "r": "1", "idea": ["2"]})
    assert reply.status_code == 409
    assert ballots.current(store, ballots.lookup(store, code)["ballot_id"]) is None


def test_a_form_without_a_round_is_read_as_for_the_current_round(client, store):
    made = make_assembly(store)
    page = client.get(f"/b/{made['codes'][0]}").get_data(as_text=True)
    assert client.post(f"/b/{made['codes'][0]}", data={"csrf_token": csrf_from(page), "idea": ["1"]}).status_code == 303


def test_a_run_off_counts_no_group_as_having_sent_ideas(store):
    """Its ideas were copied from round 1: the report's "groups that sent ideas" is 0 there."""
    made = make_assembly(store, groups=3)
    ballots.cast(store, made["codes"][0], {made["ideas"][0]["id"]: 1, made["ideas"][3]["id"]: 1})
    assert assembly.counts(store)["groups_submitted"] == 3
    _run_off(store)
    counts = assembly.counts(store)
    assert counts["ideas"] == 2 and counts["groups_submitted"] == 0
