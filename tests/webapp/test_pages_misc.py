"""Small page defects: the favicon, and a refused form that offers a fresh one."""
import html as htmllib
import re

from tests.conftest import csrf_from
from webapp.services import assembly


def test_favicon_is_served_not_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    assert response.data[:4] == b"\x00\x00\x01\x00"  # the ICO header


def _fresh_form_link(page: str) -> str | None:
    match = re.search(r'<a class="button" href="([^"]+)">Open a fresh form</a>', page)
    return htmllib.unescape(match.group(1)) if match else None


def test_an_expired_ballot_form_offers_a_fresh_form_that_works(client, voting):
    code = voting["codes"][0]
    idea = voting["ideas"][0]
    refused = client.post(f"/b/{code}", data={"csrf_token": "stale", "idea": str(idea["number"])})
    page = htmllib.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400
    assert "This form has expired" in page and "reload" not in page.lower()
    link = _fresh_form_link(page)
    assert link == f"/b/{code}"
    fresh = client.get(link).get_data(as_text=True)
    sent = client.post(link, data={"csrf_token": csrf_from(fresh), "idea": str(idea["number"])})
    assert sent.status_code == 303


def test_an_expired_form_posted_to_an_action_address_offers_the_page_that_shows_it(organiser, store):
    group = assembly.groups(store)[0] if assembly.groups(store) else None
    if group is None:
        assembly.update_settings(store, {"num_groups": 2})
        group = assembly.groups(store)[0]
    refused = organiser.post(f"/organiser/groups/{group['id']}/name", data={"csrf_token": "stale", "name": "x"})
    assert refused.status_code == 400
    assert _fresh_form_link(refused.get_data(as_text=True)) == "/organiser/groups"
    refused = organiser.post("/steward/print/", data={"csrf_token": "stale", "action": "kit_ready"})
    assert _fresh_form_link(refused.get_data(as_text=True)) == "/steward/print/"


def test_other_errors_offer_no_fresh_form(client):
    page = client.get("/b/0000000000").get_data(as_text=True)
    assert _fresh_form_link(page) is None
