"""The organiser's rounds: starting the next round (run-off with a tie at the cut, ideas picked by
hand, refusals), looking back at an earlier round, the event report and the per-round and event
exports."""
import csv
import html as htmllib
import io
import json
import re

import pytest

from tests.conftest import csrf_from
from tests.webapp.test_pseudo_locale import pseudo_app, pseudo_mo  # noqa: F401 (fixtures)
from webapp.services import assembly, ballots, ideas, results, rounds

# Round 1's ideas (3 groups × 2) and the ballots that give them 4, 3, 2, 2, 1 and 0 ticks:
# the third and fourth are tied, so "the top 3" keeps 4.
TITLES = [("Clean the river", "Group 1"), ("=HYPERLINK(\"http://x\")", "a formula"), ("Bike lanes", ""),
          ("Bus shelters", ""), ("+Night buses", ""), ("More benches", "")]
VOTES = [(0, 1, 2, 3, 4), (0, 1, 2, 3), (0, 1), (0,)]


def text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def post(client, url, **data):
    return client.post(url, data={"csrf_token": client.csrf, **data})


def round_one(store, *, close: bool = True) -> dict:
    """Round 1 (approval, 3 groups) voted as VOTES says; the last ballot on paper."""
    assembly.update_settings(store, {"num_groups": 3, "method": "approval", "question": "What first?"})
    assembly.set_phase(store, "submission")
    for index, group in enumerate(assembly.groups(store)):
        ideas.save_for_group(store, group["id"], [TITLES[2 * index], TITLES[2 * index + 1]])
    codes = ballots.issue_codes(store, 10)
    assembly.set_phase(store, "voting")
    on = sorted(ideas.visible(store), key=lambda idea: idea["number"])
    for position, picks in enumerate(VOTES):
        ballots.cast(store, codes[position], {on[i]["id"]: 1 for i in picks},
                     source="paper" if position == len(VOTES) - 1 else "phone")
    if close:
        assembly.set_phase(store, "results")
    return {"codes": codes, "ideas": on, "round_id": assembly.get(store)["round_id"]}


def test_rounds_pages_need_the_organiser(client):
    for url in ("/organiser/rounds", "/organiser/rounds/1", "/organiser/report", "/organiser/export/event.json"):
        response = client.get(url)
        assert response.status_code == 302 and "/organiser/signin" in response.headers["Location"]


def test_a_run_off_of_the_top_three_keeps_the_tie_at_the_cut(organiser, store):
    made = round_one(store)
    response = post(organiser, "/organiser/rounds", question="Which of these first?", round_key="River Run-off",
                    kind="ideas", source="top", from_round="1", top="3")
    assert response.status_code == 303 and response.headers["Location"].endswith("/organiser/rounds")
    page = text(organiser.get(response.headers["Location"]))
    assert "Round 2 has started. 4 ideas kept: 2 tied at the cut." in page
    state = assembly.get(store)
    assert (state["round_number"], state["round_key"], state["question"]) == (2, "river-run-off", "Which of these first?")
    assert state["drawn_from"]["widened"] and state["drawn_from"]["kept"] == 4
    kept = ideas.visible(store)
    assert [i["title"] for i in kept] == [made["ideas"][i]["title"] for i in (0, 1, 2, 3)]
    # The ideas keep their proposing groups.
    assert [i["proposer_numbers"] for i in kept] == [[1], [1], [2], [2]]
    # The rounds list: both rounds, the new one marked current, with its key and counts.
    assert "river-run-off" in page and "round-1" in page and "(current)" in page
    rows = page.split('id="rounds"')[1].split("</table>")[0]
    assert rows.count("<tr") == 3 and rows.index('aria-current="true"') > rows.index("Round 1")


def test_ideas_picked_by_hand(organiser, store):
    made = round_one(store)
    first = post(organiser, "/organiser/rounds", question="Pick", source="picked", from_round="1", kind="ideas")
    assert first.status_code == 303 and "/organiser/rounds/pick" in first.headers["Location"]
    pick = text(organiser.get(first.headers["Location"]))
    assert "Bus shelters" in pick and 'name="picked"' in pick and 'value="Pick"' in pick
    # Nothing ticked: refused on the same page, tied to the checkboxes.
    none = post(organiser, "/organiser/rounds", source="picked", pick_step="1", from_round="1", kind="ideas")
    assert none.status_code == 400 and 'id="picked" aria-invalid="true"' in text(none)
    assert assembly.get(store)["round_number"] == 1
    chosen = [made["ideas"][5]["id"], made["ideas"][2]["id"]]
    done = organiser.post("/organiser/rounds", data={"csrf_token": organiser.csrf, "source": "picked", "pick_step": "1",
                                                      "from_round": "1", "kind": "ideas", "picked": chosen})
    assert done.status_code == 303
    assert "2 ideas kept from round 1." in text(organiser.get(done.headers["Location"]))
    titles = {i["title"]: i["proposer_numbers"] for i in ideas.visible(store)}
    assert titles == {"More benches": [3], "Bike lanes": [2]}


def test_the_next_round_waits_for_results(organiser, store):
    round_one(store, close=False)
    page = text(organiser.get("/organiser/rounds"))
    assert 'id="start-closed"' in page and "once the current round (round 1) has its results" in page
    assert 'action="/organiser/rounds"' not in page
    refused = post(organiser, "/organiser/rounds", source="new", kind="ideas", question="Too soon")
    assert refused.status_code == 409 and "once this round has its results" in text(refused)
    assert len(rounds.every(store)) == 1


def test_starting_a_round_needs_the_csrf_token(organiser, store):
    round_one(store)
    response = organiser.post("/organiser/rounds", data={"source": "new", "kind": "ideas"})
    assert response.status_code == 400
    assert len(rounds.every(store)) == 1


def test_a_taken_round_key_is_refused_and_tied_to_its_field(organiser, store):
    round_one(store)
    response = post(organiser, "/organiser/rounds", source="new", kind="ideas", round_key="round-1", question="Kept")
    assert response.status_code == 400
    page = text(response)
    assert "Another round of this event has that key." in page
    assert 'id="round_key"' in page and 'value="Kept"' in page
    assert 'aria-invalid="true" aria-describedby="form-error"' in page.split('id="round_key"')[1].split(">")[0]


def _two_rounds(organiser, store) -> dict:
    """Round 1 as round_one; round 2 a support-levels run-off of its top 3 with two ballots."""
    made = round_one(store)
    post(organiser, "/organiser/rounds", question="How much do you support each?", round_key="runoff",
         source="top", from_round="1", top="3", kind="ideas")
    assembly.update_settings(store, {"method": "support", "threshold": 60})
    assembly.set_phase(store, "submission")
    assembly.set_phase(store, "voting")
    on = sorted(ideas.visible(store), key=lambda idea: idea["number"])
    ballots.cast(store, made["codes"][0], {on[0]["id"]: 5, on[1]["id"]: 2})
    ballots.cast(store, made["codes"][5], {on[0]["id"]: 4, on[2]["id"]: 1}, source="paper")
    assembly.set_phase(store, "results")
    return {**made, "round2": on, "round2_id": assembly.get(store)["round_id"]}


def test_an_earlier_round_after_the_next_started(organiser, store):
    made = round_one(store)
    post(organiser, "/organiser/rounds", source="top", from_round="1", top="3", kind="ideas")
    page = text(organiser.get("/organiser/rounds/1"))
    assert "What first?" in page and "Approval" in page
    assert "Ballots: 4 (3 by phone, 1 on paper)" in page
    assert "Turnout: 4 of 10 ballot codes issued (40%)" in page
    assert "ideas still equal share a rank" in page
    table = page.split('class="stack results"')[1].split("</table>")[0]
    assert table.index("Clean the river") < table.index("Bike lanes") < table.index("More benches")
    assert "3=" in table  # the tie at the cut, shown as a shared rank
    assert '<svg' in page and 'id="chart-round-1"' in page
    assert "/organiser/export/tally.csv?round=1" in page
    # Every idea by group, the formula title shown as text.
    assert '=HYPERLINK("http://x")' in page and "Group 3" in page
    second = text(organiser.get("/organiser/rounds/2"))
    assert "Round 1: the top 3, with every idea tied at the cut included." in second
    assert "4 ideas kept: 2 tied at the cut." in second
    assert "The results show here once this round's voting has closed." in second and "<svg" not in second
    assert organiser.get("/organiser/rounds/9").status_code == 404
    assert made["round_id"] != assembly.get(store)["round_id"]


def test_the_event_report_has_every_round(organiser, store):
    _two_rounds(organiser, store)
    page = text(organiser.get("/organiser/report"))
    one, two = page.split('<section class="round"')[1:]
    assert "What first?" in one and "Approval" in one and "Ballots: 4 (3 by phone, 1 on paper)" in one
    assert "How much do you support each?" in two and "Support levels" in two and "passes at 60% in support" in two
    assert "Ballots: 2 (1 by phone, 1 on paper)" in two and "Turnout: 2 of 10 ballot codes issued (20%)" in two
    assert "Blank marks are not counted in the share" in two and "<th>Passes</th>" in two
    assert "100%" in two  # Clean the river: 2 of 2 in support
    assert one.count("<svg") == 1 and two.count("<svg") == 1
    assert "@media print" in page and "break-before:page" in page
    assert "Print or save as PDF" in page and 'id="print-help"' in page
    assert "/organiser/export/event.json" in page and "/organiser/export/event.csv" in page
    nav = organiser.get("/organiser/").get_data(as_text=True)
    assert 'href="/organiser/rounds"' in nav and 'href="/organiser/report"' in nav


def test_exports_per_round_and_for_the_event(organiser, store):
    made = _two_rounds(organiser, store)
    one = json.loads(organiser.get("/organiser/export/tally.json?round=1").get_data(as_text=True))
    expected = results.leaderboard(store, round_id=made["round_id"])
    assert one["round_number"] == 1 and one["ballots_cast"] == 4
    assert [(r["idea_id"], r["rank"], r["score"]) for r in one["rows"]] == \
           [(r["idea_id"], r["rank"], r["score"]) for r in expected]
    current = json.loads(organiser.get("/organiser/export/tally.json").get_data(as_text=True))
    assert current["round_key"] == "runoff" and current["rules"]["method"] == "support"
    assert current["rows"][0]["passed"] is True and current["rows"][0]["share"] == 1.0
    # Ballots stay anonymised, and each round has its own.
    ballots_one = json.loads(organiser.get("/organiser/export/ballots.json?round=1").get_data(as_text=True))
    ballots_two = json.loads(organiser.get("/organiser/export/ballots.json?round=2").get_data(as_text=True))
    assert len(ballots_one) == 4 and len(ballots_two) == 2
    raw = organiser.get("/organiser/export/ballots.csv?round=1").get_data(as_text=True)
    assert not any(code in raw for code in made["codes"])
    ideas_csv = list(csv.DictReader(io.StringIO(organiser.get("/organiser/export/ideas.csv?round=1").get_data(as_text=True))))
    assert len(ideas_csv) == 6 and ideas_csv[1]["title"] == "'=HYPERLINK(\"http://x\")"

    event = json.loads(organiser.get("/organiser/export/event.json").get_data(as_text=True))
    assert [(r["number"], r["round_key"]) for r in event["rounds"]] == [(1, "round-1"), (2, "runoff")]
    for data, round_id in zip(event["rounds"], (made["round_id"], made["round2_id"])):
        tally = results.current_tally(store, round_id)
        assert data["tally"]["ballots_cast"] == tally.ballots == data["counts"]["ballots_cast"]
        assert [(r["idea_id"], r["rank"], r["score"], r["supporters"]) for r in data["tally"]["rows"]] == \
               [(r.idea_id, r.rank, r.score, r.supporters) for r in tally.rows]
    assert event["rounds"][1]["drawn_from"] == {"number": 1, "top": 3, "widened": True, "kept": 4, "tied_at_cut": 2}
    assert event["rounds"][0]["counts"]["paper_ballots"] == 1 and len(event["rounds"][0]["ideas"]) == 6

    response = organiser.get("/organiser/export/event.csv")
    assert response.mimetype == "text/csv" and 'filename="venuekit-event.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 6 + 4
    assert [r["round_number"] for r in rows] == ["1"] * 6 + ["2"] * 4
    assert {r["round_key"] for r in rows} == {"round-1", "runoff"}
    cells = [r["title"] for r in rows]
    assert "'=HYPERLINK(\"http://x\")" in cells and "'+Night buses" in cells
    assert not any(c.startswith(("=", "+")) for r in rows for c in r.values())
    assert rows[0]["rank"] == "1" and rows[0]["score"] == "4"
    # The support-levels round's result is in the CSVs too: share, pass or fail.
    runoff = [r for r in rows if r["round_number"] == "2"]
    assert {r["passed"] for r in runoff} <= {"yes", "no", ""} and any(r["passed"] == "yes" for r in runoff)
    assert all(r["share"] == "" and r["passed"] == "" for r in rows if r["round_number"] == "1")
    tally_csv = list(csv.DictReader(io.StringIO(organiser.get("/organiser/export/tally.csv").get_data(as_text=True))))
    assert tally_csv[0]["passed"] == "yes" and float(tally_csv[0]["share"]) == 1.0
    one_csv = organiser.get("/organiser/export/tally.csv?round=1").get_data(as_text=True)
    assert "passed" not in one_csv.splitlines()[0]  # approval: the columns it always had


@pytest.mark.parametrize("url", ["/organiser/export/tally.json?round=7", "/organiser/export/tally.json?round=x"])
def test_an_export_of_an_unknown_round_is_refused(organiser, store, url):
    response = organiser.get(url)
    assert response.status_code == 303
    assert "round" in text(organiser.get(response.headers["Location"]))


def test_the_api_export_takes_a_round(app, organiser, store):
    from webapp.services import auth

    made = _two_rounds(organiser, store)
    token = auth.create_token(store, "organiser", "test")
    reply = app.test_client().get("/api/v1/export/ballots.json?round=1", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200 and len(reply.get_json()) == 4
    reply = app.test_client().get("/api/v1/export/ballots.json", headers={"Authorization": f"Bearer {token}"})
    assert len(reply.get_json()) == 2 and made["round2_id"]


def test_the_rounds_pages_are_all_translated(pseudo_app):
    from tests.webapp.test_pseudo_locale import offenders_on, seed, signed_in

    store = pseudo_app.extensions["venuekit"].store
    seed(store, "results")
    organiser = signed_in(pseudo_app, store, "organiser")
    organiser.csrf = csrf_from(organiser.get("/organiser/rounds").get_data(as_text=True))
    found: dict = {}
    offenders_on(organiser, ["/organiser/rounds", "/organiser/rounds/pick?from=1"], found)
    started = post(organiser, "/organiser/rounds", source="top", from_round="1", top="2", kind="ideas",
                   question="Ωnext", round_key="Ωrunoff")
    assert started.status_code == 303
    offenders_on(organiser, ["/organiser/rounds", "/organiser/rounds/1", "/organiser/rounds/2", "/organiser/report"],
                 found)
    assert found == {}


@pytest.mark.parametrize("url", ["/organiser/rounds", "/organiser/rounds/pick?from=1", "/organiser/rounds/1",
                                 "/organiser/report"])
def test_the_rounds_pages_are_accessible(organiser, store, url):
    from tests.webapp.test_staff_a11y import plain

    round_one(store)
    html = organiser.get(url).get_data(as_text=True)
    assert html.index('<a class="skip" href="#main">') < html.index("<nav") and '<main id="main"' in html
    headers = re.findall(r"<th\b[^>]*>(.*?)</th>", html, re.DOTALL)
    assert ("pick" in url or headers) and all(plain(h) for h in headers)
    labels = [plain(t) for t in re.findall(r"<label\b[^>]*>(.*?)</label>", html, re.DOTALL)]
    assert len(labels) == len(set(labels)), labels
    # Every field a person fills in has a label naming it.
    fields = re.findall(r'<(?:input|select|textarea)\b(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', html)
    assert all(f'for="{field}"' in html for field in fields), fields
    # A page that works without JavaScript: no script does anything needed, nothing reloads.
    assert 'http-equiv="refresh"' not in html


def test_a_delegate_election_round_is_listed_with_its_seats(organiser, store):
    round_one(store)
    response = post(organiser, "/organiser/rounds", kind="delegates", seats="2", source="top", from_round="1",
                    top="3", question="Who carries our mandate?")
    assert response.status_code == 303
    state = assembly.get(store)
    assert (state["kind"], state["seats"], state["drawn_from"]) == ("delegates", 2, None)
    listed = text(organiser.get("/organiser/rounds")).split('id="rounds"')[1].split("</table>")[0]
    assert "Elect delegates · 2 seats" in listed
    report = text(organiser.get("/organiser/report"))
    assert "Who carries our mandate?" in report and "Elect delegates · 2 seats" in report


def test_a_round_cannot_take_ideas_from_a_delegates_round_nor_the_same_idea_twice(store):
    """Both were server errors: candidates are not ideas, and a doubled pick broke a unique index."""
    import pytest as _pytest

    from webapp.domain.errors import DomainError
    from webapp.services import assembly, ideas, rounds

    made = round_one(store)
    first = ideas.visible(store)
    rounds.start_next(store, {"kind": "delegates", "seats": "1"})
    from webapp.services import delegates

    delegates.add(store, {"name": "Ann", "consent": "1"}, "organiser")
    assembly.set_phase(store, "submission")
    assembly.set_phase(store, "voting")
    assembly.set_phase(store, "results")
    with _pytest.raises(DomainError) as info:
        rounds.start_next(store, {"from_round": "2", "top": "1"})
    assert info.value.code == "not_ideas"
    state = rounds.start_next(store, {"from_round": "1", "picked": [first[0]["id"], first[0]["id"], first[1]["id"]]})
    assert [i["title"] for i in ideas.visible(store)] == [first[0]["title"], first[1]["title"]]
    assert state["round_number"] == 3 and made


def test_two_presses_at_once_start_one_round(store, tmp_path):
    """The second press, by another worker with its own connection, finds the round started."""
    import threading

    from webapp.storage import open_store
    from webapp.services import rounds

    round_one(store)
    other = open_store(store.path.parent)
    outcomes: list = []
    barrier = threading.Barrier(2)

    def press(where):
        barrier.wait()
        try:
            outcomes.append(rounds.start_next(where, {"question": "Next"})["round_number"])
        except Exception as exc:  # the Conflict of the second press
            outcomes.append(getattr(exc, "code", repr(exc)))

    threads = [threading.Thread(target=press, args=(s,)) for s in (store, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(str, outcomes)) == ["2", "round_started"] or sorted(map(str, outcomes)) == ["2", "wrong_phase"]
    assert store.scalar("SELECT count(*) FROM rounds") == 2
