"""The participant steps in a browser like Apple's captive-portal window at its worst:
JavaScript off, every cookie refused, and nothing reachable but the kit itself."""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import expect

from webapp.domain import codes

from .conftest import CHROMIUM, CHROMIUM_ARGS

IDEAS = [("Free night buses", "Every hour after midnight"), ("Repair cafe in every ward", ""),
         ("Open data on council spending", "Published monthly")]


def cookie_refusing_profile(directory: Path) -> Path:
    """A Chromium profile whose settings block every cookie, as a portal window that keeps none.

    The block is Chromium's own (content setting "cookies: block"), so it holds for every hop of
    a redirect too; a request interceptor sees only the first hop of a redirect chain.
    """
    (directory / "Default").mkdir(parents=True)
    prefs = {"profile": {"default_content_setting_values": {"cookies": 2}}}
    (directory / "Default" / "Preferences").write_text(json.dumps(prefs))
    return directory


class Portalish:
    """A phone with JavaScript off whose browser refuses every cookie and stays on the kit."""

    def __init__(self, playwright, phone, kit, profile_dir: Path):
        self.origin = f"127.0.0.1:{kit.port}"
        self.requests: list[str] = []
        self.foreign: list[str] = []
        self.cookie_headers_sent: list[str] = []
        self.set_cookies: list[str] = []
        self.context = playwright.chromium.launch_persistent_context(
            str(cookie_refusing_profile(profile_dir)), executable_path=CHROMIUM, args=CHROMIUM_ARGS,
            headless=True, java_script_enabled=False, **phone)
        self.context.set_default_timeout(20_000)
        self.context.route(lambda url: urlsplit(url).netloc != self.origin, self._abort_foreign)
        self.page = self.context.new_page()
        self.page.on("request", self._on_request)
        # Fired for every hop, redirects included: a Set-Cookie anywhere is seen here.
        self.page.on("response", self._on_response)

    def _abort_foreign(self, route, request) -> None:
        # Never let anything leave the machine; just remember that the page asked.
        self.foreign.append(request.url)
        route.abort()

    def _on_request(self, request) -> None:
        self.requests.append(request.url)
        if "cookie" in request.all_headers():
            self.cookie_headers_sent.append(request.url)

    def _on_response(self, response) -> None:
        cookie = response.all_headers().get("set-cookie")
        if cookie:
            self.set_cookies.append(f"{response.url} ({response.status}): {cookie}")

    def close(self) -> None:
        self.context.close()


def test_the_portal_browser_really_refuses_cookies_even_across_a_redirect(kit, playwright_instance, phone, tmp_path):
    """The context used below must refuse cookies that a page does set: staff sign-in sets the
    session cookie, and its redirect from a protected page is followed by the browser itself."""
    portal = Portalish(playwright_instance, phone, kit, tmp_path / "profile")
    try:
        portal.page.goto(kit.url + "/organiser/")  # 302 to the sign-in page, which sets a cookie
        expect(portal.page).to_have_url(re.compile(r"/organiser/signin"))
        assert portal.set_cookies, "staff sign-in set no cookie: this check proves nothing"
        portal.page.goto(kit.url + "/organiser/signin")
        assert portal.context.cookies() == []
        assert portal.cookie_headers_sent == [], portal.cookie_headers_sent
    finally:
        portal.close()


def test_scribe_and_voter_need_neither_javascript_nor_cookies(kit, playwright_instance, phone, tmp_path):
    expect.set_options(timeout=20_000)
    kit.api("PATCH", "/assembly", {"num_groups": 2, "ideas_per_group": 3, "method": "approval", "max_choices": 2})
    groups = kit.api("GET", "/groups")
    ballot_code = kit.api("POST", "/ballot-codes", {"count": 2}, expect=201)["codes"][0]
    kit.api("POST", "/assembly/phase", {"phase": "submission"})
    # The other group's ideas come in over the API, so the ballot has more than one table's ideas.
    kit.api("PUT", f"/group-codes/{groups[1]['code']}/ideas", {"ideas": [{"title": "Youth council with real votes"}]},
            token=None)

    # --- The scribe: landing page, group code typed in, three ideas, then one edited -----------------
    scribe = Portalish(playwright_instance, phone, kit, tmp_path / "scribe")
    page = scribe.page
    page.goto(kit.url + "/")
    page.fill("#group-code", groups[0]["display_code"].lower())
    page.get_by_role("button", name="Open our group's ideas").click()
    expect(page).to_have_url(f"{kit.url}/g/{groups[0]['code']}")
    for slot, (title, detail) in enumerate(IDEAS, start=1):
        page.fill(f"#title-{slot}", title)
        page.fill(f"#detail-{slot}", detail)
    page.get_by_role("button", name="Save our ideas").click()
    expect(page.locator(".msg.ok")).to_contain_text("Saved. Your ideas are in.")
    page.fill("#title-2", "Repair cafe in every library")
    page.get_by_role("button", name="Save our ideas").click()
    expect(page.locator(".msg.ok")).to_contain_text("Saved. Your ideas are in.")
    # The group card's link, typed as printed: the kit redirects it to the canonical address.
    page.goto(kit.url + "/g/" + groups[0]["display_code"].lower())
    expect(page).to_have_url(f"{kit.url}/g/{groups[0]['code']}")
    assert scribe.context.cookies() == []
    scribe.close()

    saved = kit.api("GET", f"/group-codes/{groups[0]['code']}", token=None)["ideas"]
    assert [(i["slot"], i["title"], i["detail"]) for i in saved] == [
        (1, "Free night buses", "Every hour after midnight"),
        (2, "Repair cafe in every library", ""),
        (3, "Open data on council spending", "Published monthly"),
    ]
    kit.api("POST", "/assembly/phase", {"phase": "voting"})
    by_title = {idea["title"]: idea["id"] for idea in kit.api("GET", "/ideas")}

    # --- The voter: types the slip's code, votes, closes the window, comes back and changes it ------
    voter = Portalish(playwright_instance, phone, kit, tmp_path / "voter")
    page = voter.page
    page.goto(kit.url + "/")
    page.fill("#ballot-code", codes.display(ballot_code, codes.BALLOT))
    page.get_by_role("button", name="Open my ballot").click()
    expect(page).to_have_url(f"{kit.url}/b/{ballot_code}")
    page.get_by_label("Free night buses").check()
    page.get_by_label("Youth council with real votes").check()
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.locator(".msg.ok").first).to_contain_text("your vote is saved")
    first = kit.api("GET", f"/ballot-codes/{ballot_code}", token=None)["ballot"]
    assert first["choices"] == {by_title["Free night buses"]: 1, by_title["Youth council with real votes"]: 1}

    page.goto(kit.url + "/b/" + codes.display(ballot_code, codes.BALLOT).lower())  # the slip's link
    expect(page).to_have_url(f"{kit.url}/b/{ballot_code}")
    page.goto(kit.url + "/")  # a new visit: nothing remembered in the browser, only the code
    page.fill("#ballot-code", ballot_code.lower())
    page.get_by_role("button", name="Open my ballot").click()
    expect(page.get_by_label("Free night buses")).to_be_checked()
    expect(page.get_by_label("Youth council with real votes")).to_be_checked()
    page.get_by_label("Free night buses").uncheck()
    page.get_by_label("Youth council with real votes").uncheck()
    page.get_by_label("Open data on council spending").check()
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.locator(".msg.ok").first).to_contain_text("your vote is saved")
    # The thank-you page lists the choice (not the whole ballot again) and leads back to it.
    expect(page.locator("main li")).to_have_count(1)
    expect(page.locator("main li")).to_contain_text("Open data on council spending")
    page.get_by_role("link", name="Change my vote").click()
    expect(page.get_by_label("Open data on council spending")).to_be_checked()
    expect(page.get_by_label("Free night buses")).not_to_be_checked()
    assert voter.context.cookies() == []
    voter.close()

    changed = kit.api("GET", f"/ballot-codes/{ballot_code}", token=None)["ballot"]
    assert changed == {"choices": {by_title["Open data on council spending"]: 1}, "source": "phone", "revision": 2}
    assert kit.api("GET", "/assembly")["counts"]["ballots_cast"] == 1

    for portal in (scribe, voter):
        assert portal.requests, "the route saw no requests"
        assert portal.foreign == [], f"requests to other hosts: {portal.foreign}"
        off_kit = [url for url in portal.requests if urlsplit(url).netloc != portal.origin]
        assert off_kit == [], f"requests to other hosts: {off_kit}"
        # Participant pages set no cookie on any hop (the slip links /g/CODE and /b/CODE redirect).
        assert portal.set_cookies == [], portal.set_cookies
        assert portal.cookie_headers_sent == [], portal.cookie_headers_sent


def test_a_voter_who_picks_welsh_stays_in_welsh_without_cookies(kit, playwright_instance, phone, tmp_path):
    """The language chosen with ?lang= rides in the URL through code entry, ballot and thank-you."""
    expect.set_options(timeout=20_000)
    kit.api("PATCH", "/assembly", {"num_groups": 1, "ideas_per_group": 2, "method": "approval", "max_choices": 1})
    group = kit.api("GET", "/groups")[0]
    ballot_code = kit.api("POST", "/ballot-codes", {"count": 1}, expect=201)["codes"][0]
    kit.api("POST", "/assembly/phase", {"phase": "submission"})
    kit.api("PUT", f"/group-codes/{group['code']}/ideas", {"ideas": [{"title": "Bysiau nos"}]}, token=None)
    kit.api("POST", "/assembly/phase", {"phase": "voting"})

    voter = Portalish(playwright_instance, phone, kit, tmp_path / "welsh")
    page = voter.page
    try:
        page.goto(kit.url + "/?lang=cy")
        expect(page.locator("html")).to_have_attribute("lang", "cy")
        page.fill("#ballot-code", codes.display(ballot_code, codes.BALLOT))
        page.locator("form:has(#ballot-code) button[type=submit]").click()
        expect(page).to_have_url(f"{kit.url}/b/{ballot_code}?lang=cy")
        expect(page.locator("html")).to_have_attribute("lang", "cy")
        page.get_by_label("Bysiau nos").check()
        page.locator("form[method=post] button[type=submit]").click()
        expect(page).to_have_url(f"{kit.url}/b/{ballot_code}?saved=1&lang=cy")
        expect(page.locator("html")).to_have_attribute("lang", "cy")
        assert voter.context.cookies() == []
        assert voter.set_cookies == [], voter.set_cookies
    finally:
        voter.close()
    assert kit.api("GET", "/assembly")["counts"]["ballots_cast"] == 1
