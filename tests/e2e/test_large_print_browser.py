"""Large print and the keyboard in a real browser at 320 px with JavaScript off: bigger text and
tap targets, no sideways scrolling, the choice kept to the thank-you page, the skip link first,
and the error message taking focus on its own."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from webapp.domain import codes

NARROW = {"width": 320, "height": 640}
SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
ROOT_SIZE = "() => parseFloat(getComputedStyle(document.documentElement).fontSize)"


def assert_at(page, path: str, **query: str) -> None:
    """The page comes to `path` with exactly `query` (in any order)."""
    def there(url: str) -> bool:
        parts = urlsplit(url)
        return (parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}) == (path, query)
    page.wait_for_url(there, timeout=10_000)


def voting_kit(kit) -> str:
    kit.api("PATCH", "/assembly", {"num_groups": 1, "ideas_per_group": 2, "method": "ranked", "max_choices": 2})
    group = kit.api("GET", "/groups")[0]
    ballot_code = kit.api("POST", "/ballot-codes", {"count": 1}, expect=201)["codes"][0]
    kit.api("POST", "/assembly/phase", {"phase": "submission"})
    kit.api("PUT", f"/group-codes/{group['code']}/ideas",
            {"ideas": [{"title": "Gwasanaeth bws nos bob awr ar ôl hanner nos", "detail": "Pob ward"},
                       {"title": "Caffi trwsio ym mhob llyfrgell"}]}, token=None)
    kit.api("POST", "/assembly/phase", {"phase": "voting"})
    return ballot_code


def test_large_print_at_320px_without_javascript(kit, browser):
    ballot_code = voting_kit(kit)
    context = browser.new_context(viewport=NARROW, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(kit.url + "/?lang=cy")
        standard = page.evaluate(ROOT_SIZE)
        page.locator("#print-switch").click()  # its words are Welsh here
        assert_at(page, "/", lang="cy", print="large")
        assert page.evaluate(ROOT_SIZE) == standard * 1.5
        assert page.evaluate(SIDEWAYS) == 0
        page.fill("#ballot-code", codes.display(ballot_code, codes.BALLOT))
        page.locator("form:has(#ballot-code) button[type=submit]").click()
        assert_at(page, f"/b/{ballot_code}", lang="cy", print="large")
        assert page.evaluate(SIDEWAYS) == 0
        # Every control is at least 44 px high and as wide as the page's column.
        for control in ("select", "button[type=submit]"):
            boxes = [page.locator(control).nth(i).bounding_box() for i in range(page.locator(control).count())]
            assert boxes and all(box["height"] >= 44 and box["width"] >= 250 for box in boxes), (control, boxes)
        page.get_by_label("Caffi trwsio").select_option("1")
        page.locator("form[method=post] button[type=submit]").click()
        assert_at(page, f"/b/{ballot_code}", saved="1", lang="cy", print="large")
        assert page.evaluate(ROOT_SIZE) == standard * 1.5
        assert page.evaluate(SIDEWAYS) == 0
        page.locator("#print-switch").click()
        assert_at(page, f"/b/{ballot_code}", lang="cy")
        assert page.evaluate(ROOT_SIZE) == standard
        assert context.cookies() == []
    finally:
        context.close()


def test_the_keyboard_meets_the_skip_link_first_and_an_error_takes_focus(kit, browser):
    voting_kit(kit)
    context = browser.new_context(viewport=NARROW, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(kit.url + "/")
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to main content")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport()
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()
        page.fill("#ballot-code", "ABC-DEF-GHJ")
        page.locator("#ballot-code").press("Enter")
        expect(page).to_have_title("Error: Assembly · venuekit")
        expect(page.locator("#form-error")).to_be_focused()
        page.keyboard.press("Tab")  # the message's own link, which leads to the field
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{kit.url}/ballot?code=ABC-DEF-GHJ#ballot-code")
    finally:
        context.close()
