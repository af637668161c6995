"""A phone's pages carry only what they use: the ballot page's inline styles hold no staff-only
rules (tables, the staff bar, password and number fields, quiet buttons), the fields' styles
come only with the pages that have fields, each idea's label is styled once in the sheet rather
than in every label, and an answer to a phone without the staff cookie does not vary by cookie.
Staff pages keep every rule they had."""
from __future__ import annotations

import re

STAFF_ONLY = ("table{", "th,td{", "nav{background", "button.quiet{", "input[type=password]", "input[type=number]")
FIELDS = ("input[type=text]", "input.code{", "textarea{", ".card{")


def style_of(html: str) -> str:
    return "".join(re.findall(r"<style>(.*?)</style>", html, re.DOTALL))


def test_ballot_page_sends_no_staff_or_field_styles(client, voting):
    page = client.get(f"/b/{voting['codes'][0]}").get_data(as_text=True)
    style = style_of(page)
    assert [rule for rule in STAFF_ONLY + FIELDS if rule in style] == []
    # What the ballot does use is still there.
    for rule in (".choice{", "legend{", ".skip{", "nav.langs{", "footer.site{", "html.large{", "select{"):
        assert rule in style, rule
    # No CSS comment travels to the phone.
    assert "/*" not in style


def test_each_idea_label_is_styled_by_the_sheet_not_inline(client, voting):
    page = client.get(f"/b/{voting['codes'][0]}").get_data(as_text=True)
    labels = re.findall(r'<label class="choice"[^>]*><input type="checkbox" name="idea"', page)
    assert len(labels) == len(re.findall(r'name="idea"', page)) > 0
    assert all("style=" not in label for label in labels)
    assert ".choice label,label.choice{margin:0;font-weight:400}" in style_of(page)


def test_saved_page_sends_no_staff_styles(client, voting):
    code = voting["codes"][0]
    page = client.get(f"/b/{code}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    number = re.search(r'name="idea" value="(\d+)"', page).group(1)
    assert client.post(f"/b/{code}", data={"csrf_token": token, "idea": [number]}).status_code == 303
    saved = client.get(f"/b/{code}?saved=1").get_data(as_text=True)
    assert "Change my vote" in saved
    assert [rule for rule in STAFF_ONLY + FIELDS if rule in style_of(saved)] == []


def test_pages_with_fields_get_the_field_styles(client, voting):
    landing = style_of(client.get("/").get_data(as_text=True))
    for rule in FIELDS:
        assert rule in landing, rule


def test_staff_pages_keep_staff_and_field_styles(client, organiser):
    for page in (client.get("/organiser/signin"), organiser.get("/organiser/")):
        style = style_of(page.get_data(as_text=True))
        for rule in STAFF_ONLY + FIELDS:
            assert rule in style, rule


def test_a_phone_without_the_staff_cookie_gets_no_vary_cookie(client, voting):
    reply = client.get(f"/b/{voting['codes'][0]}")
    assert reply.status_code == 200
    assert "cookie" not in reply.headers.get("Vary", "").lower()


def test_a_signed_in_steward_is_still_checked_on_every_request(app, steward, store):
    # The cookie check is skipped only without the cookie: a steward's ended session still ends.
    assert steward.get("/steward/").status_code == 200
    store.db.execute("UPDATE staff_sessions SET revoked = 1")
    assert steward.get("/steward/").status_code in (302, 303)


def test_large_print_asked_with_an_escaped_name_still_counts(client, voting):
    # The quick test for "print" in the query must not miss a name sent percent-escaped.
    page = client.get(f"/b/{voting['codes'][0]}?pr%69nt=large").get_data(as_text=True)
    assert '<html lang="en" class="large">' in page
    lang = client.get(f"/b/{voting['codes'][0]}?l%61ng=cy").get_data(as_text=True)
    assert '<html lang="cy"' in lang
