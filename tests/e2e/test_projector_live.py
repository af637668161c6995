"""The projector's paging and countdown in a real browser with JavaScript: live.js moves through
the ideas wall's pages by itself and counts the countdown down each second, without reloading."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from webapp.services import assembly, ideas, timer

LIVE_TIMEOUT_MS = 30_000  # generous: only there so a broken live screen fails instead of hanging


def test_the_wall_pages_itself_and_the_countdown_ticks(front_kit, browser):
    kit = front_kit  # the live sockets are served as in production
    assembly.update_settings(kit.store, {"num_groups": 6, "ideas_per_group": 5})  # 30 ideas: 2 pages
    assembly.set_phase(kit.store, "submission")
    for group in assembly.groups(kit.store):
        ideas.save_for_group(kit.store, group["id"], [(f"Idea {group['number']}.{i}", "") for i in range(1, 6)])
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if "/projector/fragment" in request.url else None)
    page.goto(kit.url + "/projector/")
    page.evaluate("window.__stillTheSamePage = 'yes'")
    pager = page.locator(".pager")
    expect(pager).to_have_text("Page 1 of 2")
    first = page.locator("#wall li").first.inner_text()
    # live.js follows data-page-next after the page's seconds (10), then wraps to the first page.
    expect(pager).to_have_text("Page 2 of 2", timeout=LIVE_TIMEOUT_MS)
    assert page.locator("#wall li").first.inner_text() != first
    expect(pager).to_have_text("Page 1 of 2", timeout=LIVE_TIMEOUT_MS)

    # A steward starts a countdown: the screen shows it through the live path and counts down.
    timer.start(kit.store, 3)
    countdown = page.locator("[data-countdown]")
    expect(countdown).to_have_count(1, timeout=LIVE_TIMEOUT_MS)
    expect(countdown).to_have_text(re.compile(r"^2:5\d$"), timeout=5_000)
    seen = countdown.inner_text()
    expect(countdown).not_to_have_text(seen, timeout=3_000)
    assert page.evaluate("window.__stillTheSamePage") == "yes", "the projector reloaded itself"
    timer.stop(kit.store)
    expect(countdown).to_have_count(0, timeout=LIVE_TIMEOUT_MS)
    assert not errors, errors
    # Each fetch names the change it follows, so the front can answer a room of screens at once.
    assert fetched and all(re.search(r"[?&]v=\d+", url) for url in fetched), fetched
    context.close()
