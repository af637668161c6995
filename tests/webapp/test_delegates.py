"""Delegate elections: candidates entered by organiser and stewards, the count for seats, the
mandate (JSON and printed slip)."""
import json

import pytest

from printer.layouts import render_job
from tests.conftest import csrf_from, make_assembly
from tests.webapp.test_pseudo_locale import pseudo_app, pseudo_mo  # noqa: F401 (fixtures)
from webapp.domain.errors import Conflict, DomainError
from webapp.services import assembly, ballots, delegates, rounds


def delegates_round(store, *, method="approval", seats=2, vote_round_one=True, **limits):
    """Round 1 (approval, idea 1a first) with results, then a delegates round in setup."""
    made = make_assembly(store, voters=12)
    if vote_round_one:
        for code in made["codes"][:3]:
            ballots.cast(store, code, {made["ideas"][0]["id"]: 1})
        ballots.cast(store, made["codes"][3], {made["ideas"][1]["id"]: 1})
    assembly.set_phase(store, "results")
    rounds.start_next(store, {"kind": "delegates", "seats": seats, "round_key": "delegates",
                              "question": "Who speaks for us?"})
    assembly.update_settings(store, {"method": method, **limits})
    assembly.set_phase(store, "submission")
    return made


def add(store, *names):
    return {name: delegates.add(store, {"name": name, "consent": "1"}, "organiser")["id"] for name in names}


def test_organiser_and_steward_enter_candidates_with_consent(store, organiser, steward):
    delegates_round(store)
    page = organiser.get("/organiser/delegates").get_data(as_text=True)
    assert "They agreed to stand" in page
    response = organiser.post("/delegates/candidates", data={"csrf_token": organiser.csrf, "name": "  Ann Jones ",
                                                             "consent": "1", "consent_note": "asked at lunch"})
    assert response.status_code == 303 and response.location.endswith("/organiser/delegates")
    token = csrf_from(steward.get("/steward/delegates").get_data(as_text=True))
    response = steward.post("/delegates/candidates", data={"csrf_token": token, "name": "Bo", "consent": "on"})
    assert response.status_code == 303 and response.location.endswith("/steward/delegates")
    rows = delegates.candidates(store, assembly.get(store)["round_id"])
    assert [(c["number"], c["name"], c["added_by"], c["consent"]) for c in rows] == [
        (1, "Ann Jones", "organiser", 1), (2, "Bo", "steward", 1)]
    assert rows[0]["consent_note"] == "asked at lunch"
    # The candidates are the round's ballot: the steward's page lists them, the ballot page too.
    assert "Ann Jones" in steward.get("/steward/delegates").get_data(as_text=True)


def test_a_candidate_needs_consent(store, organiser):
    delegates_round(store)
    response = organiser.post("/delegates/candidates", data={"csrf_token": organiser.csrf, "name": "Cy"},
                              follow_redirects=True)
    page = response.get_data(as_text=True)
    # The refusal points at the consent box (aria-invalid), not at the name.
    assert 'name="consent" type="checkbox" value="1" required aria-invalid="true"' in page
    assert delegates.candidates(store, assembly.get(store)["round_id"]) == []
    with pytest.raises(DomainError) as info:
        delegates.add(store, {"name": "Cy", "consent": ""}, "steward")
    assert info.value.code == "no_consent"
    # The database itself refuses a candidate without consent, whatever writes it.
    with pytest.raises(Exception):
        with store.write() as db:
            db["candidates"].insert({"id": "x", "round_id": assembly.get(store)["round_id"], "number": 9,
                                     "name": "Dee", "consent": 0, "added_by": "organiser", "created_at": "now"})


def test_candidate_forms_need_the_csrf_token(store, organiser, steward):
    delegates_round(store)
    assert organiser.post("/delegates/candidates", data={"name": "Ann", "consent": "1"}).status_code == 400
    wrong = {"csrf_token": "wrong", "name": "Ann", "consent": "1"}
    assert steward.post("/delegates/candidates", data=wrong).status_code == 400
    made = add(store, "Ann")
    assert organiser.post(f"/delegates/candidates/{made['Ann']}/withdraw", data={}).status_code == 400
    assert organiser.post("/organiser/mandate", data={"round": []}).status_code == 400
    assert delegates.candidates(store, assembly.get(store)["round_id"])[0]["withdrawn"] == 0


def test_only_staff_reach_the_pages(client, steward, store):
    delegates_round(store)
    assert client.get("/steward/delegates").status_code == 302
    assert client.get("/organiser/mandate.json").status_code == 302
    assert steward.get("/organiser/delegates").status_code == 302  # stewards enter candidates only
    assert steward.get("/steward/delegates").status_code == 200


def test_phase_rules(store, organiser):
    delegates_round(store)
    with pytest.raises(Conflict) as info:
        assembly.set_phase(store, "voting")
    assert info.value.code == "no_candidates"
    made = add(store, "Ann", "Bo")
    delegates.set_withdrawn(store, made["Ann"])
    delegates.set_withdrawn(store, made["Bo"])
    with pytest.raises(Conflict):
        assembly.set_phase(store, "voting")  # withdrawn candidates are off the ballot
    delegates.set_withdrawn(store, made["Bo"], False)
    assembly.set_phase(store, "voting")
    # Once voting is open the ballot is fixed.
    with pytest.raises(Conflict):
        delegates.add(store, {"name": "Cy", "consent": "1"}, "organiser")
    with pytest.raises(Conflict):
        delegates.set_withdrawn(store, made["Bo"])
    response = organiser.post("/delegates/candidates", data={"csrf_token": organiser.csrf, "name": "Cy",
                                                             "consent": "1"}, follow_redirects=True)
    assert "Candidates can be changed only before voting opens." in response.get_data(as_text=True)


def test_an_election_by_another_method_cannot_open(store):
    delegates_round(store, method="dot")
    add(store, "Ann")
    with pytest.raises(Conflict) as info:
        assembly.set_phase(store, "voting")
    assert info.value.code == "bad_method"


def test_approval_two_seats_with_a_tie_at_the_last_seat(store, organiser, client):
    made = delegates_round(store)
    ids = add(store, "Ann", "Bo", "Cy", "Dee")
    assembly.set_phase(store, "voting")
    # Phones vote through the ballot page, which lists the candidates by number.
    code = made["codes"][4]
    page = client.get(f"/b/{code}").get_data(as_text=True)
    assert "Ann" in page and "Dee" in page
    assert client.post(f"/b/{code}", data={"csrf_token": csrf_from(page), "idea": ["1", "2"]}).status_code in (200, 303)
    for code, names in zip(made["codes"][5:8], (["Ann", "Cy"], ["Ann", "Bo"], ["Ann", "Cy"])):
        ballots.cast(store, code, {ids[n]: 1 for n in names})
    assembly.set_phase(store, "results")
    got = delegates.result(store, assembly.get(store)["round_id"])
    # Independent count: Ann 4, Bo 2, Cy 2, Dee 0 -> Ann, then Bo and Cy tied for the one seat left.
    assert [p["name"] for p in got["elected"]] == ["Ann"]
    assert sorted(p["name"] for p in got["tied"]) == ["Bo", "Cy"] and got["open_seats"] == 1
    assert got["ballots"] == 4
    page = organiser.get("/organiser/").get_data(as_text=True)
    assert "Elected in round 2" in page and "Tied for the last seat" in page
    assembly.reveal(store)
    screen = client.get("/projector/").get_data(as_text=True)
    assert 'id="elected"' in screen and "Ann" in screen and "Tied for the last seat" in screen


def test_ranked_stv_two_seats(store, steward):
    made = delegates_round(store, method="ranked", max_choices=2)
    ids = add(store, "Ann", "Bo", "Cy")
    assembly.set_phase(store, "voting")
    papers = [["Ann", "Bo"]] * 4 + [["Cy"]] * 2 + [["Bo"]]
    for code, order in zip(made["codes"][:6], papers):
        ballots.cast(store, code, {ids[name]: rank for rank, name in enumerate(order, start=1)})
    # The last ballot is a paper one, entered by a steward like any other.
    code = made["codes"][6]
    page = steward.get(f"/steward/paper/{code}").get_data(as_text=True)
    assert "Bo" in page
    steward.post(f"/steward/paper/{code}", data={"csrf_token": csrf_from(page), "idea-2": "1"})
    assembly.set_phase(store, "results")
    got = delegates.result(store, assembly.get(store)["round_id"])
    # By hand: 7 valid ballots, quota 7 // 3 + 1 = 3. Ann 4 is elected; her surplus of 1 goes on
    # at 1/4 per ballot to Bo (1 + 1 = 2), level with Cy (2); Bo had fewer at the first stage, so
    # Bo is excluded and Cy fills the second seat. (Approvals would have elected Bo and Ann.)
    assert got["quota"] == 3 and got["ballots"] == 7
    assert [p["name"] for p in got["elected"]] == ["Ann", "Cy"] and got["tied"] == []


def finished_election(store):
    made = delegates_round(store)
    ids = add(store, "Ann", "Bo", "Cy")
    assembly.set_phase(store, "voting")
    for code, names in zip(made["codes"][:3], (["Ann", "Bo"], ["Ann"], ["Bo", "Cy"])):
        ballots.cast(store, code, {ids[n]: 1 for n in names})
    assembly.set_phase(store, "results")
    return made


def test_mandate_json(store, organiser):
    made = finished_election(store)
    data = json.loads(organiser.get("/organiser/mandate.json").get_data(as_text=True))
    assert data["delegates"] == [{"order": 1, "number": 1, "name": "Ann"}, {"order": 2, "number": 2, "name": "Bo"}]
    assert data["tied"] == [] and data["election"]["seats"] == 2 and data["election"]["round_number"] == 2
    assert data["event_id"] == assembly.get(store)["id"] and data["kit_name"]
    # Round 1 was approval: its mandate is the idea ranked first.
    assert [(i["round_number"], i["round_key"], i["title"], i["score"]) for i in data["mandate"]] == [
        (1, "round-1", made["ideas"][0]["title"], 3)]
    assert data["mandate"][0]["group"] == made["ideas"][0]["group_name"]
    # Leaving round 1 out and publishing: the mandate is empty, and it is logged for the hub.
    response = organiser.post("/organiser/mandate", data={"csrf_token": organiser.csrf})
    assert response.status_code == 303
    assert json.loads(organiser.get("/organiser/mandate.json").get_data(as_text=True))["mandate"] == []
    logged = store.query("SELECT body FROM outbox WHERE record_type = 'mandate'")
    assert len(logged) == 1 and json.loads(logged[0]["body"])["body"]["delegates"][0]["name"] == "Ann"
    round_one = rounds.by_number(store, 1)["id"]
    organiser.post("/organiser/mandate", data={"csrf_token": organiser.csrf, "round": [round_one]})
    assert len(json.loads(organiser.get("/organiser/mandate.json").get_data(as_text=True))["mandate"]) == 1
    page = organiser.get("/organiser/delegates").get_data(as_text=True)
    assert f'value="{round_one}" checked' in page


def test_passed_rule_per_method():
    board = [{"rank": 1, "score": 0, "passed": True, "median": 4}, {"rank": 2, "score": 0, "passed": False,
                                                                       "median": 3}]
    assert delegates.passed("support", board) == board[:1]
    assert delegates.passed("judgment", board) == board[:1]
    assert delegates.passed("approval", board) == []  # first with no votes at all is no decision
    tied = [{"rank": 1, "score": 5}, {"rank": 1, "score": 5}, {"rank": 3, "score": 2}]
    assert delegates.passed("dot", tied) == tied[:2]


def test_mandate_slip_print_job(store, organiser):
    made = finished_election(store)
    response = organiser.post("/organiser/mandate/print", data={"csrf_token": organiser.csrf})
    assert response.status_code == 303
    job = store.one("SELECT kind, label, payload FROM print_jobs WHERE kind = 'mandate_slip'")
    payload = json.loads(job["payload"])
    assert job["label"] == "Mandate slip"
    assert payload["delegates"] == [{"order": 1, "name": "Ann"}, {"order": 2, "name": "Bo"}]
    assert payload["tied"] == []
    items = [(i["round"], i["title"], i["line"]) for i in payload["items"]]
    assert items == [(1, made["ideas"][0]["title"], "3 votes")]
    assert payload["labels"]["mandate_title"] == "Mandate" and payload["paper_language"] == "en"
    images = render_job("mandate_slip", payload)
    assert len(images) == 1 and images[0].width == 576


def test_no_mandate_slip_before_anything_passed(store, organiser):
    delegates_round(store, vote_round_one=False)
    response = organiser.post("/organiser/mandate/print", data={"csrf_token": organiser.csrf}, follow_redirects=True)
    assert "There is no mandate to print yet" in response.get_data(as_text=True)
    assert store.scalar("SELECT count(*) FROM print_jobs WHERE kind = 'mandate_slip'") == 0


def test_every_delegates_page_is_translated(pseudo_app):
    from tests.webapp.i18n_check import read_text
    from tests.webapp.test_pseudo_locale import offenders_on, signed_in, untranslated

    store = pseudo_app.extensions["venuekit"].store
    made = delegates_round(store)
    with store.write() as db:
        db.execute("UPDATE rounds SET question = 'Ωquestion'")
        db.execute("UPDATE ideas SET title = 'Ωidea' || number, detail = ''")
    ids = {name: delegates.add(store, {"name": name, "consent": "1", "consent_note": "Ωnote"}, role)["id"]
           for name, role in (("Ωann", "organiser"), ("Ωbo", "steward"), ("Ωcy", "organiser"))}
    delegates.set_withdrawn(store, ids["Ωcy"])
    organiser, steward = signed_in(pseudo_app, store, "organiser"), signed_in(pseudo_app, store, "steward")
    found: dict = {}
    pages = ("/organiser/delegates", "/organiser/", "/projector/")
    offenders_on(organiser, pages, found)
    offenders_on(steward, ("/steward/delegates",), found)
    # A refusal (no consent) and a notice, as the page shows them.
    token = csrf_from(organiser.get("/organiser/delegates").get_data(as_text=True))
    for data in ({"name": "Ωdee"}, {"name": "Ωdee", "consent": "1"}):
        sent = organiser.post("/delegates/candidates", data={"csrf_token": token, **data}, follow_redirects=True)
        if bad := untranslated(read_text(sent.get_data(as_text=True))):
            found[f"POST candidates {sorted(data)}"] = bad
    assembly.set_phase(store, "voting")
    ballots.cast(store, made["codes"][5], {ids["Ωann"]: 1, ids["Ωbo"]: 1})
    ballots.cast(store, made["codes"][6], {ids["Ωann"]: 1})
    assembly.set_phase(store, "results")
    assembly.reveal(store)
    offenders_on(organiser, pages, found)
    offenders_on(steward, ("/steward/delegates",), found)
    sent = organiser.post("/organiser/mandate", data={"csrf_token": token}, follow_redirects=True)
    if bad := untranslated(read_text(sent.get_data(as_text=True))):
        found["POST mandate"] = bad
    assert found == {}, "text outside translation:\n" + "\n".join(f"{k}: {v}" for k, v in found.items())


def test_the_round_page_shows_who_was_elected(store, organiser):
    finished_election(store)
    page = organiser.get("/organiser/rounds/2").get_data(as_text=True)
    assert "Elected in round 2" in page and "Ann" in page
    assert "Elected in round" not in organiser.get("/organiser/rounds/1").get_data(as_text=True)
