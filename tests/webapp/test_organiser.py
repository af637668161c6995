"""Organiser pages: sign-in, settings, phases, moderation, codes, stewards, exports."""
import csv
import html as htmllib
import io
import json

import pytest

from tests.conftest import csrf_from, make_assembly
from webapp.domain import codes
from webapp.services import assembly, auth, ballots, ideas


def text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def post(client, url, **data):
    return client.post(url, data={"csrf_token": client.csrf, **data})


@pytest.mark.parametrize("url", ["/organiser/", "/organiser/groups", "/organiser/ideas", "/organiser/codes",
                                 "/organiser/stewards", "/organiser/export/ballots.csv"])
def test_organiser_pages_need_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/organiser/signin" in response.headers["Location"]


def test_first_sign_in_uses_the_setup_code_once(app, store, client):
    page = client.get("/organiser/signin").get_data(as_text=True)
    assert "Setup code" in page
    code = auth.setup_code(store)
    bad = client.post("/organiser/signin", data={"csrf_token": csrf_from(page), "setup_code": code, "passphrase": "short"})
    assert bad.status_code == 400 and "at least 8" in text(bad)
    wrong = codes.generate(codes.SETUP)
    bad = client.post("/organiser/signin", data={"csrf_token": csrf_from(page), "setup_code": wrong, "passphrase": "long enough"})
    assert bad.status_code == 400 and "not right" in text(bad)
    ok = client.post("/organiser/signin", data={"csrf_token": csrf_from(page), "setup_code": codes.display(code, codes.SETUP).lower(), "passphrase": "long enough"})
    assert ok.status_code == 303
    assert client.get("/organiser/").status_code == 200
    # The setup code is spent; the passphrase is what signs in now.
    other = app.test_client()
    page = other.get("/organiser/signin").get_data(as_text=True)
    reuse = other.post("/organiser/signin", data={"csrf_token": csrf_from(page), "setup_code": code, "passphrase": "another one"})
    assert reuse.status_code == 400
    bad = other.post("/organiser/signin", data={"csrf_token": csrf_from(page), "passphrase": "wrong pass"})
    assert bad.status_code == 401
    good = other.post("/organiser/signin", data={"csrf_token": csrf_from(page), "passphrase": "long enough"})
    assert good.status_code == 303


def test_sign_in_form_needs_csrf(client):
    response = client.post("/organiser/signin", data={"passphrase": "x"})
    assert response.status_code == 400


def test_settings_create_groups_and_validate(organiser, store):
    response = post(organiser, "/organiser/settings", question="How might we?", briefing="Read this",
                    num_groups="4", ideas_per_group="2", method="dot", max_choices="5", points="6", max_per_idea="2")
    assert response.status_code == 303
    state = assembly.get(store)
    assert (state["question"], state["num_groups"], state["ideas_per_group"]) == ("How might we?", 4, 2)
    assert state["rules"].method == "dot" and state["rules"].points == 6
    groups = assembly.groups(store)
    assert [g["number"] for g in groups] == [1, 2, 3, 4]
    assert len({g["code"] for g in groups}) == 4
    bad = post(organiser, "/organiser/settings", num_groups="lots")
    page = text(organiser.get(bad.headers["Location"]))
    assert "must be a whole number" in page
    bad = post(organiser, "/organiser/settings", question="")
    assert "Please fill in question" in text(organiser.get(bad.headers["Location"]))
    assert assembly.get(store)["question"] == "How might we?"


def test_paper_language_can_change_while_voting_is_open(organiser, store):
    from webapp.printing import paper

    make_assembly(store, phase="voting", groups=1)
    page = text(organiser.get("/organiser/"))
    assert 'name="paper_language"' in page and '<option value="cy+en">Welsh and English (Welsh first)</option>' in page
    response = post(organiser, "/organiser/paper-language", paper_language="cy+en")
    assert response.status_code == 303 and paper.choice(store) == "cy+en"
    page = text(organiser.get(response.headers["Location"]))
    assert "The language of printed slips is saved." in page and '<option value="cy+en" selected>' in page
    bad = post(organiser, "/organiser/paper-language", paper_language="fr")
    assert "Choose English, Welsh, or Welsh and English" in text(organiser.get(bad.headers["Location"]))
    assert paper.choice(store) == "cy+en"


def test_phase_buttons_and_refusal_to_reopen_submission(organiser, store):
    made = make_assembly(store, phase="voting")
    ballots.cast(store, made["codes"][0], {made["ideas"][0]["id"]: 1})
    response = post(organiser, "/organiser/phase", phase="submission")
    page = text(organiser.get(response.headers["Location"]))
    assert "Ballots have been cast, so submission cannot reopen" in page
    assert assembly.get(store)["phase"].value == "voting"
    post(organiser, "/organiser/phase", phase="results")
    assert assembly.get(store)["phase"].value == "results"
    assert "Reveal results" in organiser.get("/organiser/").get_data(as_text=True)
    post(organiser, "/organiser/reveal", reveal="1")
    assert assembly.get(store)["revealed"] is True


def test_groups_page_lists_codes_and_renames(organiser, store):
    made = make_assembly(store, phase="setup")
    page = organiser.get("/organiser/groups").get_data(as_text=True)
    for group in made["groups"]:
        assert codes.display(group["code"], codes.GROUP) in page
    post(organiser, f"/organiser/groups/{made['groups'][0]['id']}/name", name="Table by the window")
    assert assembly.groups(store)[0]["name"] == "Table by the window"


def test_moderation_hide_and_merge_keep_proposers(organiser, store):
    made = make_assembly(store, phase="submission")
    first, second = made["ideas"][0], made["ideas"][2]
    post(organiser, f"/organiser/ideas/{first['id']}/hide", hidden="1")
    assert first["id"] not in {i["id"] for i in ideas.visible(store)}
    post(organiser, f"/organiser/ideas/{second['id']}/merge", into=made["ideas"][4]["id"])
    target = next(i for i in ideas.visible(store) if i["id"] == made["ideas"][4]["id"])
    assert sorted(target["proposers"]) == ["Group 2", "Group 3"]
    page = organiser.get("/organiser/ideas").get_data(as_text=True)
    assert "Group 2, Group 3" in page or "Group 3, Group 2" in page
    post(organiser, f"/organiser/ideas/{second['id']}/merge", into="")
    assert second["id"] in {i["id"] for i in ideas.visible(store)}


def test_moderation_is_refused_once_ballots_exist(organiser, store):
    made = make_assembly(store, phase="voting")
    ballots.cast(store, made["codes"][0], {made["ideas"][0]["id"]: 1})
    response = post(organiser, f"/organiser/ideas/{made['ideas'][1]['id']}/hide", hidden="1")
    assert "before any ballot is cast" in text(organiser.get(response.headers["Location"]))
    assert len(ideas.visible(store)) == len(made["ideas"])


def test_ballot_codes_in_batches(organiser, store):
    post(organiser, "/organiser/codes", count="5")
    post(organiser, "/organiser/codes", count="3")
    rows = ballots.list_codes(store)
    assert [r["batch"] for r in rows] == [1] * 5 + [2] * 3
    page = organiser.get("/organiser/codes").get_data(as_text=True)
    assert codes.display(rows[0]["code"], codes.BALLOT) in page
    bad = post(organiser, "/organiser/codes", count="0")
    assert "from 1 to 1000" in text(organiser.get(bad.headers["Location"]))


def test_steward_codes_are_shown_once_and_can_be_withdrawn(organiser, store, app):
    page = post(organiser, "/organiser/stewards", label="Door")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "New steward code" in html
    shown = html.split("<code>")[1].split("</code>")[0]
    steward = app.test_client()
    form = steward.get("/steward/signin").get_data(as_text=True)
    assert steward.post("/steward/signin", data={"csrf_token": csrf_from(form), "code": shown}).status_code == 303
    assert steward.get("/steward/").status_code == 200
    assert steward.get("/organiser/").status_code == 302  # a steward is not an organiser
    code_hash = auth.steward_codes(store)[0]["code_hash"]
    post(organiser, "/organiser/stewards", revoke=code_hash)
    again = app.test_client()
    form = again.get("/steward/signin").get_data(as_text=True)
    assert again.post("/steward/signin", data={"csrf_token": csrf_from(form), "code": shown}).status_code == 401


def test_exports_are_anonymised_and_safe_for_spreadsheets(organiser, store):
    made = make_assembly(store, phase="setup")
    assembly.set_phase(store, "submission")
    ideas.save_for_group(store, made["groups"][0]["id"], [("=HYPERLINK(\"http://x\")", "@SUM(A1)"), ("+1", "")])
    ideas.save_for_group(store, made["groups"][1]["id"], [("Plain idea", "-2")])
    issued = ballots.issue_codes(store, 3)
    assembly.set_phase(store, "voting")
    visible = ideas.visible(store)
    ballots.cast(store, issued[0], {visible[0]["id"]: 1, visible[2]["id"]: 1})
    ballots.cast(store, issued[1], {visible[2]["id"]: 1}, source="paper")
    csv_text = organiser.get("/organiser/export/ideas.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert rows[0]["title"] == "'=HYPERLINK(\"http://x\")" and rows[0]["detail"] == "'@SUM(A1)"
    assert rows[1]["title"] == "'+1" and rows[2]["detail"] == "'-2"
    ballots_json = json.loads(organiser.get("/organiser/export/ballots.json").get_data(as_text=True))
    assert len(ballots_json) == 2
    dump = json.dumps(ballots_json) + organiser.get("/organiser/export/ballots.csv").get_data(as_text=True)
    for code in issued:
        assert code not in dump
    code_ids = {r["ballot_id"] for r in store.query("SELECT ballot_id FROM ballot_codes")}
    assert {b["ballot_id"] for b in ballots_json} <= code_ids
    assert sorted(b["source"] for b in ballots_json) == ["paper", "phone"]
    tally = json.loads(organiser.get("/organiser/export/tally.json").get_data(as_text=True))
    assert tally["ballots_cast"] == 2 and tally["rows"][0]["title"] == "Plain idea"
    assert tally["rows"][0]["score"] == 2
    tally_csv = list(csv.DictReader(io.StringIO(organiser.get("/organiser/export/tally.csv").get_data(as_text=True))))
    assert tally_csv[0]["title"] == "Plain idea" and tally_csv[0]["rank"] == "1"
    assert organiser.get("/organiser/export/ideas.csv").headers["Content-Disposition"].startswith("attachment")


def test_staff_forms_refuse_a_missing_or_foreign_csrf_token(organiser, store, app):
    assert organiser.post("/organiser/settings", data={"question": "Hijacked?"}).status_code == 400
    other = app.test_client()
    token = csrf_from(other.get("/organiser/signin").get_data(as_text=True))
    assert organiser.post("/organiser/settings", data={"question": "Hijacked?", "csrf_token": token}).status_code == 400
    assert assembly.get(store)["question"] != "Hijacked?"


def test_sign_in_next_parameter_only_goes_to_this_site(app, store, organiser):
    client = app.test_client()
    page = client.get("/organiser/signin?next=//evil.example/").get_data(as_text=True)
    response = client.post("/organiser/signin?next=//evil.example/", data={"csrf_token": csrf_from(page), "passphrase": "correct horse"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/organiser/"


def test_sign_out(organiser):
    response = post(organiser, "/organiser/signout")
    assert response.status_code == 303
    assert organiser.get("/organiser/").status_code == 302
