"""A language chosen with ?lang= travels through every link, form and redirect (no cookies)."""
from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from tests.conftest import csrf_from, display_ballot, make_assembly
from webapp.domain import codes


class _Links(HTMLParser):
    """The page's language, its links, its language-switch links and its forms (method, action
    and hidden fields)."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.links: list[str] = []
        self.switches: list[str] = []
        self.forms: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "a" and a.get("href"):
            # The language switch is the one link meant to lead to another language: it says
            # so with data-lang-switch, and is checked apart (it must lead to another language).
            (self.switches if "data-lang-switch" in a else self.links).append(a["href"])
        elif tag == "form":
            self.forms.append({"method": (a.get("method") or "get").lower(), "action": a.get("action") or "", "fields": {}})
        elif tag == "input" and self.forms and a.get("type") == "hidden":
            self.forms[-1]["fields"][a.get("name")] = a.get("value")


def parse(response) -> _Links:
    page = _Links()
    page.feed(response.get_data(as_text=True))
    return page


def _kit_url(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not parts.path.startswith("/static/") and not url.startswith("#")


def lang_of(url: str) -> list[str]:
    return parse_qs(urlsplit(url).query).get("lang", [])


def assert_carries(response, lang: str | None) -> _Links:
    """The page is in `lang` (if given) and every kit link and form keeps exactly that choice."""
    assert "Set-Cookie" not in response.headers
    page = parse(response)
    expected = [lang] if lang else []
    if lang:
        assert page.lang == lang
    for link in filter(_kit_url, page.links):
        assert lang_of(link) == expected, link
    assert page.switches, "the page offers no language switch"
    for link in page.switches:
        assert len(lang_of(link)) == 1 and lang_of(link) != [page.lang], link
    for form in page.forms:
        if form["method"] == "get":
            # A GET form drops its action's query string: the choice rides in a hidden field.
            assert ([form["fields"]["lang"]] if "lang" in form["fields"] else []) == expected, form
        else:
            assert lang_of(form["action"]) == expected, form
    return page


def follow(client, response, lang: str | None):
    """Follow redirects by hand, checking each Location keeps the language."""
    while response.status_code in (301, 302, 303, 307, 308):
        location = response.headers["Location"]
        assert lang_of(location) == ([lang] if lang else []), location
        response = client.get(location)
    return response


def get_form(page: _Links, action: str) -> dict:
    return next(f for f in page.forms if urlsplit(f["action"]).path == action)


def test_group_flow_stays_in_welsh(client, store):
    made = make_assembly(store, phase="submission")
    group = made["groups"][0]
    landing = client.get("/?lang=cy")
    page = assert_carries(landing, "cy")
    form = get_form(page, "/group")
    typed = codes.display(group["code"], codes.GROUP)
    # As a browser does: a GET form sends its fields, not its action's query string.
    response = client.get(urlsplit(form["action"]).path, query_string={**form["fields"], "code": typed})
    group_page = follow(client, response, "cy")
    assert group_page.status_code == 200
    page = assert_carries(group_page, "cy")
    post = get_form(page, f"/g/{group['code']}")
    data = {"csrf_token": csrf_from(group_page.get_data(as_text=True)), "title-1": "Bysiau am ddim"}
    saved = follow(client, client.post(post["action"], data=data), "cy")
    assert saved.status_code == 200 and "Bysiau am ddim" in saved.get_data(as_text=True)
    assert_carries(saved, "cy")


def test_short_group_link_redirect_keeps_the_language(client, store):
    made = make_assembly(store, phase="submission")
    group = made["groups"][0]
    short = codes.display(group["code"], codes.GROUP)
    assert short != group["code"]
    response = client.get(f"/g/{short}?lang=cy")
    assert response.status_code in (301, 302)
    assert_carries(follow(client, response, "cy"), "cy")


def test_ballot_flow_stays_in_welsh(client, store, voting):
    code = voting["codes"][0]
    page = assert_carries(client.get("/?lang=cy"), "cy")
    form = get_form(page, "/ballot")
    response = client.get(urlsplit(form["action"]).path, query_string={**form["fields"], "code": display_ballot(code)})
    ballot = follow(client, response, "cy")
    assert ballot.status_code == 200
    page = assert_carries(ballot, "cy")
    post = get_form(page, f"/b/{code}")
    data = {"csrf_token": csrf_from(ballot.get_data(as_text=True)), "idea": [str(voting["ideas"][0]["number"])]}
    saved = follow(client, client.post(post["action"], data=data), "cy")
    assert saved.status_code == 200
    assert_carries(saved, "cy")


def test_short_ballot_link_and_error_pages_keep_the_language(client, store, voting):
    code = voting["codes"][0]
    response = client.get(f"/b/{display_ballot(code).lower()}?lang=cy")
    assert response.status_code in (301, 302)
    assert_carries(follow(client, response, "cy"), "cy")
    # A form posted without its token: the error page's "Open a fresh form" link keeps Welsh.
    refused = client.post(f"/b/{code}?lang=cy", data={"idea": "1"})
    assert refused.status_code >= 400
    page = assert_carries(refused, "cy")
    assert any(urlsplit(link).path == f"/b/{code}" for link in page.links)


def test_projector_keeps_the_language(client, store, voting):
    response = client.get("/projector/?lang=cy")
    assert response.status_code == 200
    assert 'data-fragment="/projector/fragment?lang=cy"' in response.get_data(as_text=True)


def test_without_lang_nothing_is_added(client, store, voting):
    code = voting["codes"][0]
    assert_carries(client.get("/"), None)
    response = client.get("/ballot", query_string={"code": display_ballot(code)})
    assert_carries(follow(client, response, None), None)


def test_welsh_from_the_phone_alone_adds_nothing_to_links(client, store, voting):
    # The phone's own language needs no carrying: it comes with every request.
    response = client.get("/", headers={"Accept-Language": "cy"})
    assert_carries(response, None)
    assert parse(response).lang == "cy"


def test_an_unknown_lang_is_not_passed_on(client, store, voting):
    code = voting["codes"][0]
    assert_carries(client.get("/?lang=xx"), None)
    response = client.get("/ballot", query_string={"code": display_ballot(code), "lang": "xx"})
    assert_carries(follow(client, response, None), None)
