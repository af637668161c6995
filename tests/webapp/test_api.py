"""The JSON API: every action, bearer tokens, stable error codes, the OpenAPI document."""
import pytest

from tests.conftest import make_assembly
from webapp.domain import codes
from webapp.services import assembly, auth, ballots, ideas


@pytest.fixture
def org(store):
    return {"Authorization": f"Bearer {auth.create_token(store, 'organiser')}"}


@pytest.fixture
def stew(store):
    return {"Authorization": f"Bearer {auth.create_token(store, 'steward')}"}


def error_code(response):
    body = response.get_json()
    assert set(body["error"]) >= {"code", "message"} and body["error"]["message"]
    return body["error"]["code"]


def test_whole_assembly_through_the_api(client, store, org, stew):
    assert client.patch("/api/v1/assembly", json={"question": "Q?", "num_groups": 2, "method": "ranked",
                                                  "max_choices": 2}, headers=org).status_code == 200
    groups = client.get("/api/v1/groups", headers=org).get_json()
    assert len(groups) == 2
    assert client.post("/api/v1/assembly/phase", json={"phase": "submission"}, headers=org).get_json()["phase"] == "submission"
    for n, group in enumerate(groups):
        response = client.put(f"/api/v1/group-codes/{group['display_code'].lower()}/ideas",
                              json={"ideas": [{"title": f"Idea {n}a", "detail": ""}, {"title": f"Idea {n}b"}]})
        assert response.status_code == 200, response.get_json()
        assert [i["title"] for i in response.get_json()["ideas"]] == [f"Idea {n}a", f"Idea {n}b"]
    issued = client.post("/api/v1/ballot-codes", json={"count": 3}, headers=org)
    assert issued.status_code == 201
    code_list = issued.get_json()["codes"]
    assert client.post("/api/v1/assembly/phase", json={"phase": "voting"}, headers=org).status_code == 200
    ballot = client.get(f"/api/v1/ballot-codes/{code_list[0]}").get_json()
    by_title = {i["title"]: i["id"] for i in ballot["ideas"]}
    assert ballot["ballot"] is None and ballot["rules"]["method"] == "ranked"
    cast = client.put(f"/api/v1/ballot-codes/{code_list[0]}/ballot",
                      json={"choices": {by_title["Idea 1a"]: 1, by_title["Idea 0a"]: 2}})
    assert cast.status_code == 200 and cast.get_json()["ballot"]["revision"] == 1
    client.put(f"/api/v1/ballot-codes/{code_list[1]}/ballot", json={"choices": {by_title["Idea 1a"]: 1}})
    paper = client.put(f"/api/v1/paper-ballots/{code_list[1]}", json={"choices": {by_title["Idea 0b"]: 1}}, headers=stew)
    assert paper.status_code == 409 and error_code(paper) == "already_voted"
    paper = client.put(f"/api/v1/paper-ballots/{code_list[1]}", json={"choices": {by_title["Idea 0b"]: 1}, "replace": True}, headers=stew)
    assert paper.status_code == 200 and paper.get_json()["ballot"]["source"] == "paper"
    status = client.get("/api/v1/status", headers=stew).get_json()
    assert status["counts"]["ballots_cast"] == 2 and status["counts"]["paper_ballots"] == 1
    assert error_code(client.get("/api/v1/results")) == "not_revealed"
    client.post("/api/v1/assembly/phase", json={"phase": "results"}, headers=org)
    client.post("/api/v1/assembly/reveal", json={"revealed": True}, headers=org)
    result = client.get("/api/v1/results").get_json()
    # 1a: rank 1 on one ballot; 0b: rank 1 on the paper ballot -> equal on every key, shared rank,
    # listed by idea number (0b was sent before 1a).
    assert [(r["title"], r["rank"], r["tied"]) for r in result["rows"][:3]] == [
        ("Idea 0b", 1, True), ("Idea 1a", 1, True), ("Idea 0a", 3, False)]
    assert result["ballots_cast"] == 2 and result["ballots_issued"] == 3


def test_organiser_moderation_and_stewards_through_the_api(client, store, org):
    made = make_assembly(store, phase="submission")
    a, b = made["ideas"][0]["id"], made["ideas"][2]["id"]
    assert client.post(f"/api/v1/ideas/{a}/hide", json={"hidden": True}, headers=org).status_code == 200
    merged = client.post(f"/api/v1/ideas/{b}/merge", json={"into": made["ideas"][4]["id"]}, headers=org).get_json()
    target = next(i for i in merged if i["id"] == made["ideas"][4]["id"])
    assert sorted(target["proposing_groups"]) == [2, 3]
    client.post(f"/api/v1/ideas/{b}/merge", json={"into": None}, headers=org)
    assert b in {i["id"] for i in ideas.visible(store)}
    renamed = client.patch(f"/api/v1/groups/{made['groups'][0]['id']}", json={"name": "Window"}, headers=org)
    assert renamed.get_json()[0]["name"] == "Window"
    created = client.post("/api/v1/stewards", json={"label": "Door"}, headers=org)
    assert created.status_code == 201 and codes.is_valid(created.get_json()["code"], codes.STEWARD)
    steward_id = client.get("/api/v1/stewards", headers=org).get_json()[0]["id"]
    assert client.delete(f"/api/v1/stewards/{steward_id}", headers=org).get_json()[0]["revoked"] is True
    export = client.get("/api/v1/export/ideas.csv", headers=org)
    assert export.mimetype == "text/csv" and "Idea 1a" in export.get_data(as_text=True)
    assert error_code(client.get("/api/v1/export/secrets.csv", headers=org)) == "unknown_export"


@pytest.mark.parametrize("method,url", [
    ("patch", "/api/v1/assembly"), ("post", "/api/v1/assembly/phase"), ("post", "/api/v1/ballot-codes"),
    ("get", "/api/v1/groups"), ("get", "/api/v1/ideas"), ("get", "/api/v1/status"),
    ("get", "/api/v1/export/tally.json"), ("post", "/api/v1/stewards"),
])
def test_staff_calls_need_a_token(client, method, url):
    response = getattr(client, method)(url, json={})
    assert response.status_code == 401 and error_code(response) == "unauthorised"
    response = getattr(client, method)(url, json={}, headers={"Authorization": "Bearer vk_o_forged"})
    assert response.status_code == 401


def test_steward_token_cannot_do_organiser_things(client, stew):
    response = client.post("/api/v1/assembly/phase", json={"phase": "submission"}, headers=stew)
    assert response.status_code == 403 and error_code(response) == "forbidden"


@pytest.mark.parametrize("kwargs,code", [
    ({"data": "{not json", "content_type": "application/json"}, "bad_json"),
    ({"json": [1, 2]}, "bad_json"),
    ({"data": "phase=voting", "content_type": "application/x-www-form-urlencoded"}, "bad_content_type"),
    ({"json": {"phase": "lunch"}}, "unknown_phase"),
    ({"json": {"phase": "voting"}}, "skip_phase"),
])
def test_bad_bodies_get_stable_error_codes(client, org, kwargs, code):
    response = client.post("/api/v1/assembly/phase", headers=org, **kwargs)
    assert 400 <= response.status_code < 500
    assert error_code(response) == code


def test_participant_errors_through_the_api(client, store):
    made = make_assembly(store)
    code = made["codes"][0]
    idea = made["ideas"][0]["id"]
    assert error_code(client.get("/api/v1/ballot-codes/XXX")) == "bad_code"
    assert error_code(client.get(f"/api/v1/ballot-codes/{codes.generate(codes.BALLOT)}")) == "unknown_code"
    r = client.put(f"/api/v1/ballot-codes/{code}/ballot", json={"choices": {idea: 1, "nope": 1}})
    # Well-formed but refused by the rules: 422 (400 is for requests that break the contract).
    assert r.status_code == 422 and error_code(r) == "unknown_idea"
    r = client.put(f"/api/v1/ballot-codes/{code}/ballot", json={"choices": [idea]})
    assert error_code(r) == "bad_json"
    r = client.put(f"/api/v1/group-codes/{made['groups'][0]['code']}/ideas", json={"ideas": [{"title": "late"}]})
    assert r.status_code == 409 and error_code(r) == "wrong_phase"
    r = client.put(f"/api/v1/group-codes/{made['groups'][0]['code']}/ideas", json={"ideas": "x"})
    assert error_code(r) == "bad_json"
    big = client.put(f"/api/v1/ballot-codes/{code}/ballot", data="x" * 100_000, content_type="application/json")
    assert big.status_code == 413 and error_code(big) == "too_large"
    assert error_code(client.get("/api/v1/nothing-here")) == "not_found"
    r = client.delete("/api/v1/assembly")
    assert r.status_code == 405 and error_code(r) == "method_not_allowed"
    assert store.scalar("SELECT count(*) FROM ballots") == 0


def test_api_guesses_are_rate_limited(client, store):
    make_assembly(store)
    for _ in range(10):
        client.get(f"/api/v1/ballot-codes/{codes.generate(codes.BALLOT)}", headers={"User-Agent": "script"})
    response = client.get(f"/api/v1/ballot-codes/{codes.generate(codes.BALLOT)}", headers={"User-Agent": "script"})
    assert response.status_code == 429 and error_code(response) == "too_many_attempts"


def test_openapi_document_describes_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    routed = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routed.add((path, method.lower()))
    assert documented == routed
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op["summary"], (path, method)


def test_results_are_always_available_to_the_organiser(client, store, org):
    made = make_assembly(store)
    ballots.cast(store, made["codes"][0], {made["ideas"][3]["id"]: 1})
    result = client.get("/api/v1/results", headers=org).get_json()
    assert result["rows"][0]["idea_id"] == made["ideas"][3]["id"]
    assert assembly.get(store)["revealed"] is False


def test_kit_status_for_the_lights(client, store):
    from webapp.services import kit_status

    status = client.get("/api/v1/kit-status").get_json()
    # The storage watch records its state as the app starts (an empty test disk: not low).
    assert status.pop("storage") in ("ok", "unknown")
    assert status == {"web_ok": True, "printer": "unknown", "uplink": False, "sync": "idle",
                      "settings": "unknown", "clock": "unknown"}
    kit_status.report(store, "printer", state="paper_out", error="paper out")
    kit_status.report(store, "uplink", online="1")
    status = client.get("/api/v1/kit-status").get_json()
    assert status["printer"] == "paper_out" and status["uplink"] is True
    store.db.execute("UPDATE settings SET value = '2000-01-01T00:00:00+00:00' WHERE name = 'printer.seen_at'")
    assert client.get("/api/v1/kit-status").get_json()["printer"] == "fault"


def test_phones_with_addresses_counts_live_leases(tmp_path):
    from webapp.services.kit_status import phones_with_addresses

    assert phones_with_addresses(str(tmp_path / "none-*.leases")) is None
    (tmp_path / "dnsmasq-wlan0.leases").write_text(
        "2000 aa:bb:cc:dd:ee:01 10.42.0.10 phone1 *\n"
        "500 aa:bb:cc:dd:ee:02 10.42.0.11 phone2 *\n"
        "0 aa:bb:cc:dd:ee:03 10.42.0.12 * *\n"
        "garbage\n")
    assert phones_with_addresses(str(tmp_path / "dnsmasq-*.leases"), now=1000) == 2
