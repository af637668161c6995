"""Every page state of an assembly, in English and Welsh, on a phone and at 320 px, against
axe-core's WCAG 2.2 A/AA rules; no sideways scrolling; and no JavaScript-off page with a field
that reloads itself.

One kit walks through setup, submission, voting by each method, results and the reveal (and a
hub shows its own pages); the walk collects findings and the tests below each assert one kind,
so a run lists them all. The live screens are checked in test_live_regions.py.
"""
from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from webapp.domain import codes
from webapp.services import timer

from .a11y import (
    LANGUAGES,
    VIEWPORTS,
    Findings,
    axe_source,
    check_no_self_reload,
    check_page,
    submit,
)
from .conftest import Kit

# The walk (about two minutes here) runs in the setup of the first test that needs it; a page
# that times out on every step must not push it past the suite's 300 s per test.
pytestmark = pytest.mark.timeout(600)
PASSPHRASE = "correct horse battery"
QUESTION = "How should our town spend its first participatory budget?"
BRIEFING = "Each table sends two ideas.\nEveryone then votes with the code on their slip."
IDEAS = [[("Free night buses", "Every hour after midnight"), ("Repair cafe in every ward", "")],
         [("Open data on council spending", "Published monthly"), ("Youth council with real votes", "")]]
P, S, O = "participant", "steward", "organiser"


def with_lang(path: str, lang: str) -> str:
    return path + ("&" if "?" in path else "?") + "lang=" + lang


def mistyped(kind: codes.CodeKind) -> str:
    """A code whose check character is wrong: refused as a typo, never counted as a guess."""
    code = codes.generate(kind)
    wrong = next(c for c in codes.ALPHABET if not codes.is_valid(code[:-1] + c, kind))
    return codes.display(code[:-1] + wrong, kind)


class Walk:
    """Browser pages per role (JavaScript on, and off for the reload check) over one kit."""

    def __init__(self, kit: Kit, browser, findings: Findings):
        self.kit, self.browser, self.findings = kit, browser, findings
        self.axe = axe_source()
        self.contexts: list = []
        self.pages = {role: self.new_page() for role in (P, S, O)}
        self.nojs: dict = {}

    def new_page(self, **options):
        width, height = VIEWPORTS[0]
        context = self.browser.new_context(viewport={"width": width, "height": height}, is_mobile=True,
                                           has_touch=True, **options)
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        return context.new_page()

    def open_nojs(self) -> None:
        """JavaScript-off twins of each role's page, holding the same staff cookies."""
        for role, page in self.pages.items():
            self.nojs[role] = self.new_page(java_script_enabled=False, storage_state=page.context.storage_state())

    def close(self) -> None:
        for context in self.contexts:
            context.close()

    def state(self, name: str, role: str, go, status: int = 200) -> None:
        """Check one page state: `go` is a path to GET, or go(page, lang) brings the page there."""
        self.findings.states.append(name)
        for lang in LANGUAGES:
            page = self.pages[role]
            try:
                if isinstance(go, str):
                    self.goto(page, with_lang(go, lang), status, name, lang)
                else:
                    go(page, lang)
                # A Welsh run of axe means something only if the page really is in Welsh.
                shown = page.locator("html").get_attribute("lang")
                if shown != lang:
                    self.findings.walk.append(f"{name} [{lang}]: <html lang={shown!r}> ({page.url})")
                check_page(page, self.axe, name, lang, self.findings)
            except (PlaywrightError, AssertionError) as exc:
                self.findings.walk.append(f"{name} [{lang}]: {str(exc).splitlines()[0]}")
        if isinstance(go, str) and role in self.nojs:
            try:
                self.goto(self.nojs[role], go, status, name + " (JavaScript off)", "")
                check_no_self_reload(self.nojs[role], name, self.findings)
            except PlaywrightError as exc:
                self.findings.walk.append(f"{name} [JavaScript off]: {str(exc).splitlines()[0]}")

    def goto(self, page, path: str, status: int, name: str, lang: str) -> None:
        reply = page.goto(self.kit.url + path)
        if reply is None or reply.status != status:
            got = reply.status if reply else "no answer"
            self.findings.walk.append(f"{name} [{lang}]: GET {path} answered {got}, expected {status}")
            if reply and reply.status >= 500 and self.kit.log() not in self.findings.server_errors:
                self.findings.server_errors.append(self.kit.log())
        elif urlsplit(page.url).path != urlsplit(path).path:
            self.findings.walk.append(f"{name} [{lang}]: GET {path} ended at {page.url}")


def set_choices(values: list[str]):
    """Fill the first ballot fields named idea-N (selects or number boxes) with `values`."""
    def fill(page) -> None:
        fields = page.locator("form [name^='idea-']")
        for index, value in enumerate(values):
            box = fields.nth(index)
            if box.evaluate("el => el.tagName") == "SELECT":
                box.select_option(value)
            else:
                box.fill(value)
    return fill


def organiser_signs_in(w: Walk) -> None:
    organiser = w.pages[O]
    organiser.goto(w.kit.url + "/organiser/signin")
    organiser.fill("#setup_code", w.kit.printed_setup_code())
    organiser.fill("#passphrase", PASSPHRASE)
    submit(organiser, "#passphrase")
    expect(organiser).to_have_url(w.kit.url + "/organiser/")


def walk_hub(w: Walk) -> None:
    """The hub (the same software upstream): its operator's pages, with the hub's staff links."""
    organiser_signs_in(w)
    w.open_nojs()
    w.state("hub overview", O, "/hub/")
    w.state("hub: organiser overview", O, "/organiser/")


def walk_assembly(w: Walk) -> None:
    kit = w.kit
    url = kit.url

    def at(path: str, inside: str, fill=None):
        """A state reached by opening `path`, filling its form with fill(page) and sending it."""
        def go(page, lang: str) -> None:
            reply = page.goto(url + with_lang(path, lang))
            if reply is None or reply.status != 200:
                raise AssertionError(f"GET {path} answered {reply.status if reply else 'nothing'}: no form to send")
            if fill:
                fill(page)
            submit(page, inside)
        return go

    # --- Setup: sign-ins, the organiser's pages, closed participant pages -------------------------
    w.state("organiser sign-in, first time", P, "/organiser/signin")
    organiser_signs_in(w)
    kit.api("PATCH", "/assembly", {"question": QUESTION, "briefing": BRIEFING, "num_groups": 3, "ideas_per_group": 2,
                                   "method": "approval", "max_choices": 2})
    groups = [g["code"] for g in kit.api("GET", "/groups")]
    ballot = kit.api("POST", "/ballot-codes", {"count": 6}, expect=201)["codes"]
    steward = w.pages[S]
    steward.goto(url + "/steward/signin")
    steward.fill("#code", kit.api("POST", "/stewards", {"label": "Door"}, expect=201)["code"])
    submit(steward, "#code")
    expect(steward).to_have_url(url + "/steward/")
    w.open_nojs()

    def fill_wrong(selector: str, text: str):
        return lambda page: page.fill(selector, text)

    w.state("landing (setup)", P, "/")
    w.state("landing, mistyped group code", P, f"/group?code={mistyped(codes.GROUP)}", 400)
    w.state("landing, mistyped ballot code", P, f"/ballot?code={mistyped(codes.BALLOT)}", 400)
    w.state("group page (setup)", P, f"/g/{groups[0]}")
    w.state("ballot page (setup)", P, f"/b/{ballot[0]}")
    w.state("not found (404)", P, "/no-such-page", 404)
    w.state("accessibility statement", P, "/accessibility")
    w.state("steward sign-in", P, "/steward/signin")
    w.state("steward sign-in, wrong code", P,
            at("/steward/signin", "#code", fill_wrong("#code", mistyped(codes.STEWARD))))
    w.state("organiser sign-in", P, "/organiser/signin")
    w.state("organiser sign-in, wrong passphrase", P,
            at("/organiser/signin", "#passphrase", fill_wrong("#passphrase", "not the passphrase")))
    w.state("projector (setup)", P, "/projector/")
    w.state("organiser overview (setup)", O, "/organiser/")
    w.state("organiser groups", O, "/organiser/groups")
    w.state("organiser ideas (none yet)", O, "/organiser/ideas")
    w.state("organiser ballot codes", O, "/organiser/codes")
    w.state("organiser stewards", O, "/organiser/stewards")
    w.state("organiser stewards, new code shown", O, at("/organiser/stewards", "#label", fill_wrong("#label", "Hall")))
    w.state("organiser access", O, "/organiser/access")
    w.state("organiser sync with a hub", O, "/organiser/hub/")
    w.state("organiser results out", O, "/organiser/results-out/")
    w.state("steward dashboard (setup)", S, "/steward/")
    w.state("printing", S, "/steward/print/")

    # --- Submission: two groups have sent ideas, one has not ---------------------------------------
    kit.api("POST", "/assembly/phase", {"phase": "submission"})
    for code, entries in zip(groups[1:], IDEAS):
        kit.api("PUT", f"/group-codes/{code}/ideas",
                {"ideas": [{"title": t, "detail": d} for t, d in entries]}, token=None)
    w.state("landing (submission)", P, "/")
    w.state("group page, empty", P, f"/g/{groups[0]}")
    w.state("group page, error", P,
            at(f"/g/{groups[0]}", "textarea", lambda page: page.locator("form textarea").first.fill("No title")))
    w.state("group page, saved", P, f"/g/{groups[1]}?saved=1")
    w.state("group page, sent from the form", P,
            at(f"/g/{groups[0]}", "textarea",
               lambda page: page.locator("form input[type=text]").first.fill("Safe crossings")))
    w.state("group page, large print", P, f"/g/{groups[1]}?print=large")
    w.state("ballot page (submission)", P, f"/b/{ballot[0]}")
    w.state("projector (submission)", P, "/projector/")
    timer.start(kit.store, 5)  # the countdown over the ideas wall, and the form that stops it
    w.state("projector (submission), with a countdown", P, "/projector/")
    w.state("steward dashboard, countdown running", S, "/steward/")
    timer.stop(kit.store)
    w.state("organiser overview (submission)", O, "/organiser/")
    w.state("organiser ideas (moderation)", O, "/organiser/ideas")
    w.state("steward dashboard (submission)", S, "/steward/")

    # --- Voting by dot and ranked: ballot forms with no ballot cast, then back ----------------------
    for method, limits, wrong in (("dot", {"points": 4, "max_per_idea": 3}, ["3", "3"]),
                                  ("ranked", {"max_choices": 2}, ["1", "1"])):
        kit.api("PATCH", "/assembly", {"method": method, **limits})
        kit.api("POST", "/assembly/phase", {"phase": "voting"})
        w.state(f"ballot page, {method}", P, f"/b/{ballot[0]}")
        w.state(f"ballot page, {method}, error", P, at(f"/b/{ballot[0]}", "[name^='idea-']", set_choices(wrong)))
        w.state(f"paper ballot, {method}", S, f"/steward/paper/{ballot[0]}")
        kit.api("POST", "/assembly/phase", {"phase": "submission"})

    # --- Voting by approval, with a ballot cast by phone --------------------------------------------
    kit.api("PATCH", "/assembly", {"method": "approval", "max_choices": 2})
    kit.api("POST", "/assembly/phase", {"phase": "voting"})
    first_idea = kit.api("GET", "/ideas")[0]["id"]
    kit.api("PUT", f"/ballot-codes/{ballot[1]}/ballot", {"choices": {first_idea: 1}}, token=None)
    w.state("landing (voting)", P, "/")
    w.state("ballot page, approval", P, f"/b/{ballot[0]}")
    w.state("ballot page, approval, error", P, at(f"/b/{ballot[0]}", "[name=idea]"))
    w.state("ballot page, thank you", P, f"/b/{ballot[1]}?saved=1")
    w.state("ballot page, thank you after voting", P,
            at(f"/b/{ballot[3]}", "[name=idea]", lambda page: page.locator("form [name=idea]").first.check()))
    w.state("landing, large print", P, "/?print=large")
    w.state("ballot page, large print", P, f"/b/{ballot[0]}?print=large")
    w.state("ballot page, thank you, large print", P, f"/b/{ballot[1]}?saved=1&print=large")
    w.state("ballot page, coming back after voting", P, f"/b/{ballot[1]}")
    w.state("group page (voting)", P, f"/g/{groups[1]}")
    w.state("projector (voting)", P, "/projector/")
    w.state("steward dashboard (voting)", S, "/steward/")
    w.state("steward dashboard, paper ballot saved", S, "/steward/?saved=1")
    w.state("steward dashboard, mistyped paper code", S, f"/steward/paper?code={mistyped(codes.BALLOT)}", 400)
    w.state("paper ballot, approval", S, f"/steward/paper/{ballot[2]}")
    w.state("paper ballot, already voted by phone", S, f"/steward/paper/{ballot[1]}")
    w.state("paper ballot, error", S, at(f"/steward/paper/{ballot[2]}", "[name=idea]"))
    w.state("printing (voting)", S, "/steward/print/")
    w.state("organiser overview (voting)", O, "/organiser/")
    w.state("organiser ideas (voting)", O, "/organiser/ideas")
    w.state("organiser ballot codes (voting)", O, "/organiser/codes")

    # --- Results, before and after the reveal --------------------------------------------------------
    kit.api("POST", "/assembly/phase", {"phase": "results"})
    w.state("landing (results)", P, "/")
    w.state("ballot page (results)", P, f"/b/{ballot[1]}")
    w.state("group page (results)", P, f"/g/{groups[1]}")
    w.state("projector, before the reveal", P, "/projector/")
    w.state("steward dashboard (results)", S, "/steward/")
    w.state("organiser overview (results)", O, "/organiser/")
    kit.api("POST", "/assembly/reveal", {"revealed": True})
    w.state("projector, results revealed", P, "/projector/")
    w.state("organiser overview (revealed)", O, "/organiser/")
    w.state("organiser results out (revealed)", O, "/organiser/results-out/")

    # --- Too many wrong codes: a phone of its own, so no other page is slowed ------------------------
    guesser = w.new_page(user_agent="a11y-guesser")

    def too_many(page, lang: str) -> None:
        for _ in range(30):
            reply = page.goto(url + with_lang(f"/ballot?code={codes.generate(codes.BALLOT)}", lang))
            if reply.status == 429:
                return
        raise AssertionError("30 unknown ballot codes in a row were never slowed down (no 429)")
    w.pages["guesser"] = guesser
    w.state("too many wrong codes (429)", "guesser", too_many)


@pytest.fixture(scope="module")
def walked(browser, tmp_path_factory) -> Findings:
    directory = tmp_path_factory.mktemp("a11y")
    kit = Kit(directory / "data", directory / "server.log")
    findings = Findings()
    started = time.monotonic()
    hub = Kit(directory / "hub", directory / "hub.log")
    hub.serve_command = ["hub", "serve"]
    walks: list[Walk] = []
    try:
        kit.start()
        walks.append(Walk(kit, browser, findings))
        walk_assembly(walks[-1])
        hub.start()
        walks.append(Walk(hub, browser, findings))
        walk_hub(walks[-1])
    finally:
        for walk in walks:
            walk.close()
        kit.close()
        hub.close()
    findings.seconds = time.monotonic() - started
    return findings


def test_every_page_state_was_reached(walked, capsys):
    with capsys.disabled():
        print(f"\naccessibility walk: {len(walked.states)} page states x {len(LANGUAGES)} languages x "
              f"{len(VIEWPORTS)} viewports: {walked.runs} axe runs "
              f"({walked.nojs_pages} pages also with JavaScript off) in {walked.seconds:.0f} s")
    assert len(walked.states) >= 60, walked.states
    logs = "".join(f"\n--- the kit's log after a 5xx ---\n{log}" for log in walked.server_errors[:2])
    assert not walked.walk, "page states the walk could not reach as expected:\n" + "\n".join(walked.walk) + logs


def test_no_wcag_22_a_or_aa_violations_in_english_or_welsh(walked):
    assert walked.runs >= 200, f"only {walked.runs} axe runs: the walk stopped early"
    assert not walked.axe, f"axe-core found {len(walked.axe)} problems:\n" + walked.axe_report()


def test_nothing_scrolls_sideways_at_390_or_320_px(walked):
    assert not walked.sideways, "pages wider than the screen:\n" + "\n".join(walked.sideways)


def test_no_page_with_a_field_reloads_itself_when_javascript_is_off(walked):
    assert walked.nojs_pages >= 50, walked.nojs_pages
    assert not walked.reloads, "JavaScript-off pages that reload while someone types:\n" + "\n".join(walked.reloads)


def test_axe_does_report_a_violation_it_is_shown(browser):
    """The checker itself works here: a field with no label is reported, so 0 above means 0."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content('<!doctype html><html lang="en"><title>t</title><main><input id="x"></main></html>')
        findings = Findings()
        check_page(page, axe_source(), "unlabelled field", "en", findings)
        assert ("unlabelled field", "label", "#x") in findings.axe, findings.axe_report()
        assert findings.runs == len(VIEWPORTS)
    finally:
        context.close()


def test_the_reload_check_reads_noscript_when_javascript_is_off(browser):
    """With scripting off, a <noscript> meta refresh is real markup, and the check finds it."""
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_content('<!doctype html><html lang="en"><head><title>t</title>'
                         '<noscript><meta http-equiv="refresh" content="600"></noscript></head>'
                         '<body><label for="c">Code</label><input id="c" name="c"></body></html>')
        findings = Findings()
        check_no_self_reload(page, "typing page", findings)
        assert findings.reloads and findings.reloads[0].startswith("typing page: 1 field(s)"), findings.reloads
    finally:
        context.close()
