"""A whole assembly day in real browsers, participants with JavaScript off and every cookie
refused: round 1 chooses ideas by approval with 4 groups; round 2 is a support-levels run-off of
round 1's top 3 with one paper ballot entered by a steward; round 3 elects 2 delegates. Each
tally is checked against a count made here from the ballots cast; the projector is read in every
phase; the mandate is exported; the event report is printed to PDF by Chromium and read back.
"""
from __future__ import annotations

import io
import json
import re
import unicodedata
from collections import Counter

from playwright.sync_api import expect
from pypdf import PdfReader

from webapp.domain import codes

from .test_browser_assembly import organiser_signs_in
from .test_browser_nojs_nocookies import Portalish

GROUP_IDEAS = [["Free night buses", "Repair cafe in every ward"], ["Open data on council spending", "Bike lanes"],
               ["Youth council with real votes"], ["Community fridge"]]
A, B, C, D, E, F = ("Free night buses", "Repair cafe in every ward", "Open data on council spending",
                    "Bike lanes", "Youth council with real votes", "Community fridge")
ROUND1 = [[A, C], [A, C], [A, E], [A, B], [C, E], [F]]  # A 4, C 3, E 2, B 1, F 1: top 3 without a tie
# Round 2 marks (5 strongly support … 1 strongly oppose) on the run-off of A, C, E; the last is paper.
ROUND2_PHONE = [{A: 5, C: 2}, {A: 4, C: 4, E: 4}, {C: 3, E: 5}]
ROUND2_PAPER = {A: 1, E: 4}
CANDIDATES = ["Ann Jones", "Bryn Price", "Cerys Lloyd"]
ROUND3 = [["Ann Jones", "Bryn Price"], ["Ann Jones", "Cerys Lloyd"], ["Ann Jones", "Bryn Price"]]


def approval_tally(ballots: list[list[str]]) -> list[tuple[str, int]]:
    counts = Counter(title for ballot in ballots for title in ballot)
    return sorted(counts.items(), key=lambda item: -item[1])


def support_shares(ballots: list[dict[str, int]]) -> dict[str, tuple[int, int]]:
    """(supporting marks, marks) per idea: support is 4 or 5; a blank is not a mark."""
    out: dict[str, tuple[int, int]] = {}
    for ballot in ballots:
        for title, mark in ballot.items():
            yes, marked = out.get(title, (0, 0))
            out[title] = (yes + (mark >= 4), marked + 1)
    return out


def projector(kit) -> str:
    return kit.get("/projector/").text


def staff_page(browser, kit):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    return context, context.new_page()


def phase(org, kit, button: str) -> None:
    org.goto(kit.url + "/organiser/")
    org.get_by_role("button", name=button).click()


def vote(playwright, phone, kit, tmp_path, name: str, code: str, act) -> None:
    """One phone: the slip's code typed on the landing page, the ballot filled by `act`, cast."""
    voter = Portalish(playwright, phone, kit, tmp_path / name)
    page = voter.page
    try:
        page.goto(kit.url + "/")
        page.fill("#ballot-code", codes.display(code, codes.BALLOT))
        page.get_by_role("button", name="Open my ballot").click()
        act(page)
        page.get_by_role("button", name="Cast my vote").click()
        expect(page.locator(".msg.ok").first).to_contain_text("your vote is saved")
        assert voter.context.cookies() == [] and voter.set_cookies == [] and voter.foreign == []
    finally:
        voter.close()


def number_of(page, title: str) -> str:
    """The idea number a graded ballot shows for `title` (its fieldset's legend)."""
    legend = page.locator("fieldset.graded legend", has_text=title)
    return re.search(r"#(\d+)", legend.inner_text()).group(1)


def test_a_day_of_three_rounds_with_a_run_off_and_a_delegate_election(kit, browser, playwright_instance, phone,
                                                                       tmp_path):
    expect.set_options(timeout=20_000)
    kit.api("PATCH", "/assembly", {"num_groups": 4, "ideas_per_group": 2, "method": "approval", "max_choices": 2,
                                   "question": "What should the town do first?"})
    groups = kit.api("GET", "/groups")
    slips = kit.api("POST", "/ballot-codes", {"count": 7}, expect=201)["codes"]
    steward_code = kit.api("POST", "/stewards", {"label": "Door"}, expect=201)["code"]
    org_context, org = staff_page(browser, kit)
    organiser_signs_in(org, kit)

    # --- Round 1: four groups send ideas from phones; the room sees them arrive --------------------
    phase(org, kit, "Open submission")
    for group, ideas in zip(groups, GROUP_IDEAS):
        scribe = Portalish(playwright_instance, phone, kit, tmp_path / f"scribe-{group['number']}")
        try:
            scribe.page.goto(kit.url + "/")
            scribe.page.fill("#group-code", group["display_code"])
            scribe.page.get_by_role("button", name="Open our group's ideas").click()
            for slot, title in enumerate(ideas, start=1):
                scribe.page.fill(f"#title-{slot}", title)
            scribe.page.get_by_role("button", name="Save our ideas").click()
            expect(scribe.page.locator(".msg.ok")).to_contain_text("Saved. Your ideas are in.")
            assert scribe.context.cookies() == [] and scribe.set_cookies == []
        finally:
            scribe.close()
    wall = projector(kit)
    assert all(title in wall for title in (A, B, C, D, E, F)), "the ideas wall shows every idea sent"

    phase(org, kit, "Open voting")
    board = projector(kit)
    listed = re.findall(r'<li data-idea="(\d+)"><span class="no">\d+</span><span>([^<]+)</span>', board)
    assert sorted(title for _, title in listed) == sorted([A, B, C, D, E, F])
    assert "<svg" in board and "Wi-Fi" in board, "the voting screen shows the QR and the Wi-Fi name"
    for n, ballot in enumerate(ROUND1):
        vote(playwright_instance, phone, kit, tmp_path, f"r1-{n}", slips[n],
             lambda page, ballot=ballot: [page.get_by_label(title).check() for title in ballot])
    phase(org, kit, "Open results")
    assert 'class="chart"' not in projector(kit), "no result shows before the reveal"
    org.goto(kit.url + "/organiser/")
    org.get_by_role("button", name="Reveal results").click()
    revealed = projector(kit)
    assert 'class="chart"' in revealed and A in revealed

    tally1 = kit.api("GET", "/export/tally.json")
    assert [(row["title"], row["score"]) for row in tally1["rows"] if row["score"]] == approval_tally(ROUND1)

    # --- Round 2: a support-levels run-off of round 1's top 3, started from the rounds page --------
    org.goto(kit.url + "/organiser/rounds")
    org.fill("#question", "Which of these should the council fund?")
    org.fill("#round_key", "funding")
    org.check("#source-top")
    org.select_option("#from_round", "1")
    org.fill("#top", "3")
    org.get_by_role("button", name="Start the next round").click()
    expect(org.get_by_role("status")).to_contain_text("Round 2 has started")
    org.goto(kit.url + "/organiser/")
    org.select_option("#method", "support")
    org.fill("#threshold", "60")
    org.get_by_role("button", name="Save settings").click()
    phase(org, kit, "Open submission")
    phase(org, kit, "Open voting")
    runoff = projector(kit)
    on_ballot = [title for _, title in re.findall(r'<li data-idea="(\d+)"><span class="no">\d+</span><span>([^<]+)</span>',
                                                   runoff)]
    assert on_ballot == [A, C, E], "the run-off lists round 1's top 3 in their order"

    def marks(ballot):
        def act(page):
            for title, mark in ballot.items():
                page.check(f"#i{number_of(page, title)}-{mark}")
        return act

    for n, ballot in enumerate(ROUND2_PHONE):
        # The same slips as in round 1: one slip all day, one vote per round.
        vote(playwright_instance, phone, kit, tmp_path, f"r2-{n}", slips[n], marks(ballot))
    steward_context, steward = staff_page(browser, kit)
    steward.goto(kit.url + "/steward/signin")
    steward.fill("#code", steward_code)
    steward.get_by_role("button", name="Sign in").click()
    steward.fill("#paper-code", slips[6])
    steward.get_by_role("button", name="Open this ballot").click()
    marks(ROUND2_PAPER)(steward)
    steward.get_by_role("button", name="Save paper ballot").click()
    expect(steward.locator(".msg.ok")).to_have_text("Paper ballot saved.")
    phase(org, kit, "Open results")

    tally2 = kit.api("GET", "/export/tally.json")
    assert tally2["ballots_cast"] == 4
    shares = support_shares(ROUND2_PHONE + [ROUND2_PAPER])
    expected = sorted(shares, key=lambda t: -shares[t][0] / shares[t][1])
    assert [row["title"] for row in tally2["rows"]] == expected
    for row in tally2["rows"]:
        yes, marked = shares[row["title"]]
        assert row["score"] == round(100 * yes / marked)
    passed = [title for title, (yes, marked) in shares.items() if 100 * yes >= 60 * marked]
    assert sorted(passed) == sorted([A, E])
    # Round 1's result did not move.
    assert kit.api("GET", "/export/tally.json?round=1")["rows"] == tally1["rows"]

    # --- Round 3: two delegates, candidates entered with their consent ------------------------------
    org.goto(kit.url + "/organiser/rounds")
    org.fill("#question", "Who should carry our decisions to the council?")
    org.check("#kind-delegates")
    org.fill("#seats", "2")
    org.get_by_role("button", name="Start the next round").click()
    expect(org.get_by_role("status")).to_contain_text("Round 3 has started")
    org.goto(kit.url + "/organiser/delegates")
    for name in CANDIDATES:
        org.fill("#name", name)
        org.check("#consent")
        org.get_by_role("button", name="Add the candidate").click()
        expect(org.locator("#candidates")).to_contain_text(name)
    phase(org, kit, "Open submission")
    phase(org, kit, "Open voting")
    assert all(name in projector(kit) for name in CANDIDATES)
    for n, ballot in enumerate(ROUND3):
        vote(playwright_instance, phone, kit, tmp_path, f"r3-{n}", slips[n],
             lambda page, ballot=ballot: [page.get_by_label(name).check() for name in ballot])
    phase(org, kit, "Open results")
    org.goto(kit.url + "/organiser/")
    org.get_by_role("button", name="Reveal results").click()
    counted = approval_tally(ROUND3)
    winners = [name for name, _ in counted[:2]]
    assert counted[1][1] > counted[2][1], "the example has no tie at the last seat"
    elected = re.findall(r'<li><span class="rank">\d+</span><span><strong>([^<]+)</strong>', projector(kit))
    assert elected == winners

    # --- The mandate: rounds 1 and 2, carried by the two delegates ---------------------------------
    org.goto(kit.url + "/organiser/delegates")
    org.check("#round-1")
    org.check("#round-2")
    org.get_by_role("button", name="Save and publish the mandate").click()
    mandate = json.loads(org.request.get(kit.url + "/organiser/mandate.json").text())
    assert [d["name"] for d in mandate["delegates"]] == winners
    carried = sorted(item["title"] for item in mandate["mandate"])
    assert carried == sorted([approval_tally(ROUND1)[0][0]] + passed)

    # --- The event report, printed to PDF ------------------------------------------------------------
    org.goto(kit.url + "/organiser/report")
    expect(org.get_by_role("heading", level=1)).to_have_text("Event report")
    pdf = org.pdf(format="A4", print_background=True)
    text = " ".join(" ".join(unicodedata.normalize("NFKC", page.extract_text() or "").split())
                    for page in PdfReader(io.BytesIO(pdf)).pages)
    for words in ("Round 1", "What should the town do first?", "Round 2", "Which of these should the council fund?",
                  "passes at 60% in support", "Ballots: 4 (3 by phone, 1 on paper)", "Round 3",
                  "Who should carry our decisions to the council?", *winners, "Tie rules"):
        assert words in text, f"{words!r} is not in the report's PDF"
    steward_context.close()
    org_context.close()
