"""The projector's modes: the ideas wall (with paging), the ballot list with its QR and Wi-Fi
name, the SVG chart after the reveal, and the countdown staff start and stop."""
from __future__ import annotations

import html as htmllib
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from tests.conftest import csrf_from, make_assembly
from tests.webapp.test_pseudo_locale import pseudo_app, pseudo_mo  # noqa: F401  (fixtures)
from webapp.domain.errors import DomainError
from webapp.services import assembly, ballots, ideas, timer
from webapp.web import projector

SVG = "{http://www.w3.org/2000/svg}"


def page(client, url: str) -> str:
    reply = client.get(url)
    assert reply.status_code == 200, url
    return reply.get_data(as_text=True)


def fill_ideas(store, groups: int, per_group: int, title: str = "Idea {g}.{i}") -> None:
    assembly.update_settings(store, {"num_groups": groups, "ideas_per_group": per_group})
    assembly.set_phase(store, "submission")
    for group in assembly.groups(store):
        ideas.save_for_group(store, group["id"], [(title.format(g=group["number"], i=i), "")
                                                  for i in range(1, per_group + 1)])


def wall_titles(html: str) -> list[str]:
    wall = html[html.index('id="wall"'):]
    return [htmllib.unescape(t) for t in re.findall(r'<li data-idea="\d+">([^<]*)</li>', wall)]


# -- setup and submission: the ideas wall ----------------------------------------------------------
def test_setup_shows_the_welcome_and_no_wall(client, store):
    html = page(client, "/projector/")
    assert "Welcome. We will begin shortly." in html
    assert 'id="wall"' not in html and 'id="ballot-list"' not in html


def test_the_wall_shows_each_groups_titles_under_its_name(client, store):
    fill_ideas(store, 3, 2, title="Idea {g}.{i} <b>&")
    html = page(client, "/projector/fragment")
    groups = re.findall(r'<section class="group" data-group="(\d+)"><h3>([^<]+)</h3>', html)
    assert groups == [("1", "Group 1"), ("2", "Group 2"), ("3", "Group 3")]
    assert wall_titles(html) == [f"Idea {g}.{i} <b>&" for g in (1, 2, 3) for i in (1, 2)]
    assert "<b>&" not in html  # typed text is escaped
    assert 'class="wall wall-l"' in html  # few ideas: the largest type
    assert "data-page-next" not in html
    # The announcement and the counts the live tests follow are still there.
    assert 'data-announce="Ballots cast: 0 of 0. Ideas: 6."' in html and 'id="count-ballots"' in html


def test_a_hidden_idea_leaves_the_wall(client, store):
    fill_ideas(store, 2, 2)
    hidden = ideas.all_ideas(store)[0]
    ideas.set_hidden(store, hidden["id"], True)
    assert hidden["title"] not in wall_titles(page(client, "/projector/fragment"))


def test_the_wall_shrinks_its_type_before_it_pages(client, store):
    fill_ideas(store, 4, 3)  # 12 ideas: past the largest size, within the middle one (14)
    html = page(client, "/projector/")
    assert 'class="wall wall-m"' in html
    assert re.search(r'<noscript><meta http-equiv="refresh" content="\d+"></noscript>', html)


def test_too_many_ideas_are_paged_and_each_refresh_moves_to_the_next_page(client, store):
    fill_ideas(store, 10, 4)  # 40 ideas: more than the smallest size holds
    every = [f"Idea {g}.{i}" for g in range(1, 11) for i in range(1, 5)]
    size, pages = projector.fit([{"title": t} for t in every])
    assert size == "wall-s" and len(pages) == 2
    seen: list[str] = []
    for number in range(len(pages)):
        html = page(client, f"/projector/?page={number}")
        assert f"Page {number + 1} of 2" in html
        following = (number + 1) % 2
        # Without JavaScript, the reload goes to the next page (the last one wraps to the first)…
        assert re.search(rf'<noscript><meta http-equiv="refresh" content="10; url=/projector/\?page={following}">',
                         html), html[:600]
        # …and live.js follows the fragment's pointer the same way.
        fragment = page(client, f"/projector/fragment?page={number}")
        assert f'data-page-next="/projector/fragment?page={following}"' in fragment
        seen += wall_titles(fragment)
    assert sorted(seen) == sorted(every)  # every idea on exactly one page
    # An address from before ideas were hidden still lands on a page.
    assert wall_titles(page(client, "/projector/fragment?page=7")) == wall_titles(
        page(client, "/projector/fragment?page=1"))
    assert wall_titles(page(client, "/projector/fragment?page=x")) == wall_titles(
        page(client, "/projector/fragment?page=0"))


def test_fit_keeps_long_titles_from_overfilling_a_page():
    items = [{"title": "x" * 80}] * 20  # each takes two lines
    size, pages = projector.fit(items)
    assert size == "wall-s" and [len(p) for p in pages] == [12, 8]
    assert projector.fit([{"title": "short"}] * 8)[0] == "wall-l"
    assert projector.fit([{"title": "short"}] * 9)[0] == "wall-m"


# -- voting: the numbered list, the QR and the Wi-Fi name --------------------------------------------
def svg_qr_image(svg: str) -> Image.Image:
    """The projector's QR as a picture (each module 8 px), to read with a real decoder."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    picture = Image.new("L", (size * 8, size * 8), 255)
    for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", svg):
        picture.paste(0, (int(x) * 8, int(y) * 8, int(x) * 8 + 8, int(y) * 8 + 8))
    return picture


def test_voting_shows_the_ballot_numbers_a_readable_qr_and_the_wifi_name(app, client, store):
    make_assembly(store)
    html = page(client, "/projector/")
    listed = re.findall(r'<li data-idea="(\d+)"><span class="no">(\d+)</span><span>([^<]*)</span></li>', html)
    expected = [(str(i["number"]), str(i["number"]), i["title"]) for i in
                sorted(ideas.visible(store), key=lambda i: i["number"])]
    assert listed == expected
    assert f"Wi-Fi: {app.config['WIFI_SSID']}" in html
    assert "Then open http://localhost/" in html
    svg = re.search(r'<svg[^>]*class="qr".*?</svg>', html, re.S).group(0)
    ET.fromstring(svg)  # well-formed
    found = decode(svg_qr_image(svg))
    assert [f.data.decode() for f in found] == ["http://localhost/"]
    assert 'aria-label="QR code to open http://localhost/"' in html


def test_the_voting_screen_fragment_follows_the_same_layout(client, store):
    make_assembly(store)
    assert 'id="ballot-list"' in page(client, "/projector/fragment")


# -- after the reveal: the chart ---------------------------------------------------------------------
def test_the_revealed_results_are_an_svg_chart_with_bars_proportional_to_scores(client, store):
    made = make_assembly(store, voters=6)
    first, second, third = made["ideas"][:3]
    for n, code in enumerate(made["codes"]):
        choice = {first["id"]: 1}
        if n < 3:
            choice[second["id"]] = 1
        if n < 1:
            choice[third["id"]] = 1
        ballots.cast(store, code, choice)
    assembly.set_phase(store, "results")
    before = page(client, "/projector/")
    assert "<svg" not in before.split('id="live"')[1]  # nothing leaks before the reveal
    assembly.reveal(store, True)
    html = page(client, "/projector/fragment")
    svg_text = re.search(r'<svg[^>]*class="chart".*?</svg>', html, re.S).group(0)
    root = ET.fromstring(svg_text)
    assert root.get("role") == "img" and root.find(f"{SVG}title").text.startswith("Results: ")
    assert root.find(f"{SVG}desc").text
    rows = root.findall(f"{SVG}g")
    scores = [int(r.get("data-value")) for r in rows]
    assert scores[:3] == [6, 3, 1]
    widths = [int(r.find(f"{SVG}rect").get("width")) for r in rows if r.find(f"{SVG}rect") is not None]
    assert widths[0] > 0
    for score, width in zip(scores, widths):
        assert abs(width - widths[0] * score / scores[0]) <= 1
    labels = [r.find(f"{SVG}text").text for r in rows]
    assert labels[0] == f"1. {first['title']}"
    assert 'id="leaderboard"' in html  # the accessible list stays


# -- the countdown -------------------------------------------------------------------------------------
def start_form(client, url: str) -> str:
    return csrf_from(page(client, url))


def test_the_organiser_starts_and_stops_the_countdown(organiser, client, store):
    html = page(organiser, "/organiser/")
    assert 'action="/timer/start"' in html and 'id="timer-minutes"' in html
    reply = organiser.post("/timer/start", data={"csrf_token": csrf_from(html), "minutes": "5",
                                                 "back": "/organiser/"})
    assert reply.status_code == 303 and reply.headers["Location"].endswith("/organiser/")
    after = page(organiser, "/organiser/")
    assert "The countdown is on the screen: 5 minutes." in after
    assert "The screen counts down: 5 minutes left." in after
    screen = page(client, "/projector/")
    assert re.search(r'data-countdown="(29\d|300)">[45]:\d\d</span>', screen)
    assert "About 5 minutes left" in screen
    reply = organiser.post("/timer/stop", data={"csrf_token": csrf_from(after), "back": "/organiser/"})
    assert reply.status_code == 303
    assert timer.current(store) is None
    assert 'id="timer"' not in page(client, "/projector/")


def test_a_steward_starts_the_countdown_from_the_dashboard(steward, client, store):
    html = page(steward, "/steward/")
    reply = steward.post("/timer/start", data={"csrf_token": csrf_from(html), "minutes": "12", "back": "/steward/"})
    assert reply.status_code == 303 and reply.headers["Location"].endswith("/steward/")
    assert timer.current(store)["minutes"] == 12
    assert "The countdown is on the screen: 12 minutes." in page(steward, "/steward/")
    steward.post("/timer/stop", data={"csrf_token": csrf_from(html)})
    assert timer.current(store) is None


def test_a_wrong_number_of_minutes_is_refused_on_the_form(steward, store):
    html = page(steward, "/steward/")
    steward.post("/timer/start", data={"csrf_token": csrf_from(html), "minutes": "0", "back": "/steward/"})
    assert timer.current(store) is None
    assert re.search(r'class="msg bad" role="alert">minutes must be', page(steward, "/steward/"))


def test_the_countdown_needs_the_csrf_token(steward, store):
    reply = steward.post("/timer/start", data={"csrf_token": "wrong", "minutes": "5"})
    assert reply.status_code == 400
    assert timer.current(store) is None


def test_the_countdown_needs_a_signed_in_steward_or_organiser(client, store):
    page(client, "/projector/")  # a page that gives this browser a session and token
    for url in ("/timer/start", "/timer/stop"):
        reply = client.post(url, data={"minutes": "5"})
        assert reply.status_code in (302, 303, 400)
        if reply.status_code != 400:
            assert "/signin" in reply.headers["Location"]
    assert timer.current(store) is None
    with client.session_transaction() as session:
        session["csrf"] = "known"
    reply = client.post("/timer/start", data={"csrf_token": "known", "minutes": "5"})
    assert reply.status_code == 302 and "/steward/signin" in reply.headers["Location"]
    assert timer.current(store) is None


def test_the_countdown_counts_on_the_kits_clock_and_says_when_time_is_up(store, monkeypatch):
    start = 1_000_000.0
    timer.start(store, "3", now=start)
    assert timer.current(store, now=start)["remaining_s"] == 180
    half = timer.current(store, now=start + 61.5)
    assert half["remaining_s"] == 119 and half["remaining_min"] == 2 and half["clock"] == "1:59"
    assert timer.current(store, now=start + 179.2)["remaining_min"] == 1  # never "0 minutes" early
    done = timer.current(store, now=start + 500)
    assert done["done"] and done["remaining_s"] == 0
    # The end shown is the kit's date now plus what is left.
    monkeypatch.setattr(timer.time, "time", lambda: 1_000_000.0)  # 1970-01-12 13:46:40 UTC
    assert timer.current(store, now=start)["ends_text"] == "13:49"
    with pytest.raises(DomainError):
        timer.start(store, "9999")


def test_setting_the_kits_date_does_not_move_the_countdown(store, monkeypatch):
    """The date jumps when an organiser signs in on a kit without a real-time clock, or goes
    back to the last saved time after a power cut: the countdown keeps counting the same."""
    timer.start(store, "10")
    for jump in (86_400 * 3, -86_400 * 3):
        monkeypatch.setattr(timer.time, "time", lambda jump=jump: 1_800_000_000.0 + jump)
        left = timer.current(store)["remaining_s"]
        assert 590 <= left <= 600, left


def test_a_countdown_from_before_a_restart_is_gone(store, monkeypatch):
    timer.start(store, "10")
    monkeypatch.setattr(timer, "_boot", lambda: "another-boot")
    assert timer.current(store) is None


def test_the_screen_shows_the_end_time_once_the_kits_clock_is_set(client, store, monkeypatch):
    timer.start(store, "10")
    assert "Ends at" not in page(client, "/projector/")
    monkeypatch.setattr(projector.kit_clock, "stamp", lambda _store: "2026-03-14 16:05 UTC")
    assert re.search(r"Ends at \d\d:\d\d UTC", page(client, "/projector/"))


def test_a_finished_countdown_says_time_is_up(client, store, monkeypatch):
    timer.start(store, "1", now=0.0)
    assert "Time is up" in page(client, "/projector/fragment")


def test_the_projectors_new_colours_are_high_contrast():
    from tests.webapp.test_contrast import contrast
    for colour in ("#ffd23f", "#dce6f0", "#ff8a8a"):
        assert contrast(colour, "#0b1d33") >= 7
    assert contrast("#0b1d33", "#ffd23f") >= 7  # idea numbers on yellow


def test_support_levels_are_stacked_bars_named_in_the_pages_language(client, store, monkeypatch):
    made = make_assembly(store, method="support", voters=4)
    first, second = made["ideas"][:2]
    for n, code in enumerate(made["codes"]):
        ballots.cast(store, code, {first["id"]: 5, second["id"]: [1, 2, 4, 5][n]})
    assembly.set_phase(store, "results")
    assembly.reveal(store, True)
    html = page(client, "/projector/fragment")
    root = ET.fromstring(re.search(r'<svg[^>]*class="chart".*?</svg>', html, re.S).group(0))
    rows = root.findall(f"{SVG}g")
    parts = [[(p.get("data-level"), int(p.get("width"))) for p in row.findall(f"{SVG}rect")] for row in rows[:2]]
    full = int(rows[0].get("data-length"))
    assert parts[0] == [("Strongly support", full)]
    assert [name for name, _ in parts[1]] == ["Strongly support", "Support", "Oppose", "Strongly oppose"]
    assert all(abs(width - full / 4) <= 1 for _, width in parts[1])
    assert rows[0].findall(f"{SVG}text")[-1].text == "100%"
    # The level names go through the page's catalogue.
    monkeypatch.setattr(projector, "gettext", lambda text, **params: "\u27e6" + (text % params if params else text) + "\u27e7")
    assert 'data-level="\u27e6Strongly support\u27e7"' in page(client, "/projector/fragment")


# -- every new word goes through the catalogue -------------------------------------------------------
def test_every_projector_mode_and_the_timer_form_are_translated(pseudo_app, monkeypatch):
    """With a catalogue that marks every translation, no visible word is left unmarked: the
    paged wall, the ballot screen, the countdown, the timer form and the support-levels chart."""
    from tests.webapp.test_pseudo_locale import offenders_on, signed_in

    store = pseudo_app.extensions["venuekit"].store
    monkeypatch.setattr(projector.kit_clock, "stamp", lambda _store: "2026-03-14 16:05 UTC")
    found: dict = {}
    fill_ideas(store, 10, 4, title="Ωidea{g}{i}")
    timer.start(store, "7")
    anyone = pseudo_app.test_client()
    offenders_on(anyone, ["/projector/", "/projector/fragment?page=1"], found)
    shown = page(anyone, "/projector/")
    assert "data-countdown" in shown and "data-page-next" in shown and "\uff35\uff34\uff23" in shown  # UTC
    steward = signed_in(pseudo_app, store, "steward")
    steward.post("/timer/start", data={"csrf_token": csrf_from(page(steward, "/steward/")), "minutes": "7"})
    offenders_on(steward, ["/steward/"], found)
    assert 'id="timer-state"' in page(steward, "/steward/")
    timer.start(store, "1", now=0.0)
    offenders_on(anyone, ["/projector/"], found)
    assert found == {}


def test_the_support_chart_and_ballot_screen_are_translated(pseudo_app):
    from tests.webapp.test_pseudo_locale import offenders_on

    store = pseudo_app.extensions["venuekit"].store
    made = make_assembly(store, method="support", voters=2)
    with store.write() as db:
        db.execute("UPDATE ideas SET title = 'Ωidea' || number")
        db.execute("UPDATE rounds SET question = 'Ωquestion'")
    found: dict = {}
    anyone = pseudo_app.test_client()
    offenders_on(anyone, ["/projector/"], found)
    assert 'class="qr"' in page(anyone, "/projector/")
    for code in made["codes"]:
        ballots.cast(store, code, {made["ideas"][0]["id"]: 5})
    assembly.set_phase(store, "results")
    assembly.reveal(store, True)
    offenders_on(anyone, ["/projector/"], found)
    assert 'class="part"' in page(anyone, "/projector/")
    assert found == {}


def test_the_timer_form_keeps_the_pages_language(steward, store):
    html = page(steward, "/steward/?lang=cy")
    assert 'name="back" value="/steward/?lang=cy"' in html
    reply = steward.post("/timer/start", data={"csrf_token": csrf_from(html), "minutes": "5",
                                               "back": "/steward/?lang=cy"})
    assert reply.headers["Location"].endswith("/steward/?lang=cy")
    # An address off the kit is not followed.
    reply = steward.post("/timer/stop", data={"csrf_token": csrf_from(html), "back": "//elsewhere.example/"})
    assert reply.headers["Location"].endswith("/steward/")
