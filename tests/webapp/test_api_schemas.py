"""The API's one source of truth: the pydantic models validate requests and make the OpenAPI document."""
import pytest

from tests.conftest import make_assembly
from webapp.printing import queue
from webapp.services import auth, rounds


@pytest.fixture
def org(store):
    return {"Authorization": f"Bearer {auth.create_token(store, 'organiser')}"}


@pytest.fixture
def doc(client):
    return client.get("/api/v1/openapi.json").get_json()


def error(response) -> dict:
    return response.get_json()["error"]


def test_document_has_servers_constraints_and_response_schemas(doc):
    assert doc["openapi"] == "3.1.0" and doc["servers"] == [{"url": "/", "description": "this kit"}]
    ideas = doc["components"]["schemas"]["IdeaEntry"]
    assert ideas["properties"]["title"]["maxLength"] == 120 and ideas["additionalProperties"] is False
    assert doc["components"]["schemas"]["PhaseChange"]["properties"]["phase"]["enum"] == [
        "setup", "submission", "voting", "results"]
    put_ballot = doc["paths"]["/api/v1/ballot-codes/{code}/ballot"]["put"]
    assert put_ballot["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/BallotView"}
    assert {"400", "404", "409", "413", "415", "422", "429"} <= set(put_ballot["responses"])
    assert put_ballot["parameters"][0]["schema"]["pattern"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert "default" not in op["responses"], (path, method)
            for status, answer in op["responses"].items():
                schema = next(iter(answer["content"].values()))["schema"]
                if status >= "400":
                    assert schema == {"$ref": "#/components/schemas/Error"}, (path, method, status)


def test_documented_bounds_are_the_services_bounds(doc):
    """A bound in the document that differs from the service's turns a valid request into a refusal."""
    count = doc["components"]["schemas"]["PrintCount"]["properties"]["count"]
    assert count["maximum"] == queue.MAX_BATCH
    groups = doc["components"]["schemas"]["AssemblySettings"]["properties"]["num_groups"]["anyOf"][0]
    assert (groups["minimum"], groups["maximum"]) == (1, 200)


def test_unknown_fields_are_refused_on_every_body(client, store):
    made = make_assembly(store)
    response = client.put(f"/api/v1/ballot-codes/{made['codes'][0]}/ballot",
                          json={"choices": {made["ideas"][0]["id"]: 1}, "choise": {}})
    assert response.status_code == 400
    assert error(response)["code"] == "unknown_field" and error(response)["field"] == "choise"
    assert store.scalar("SELECT count(*) FROM ballots") == 0


def test_a_body_that_is_not_json_is_415(client, org):
    response = client.post("/api/v1/assembly/phase", data="phase=voting", headers=org,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and error(response)["code"] == "bad_content_type"


def test_a_whole_number_written_with_a_point_is_a_whole_number(client, org):
    """JSON Schema's integer includes 3.0, so the contract must accept it too."""
    response = client.post("/api/v1/ballot-codes", json={"count": 3.0}, headers=org)
    assert response.status_code == 201 and len(response.get_json()["codes"]) == 3
    response = client.post("/api/v1/ballot-codes", json={"count": 2.5}, headers=org)
    assert response.status_code == 400 and error(response)["code"] == "bad_json"


@pytest.mark.parametrize("body,code,field", [
    ({"question": "x" * 301}, "too_long", "question"),
    ({"num_groups": 0}, "out_of_range", "num_groups"),
    ({"num_groups": "3"}, "bad_json", "num_groups"),
    ({"method": "borda"}, "bad_method", "method"),
    ({"question": ""}, "required", "question"),
])
def test_validation_errors_name_the_field_with_a_stable_code(client, org, body, code, field):
    response = client.patch("/api/v1/assembly", json=body, headers=org)
    assert response.status_code == 400
    assert (error(response)["code"], error(response)["field"]) == (code, field)
    assert field in error(response)["message"]


def test_validation_messages_give_the_limit(client, org):
    response = client.patch("/api/v1/assembly", json={"question": "x" * 301}, headers=org)
    assert error(response)["message"] == "question is too long: at most 300 characters."


def test_rules_refusals_of_well_formed_requests_are_422(client, store, org):
    made = make_assembly(store, phase="submission")
    response = client.post(f"/api/v1/ideas/{made['ideas'][0]['id']}/merge", json={"into": made["ideas"][0]["id"]},
                           headers=org)
    assert response.status_code == 422 and error(response)["code"] == "merge_self"


def test_every_request_model_forbids_unknown_fields():
    from webapp.api import schemas

    for model in vars(schemas).values():
        if isinstance(model, type) and issubclass(model, schemas.Request) and model is not schemas.Request:
            assert model.model_json_schema()["additionalProperties"] is False, model


def test_the_exports_round_is_in_the_document_and_refused_as_documented(doc, client, store, org):
    make_assembly(store, groups=2, voters=1)
    export = doc["paths"]["/api/v1/export/{name}.{fmt}"]["get"]
    query = [p for p in export["parameters"] if p["in"] == "query"]
    assert query == [{"name": "round", "in": "query", "required": False,
                      "schema": {"type": "integer", "minimum": 1, "maximum": rounds.MAX_ROUNDS,
                                 "description": "The round's number; the current round without it."}}]
    assert client.get("/api/v1/export/tally.json?round=1", headers=org).status_code == 200
    for value, status in (("abc", 422), ("0", 422), (str(rounds.MAX_ROUNDS + 1), 422), ("7", 404)):
        reply = client.get(f"/api/v1/export/tally.json?round={value}", headers=org)
        assert reply.status_code == status and str(status) in export["responses"], value
        assert reply.get_json()["error"]["code"]
