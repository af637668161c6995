"""Steward pages: the dashboard and paper-ballot entry, with the replace confirmation."""
import html as htmllib


from tests.conftest import csrf_from, make_assembly
from webapp.domain import codes
from webapp.services import ballots


def text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def test_steward_pages_need_sign_in(client):
    for url in ("/steward/", "/steward/fragment", "/steward/paper?code=x"):
        assert client.get(url).status_code == 302


def test_wrong_steward_code(client):
    page = client.get("/steward/signin").get_data(as_text=True)
    response = client.post("/steward/signin", data={"csrf_token": csrf_from(page), "code": "nope"})
    assert response.status_code == 401 and "not right" in text(response)


def test_dashboard_shows_counts_and_live_fallback(steward, store):
    made = make_assembly(store)
    ballots.cast(store, made["codes"][0], {made["ideas"][0]["id"]: 1})
    html = steward.get("/steward/").get_data(as_text=True)
    assert 'data-count="ballots_cast">1</strong> / 8' in html
    # Without JavaScript the page must not reload itself (it would wipe a code being typed):
    # a refresh link stands in for the live update.
    assert 'http-equiv="refresh"' not in html
    assert '<noscript><p><a href="/steward/">' in html
    assert 'data-count="ballots_cast">1<' in steward.get("/steward/fragment").get_data(as_text=True)


def paper_form(steward, code):
    response = steward.get("/steward/paper", query_string={"code": codes.display(code, codes.BALLOT)})
    assert response.status_code == 302
    page = steward.get(response.headers["Location"])
    return page


def test_paper_ballot_entry_lists_ideas_by_number(steward, store):
    made = make_assembly(store)
    page = paper_form(steward, made["codes"][0]).get_data(as_text=True)
    numbers = [int(n) for n in __import__("re").findall(r'name="idea" value="(\d+)"', page)]
    assert numbers == sorted(numbers)
    response = steward.post(f"/steward/paper/{made['codes'][0]}", data={"csrf_token": csrf_from(page), "idea": ["2"]})
    assert response.status_code == 303
    stored = ballots.current(store, ballots.lookup(store, made["codes"][0])["ballot_id"])
    assert stored["source"] == "paper"
    assert stored["choices"] == {made["ideas"][1]["id"]: 1}


def test_paper_ballot_over_a_phone_vote_needs_confirmation(steward, store):
    made = make_assembly(store)
    code = made["codes"][0]
    ballots.cast(store, code, {made["ideas"][0]["id"]: 1})
    page = paper_form(steward, code)
    html = text(page)
    assert "already voted by phone" in html and 'name="replace"' in html
    token = csrf_from(page.get_data(as_text=True))
    refused = steward.post(f"/steward/paper/{code}", data={"csrf_token": token, "idea": ["3"]})
    assert refused.status_code == 409 and "already voted by phone" in text(refused)
    stored = ballots.current(store, ballots.lookup(store, code)["ballot_id"])
    assert stored["source"] == "phone"
    done = steward.post(f"/steward/paper/{code}", data={"csrf_token": token, "idea": ["3"], "replace": "1"})
    assert done.status_code == 303
    stored = ballots.current(store, ballots.lookup(store, code)["ballot_id"])
    assert stored["source"] == "paper" and stored["choices"] == {made["ideas"][2]["id"]: 1}


def test_paper_entry_with_a_bad_code(steward, store):
    make_assembly(store)
    response = steward.get("/steward/paper", query_string={"code": "ABC-DEF"})
    assert response.status_code == 400 and "doesn't look right" in text(response)


def test_organiser_may_use_steward_pages(organiser, store):
    make_assembly(store)
    assert organiser.get("/steward/").status_code == 200
