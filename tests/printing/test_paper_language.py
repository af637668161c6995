"""Printed slips in English, Welsh, or both with Welsh first; large print; the QR keeps the language.

Slips are images, so the words are read back by listening to the text drawing while the kit's
own spooler prints (tests/printer/text_spy.py), and the bytes the printer got are checked to be
exactly that layout. A small test catalogue gives every slip label a Welsh wording, so these
tests do not wait for the Welsh catalogue; one test checks the labels against the real one.
"""
from __future__ import annotations

import json

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from PIL import ImageChops
from printer import Spooler, open_printer, render_job
from printer.layouts import LABELS
from pyzbar.pyzbar import decode

from tests.conftest import make_assembly
from tests.printer import text_spy
from tests.printer.escpos_decode import slips
from webapp.printing import paper, queue, recovery
from webapp.printing.jobstore import SqliteJobStore
from webapp.services import assembly, ballots, kit_language

KIT = queue.KitInfo("Neuadd", "venuekit", "", "http://10.42.0.1/")
WELSH = {
    "Group {number}": "Grŵp {number}",
    "Group code": "Cod grŵp",
    "1. Join the Wi-Fi": "1. Ymunwch â'r Wi-Fi",
    "2. Open your group page": "2. Agorwch dudalen eich grŵp",
    "1. Join the Wi-Fi \u201c{ssid}\u201d ({password_note})": "1. Ymunwch â'r Wi-Fi \u201c{ssid}\u201d ({password_note})",
    "no password": "dim cyfrinair",
    "Your ballot code": "Eich cod pleidleisio",
    "Keep this slip: it is your vote": "Cadwch y slip hwn: dyma'ch pleidlais",
    "Join the Wi-Fi \u201c{ssid}\u201d, open {address} and type this code to vote.":
        "Ymunwch â'r Wi-Fi \u201c{ssid}\u201d, agorwch {address} a theipio'r cod hwn i bleidleisio.",
    "Paper ballot": "Papur pleidleisio",
    "Part {part} of {parts}": "Rhan {part} o {parts}",
}


@pytest.fixture
def welsh(tmp_path, monkeypatch):
    """A Welsh catalogue holding the slip labels above (and the results line's plural forms)."""
    catalog = Catalog(locale="cy")
    for english, cymraeg in WELSH.items():
        catalog.add(english, cymraeg)
    catalog.add(("%(num)d vote", "%(num)d votes"), ["%(num)d pleidlais"] * catalog.num_plurals)
    folder = tmp_path / "translations" / "cy" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as out:
        write_mo(out, catalog)
    monkeypatch.setattr(paper, "TRANSLATIONS", tmp_path / "translations")
    paper.catalogue.cache_clear()
    yield
    paper.catalogue.cache_clear()


def print_all(store, monkeypatch, width=576):
    """Print the whole queue through the kit's spooler; the words drawn and the decoded slips."""
    drawn = text_spy.spy(monkeypatch)
    device = open_printer({"kind": "dummy", "width": width})
    spooler = Spooler(SqliteJobStore(store), device)
    while spooler.run_once() is not None:
        pass
    printed = [image for _label, data in device.jobs for image in slips(data)]
    assert len(printed) == len(drawn.slips)
    return drawn, printed


def scanned(image) -> set[str]:
    return {symbol.data.decode() for symbol in decode(image.convert("L"))}


def test_the_slip_labels_are_the_printers_wording_marked_for_translation():
    """Every fixed word the printer has is marked here with the same English, so English paper
    prints as before (but the settings slip's, worded in settings_file, and two without words
    of their own)."""
    printer_keys = {k for k in LABELS if not k.startswith("settings_")} - {"results_line", "results_footer"}
    assert set(paper.SLIP_LABELS) == printer_keys
    assert all(paper.SLIP_LABELS[key] == LABELS[key] for key in printer_keys)
    assert all(key in paper.SLIP_LABELS for keys in paper.KIND_LABELS.values() for key in keys)


def test_welsh_group_card_and_ballot_slip(store, welsh, monkeypatch):
    made = make_assembly(store, phase="setup", groups=1)
    paper.set_choice(store, "cy")
    queue.group_cards(store, KIT, 1)
    drawn, printed = print_all(store, monkeypatch)
    card, slip = drawn.texts(0), drawn.texts(1)
    assert {"Grŵp 1", "Cod grŵp", "1. Ymunwch â'r Wi-Fi", "2. Agorwch dudalen eich grŵp",
            "1. Ymunwch â'r Wi-Fi \u201cvenuekit\u201d (dim cyfrinair)"} <= set(card)
    assert {"Eich cod pleidleisio", "Cadwch y slip hwn: dyma'ch pleidlais",
            "Ymunwch â'r Wi-Fi \u201cvenuekit\u201d, agorwch 10.42.0.1 a theipio'r cod hwn i bleidleisio."} <= set(slip)
    assert not any("Group code" in t or "Keep this slip" in t for t in card + slip)
    # The QR codes open the pages in Welsh (the kit's default language is English).
    group = made["groups"][0]
    assert f"http://10.42.0.1/g/{group['code']}?lang=cy" in scanned(printed[0])
    code = json.loads(store.scalar("SELECT payload FROM print_jobs WHERE kind = 'ballot_slip'"))["ballots"][0]["code"]
    assert scanned(printed[1]) == {f"http://10.42.0.1/b/{code.replace('-', '')}?lang=cy"}
    # What the printer got is exactly the stored job laid out (the words above are on the paper).
    for row, image in zip(store.query("SELECT kind, payload FROM print_jobs ORDER BY seq"), printed):
        expected = render_job(row["kind"], json.loads(row["payload"]), 576)[0]
        assert ImageChops.difference(image, expected.convert("L")).getbbox() is None


def test_bilingual_slips_put_welsh_first_and_the_qr_keeps_the_kit_default(store, welsh, monkeypatch):
    made = make_assembly(store, phase="setup", groups=1)
    paper.set_choice(store, "cy+en")
    queue.group_cards(store, KIT, 1)
    drawn, printed = print_all(store, monkeypatch)
    card, slip = drawn.texts(0), drawn.texts(1)
    assert "Grŵp 1\nGroup 1" in card and "Cod grŵp / Group code" in card  # a title: a line each
    assert ("1. Ymunwch â'r Wi-Fi \u201cvenuekit\u201d (dim cyfrinair)\n"
            "1. Join the Wi-Fi \u201cvenuekit\u201d (no password)") in card
    assert "Cadwch y slip hwn: dyma'ch pleidlais\nKeep this slip: it is your vote" in slip
    # The English that has no Welsh wording yet prints once, not twice.
    assert "2. If your phone asks 'Stay connected?', tap Yes" in card
    assert f"http://10.42.0.1/g/{made['groups'][0]['code']}" in scanned(printed[0])
    assert not any("lang=" in data for data in scanned(printed[0]) | scanned(printed[1]))


def test_qr_carries_the_language_only_when_it_is_not_the_kits_default(store):
    make_assembly(store, phase="setup", groups=1)
    assert paper.choice(store) == "en" and paper.qr_query(store) == ""
    kit_language.set_default_language(store, "cy")
    assert paper.choice(store) == "cy" and paper.qr_query(store) == ""  # paper follows the kit until set
    paper.set_choice(store, "en")
    assert paper.qr_query(store) == "?lang=en"
    paper.set_choice(store, "cy+en")
    assert paper.qr_query(store) == ""
    with pytest.raises(Exception) as info:
        paper.set_choice(store, "fr")
    assert info.value.code == "bad_paper_language"


def test_paper_ballot_in_welsh_keeps_idea_titles_as_written(store, monkeypatch):
    """With the real Welsh catalogue: every label is the catalogue's wording, titles untouched."""
    made = make_assembly(store, phase="voting", groups=2)
    paper.set_choice(store, "cy")
    queue.paper_ballots(store, 1)
    payload = json.loads(store.scalar("SELECT payload FROM print_jobs WHERE kind = 'paper_ballot'"))
    gettext = paper.catalogue("cy").gettext
    assert payload["labels"] == {k: gettext(paper.SLIP_LABELS[k]) for k in paper.KIND_LABELS["paper_ballot"] + ("reprint",)}
    drawn, _printed = print_all(store, monkeypatch)
    assert "Papur pleidleisio" in drawn.texts(0)  # already in the Welsh catalogue
    titles = {i["title"] for i in made["ideas"]}
    assert titles <= set(drawn.texts(0))


def test_large_print_paper_ballot_has_fewer_ideas_on_each_slip(store, welsh, monkeypatch):
    assembly.update_settings(store, {"ideas_per_group": 4})
    make_assembly(store, phase="submission", groups=3)
    from webapp.services import ideas

    for group in assembly.groups(store):
        ideas.save_for_group(store, group["id"], [(f"Syniad {group['number']}{x}", "") for x in "abcd"])
    assembly.set_phase(store, "voting")
    paper.set_choice(store, "cy")
    queue.paper_ballots(store, 1)
    queue.paper_ballots(store, 1, large_print=True)
    drawn, printed = print_all(store, monkeypatch)
    assert len(printed) == 1 + 3  # 12 ideas: one slip, or three in large print
    ideas_on = [sum(t.startswith("Syniad ") for t in drawn.texts(i)) for i in range(4)]
    assert ideas_on == [12, 5, 5, 2]
    assert "Rhan 2 o 3" in drawn.texts(2)
    assert min(drawn.sizes(1)) > min(drawn.sizes(0))


def test_a_reprint_after_a_restart_prints_the_same_language(store, welsh, monkeypatch):
    make_assembly(store, phase="setup", groups=1)
    paper.set_choice(store, "cy")
    queue.ballot_slips(store, KIT, 1, large_print=True)
    first = store.scalar("SELECT id FROM print_jobs")
    paper.set_choice(store, "en")  # changed since, and the kit restarted: the job keeps its words
    paper.catalogue.cache_clear()
    queue.reprint(store, first)
    drawn, _printed = print_all(store, monkeypatch)
    assert drawn.texts(0) == drawn.texts(1) and "Eich cod pleidleisio" in drawn.texts(1)
    assert drawn.sizes(0) == drawn.sizes(1)


def test_a_replacement_slip_keeps_the_language_of_its_qr(store, welsh, monkeypatch):
    make_assembly(store, phase="voting", groups=1, voters=0)
    paper.set_choice(store, "cy")
    queue.ballot_slips(store, KIT, 1)
    torn = store.scalar("SELECT id FROM print_jobs")
    store.db.execute("UPDATE print_jobs SET reprint = 1 WHERE id = ?", [torn])
    fresh = json.loads(store.scalar("SELECT payload FROM print_jobs WHERE id = ?",
                                    [recovery.void_and_replace(store, KIT, torn)]))
    assert fresh["ballots"][0]["url"].endswith("?lang=cy")
    assert fresh["labels"]["keep_slip"] == "Cadwch y slip hwn: dyma'ch pleidlais"
    assert ballots.lookup(store, fresh["ballots"][0]["code"])


def test_results_slip_counts_with_plural_forms(store, welsh):
    made = make_assembly(store, phase="voting", groups=1, voters=2)
    ballots.cast(store, made["codes"][0], {made["ideas"][0]["id"]: 1})
    assembly.set_phase(store, "results")
    assembly.reveal(store)
    paper.set_choice(store, "cy+en")
    queue.results_slip(store, KIT)
    payload = json.loads(store.scalar("SELECT payload FROM print_jobs WHERE kind = 'results_slip'"))
    assert payload["results"][0]["line"] == "1 pleidlais / 1 vote"
    assert payload["labels"]["results_title"] == "Results"  # no Welsh wording here: English once


def test_kit_ready_slip_in_welsh_from_the_real_catalogue(store, monkeypatch):
    paper.set_choice(store, "cy")
    queue.kit_ready(store, KIT)
    drawn, _printed = print_all(store, monkeypatch)
    assert "Cod gosod" in drawn.texts(0)  # "Setup code", already in the Welsh catalogue
    assert "Setup code" not in drawn.texts(0)
