"""The steward's "Done" notice after a print action survives a live refresh racing it."""
import html as htmllib

from tests.conftest import csrf_from, make_assembly

COOKIE = "venuekit_staff"
DONE = "Done: the printer will work through the queue."


def _cookie(client) -> str | None:
    found = client.get_cookie(COOKIE)
    return found.value if found else None


def test_done_notice_survives_a_fragment_refresh_sent_with_the_older_cookie(organiser, store):
    make_assembly(store, phase="setup", groups=2)
    page = organiser.get("/steward/print/").get_data(as_text=True)
    before = _cookie(organiser)
    posted = organiser.post("/steward/print/", data={"csrf_token": csrf_from(page), "action": "group_cards",
                                                     "slips": "1"})
    assert posted.status_code == 303
    # The live script's fetch left before the POST's answer came back: it carries the older
    # cookie, and its answer arrives after the POST's.
    organiser.set_cookie(COOKIE, before)
    organiser.get("/steward/print/fragment")
    shown = htmllib.unescape(organiser.get(posted.headers["Location"]).get_data(as_text=True))
    assert DONE in shown


def test_done_notice_needs_no_cookie_and_the_refresh_drops_it(organiser, store):
    make_assembly(store, phase="setup", groups=2)
    page = organiser.get("/steward/print/").get_data(as_text=True)
    posted = organiser.post("/steward/print/", data={"csrf_token": csrf_from(page), "action": "kit_ready"})
    shown = organiser.get(posted.headers["Location"]).get_data(as_text=True)
    assert DONE in htmllib.unescape(shown)
    # Without JavaScript the page offers a refresh link (it must not reload itself under a
    # steward typing a count): the link goes to the plain page, so the notice is not repeated.
    assert 'http-equiv="refresh"' not in shown
    assert '<noscript><p><a href="/steward/print/">' in shown


def test_a_refused_action_shows_why_on_the_page_itself(organiser, store):
    make_assembly(store, phase="setup", groups=2)
    page = organiser.get("/steward/print/").get_data(as_text=True)
    refused = organiser.post("/steward/print/", data={"csrf_token": csrf_from(page), "action": "ballot_slips",
                                                      "count": "lots"})
    assert refused.status_code == 400
    assert "must be a whole number" in htmllib.unescape(refused.get_data(as_text=True))
    assert DONE not in htmllib.unescape(refused.get_data(as_text=True))
