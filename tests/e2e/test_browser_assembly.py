"""A whole assembly through the real server and a real browser, on phone-sized screens.

The organiser sets up with the printed setup code, three scribes send ideas, eight people vote
on their phones (one changes their vote), a steward enters a paper ballot, and the projector —
left open on its own — follows the count live and finally shows the leaderboard.
"""
from __future__ import annotations

from playwright.sync_api import expect

PASSPHRASE = "correct horse battery"
QUESTION = "How should our town spend its first participatory budget?"
LIVE_TIMEOUT_MS = 30_000  # generous: only there so a broken live screen fails instead of hanging

# Ideas by scribe (group 1, 2, 3). No title is part of another, so labels find exactly one box.
GROUP_IDEAS = [
    [("Citizens jury on housing", "Twelve residents chosen by lot"), ("Free night buses", "")],
    [("Participatory budget for parks", "One park a year"), ("Repair cafe in every ward", "")],
    [("Youth council with real votes", ""), ("Open data on council spending", "Published monthly")],
]
A, B, C, D, E, F = (
    "Repair cafe in every ward", "Citizens jury on housing", "Open data on council spending",
    "Free night buses", "Youth council with real votes", "Participatory budget for parks",
)
# Eight phone ballots (approval, up to 5 ticks each). The last voter first ticks F and B, then
# changes to A and E. A ninth ballot is on paper: C and D.
PHONE_BALLOTS = [[A, B, C, D, E], [A, B, C, D], [A, B, C], [A, B], [A, B], [A, B], [A, F], [F, B]]
CHANGED_BALLOT = [A, E]
PAPER_BALLOT = [C, D]
# Final scores: A 8, B 6, C 4, D 3, E 2, F 1 — all different, so the order is unambiguous. Had
# the change been lost, A and B would tie at 7; had the paper ballot been lost, D and E would tie.
EXPECTED = [(A, 8), (B, 6), (C, 4), (D, 3), (E, 2), (F, 1)]


def new_phone(browser, phone, kit):
    context = browser.new_context(**phone)
    context.set_default_timeout(20_000)
    return context, context.new_page()


def organiser_signs_in(page, kit) -> None:
    page.goto(kit.url + "/organiser/signin")
    page.fill("#setup_code", kit.printed_setup_code())
    page.fill("#passphrase", PASSPHRASE)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(kit.url + "/organiser/")


def organiser_moves_phase(page, kit, button: str, phase: str) -> None:
    page.goto(kit.url + "/organiser/")
    page.get_by_role("button", name=button).click()
    expect(page.locator("p", has_text="Phase:").locator("strong")).to_have_text(phase)


def scribe_sends_ideas(browser, phone, kit, typed_code: str, entries) -> None:
    context, page = new_phone(browser, phone, kit)
    try:
        page.goto(kit.url + "/")
        page.fill("#group-code", typed_code)
        page.get_by_role("button", name="Open our group's ideas").click()
        expect(page.locator("#title-1")).to_be_visible()
        for slot, (title, detail) in enumerate(entries, start=1):
            page.fill(f"#title-{slot}", title)
            page.fill(f"#detail-{slot}", detail)
        page.get_by_role("button", name="Save our ideas").click()
        expect(page.locator(".msg.ok")).to_contain_text("Saved. Your ideas are in.")
        for slot, (title, _detail) in enumerate(entries, start=1):
            expect(page.locator(f"#title-{slot}")).to_have_value(title)
    finally:
        context.close()


def open_ballot(page, kit, typed_code: str) -> None:
    page.goto(kit.url + "/")
    page.fill("#ballot-code", typed_code)
    page.get_by_role("button", name="Open my ballot").click()
    expect(page.get_by_role("button", name="Cast my vote")).to_be_visible()


def tick_and_cast(page, titles) -> None:
    for title in titles:
        page.get_by_label(title).check()
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.locator(".msg.ok").first).to_contain_text("your vote is saved")


def test_a_whole_assembly_through_the_browser(front_kit, browser, phone):
    kit = front_kit  # as a room runs it: nginx, the web workers, the live process
    expect.set_options(timeout=20_000)

    # --- The organiser sets up, on a phone ------------------------------------------------------
    org_context, org = new_phone(browser, phone, kit)
    organiser_signs_in(org, kit)
    org.fill("#question", QUESTION)
    org.fill("#num_groups", "3")
    org.fill("#ideas_per_group", "3")
    org.select_option("#method", "approval")
    org.fill("#max_choices", "5")
    org.get_by_role("button", name="Save settings").click()
    expect(org.locator(".msg.ok")).to_have_text("Settings saved.")
    expect(org.locator("h1")).to_have_text(QUESTION)

    org.goto(kit.url + "/organiser/codes")
    org.fill("#count", "9")
    org.get_by_role("button", name="Create codes").click()
    expect(org.locator(".msg.ok")).to_have_text("Ballot codes created.")
    ballot_codes = org.locator("table td code").all_inner_texts()
    assert len(ballot_codes) == 9 and len(set(ballot_codes)) == 9, ballot_codes

    org.goto(kit.url + "/organiser/stewards")
    org.fill("#label", "Door steward")
    org.get_by_role("button", name="Create a steward code").click()
    steward_code = org.locator(".msg.ok code").inner_text()
    assert steward_code

    org.goto(kit.url + "/organiser/groups")
    group_codes = org.locator("table td a code").all_inner_texts()
    assert len(group_codes) == 3, group_codes

    organiser_moves_phase(org, kit, "Open submission", "submission")

    # --- Three scribes, each on their own phone, type their group code on the landing page --------
    typed = [group_codes[0], group_codes[1].lower().replace("-", ""), group_codes[2]]
    for code, entries in zip(typed, GROUP_IDEAS):
        scribe_sends_ideas(browser, phone, kit, code, entries)

    org.goto(kit.url + "/organiser/ideas")
    rows = org.locator("table tr").filter(has=org.locator("strong"))
    expect(rows).to_have_count(6)
    number_of = {}
    for i in range(6):
        row = rows.nth(i)
        number_of[row.locator("strong").inner_text()] = int(row.locator("td").first.inner_text())
    assert set(number_of) == {title for group in GROUP_IDEAS for title, _ in group}

    organiser_moves_phase(org, kit, "Open voting", "voting")

    # --- Eight voters, each in a fresh browser, type the code from their slip --------------------
    changer = None
    for index, titles in enumerate(PHONE_BALLOTS):
        context, page = new_phone(browser, phone, kit)
        code = ballot_codes[index]
        open_ballot(page, kit, code.lower() if index % 2 else code)
        tick_and_cast(page, titles)
        if index == len(PHONE_BALLOTS) - 1:
            changer = (context, page, code)
        else:
            context.close()

    # The last voter comes back later, sees their earlier ticks, and changes the vote.
    context, page, code = changer
    open_ballot(page, kit, code)
    for title in PHONE_BALLOTS[-1]:
        expect(page.get_by_label(title)).to_be_checked()
    for title in PHONE_BALLOTS[-1]:
        page.get_by_label(title).uncheck()
    tick_and_cast(page, CHANGED_BALLOT)
    # The thank-you page names just the new choices; its link leads back to the ballot.
    expect(page.locator("main li")).to_have_count(len(CHANGED_BALLOT))
    page.get_by_role("link", name="Change my vote").click()
    for title in (A, B, C, D, E, F):
        if title in CHANGED_BALLOT:
            expect(page.get_by_label(title)).to_be_checked()
        else:
            expect(page.get_by_label(title)).not_to_be_checked()
    context.close()

    # --- The projector has been on the wall all along: open it before the last ballot -------------
    projector_context = browser.new_context(viewport={"width": 1280, "height": 720})
    projector = projector_context.new_page()
    console_problems: list[str] = []
    projector.on("console", lambda msg: msg.type == "error" and console_problems.append(msg.text))
    projector.on("pageerror", lambda exc: console_problems.append(str(exc)))
    projector.goto(kit.url + "/projector")
    expect(projector.locator("#count-ballots")).to_have_text("8/9")
    projector.evaluate("window.__stillTheSamePage = 'yes'")

    # --- A steward enters the ninth ballot from paper -------------------------------------------
    steward_context, steward = new_phone(browser, phone, kit)
    steward.goto(kit.url + "/steward/signin")
    steward.fill("#code", steward_code)
    steward.get_by_role("button", name="Sign in").click()
    expect(steward.locator("h1")).to_have_text("Steward")
    steward.fill("#paper-code", ballot_codes[8])
    steward.get_by_role("button", name="Open this ballot").click()
    expect(steward.get_by_text("Paper ballot " + ballot_codes[8])).to_be_visible()
    for title in PAPER_BALLOT:
        steward.get_by_label(title).check()
    steward.get_by_role("button", name="Save paper ballot").click()
    expect(steward.locator(".msg.ok")).to_have_text("Paper ballot saved.")
    steward_context.close()

    # The projector's count moves by itself (WebSocket + fragment fetch), without a reload.
    expect(projector.locator("#count-ballots")).to_have_text("9/9", timeout=LIVE_TIMEOUT_MS)
    assert projector.evaluate("window.__stillTheSamePage") == "yes", "the projector reloaded itself"

    # --- Results: nothing shows until the organiser reveals them --------------------------------
    organiser_moves_phase(org, kit, "Open results", "results")
    peek_context = browser.new_context()
    peek = peek_context.new_page()
    peek.goto(kit.url + "/projector")
    expect(peek.locator("#count-ballots")).to_have_text("9/9")
    expect(peek.locator("ol#leaderboard")).to_have_count(0)
    peek_context.close()

    org.get_by_role("button", name="Reveal results").click()
    expect(org.locator(".msg.ok")).to_have_text("Results are on the screen.")
    org_context.close()

    expected_numbers = [str(number_of[title]) for title, _ in EXPECTED]
    expected_scores = [str(score) for _, score in EXPECTED]

    # The screen that was left open switches to the leaderboard by itself...
    board = projector.locator("ol#leaderboard li")
    expect(board).to_have_count(6, timeout=LIVE_TIMEOUT_MS)
    assert [board.nth(i).get_attribute("data-idea") for i in range(6)] == expected_numbers
    assert projector.locator("ol#leaderboard .score").all_inner_texts() == expected_scores
    assert projector.locator("ol#leaderboard .rank").all_inner_texts() == ["1", "2", "3", "4", "5", "6"]
    assert projector.evaluate("window.__stillTheSamePage") == "yes", "the projector reloaded itself"
    assert not console_problems, console_problems
    projector_context.close()

    # ...and a projector opened now shows the same board.
    wall_context = browser.new_context(viewport={"width": 1280, "height": 720})
    wall = wall_context.new_page()
    wall.goto(kit.url + "/projector")
    board = wall.locator("ol#leaderboard li")
    expect(board).to_have_count(6)
    assert [board.nth(i).get_attribute("data-idea") for i in range(6)] == expected_numbers
    expect(wall.locator("h1")).to_have_text(QUESTION)
    wall_context.close()
