"""Large print: a visible switch on every participant page, carried like ?lang= through every
link, form and redirect, so it lasts through a flow with cookies off."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import csrf_from, display_ballot, make_assembly
from tests.webapp.page_tree import parse
from webapp.domain import codes

TEMPLATES = Path(__file__).resolve().parents[2] / "webapp" / "templates"


@pytest.fixture
def phone(app):
    """A browser that keeps no cookies, as a captive-portal window."""
    return app.test_client(use_cookies=False)


def query(url: str) -> dict:
    return parse_qs(urlsplit(url).query)


def kit_url(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.startswith("#") and not parts.path.startswith("/static/")


def assert_large(response, lang: str | None = None, status: int = 200):
    """A large-print page whose every kit link and form keeps large print (and the language);
    only the switch itself leads back to standard print."""
    assert response.status_code == status and "Set-Cookie" not in response.headers
    page = parse(response.get_data(as_text=True))
    assert "large" in page.find("html").classes()
    switch = page.find(id="print-switch")
    if lang in (None, "en"):
        assert switch.text() == "Standard print"
    assert switch.text() and "print" not in query(switch.attrs["href"])
    links = [a.attrs["href"] for a in page.find_all("a") if a is not switch and kit_url(a.attrs.get("href", "#"))]
    assert links, "the page has no links to check"
    # The language switch (marked data-lang-switch) is the one link to another language.
    switches = {a.attrs["href"] for a in page.find_all("a") if "data-lang-switch" in a.attrs}
    assert switches, "the page offers no language switch"
    for link in links:
        assert query(link).get("print") == ["large"], link
        if link not in switches:
            assert query(link).get("lang") == ([lang] if lang else None), link
    for form in page.find_all("form"):
        if (form.attrs.get("method") or "get").lower() == "get":
            hidden = {i.attrs["name"]: i.attrs["value"] for i in form.find_all("input", type="hidden")}
            assert hidden.get("print") == "large", form.attrs
        else:
            assert query(form.attrs["action"]).get("print") == ["large"], form.attrs
    return page


def follow(client, response):
    """Follow redirects by hand, checking each Location keeps large print."""
    while response.status_code in (301, 302, 303, 307, 308):
        location = response.headers["Location"]
        assert query(location).get("print") == ["large"], location
        response = client.get(location)
    return response


def submit_get_form(client, page, action: str, **fields):
    form = next(f for f in page.find_all("form") if urlsplit(f.attrs["action"]).path == action)
    hidden = {i.attrs["name"]: i.attrs["value"] for i in form.find_all("input", type="hidden")}
    # As a browser does: a GET form sends its fields, not its action's query string.
    return client.get(action, query_string={**hidden, **fields})


def post_form(client, response, **fields):
    page = parse(response.get_data(as_text=True))
    form = next(f for f in page.find_all("form") if (f.attrs.get("method") or "").lower() == "post")
    return client.post(form.attrs["action"], data={"csrf_token": csrf_from(response.get_data(as_text=True)), **fields})


def test_the_switch_is_on_the_page_and_turns_large_print_on_and_off(phone, store):
    page = parse(phone.get("/").get_data(as_text=True))
    assert "large" not in page.find("html").classes()
    switch = page.find(id="print-switch")
    assert switch.text() == "Large print" and query(switch.attrs["href"]) == {"print": ["large"]}
    assert urlsplit(switch.attrs["href"]).path == "/"
    large = phone.get(switch.attrs["href"])
    back = assert_large(large).find(id="print-switch").attrs["href"]
    assert back == "/"


@pytest.mark.parametrize("lang", [None, "cy"])
def test_large_print_lasts_from_code_entry_to_the_thank_you_page(phone, store, voting, lang):
    code = voting["codes"][0]
    start = "/?print=large" + (f"&lang={lang}" if lang else "")
    page = assert_large(phone.get(start), lang)
    ballot = follow(phone, submit_get_form(phone, page, "/ballot", code=display_ballot(code)))
    assert_large(ballot, lang)
    saved = post_form(phone, ballot, idea=[str(voting["ideas"][0]["number"])])
    assert saved.status_code == 303
    thanks = follow(phone, saved)
    page = assert_large(thanks, lang)
    # The short thank-you page, in any language: reached through ?saved=1, no ballot form on it.
    assert query(saved.headers["Location"]).get("saved") == ["1"]
    assert 'name="idea"' not in thanks.get_data(as_text=True)
    # The switch on the thank-you page opens the ballot again, without the one-off "saved".
    assert urlsplit(page.find(id="print-switch").attrs["href"]).path == f"/b/{code}"
    assert "saved" not in query(page.find(id="print-switch").attrs["href"])


def test_large_print_lasts_through_the_group_flow(phone, store):
    made = make_assembly(store, phase="submission")
    group = made["groups"][0]
    page = assert_large(phone.get("/?print=large"))
    group_page = follow(phone, submit_get_form(phone, page, "/group", code=codes.display(group["code"], codes.GROUP)))
    assert_large(group_page)
    saved = post_form(phone, group_page, **{"title-1": "Free buses"})
    assert saved.status_code == 303
    thanks = follow(phone, saved)
    assert_large(thanks)
    assert "Free buses" in thanks.get_data(as_text=True)


def test_short_links_error_pages_and_the_statement_keep_large_print(phone, store, voting):
    code = voting["codes"][0]
    short = phone.get(f"/b/{display_ballot(code).lower()}?print=large")
    assert short.status_code in (301, 302)
    assert_large(follow(phone, short))
    refused = post_form(phone, phone.get(f"/b/{code}?print=large"), idea=["999"])
    assert_large(refused, status=400)
    expired = phone.post(f"/b/{code}?print=large", data={"idea": "1"})  # no form token
    page = assert_large(expired, status=400)
    assert any(urlsplit(a.attrs["href"]).path == f"/b/{code}" for a in page.find_all("a"))  # a fresh form
    assert_large(phone.get("/accessibility?print=large"))


def test_the_switch_after_a_wrong_code_leads_to_the_start_not_another_guess(phone, store, voting):
    response = phone.get("/ballot", query_string={"code": "ABC-DEF-GHJ", "print": "large"})
    assert response.status_code == 400
    page = parse(response.get_data(as_text=True))
    assert "large" in page.find("html").classes()
    assert page.find(id="print-switch").attrs["href"] == "/"


def test_an_unknown_print_value_changes_nothing(phone, store, voting):
    html = phone.get("/?print=huge").get_data(as_text=True)
    page = parse(html)
    assert "large" not in page.find("html").classes()
    assert "print=huge" not in html
    assert page.find_all("input", name="print") == []


def test_sizes_are_in_rem_so_large_print_and_zoom_scale_everything():
    base = (TEMPLATES / "base.html").read_text()
    style = base[base.index("<style>"):base.index("</style>")]
    sizes = re.findall(r"font(?:-size)?:\s*([^;}]+)", style)
    assert sizes and all(not re.search(r"\d(px|pt|vw)\b", size) for size in sizes), sizes
    # The root grows by a share of the reader's own size, never to a fixed size.
    assert re.search(r"html\.large\{font-size:1[5-9]\d%\}", style)
