"""Participant pages: every step with plain forms, no cookies, clear messages for bad input."""
import gzip
import html as htmllib
import re

import pytest

from tests.conftest import csrf_from, display_ballot, make_assembly
from webapp.domain import codes
from webapp.services import assembly, ballots, ideas

PAGE_LIMIT = 15 * 1024


def text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def assert_no_cookie(response):
    assert "Set-Cookie" not in response.headers


def test_landing_offers_both_code_forms_and_the_phase(client, store):
    response = client.get("/")
    html = text(response)
    assert response.status_code == 200
    assert 'action="/group"' in html and 'action="/ballot"' in html
    assert '<label for="group-code">' in html and '<label for="ballot-code">' in html
    assert "being set up" in html
    assert_no_cookie(response)


def test_group_code_opens_the_group_page_case_insensitively(client, store):
    made = make_assembly(store, phase="submission")
    group = made["groups"][0]
    typed = codes.display(group["code"], codes.GROUP).lower()
    response = client.get("/group", query_string={"code": typed})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/g/{group['code']}")
    assert_no_cookie(response)


def submit_ideas(client, code, **fields):
    page = client.get(f"/g/{code}")
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), **fields}
    return client.post(f"/g/{code}", data=data)


def test_scribe_submits_and_edits_ideas_until_submission_closes(client, store):
    made = make_assembly(store, phase="setup")
    assembly.set_phase(store, "submission")
    code = made["groups"][0]["code"]
    response = submit_ideas(client, code, **{"title-1": "Free buses", "detail-1": "For everyone", "title-2": "Town hall"})
    assert response.status_code == 303
    assert_no_cookie(response)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved" in page and "Free buses" in page
    submit_ideas(client, code, **{"title-1": "Free buses at night", "title-2": ""})
    saved = ideas.for_group(store, made["groups"][0]["id"])
    assert [(i["slot"], i["title"]) for i in saved] == [(1, "Free buses at night")]
    token = csrf_from(client.get(f"/g/{code}").get_data(as_text=True))
    assembly.set_phase(store, "voting")
    page = client.get(f"/g/{code}").get_data(as_text=True)
    assert "Submission has closed" in page and "<textarea" not in page
    late = client.post(f"/g/{code}", data={"csrf_token": token, "title-1": "late"})
    assert late.status_code == 409
    assert "only be sent while submission is open" in text(late)
    assert [i["title"] for i in ideas.for_group(store, made["groups"][0]["id"])] == ["Free buses at night"]


@pytest.mark.parametrize("fields,message", [
    ({"title-1": "x" * 121}, "too long"),
    ({"detail-1": "no title here"}, "has detail but no title"),
    ({"title-1": "a", "title-2": "b", "title-3": "c", "title-4": "d"}, "at most 3 ideas"),
])
def test_bad_idea_forms_get_a_clear_message_and_write_nothing(client, store, fields, message):
    made = make_assembly(store, phase="setup")
    assembly.set_phase(store, "submission")
    code = made["groups"][0]["code"]
    response = submit_ideas(client, code, **fields)
    assert response.status_code == 400
    assert message in text(response)
    assert ideas.for_group(store, made["groups"][0]["id"]) == []


def test_ideas_in_the_wrong_phase_are_refused(client, store):
    made = make_assembly(store, phase="setup")
    code = made["groups"][0]["code"]
    page = client.get(f"/g/{code}").get_data(as_text=True)
    assert "Submission has not opened yet" in page


def vote(client, code, numbers, field="idea"):
    page = client.get(f"/b/{code}")
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), field: [str(n) for n in numbers]}
    return client.post(f"/b/{code}", data=data)


def test_voter_votes_and_changes_the_vote_last_one_counts(client, store, voting):
    code = voting["codes"][0]
    response = client.get("/ballot", query_string={"code": display_ballot(code).lower()})
    assert response.headers["Location"].endswith(f"/b/{code}")
    first = vote(client, code, [1, 2])
    assert first.status_code == 303
    assert_no_cookie(first)
    assert "your vote is saved" in client.get(first.headers["Location"]).get_data(as_text=True)
    vote(client, code, [3])
    stored = ballots.current(store, ballots.lookup(store, code)["ballot_id"])
    by_number = {i["number"]: i["id"] for i in voting["ideas"]}
    assert stored["choices"] == {by_number[3]: 1}
    assert stored["revision"] == 2
    page = client.get(f"/b/{code}").get_data(as_text=True)
    assert re.search(r'value="3"\s+checked', page)


def test_ballot_page_order_differs_between_ballots_but_is_stable(client, store, voting):
    def order(code):
        return re.findall(r'name="idea" value="(\d+)"', client.get(f"/b/{code}").get_data(as_text=True))

    orders = [tuple(order(c)) for c in voting["codes"]]
    assert all(sorted(o) == sorted(orders[0]) for o in orders)
    assert len(set(orders)) > 1
    assert order(voting["codes"][0]) == list(orders[0])


@pytest.mark.parametrize("method,field,values,message", [
    ("approval", "idea", [1, 2, 3, 4, 5, 6], "at most 5"),
    ("approval", "idea", [], "at least one"),
    ("approval", "idea", [99], "not on the ballot"),
])
def test_bad_ballots_get_a_clear_message(client, store, method, field, values, message):
    made = make_assembly(store, method=method)
    response = vote(client, made["codes"][0], values, field)
    assert response.status_code == 400
    assert message in text(response)
    assert store.scalar("SELECT count(*) FROM ballots") == 0


def test_dot_and_ranked_ballots_from_select_fields(client, store):
    made = make_assembly(store, method="dot", points=4, max_per_idea=2)
    code = made["codes"][0]
    page = client.get(f"/b/{code}").get_data(as_text=True)
    assert 'name="idea-1"' in page
    data = {"csrf_token": csrf_from(page), "idea-1": "2", "idea-2": "2", "idea-3": ""}
    assert client.post(f"/b/{code}", data=data).status_code == 303
    data = {"csrf_token": csrf_from(page), "idea-1": "2", "idea-2": "2", "idea-3": "1"}
    response = client.post(f"/b/{code}", data=data)
    assert response.status_code == 400 and "At most 4 points in all" in text(response)
    data = {"csrf_token": csrf_from(page), "idea-1": "two"}
    assert client.post(f"/b/{code}", data=data).status_code == 400


def test_voting_closed_and_not_yet_open(client, store):
    made = make_assembly(store, phase="submission")
    page = client.get(f"/b/{made['codes'][0]}").get_data(as_text=True)
    assert "Voting has not opened yet" in page and "<form method=\"post\"" not in page
    assembly.set_phase(store, "voting")
    assembly.set_phase(store, "results")
    page = client.get(f"/b/{made['codes'][0]}").get_data(as_text=True)
    assert "Voting has closed" in page


def test_mistyped_code_is_caught_before_lookup_and_unknown_code_is_counted(client, store, voting):
    code = voting["codes"][0]
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = client.get("/ballot", query_string={"code": typo})
    assert response.status_code == 400
    assert "doesn't look right" in text(response)
    unknown = codes.generate(codes.BALLOT)
    response = client.get("/ballot", query_string={"code": unknown})
    assert response.status_code == 404
    assert "don't know that ballot code" in text(response)
    assert text(response).count(unknown) == 1  # typed value kept for correction


def test_wrong_codes_are_slowed_down_per_phone_not_per_room(client, store, voting):
    phone_a = {"User-Agent": "phone A", "X-Test": "1"}
    for _ in range(10):
        assert client.get("/ballot", query_string={"code": codes.generate(codes.BALLOT)}, headers=phone_a).status_code == 404
    blocked = client.get("/ballot", query_string={"code": voting["codes"][0]}, headers=phone_a)
    assert blocked.status_code == 429
    assert "Too many wrong codes" in text(blocked)
    # Another phone behind the same address still gets in.
    other = client.get("/ballot", query_string={"code": voting["codes"][0]}, headers={"User-Agent": "phone B"})
    assert other.status_code == 302


def test_forms_without_the_csrf_token_are_refused(client, store, voting):
    code = voting["codes"][0]
    response = client.post(f"/b/{code}", data={"idea": ["1"]})
    assert response.status_code == 400
    assert "expired" in text(response)
    other = voting["codes"][1]
    token_for_other = csrf_from(client.get(f"/b/{other}").get_data(as_text=True))
    assert client.post(f"/b/{code}", data={"idea": ["1"], "csrf_token": token_for_other}).status_code == 400
    assert store.scalar("SELECT count(*) FROM ballots") == 0


def test_oversized_body_gets_413_with_a_message(client, store, voting):
    response = client.post(f"/b/{voting['codes'][0]}", data={"title-1": "x" * 100_000})
    assert response.status_code == 413
    assert "too much" in text(response)


def test_participant_text_is_escaped(client, store):
    made = make_assembly(store, phase="setup")
    assembly.set_phase(store, "submission")
    evil = '<script>alert(1)</script>'
    ideas.save_for_group(store, made["groups"][0]["id"], [(evil, "<b>bold</b>")])
    ballots_made = ballots.issue_codes(store, 1)
    assembly.set_phase(store, "voting")
    for url in (f"/g/{made['groups'][0]['code']}", f"/b/{ballots_made[0]}"):
        html = client.get(url).get_data(as_text=True)
        assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<b>bold</b>" not in html


def test_participant_pages_are_small_and_self_contained(client, store, voting):
    urls = ["/", f"/g/{voting['groups'][0]['code']}", f"/b/{voting['codes'][0]}",
            "/ballot?code=nope"]
    for url in urls:
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        body = response.get_data()
        size = len(body)
        if response.headers.get("Content-Encoding") == "gzip":
            html = gzip.decompress(body).decode()
        else:
            html = body.decode()
        assert size <= PAGE_LIMIT, (url, size)
        assert not re.search(r'(src|href|action)="(https?:)?//', html), url
        assert "<script" not in html, url
        assert 'name="viewport"' in html
        assert_no_cookie(response)


def test_worst_case_ballot_page_stays_under_15_kb(client, store):
    made = make_assembly(store, phase="setup", groups=20)
    assembly.update_settings(store, {"ideas_per_group": 3})
    assembly.set_phase(store, "submission")
    for group in made["groups"]:
        ideas.save_for_group(store, group["id"], [("T" * 120, "D" * 600)] * 3)
    code = ballots.issue_codes(store, 1)[0]
    assembly.set_phase(store, "voting")
    response = client.get(f"/b/{code}", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert len(response.get_data()) <= PAGE_LIMIT
