"""The event report printed to PDF by Chromium, as an organiser saves it from the browser: every
round's question, method, counts and results are in the file; the staff bar, forms and buttons
are not; each round starts on a new page."""
import io
import re
import unicodedata

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.test_browser_assembly import organiser_signs_in
from tests.webapp.test_organiser_rounds import round_one
from webapp.services import assembly, ballots, ideas


def pdf_pages(data: bytes) -> list[str]:
    """Each page's text, its ligatures ("ﬁ") undone and its spaces collapsed."""
    return [" ".join(unicodedata.normalize("NFKC", page.extract_text() or "").split())
            for page in PdfReader(io.BytesIO(data)).pages]


def test_the_event_report_prints_to_pdf(kit, browser):
    made = round_one(kit.store)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    organiser_signs_in(page, kit)

    # Round 2 is started from the rounds page: a run-off of round 1's top 3 (4 kept: a tie).
    page.get_by_role("link", name="Rounds", exact=True).click()
    page.fill("#question", "Which of these first?")
    page.fill("#round_key", "runoff")
    page.check("#source-top")
    page.fill("#top", "3")
    page.get_by_role("button", name="Start the next round").click()
    expect(page.get_by_role("status")).to_contain_text("Round 2 has started. 4 ideas kept: 2 tied at the cut.")

    store = kit.store
    assembly.update_settings(store, {"method": "support", "threshold": 60})
    assembly.set_phase(store, "submission")
    assembly.set_phase(store, "voting")
    on = sorted(ideas.visible(store), key=lambda idea: idea["number"])
    ballots.cast(store, made["codes"][0], {on[0]["id"]: 5, on[1]["id"]: 2})
    ballots.cast(store, made["codes"][5], {on[0]["id"]: 4}, source="paper")
    assembly.set_phase(store, "results")

    page.get_by_role("link", name="Report", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Event report")
    pages = pdf_pages(page.pdf(format="A4", print_background=True))
    context.close()

    text = " ".join(pages)
    for words in ("Event report", "Round 1", "What first?", "Clean the river", "Bike lanes", "More benches",
                  "Approval", "Ballots: 4 (3 by phone, 1 on paper)", "Turnout: 4 of 10 ballot codes issued (40%)",
                  "Round 2", "Which of these first?", "Support levels", "passes at 60% in support",
                  "Ballots: 2 (1 by phone, 1 on paper)", "4 ideas kept: 2 tied at the cut.",
                  "Every idea, by group", "Tie rules"):
        assert words in text, f"{words!r} is not in the PDF"
    # The print stylesheet leaves out the staff bar, the buttons and the forms.
    for words in ("Sign out", "Print or save as PDF", "Skip to main content", "Ballot codes", "event.json"):
        assert words not in text, f"{words!r} should not print"
    # Round 2 starts on a page of its own, after round 1's.
    first = next(i for i, p in enumerate(pages) if "What first?" in p)
    second = next(i for i, p in enumerate(pages) if "Which of these first?" in p)
    assert second > first
    assert re.search(r"^Round 2\b", pages[second]) or pages[second].startswith("Round 2"), pages[second][:200]
