"""Live screens for everyone: the projector and the steward's page say what changed in a polite
live region, and a refresh neither moves keyboard focus nor wipes what a steward is typing."""
from __future__ import annotations

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from .a11y import submit
from .conftest import http

LIVE_TIMEOUT_MS = 20_000
POLITE_TEXT = "() => Array.from(document.querySelectorAll('[aria-live=polite]')).map(e => e.textContent).join('|')"
# The focused element, named so that a fresh copy of it (same id, or same link) would match.
FOCUSED = """() => { const el = document.activeElement;
  if (!el || el === document.body) { return ""; }
  return el.id || el.tagName + " " + (el.getAttribute("href") || "") + " " + el.textContent.trim(); }"""


def wait_for_announcement(page, before: str, after: str) -> None:
    try:
        page.wait_for_function(f"(before) => ({POLITE_TEXT})() !== before", arg=before)
    except PlaywrightError:
        raise AssertionError(f"{page.url}: the polite live region said nothing new within "
                             f"{LIVE_TIMEOUT_MS // 1000} s after {after}") from None


def test_live_screens_announce_politely_and_keep_focus_and_typing(front_kit, browser):
    """Live updates need the live process, so this kit runs as on the Pi: behind the front."""
    kit = front_kit
    kit.api("PATCH", "/assembly", {"num_groups": 1, "ideas_per_group": 2, "method": "approval", "max_choices": 1})
    group = kit.api("GET", "/groups")[0]["code"]
    ballot = kit.api("POST", "/ballot-codes", {"count": 4}, expect=201)["codes"]
    kit.api("POST", "/assembly/phase", {"phase": "submission"})
    kit.api("PUT", f"/group-codes/{group}/ideas", {"ideas": [{"title": "Free night buses"}]}, token=None)
    kit.api("POST", "/assembly/phase", {"phase": "voting"})
    idea = kit.api("GET", "/ideas")[0]["id"]
    votes = iter(ballot)

    def cast_a_vote() -> None:
        reply = http("PUT", f"{kit.url}/api/v1/ballot-codes/{next(votes)}/ballot", {"choices": {idea: 1}})
        assert reply.status == 200, reply.text

    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(LIVE_TIMEOUT_MS)
    try:
        projector, steward = context.new_page(), context.new_page()
        projector.goto(kit.url + "/projector/")
        steward.goto(kit.url + "/steward/signin")
        steward.fill("#code", kit.api("POST", "/stewards", {"label": "Door"}, expect=201)["code"])
        submit(steward, "#code")
        expect(steward).to_have_url(kit.url + "/steward/")
        for page in (projector, steward):
            assert page.locator("[aria-live=polite]").count() >= 1, f"{page.url}: no polite live region"
            page.evaluate("window.__samePage = 'yes'")

        # A vote comes in: both screens say so in their polite region, without reloading.
        before = {page: page.evaluate(POLITE_TEXT) for page in (projector, steward)}
        cast_a_vote()
        for page in (projector, steward):
            wait_for_announcement(page, before[page], "a vote")
            assert page.evaluate("window.__samePage") == "yes", f"{page.url} reloaded itself"

        # Focus on a link inside the live block survives the next refresh.
        focusable = steward.locator("#live").locator("a[href], button, input, select, textarea, [tabindex]")
        assert focusable.count() >= 1, "nothing to focus inside the steward's live block"
        focusable.first.focus()
        focused = steward.evaluate(FOCUSED)
        assert focused, "focus did not land on the live block's link"
        before = steward.evaluate(POLITE_TEXT)
        live_before = steward.locator("#live").inner_text()
        cast_a_vote()
        wait_for_announcement(steward, before, "a vote")
        assert steward.evaluate(FOCUSED) == focused, "a live refresh moved keyboard focus"

        # Half a paper ballot code typed, the cursor in the box: a refresh wipes neither.
        steward.locator("#paper-code").fill("K7Q-F9")
        steward.locator("#paper-code").focus()
        before = steward.evaluate(POLITE_TEXT)
        cast_a_vote()
        wait_for_announcement(steward, before, "a vote")
        assert steward.locator("#live").inner_text() != live_before, "the counts did not refresh"
        assert steward.evaluate(FOCUSED) == "paper-code", "a live refresh moved focus out of the code box"
        expect(steward.locator("#paper-code")).to_have_value("K7Q-F9")
        assert steward.evaluate("window.__samePage") == "yes", "the steward page reloaded itself"
    finally:
        context.close()
