"""The participant steps in a browser like Apple's captive-portal window at its worst:
JavaScript off, every cookie refused, and nothing reachable but the kit itself."""
from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect

from webapp.domain import codes

IDEAS = [("Free night buses", "Every hour after midnight"), ("Repair cafe in every ward", ""),
         ("Open data on council spending", "Published monthly")]


class Portalish:
    """A phone context with JavaScript off that refuses cookies both ways and stays on the kit."""

    def __init__(self, browser, phone, kit):
        self.origin = f"127.0.0.1:{kit.port}"
        self.requests: list[str] = []
        self.foreign: list[str] = []
        self.cookie_headers_sent: list[str] = []
        self.set_cookies_refused: list[str] = []
        self.context = browser.new_context(**phone, java_script_enabled=False)
        self.context.set_default_timeout(20_000)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))

    def _route(self, route, request) -> None:
        if urlsplit(request.url).netloc != self.origin:
            # Never let anything leave the machine; just remember that the page asked.
            self.foreign.append(request.url)
            route.abort()
            return
        headers = {k: v for k, v in request.headers.items() if k.lower() != "cookie"}
        if len(headers) != len(request.headers):
            self.cookie_headers_sent.append(request.url)
        # Redirects go back to the browser (max_redirects=0), so every hop passes through here.
        # route.fetch() shares the context's cookie jar: a Set-Cookie from the kit would land in
        # it even though the page never sees the header, which the final cookies() check catches.
        response = route.fetch(headers=headers, max_redirects=0)
        kept = []
        for header in response.headers_array:
            if header["name"].lower() == "set-cookie":
                self.set_cookies_refused.append(f"{request.url}: {header['value']}")
            else:
                kept.append(header)
        route.fulfill(response=response, headers={h["name"]: h["value"] for h in kept})

    def close(self) -> None:
        self.context.close()


def test_scribe_and_voter_need_neither_javascript_nor_cookies(kit, browser, phone):
    expect.set_options(timeout=20_000)
    kit.api("PATCH", "/assembly", {"num_groups": 2, "ideas_per_group": 3, "method": "approval", "max_choices": 2})
    groups = kit.api("GET", "/groups")
    ballot_code = kit.api("POST", "/ballot-codes", {"count": 2}, expect=201)["codes"][0]
    kit.api("POST", "/assembly/phase", {"phase": "submission"})
    # The other group's ideas come in over the API, so the ballot has more than one table's ideas.
    kit.api("PUT", f"/group-codes/{groups[1]['code']}/ideas", {"ideas": [{"title": "Youth council with real votes"}]},
            token=None)

    # --- The scribe: landing page, group code typed in, three ideas, then one edited -----------------
    scribe = Portalish(browser, phone, kit)
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
    voter = Portalish(browser, phone, kit)
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
        # Participant pages set no cookie, so none was in the jar and no request carried one.
        assert portal.set_cookies_refused == [], portal.set_cookies_refused
        assert portal.cookie_headers_sent == [], portal.cookie_headers_sent
