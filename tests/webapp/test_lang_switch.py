"""Every page offers the language switch: English / Cymraeg, each named in itself, leading to the
same page in the other language (with large print kept), with cookies off; staff pages carry the
accessibility statement link too."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import csrf_from, display_ballot, make_assembly
from tests.webapp.page_tree import parse
from tests.webapp.test_lang_in_url import assert_carries
from webapp.services import kit_language

OTHER = {"en": "cy", "cy": "en"}
NAMES = {"en": "English", "cy": "Cymraeg"}


@pytest.fixture
def phone(app):
    """A browser that keeps no cookies, as a captive-portal window."""
    return app.test_client(use_cookies=False)


def query(url: str) -> dict:
    return parse_qs(urlsplit(url).query)


def switch_of(response) -> str:
    """The page's language switch, checked as a screen reader meets it; its link's address."""
    page = parse(response.get_data(as_text=True))
    lang = page.find("html").attrs["lang"]
    nav = page.find("nav", class_="langs")
    assert nav is not None, "no language switch"
    # Named for a screen reader in the page's own language.
    assert nav.attrs.get("aria-label"), "the language switch has no name"
    current = nav.find(aria_current="true")
    assert current.tag == "span" and current.attrs["lang"] == lang and current.text() == NAMES[lang]
    links = nav.find_all("a")
    assert len(links) == 1
    link = links[0]
    other = OTHER[lang]
    assert link.text() == NAMES[other] and link.attrs["lang"] == other and link.attrs["hreflang"] == other
    assert "data-lang-switch" in link.attrs
    assert query(link.attrs["href"]).get("lang") == [other]
    return link.attrs["href"]


def open_pages(phone, store) -> dict:
    """Path asked for -> (response, path the switch should lead to)."""
    made = make_assembly(store, phase="voting")
    code = made["codes"][0]
    group = made["groups"][0]["code"]
    ballot = phone.get(f"/b/{code}")
    saved = phone.post(f"/b/{code}", data={"csrf_token": csrf_from(ballot.get_data(as_text=True)),
                                           "idea": [str(made["ideas"][0]["number"])]})
    assert saved.status_code == 303 and "saved" in saved.headers["Location"]
    return {
        "landing": (phone.get("/"), "/"),
        "group": (phone.get(f"/g/{group}"), f"/g/{group}"),
        "ballot": (ballot, f"/b/{code}"),
        "saved": (phone.get(saved.headers["Location"]), f"/b/{code}"),
        "statement": (phone.get("/accessibility"), "/accessibility"),
        "wrong code": (phone.get("/ballot", query_string={"code": "ABC-DEF-GHJ"}), "/"),
        "not found": (phone.get("/nothing-here"), "/"),
        "expired form": (phone.post(f"/b/{code}", data={"idea": "1"}), f"/b/{code}"),
        "projector": (phone.get("/projector/"), "/projector/"),
        "steward sign-in": (phone.get("/steward/signin"), "/steward/signin"),
        "organiser sign-in": (phone.get("/organiser/signin"), "/organiser/signin"),
    }


def test_every_open_page_offers_the_switch_to_the_same_page_in_welsh(phone, store):
    for name, (response, path) in open_pages(phone, store).items():
        href = switch_of(response)
        assert urlsplit(href).path == path, name
        # Nothing one-off rides along: no "saved" note, no typed code.
        assert query(href) == {"lang": ["cy"]}, (name, href)
        welsh = phone.get(href)
        assert welsh.status_code == 200, name
        assert parse(welsh.get_data(as_text=True)).find("html").attrs["lang"] == "cy", name
        back = switch_of(welsh)
        assert urlsplit(back).path == path and query(back) == {"lang": ["en"]}, name


def test_from_the_ballot_in_english_to_the_ballot_in_welsh_keeping_large_print(phone, store, voting):
    code = voting["codes"][0]
    href = switch_of(phone.get(f"/b/{code}?print=large"))
    assert urlsplit(href).path == f"/b/{code}" and query(href) == {"lang": ["cy"], "print": ["large"]}
    welsh = phone.get(href)
    assert welsh.status_code == 200 and "Set-Cookie" not in welsh.headers
    html = parse(welsh.get_data(as_text=True)).find("html")
    assert html.attrs["lang"] == "cy" and "large" in html.classes()
    # From there on every link and form keeps Welsh, as if Welsh had been chosen at the start.
    assert_carries(welsh, "cy")


def test_after_a_wrong_code_the_switch_goes_to_the_start_not_another_guess(phone, store, voting):
    response = phone.get("/group", query_string={"code": "ZZZZ-ZZZ", "lang": "cy"})
    assert response.status_code >= 400
    assert switch_of(response) == "/?lang=en"
    response = phone.get("/ballot", query_string={"code": "ABC-DEF-GHJ", "print": "large"})
    assert response.status_code >= 400
    assert switch_of(response) == "/?lang=cy&print=large"
    # A right code typed is not a page of its own: it redirects to the ballot, whose switch is
    # the ballot's (tested above).
    typed = phone.get("/ballot", query_string={"code": display_ballot(voting["codes"][0])})
    assert typed.status_code in (302, 303) and urlsplit(typed.headers["Location"]).path == f"/b/{voting['codes'][0]}"


def test_a_page_welsh_by_the_phone_or_the_kit_switches_to_english_explicitly(phone, store, voting):
    # Nothing carried: the page is Welsh because the phone asks for it, so the link to English
    # must say so, or the phone's language would win again.
    response = phone.get("/", headers={"Accept-Language": "cy"})
    href = switch_of(response)
    assert href == "/?lang=en"
    english = phone.get(href, headers={"Accept-Language": "cy"})
    assert parse(english.get_data(as_text=True)).find("html").attrs["lang"] == "en"
    kit_language.set_default_language(store, "cy")
    assert switch_of(phone.get("/accessibility")) == "/accessibility?lang=en"


def test_staff_pages_offer_the_switch_and_the_statement(organiser, steward, store, voting):
    pages = {"/organiser/": organiser, "/organiser/groups": organiser, "/organiser/ideas": organiser,
             "/organiser/codes": organiser, "/organiser/stewards": organiser, "/steward/": steward,
             f"/steward/paper/{voting['codes'][0]}": steward, "/steward/print/": steward}
    for path, client in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        href = switch_of(response)
        assert urlsplit(href).path == path and query(href) == {"lang": ["cy"]}, path
        welsh = client.get(href)
        assert welsh.status_code == 200
        assert parse(welsh.get_data(as_text=True)).find("html").attrs["lang"] == "cy", path
        footer = parse(response.get_data(as_text=True)).find("footer")
        assert footer.find("a", href="/accessibility").text() == "Accessibility statement", path
        # The staff bar's skip link still comes first.
        html = response.get_data(as_text=True)
        assert html.index('class="skip"') < html.index('<nav class="langs"'), path


def test_staff_switch_leaves_a_paper_code_lookup_and_keeps_where_sign_in_goes(steward, phone, store, voting):
    lookup = steward.get("/steward/paper", query_string={"code": "ABC-DEF-GHJ", "lang": "cy"})
    assert lookup.status_code >= 400
    assert switch_of(lookup) == "/steward/?lang=en"
    signin = phone.get("/organiser/signin", query_string={"next": "/organiser/groups"})
    href = switch_of(signin)
    assert urlsplit(href).path == "/organiser/signin"
    assert query(href) == {"next": ["/organiser/groups"], "lang": ["cy"]}


def test_an_expired_form_posted_to_an_action_switches_to_the_page_with_that_form(organiser, store):
    made = make_assembly(store, phase="setup")
    refused = organiser.post(f"/organiser/groups/{made['groups'][0]['id']}/name?lang=cy", data={"name": "x"})
    assert refused.status_code == 400
    assert switch_of(refused) == "/organiser/groups?lang=en"
