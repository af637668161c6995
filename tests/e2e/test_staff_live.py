"""The live staff screens in a real browser: a refresh keeps keyboard focus and typed text, counts
are announced politely and not too often, and with JavaScript off nothing reloads under a steward."""
from __future__ import annotations

import time
from itertools import pairwise

from playwright.sync_api import expect

from tests.conftest import make_assembly
from webapp.services import auth, ballots

LIVE_TIMEOUT_MS = 30_000  # generous: only there so a broken live screen fails instead of hanging
ANNOUNCE_GAP_S = 5.0  # live.js: at most one announcement per gap
NOSCRIPT_WAIT_S = 7.0  # longer than the 5 s the steward pages used to reload themselves after

# Records when the status region's text changes, so the test can see how often it spoke.
WATCH_STATUS = """() => {
  const region = document.getElementById("live-status");
  window.__said = [];
  new MutationObserver(() => window.__said.push([Date.now(), region.textContent]))
    .observe(region, {childList: true, characterData: true, subtree: true});
}"""


def steward_signs_in(context, kit):
    code = auth.create_steward_code(kit.store, "Door")
    page = context.new_page()
    page.goto(kit.url + "/steward/signin")
    page.fill("#code", code)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("Steward")
    return page


def test_a_live_refresh_keeps_focus_and_typing_and_announces_politely(front_kit, browser):
    kit = front_kit  # the live sockets are served as in production
    made = make_assembly(kit.store, voters=8)
    idea = made["ideas"][0]["id"]
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = steward_signs_in(context, kit)
    page.evaluate("window.__stillTheSamePage = 'yes'")

    region = page.locator("#live-status")
    expect(region).to_have_attribute("aria-live", "polite")
    expect(region).to_have_attribute("aria-atomic", "true")
    assert page.evaluate("document.getElementById('live').contains(document.getElementById('live-status'))") is False
    page.evaluate(WATCH_STATUS)

    # A steward is half-way through typing a code when the counts move.
    page.fill("#paper-code", "K7Q-F9")
    ballots.cast(kit.store, made["codes"][0], {idea: 1})
    expect(page.locator('[data-count="ballots_cast"]')).to_have_text("1", timeout=LIVE_TIMEOUT_MS)
    expect(page.locator("#paper-code")).to_be_focused()
    expect(page.locator("#paper-code")).to_have_value("K7Q-F9")

    # Keyboard focus on the printer link inside the refreshed block stays there.
    link = page.locator('#live a[href="/steward/print/"]')
    link.focus()
    expect(link).to_be_focused()
    for n, code in enumerate(made["codes"][1:4], start=2):
        ballots.cast(kit.store, code, {idea: 1})
        expect(page.locator('[data-count="ballots_cast"]')).to_have_text(str(n), timeout=LIVE_TIMEOUT_MS)
        expect(link).to_be_focused()
        assert page.evaluate("document.activeElement.closest('#live') !== null")
    assert page.evaluate("window.__stillTheSamePage") == "yes", "the steward page reloaded itself"

    # Every change ends up said, but never more than once per gap, however fast the counts move.
    expect(region).to_have_text("Ballots cast: 4 of 8. Paper ballots entered: 0.", timeout=LIVE_TIMEOUT_MS)
    said = page.evaluate("window.__said")
    assert said and said[-1][1] == "Ballots cast: 4 of 8. Paper ballots entered: 0."
    gaps = [(later[0] - earlier[0]) / 1000 for earlier, later in pairwise(said)]
    assert all(gap >= ANNOUNCE_GAP_S - 0.1 for gap in gaps), said
    context.close()


def test_the_projector_announces_the_counts_politely(front_kit, browser):
    kit = front_kit  # the live sockets are served as in production
    made = make_assembly(kit.store, voters=4)
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(kit.url + "/projector/")
    region = page.locator("#live-status")
    expect(region).to_have_attribute("aria-live", "polite")
    expect(region).to_have_text("")
    ballots.cast(kit.store, made["codes"][0], {made["ideas"][0]["id"]: 1})
    expect(page.locator("#count-ballots")).to_have_text("1/4", timeout=LIVE_TIMEOUT_MS)
    expect(region).to_have_text("Ballots cast: 1 of 4. Ideas: 6.", timeout=LIVE_TIMEOUT_MS)
    context.close()


def test_projector_text_grows_with_zoom(kit, browser):
    make_assembly(kit.store, voters=4)

    def body_size_in_device_px(width: int, height: int, zoom: int) -> float:
        # Browser zoom: the page lays out in width/zoom CSS px, each drawn zoom device px wide.
        context = browser.new_context(viewport={"width": width // zoom, "height": height // zoom},
                                      device_scale_factor=zoom)
        page = context.new_page()
        page.goto(kit.url + "/projector/")
        size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#count-ballots')).fontSize)")
        scroll = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        context.close()
        assert scroll <= 0, f"the projector scrolls sideways at {width // zoom} CSS px"
        return size * zoom

    normal = body_size_in_device_px(1280, 720, 1)
    assert normal >= 48, "the counts are too small to read from the back of a hall"
    assert body_size_in_device_px(1280, 720, 4) >= 2 * normal


def test_without_javascript_the_steward_pages_do_not_reload_under_typing(kit, browser):
    make_assembly(kit.store, voters=4)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = steward_signs_in(context, kit)
    for path, field in (("/steward/", "#paper-code"), ("/steward/print/", "#count")):
        page.goto(kit.url + path)
        loads: list[str] = []

        def loaded(frame, loads=loads):
            loads.append(frame.url)
        page.on("framenavigated", loaded)
        page.fill(field, "12")
        time.sleep(NOSCRIPT_WAIT_S)
        page.remove_listener("framenavigated", loaded)
        assert loads == [], f"{path} reloaded itself: {loads}"
        expect(page.locator(field)).to_have_value("12")
        expect(page.get_by_role("link", name="Refresh", exact=False)).to_be_visible()
    context.close()


def test_staff_tables_fit_a_320_px_screen(kit, browser):
    made = make_assembly(kit.store, phase="submission", voters=30)
    auth.create_token(kit.store, "organiser", "A laptop with a long label for its token")
    auth.create_steward_code(kit.store, "Door")
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(kit.url + "/organiser/signin")
    page.fill("#setup_code", kit.printed_setup_code())
    page.fill("#passphrase", "correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(kit.url + "/organiser/")
    page.goto(kit.url + "/steward/print/")
    page.get_by_role("button", name="Print more ballot slips").click()
    for path in ("/organiser/", "/organiser/groups", "/organiser/ideas", "/organiser/codes", "/organiser/stewards",
                 "/organiser/access", "/steward/", "/steward/print/", f"/steward/paper/{made['codes'][0]}"):
        page.goto(kit.url + path)
        expect(page.locator("main h1")).to_be_visible()
        scroll = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert scroll <= 0, f"{path} scrolls sideways by {scroll} px at 320 px"
    context.close()
