"""One boundary for text and numbers: what people type is valid Unicode, NFC, free of control
characters and within its length before it is stored, exported or printed."""
import csv
import html as htmllib
import io
import json
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.conftest import csrf_from, make_assembly
from webapp.domain.errors import DomainError
from webapp.domain.text import InvalidText, normalise
from webapp.printing import queue
from webapp.services import assembly, auth, ideas
from webapp.services.common import clean_text, whole_number

CONTROLS = {chr(c) for c in range(0x20)} | {chr(c) for c in range(0x7F, 0xA0)}
ESC = "\x1b"


def text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


@pytest.fixture
def org(store):
    return {"Authorization": f"Bearer {auth.create_token(store, 'organiser')}"}


def raw_json(client, method: str, url: str, body: str, headers: dict | None = None):
    """Send JSON text as written, so an escape such as \\ud800 reaches the server unchanged."""
    return client.open(url, method=method, data=body.encode(), content_type="application/json",
                       headers=headers or {})


# --- 1. lone surrogates in JSON ------------------------------------------------------------

def test_lone_surrogate_in_group_ideas_is_refused_without_credentials(client, store):
    made = make_assembly(store, phase="submission")
    group = made["groups"][0]
    response = raw_json(client, "PUT", f"/api/v1/group-codes/{group['code']}/ideas",
                        '{"ideas": [{"title": "Buses \\ud800", "detail": ""}]}')
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_text" and "not valid text" in error["message"]
    assert [i["title"] for i in ideas.for_group(store, group["id"])] == ["Idea 1a", "Idea 1b"]


@pytest.mark.parametrize("method, url, body", [
    ("PATCH", "/api/v1/assembly", '{"question": "Why \\ud800?"}'),
    ("PATCH", "/api/v1/assembly", '{"briefing": "\\udfff"}'),
    ("PATCH", "/api/v1/groups/{group}", '{"name": "\\ud800 table"}'),
    ("POST", "/api/v1/stewards", '{"label": "Door \\udc00"}'),
])
def test_lone_surrogates_in_organiser_calls_are_refused(client, store, org, method, url, body):
    made = make_assembly(store, phase="setup")
    before = assembly.get(store)
    response = raw_json(client, method, url.format(group=made["groups"][0]["id"]), body, org)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "invalid_text"
    after = assembly.get(store)
    assert (after["question"], after["briefing"]) == (before["question"], before["briefing"])


def test_a_surrogate_pair_written_as_escapes_is_a_real_character(client, store):
    made = make_assembly(store, phase="submission")
    response = raw_json(client, "PUT", f"/api/v1/group-codes/{made['groups'][0]['code']}/ideas",
                        '{"ideas": [{"title": "Parks \\ud83c\\udf33"}]}')
    assert response.status_code == 200
    assert response.get_json()["ideas"][0]["title"] == "Parks \U0001f333"


# --- 2. numbers in forms -------------------------------------------------------------------

@pytest.mark.parametrize("value", ["\u00b2", "\u0663", "\uff13", "9" * 5000, "1e3", "2.0", " ", "0x3"])
def test_whole_number_takes_ascii_digits_only(value):
    with pytest.raises(DomainError) as caught:
        whole_number(value, field="count", low=1, high=100)
    assert caught.value.code in ("not_a_number", "out_of_range")


def test_whole_number_bounds_and_plain_values():
    assert whole_number(" 42 ", field="n", low=1, high=100) == 42
    assert whole_number("007", field="n", low=1, high=100) == 7
    assert whole_number(5, field="n", low=1, high=100) == 5
    for value in ("101", "-1", 10 ** 5000, "0" * 4000 + "1000", True):
        with pytest.raises(DomainError):
            whole_number(value, field="n", low=1, high=100)
    with pytest.raises(DomainError) as caught:
        whole_number("9" * 5000, field="n", low=1, high=100)
    assert caught.value.code == "out_of_range"


@pytest.mark.parametrize("method", ["dot", "ranked"])
@pytest.mark.parametrize("value", ["\u00b2", "9" * 5000, "\u0661"])
def test_odd_numbers_on_a_phone_ballot_get_a_clear_message(client, store, method, value):
    made = make_assembly(store, method=method)
    code = made["codes"][0]
    page = client.get(f"/b/{code}").get_data(as_text=True)
    number = made["ideas"][0]["number"]
    response = client.post(f"/b/{code}", data={"csrf_token": csrf_from(page), f"idea-{number}": value})
    assert response.status_code == 400
    assert "whole number" in text(response)


@pytest.mark.parametrize("value", ["\u00b2", "9" * 5000])
def test_odd_numbers_on_a_paper_ballot_get_a_clear_message(steward, store, value):
    made = make_assembly(store, method="dot")
    code = made["codes"][0]
    page = steward.get(f"/steward/paper/{code}").get_data(as_text=True)
    number = made["ideas"][0]["number"]
    response = steward.post(f"/steward/paper/{code}", data={"csrf_token": csrf_from(page), f"idea-{number}": value})
    assert response.status_code == 400
    assert "whole number" in text(response)


@pytest.mark.parametrize("choice", ['"\u00b2"', '"3"', "1.5", "true", "9" * 4000, "9" * 5000, "-1", "[]"])
def test_odd_numbers_in_a_json_ballot_get_a_clear_error(client, store, choice):
    made = make_assembly(store, method="dot")
    idea = made["ideas"][0]["id"]
    response = raw_json(client, "PUT", f"/api/v1/ballot-codes/{made['codes'][0]}/ballot",
                        f'{{"choices": {{"{idea}": {choice}}}}}')
    assert 400 <= response.status_code < 500
    error = response.get_json()["error"]
    assert error["code"] and error["message"]


@pytest.mark.parametrize("value", ["\u0663", "\uff13", "\u00b2"])
def test_organiser_settings_take_ascii_digits_only(organiser, store, value):
    response = organiser.post("/organiser/settings", data={"csrf_token": organiser.csrf, "num_groups": value})
    assert response.status_code == 303
    assert "whole number" in text(organiser.get(response.headers["Location"]))
    assert assembly.get(store)["num_groups"] == 0


# --- 3. invalid UTF-8 in a form ------------------------------------------------------------

def group_form(client, store):
    made = make_assembly(store, phase="submission")
    group = made["groups"][0]
    return group, csrf_from(client.get(f"/g/{group['code']}").get_data(as_text=True))


@pytest.mark.parametrize("title", [b"%FF%FE", b"\xff\xfe", b"caf%C3", b"%ED%A0%80"])
def test_invalid_utf8_in_a_form_says_the_text_is_invalid(client, store, title):
    group, token = group_form(client, store)
    body = b"csrf_token=" + token.encode() + b"&title-1=" + title
    response = client.post(f"/g/{group['code']}", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    page = text(response)
    assert "not valid text" in page and "expired" not in page
    assert [i["title"] for i in ideas.for_group(store, group["id"])] == ["Idea 1a", "Idea 1b"]


def test_valid_utf8_in_a_form_is_kept(client, store):
    group, token = group_form(client, store)
    body = b"csrf_token=" + token.encode() + b"&title-1=Caf%C3%A9+100%25+%F0%9F%8C%B3"
    response = client.post(f"/g/{group['code']}", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 303
    assert ideas.for_group(store, group["id"])[0]["title"] == "Caf\u00e9 100% \U0001f333"


def test_invalid_utf8_does_not_get_past_csrf(client, store):
    group, _token = group_form(client, store)
    response = client.post(f"/g/{group['code']}", data={"csrf_token": "wrong", "title-1": "Fine"})
    assert response.status_code == 400 and "expired" in text(response)
    response = client.post(f"/g/{group['code']}", data=b"csrf_token=wrong&title-1=%FF",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "not valid text" in text(response)
    assert [i["title"] for i in ideas.for_group(store, group["id"])] == ["Idea 1a", "Idea 1b"]


def test_invalid_utf8_in_the_passphrase_is_a_clear_400(app, store):
    client = app.test_client()
    token = csrf_from(client.get("/organiser/signin").get_data(as_text=True))
    body = b"csrf_token=" + token.encode() + b"&passphrase=%FF%FE&setup_code=" + auth.setup_code(store).encode()
    response = client.post("/organiser/signin", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "not valid text" in text(response)
    assert not auth.has_organiser(store)


# --- 4. control characters: stored, exported and printed clean ---------------------------

def test_escape_in_an_idea_never_reaches_storage_exports_or_the_printer(client, organiser, store):
    group, token = group_form(client, store)
    response = client.post(f"/g/{group['code']}", data={
        "csrf_token": token, "title-1": f"Free{ESC}[31m buses\u0085 at night\x07",
        "detail-1": "Line one\r\nLine two\rthree\x1b\x9b\t end", "title-2": "Cafe\u0301\u200b"})
    assert response.status_code == 303
    stored = ideas.for_group(store, group["id"])
    assert [(i["title"], i["detail"]) for i in stored] == [
        ("Free[31m buses at night", "Line one\nLine two\nthree  end"), ("Caf\u00e9\u200b", "")]
    assembly.set_phase(store, "voting")
    exports = "".join(organiser.get(f"/organiser/export/{name}.{fmt}").get_data(as_text=True)
                      for name in ("ideas", "tally") for fmt in ("csv", "json"))
    assert "Free[31m buses at night" in exports
    assert not CONTROLS & set(exports.replace("\r\n", "").replace("\n", ""))
    rows = list(csv.DictReader(io.StringIO(organiser.get("/organiser/export/ideas.csv").get_data(as_text=True))))
    assert ESC not in json.dumps(rows, ensure_ascii=False)
    batch = queue.paper_ballots(store, 1)
    payload = store.scalar("SELECT payload FROM print_jobs WHERE batch = ?", [batch])
    assert ESC not in payload and "\\u001b" not in payload
    assert "Free[31m buses at night" in [i["title"] for i in json.loads(payload)["ideas"]]


def test_organiser_and_steward_text_is_cleaned(organiser, store):
    response = organiser.post("/organiser/settings", data={
        "csrf_token": organiser.csrf, "question": f"How{ESC} might\nwe\x00?",
        "briefing": "One\r\n\r\nTwo\x1b\u2028Three"})
    assert response.status_code == 303
    state = assembly.get(store)
    assert state["question"] == "How might we?"
    assert state["briefing"] == "One\n\nTwo\nThree"
    auth.create_steward_code(store, f"Door{ESC}\n2")
    assert auth.steward_codes(store)[-1]["label"] == "Door 2"


def test_text_made_only_of_controls_counts_as_empty(store):
    make_assembly(store, phase="setup")
    with pytest.raises(DomainError) as caught:
        assembly.update_settings(store, {"question": f"{ESC}\x07\t\n"})
    assert caught.value.code == "required"
    # A group name left empty gives the group back its default name (made when shown).
    group = assembly.groups(store)[0]
    assembly.rename_group(store, group["id"], "Window")
    assembly.rename_group(store, group["id"], f"{ESC}\x07\t\n")
    assert assembly.groups(store)[0]["name"] == ""


def test_length_is_counted_in_characters_after_normalising():
    decomposed = "e\u0301" * 60  # 120 code points, 60 characters once composed
    assert clean_text(decomposed, field="title", max_len=60, required=True) == "\u00e9" * 60
    assert clean_text("\U0001f333" * 60, field="title", max_len=60, required=True) == "\U0001f333" * 60
    with pytest.raises(DomainError) as caught:
        clean_text("x" * 61, field="title", max_len=60, required=True)
    assert caught.value.code == "too_long"


# --- the normaliser's properties ---------------------------------------------------------

any_text = st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF,
                                 exclude_categories=("Cs",)), max_size=80)
odd_text = st.text(st.sampled_from(list("ab \t\r\n\x1b\x00\x7f\x85\x9f\u2028\u2029\u0301e\u00e9\u0958\u1100\u1161"
                                        "\u11a8\ufeff\u200b\u3000")), max_size=40)


@settings(max_examples=400, deadline=None)
@given(st.one_of(any_text, odd_text), st.booleans())
@example("e\x1b\u0301", False)
@example(" \u0301", True)
@example("a\r\n\r\nb", True)
def test_normalise_properties(value, multiline):
    out = normalise(value, field="text", multiline=multiline)
    assert normalise(out, field="text", multiline=multiline) == out
    assert unicodedata.is_normalized("NFC", out)
    allowed = {"\n"} if multiline else set()
    assert not (set(out) & CONTROLS) - allowed
    assert "\u2028" not in out and "\u2029" not in out
    out.encode("utf-8")
    assert out == out.strip()


@settings(max_examples=200, deadline=None)
@given(st.one_of(any_text, odd_text), st.integers(min_value=0, max_value=40), st.booleans())
def test_clean_text_respects_its_length_bound(value, max_len, multiline):
    try:
        out = clean_text(value, field="text", max_len=max_len, required=False, multiline=multiline)
    except DomainError as exc:
        assert exc.code == "too_long"
        assert len(normalise(value, field="text", multiline=multiline)) > max_len
    else:
        assert len(out) <= max_len


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=10), st.integers(min_value=0, max_value=9), st.text(max_size=10))
def test_any_lone_surrogate_is_refused(before, which, after):
    value = before + chr(0xD800 + which * 0x80) + after
    with pytest.raises(InvalidText) as caught:
        normalise(value, field="title")
    assert caught.value.code == "invalid_text"


# --- the hub: text from kits ----------------------------------------------------------------

def test_the_hub_stores_only_valid_text_from_kits(tmp_path):
    from webapp.app import create_app
    from webapp.hub import ingest
    from webapp.sync import signing

    hub_app = create_app({"DATA_DIR": str(tmp_path / "hub"), "TESTING": True, "HUB": True})
    hub_store = hub_app.extensions["venuekit_hub"]
    http = hub_app.test_client()
    key = signing.public_key(signing.new_private_key())
    unknown = raw_json(http, "POST", "/hub/v1/enrol", json.dumps(
        {"code": "\ud800", "kit_name": "x", "public_key": key, "assembly_id": "a1"}))
    assert unknown.status_code == 400 and unknown.get_json()["error"]["code"] == "bad_enrol_code"
    odd_assembly = raw_json(http, "POST", "/hub/v1/enrol", json.dumps(
        {"code": ingest.create_enrol_code(hub_store), "kit_name": "x", "public_key": key, "assembly_id": "\udc80"}))
    assert odd_assembly.status_code == 200
    enrolled = raw_json(http, "POST", "/hub/v1/enrol", json.dumps(
        {"code": ingest.create_enrol_code(hub_store), "kit_name": "Town\x1b hall \ud800",
         "public_key": signing.public_key(signing.new_private_key()), "assembly_id": "a1"}))  # one key, one kit
    assert enrolled.status_code == 200, enrolled.get_data(as_text=True)
    kit_id = enrolled.get_json()["kit_id"]
    assert hub_store.scalar("SELECT name FROM kits WHERE kit_id = ?", [kit_id]) == "Town hall \ufffd"
    body = {"id": "i1", "number": 1, "group_id": "g1", "slot": 1, "title": "Bus\x1bes \ud800", "detail": "a\r\nb"}
    ingest.ingest(hub_store, kit_id, {"after": 0, "assembly_id": "a1", "records": [
        {"seq": 1, "type": "idea", "id": "i1", "op": "upsert", "body": body}]})
    stored = json.loads(hub_store.scalar("SELECT body FROM records WHERE record_id = 'i1'"))
    assert (stored["title"], stored["detail"]) == ("Buses \ufffd", "a\nb")


@pytest.mark.parametrize("timestamp", ["\u00b2", "9" * 5000, "\u0661\u0662"])
def test_odd_digits_in_a_hub_signature_time_are_refused_not_a_crash(tmp_path, timestamp):
    from webapp.app import create_app
    from webapp.hub import ingest
    from webapp.sync import signing

    hub_app = create_app({"DATA_DIR": str(tmp_path / "hub"), "TESTING": True, "HUB": True})
    hub_store = hub_app.extensions["venuekit_hub"]
    kit_id = ingest.enrol(hub_store, ingest.create_enrol_code(hub_store), "kit",
                          signing.public_key(signing.new_private_key()), "a1")
    response = hub_app.test_client().get("/hub/v1/checkpoint", headers={
        signing.HEADER_KIT: kit_id, signing.HEADER_TIME: timestamp, signing.HEADER_NONCE: "n" * 16,
        signing.HEADER_SIGNATURE: "s" * 64})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "stale"


@pytest.mark.parametrize("padding", [0, 3000, 4096, 6000])  # small bodies read directly, big ones by werkzeug
def test_a_form_body_reads_the_same_below_and_above_the_small_form_size(client, store, padding):
    from webapp.web.form_text import SMALL_FORM_BYTES

    group, token = group_form(client, store)
    body = b"csrf_token=" + token.encode() + b"&title-1=Caf%C3%A9+%F0%9F%8C%B3&pad=" + b"x" * padding
    assert (len(body) <= SMALL_FORM_BYTES) == (padding < 4096)
    response = client.post(f"/g/{group['code']}", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 303
    assert ideas.for_group(store, group["id"])[0]["title"] == "Caf\u00e9 \U0001f333"


def test_a_small_form_body_cut_short_is_refused(app, store):
    group, token = group_form(app.test_client(), store)
    body = b"csrf_token=" + token.encode() + b"&title-1=Short"
    environ = {"CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body) + 50)}
    with app.test_request_context(f"/g/{group['code']}", method="POST", input_stream=io.BytesIO(body),
                                  environ_overrides=environ):
        from flask import request
        from werkzeug.exceptions import ClientDisconnected

        with pytest.raises(ClientDisconnected):
            request.form


def test_the_kits_body_limit_holds_for_small_forms_too(app, client, store):
    group, token = group_form(client, store)
    app.config["MAX_CONTENT_LENGTH"] = 100
    body = b"csrf_token=" + token.encode() + b"&title-1=" + b"y" * 200
    response = client.post(f"/g/{group['code']}", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert [i["title"] for i in ideas.for_group(store, group["id"])] == ["Idea 1a", "Idea 1b"]
