"""Support-levels and majority-judgment ballots: the radio form, by phone and by steward entry."""
import json
import re
from collections import Counter

import pytest

from printer import render_job
from tests.conftest import csrf_from, make_assembly
from tests.webapp.page_tree import label_for, parse
from tests.webapp.test_steward import paper_form
from webapp.domain.voting import Rules
from webapp.printing import queue
from webapp.services import results


def marks_form(page: str, marks: dict[int, str]) -> dict:
    """The form data choosing `marks` (idea number -> value, "" for blank)."""
    return {"csrf_token": csrf_from(page), **{f"idea-{n}": v for n, v in marks.items()}}


@pytest.mark.parametrize("method,top,blank_note", [("support", 5, "Leave blank any"), ("judgment", 6, "counts as Reject")])
def test_graded_form_has_a_fieldset_of_radios_per_idea_with_blank_checked(client, store, method, top, blank_note):
    made = make_assembly(store, method=method)
    page = client.get(f"/b/{made['codes'][0]}").get_data(as_text=True)
    assert blank_note in page
    numbers = sorted(int(n) for n in re.findall(r'<fieldset class="choice graded"[^>]*><legend><span class="num">#(\d+)', page))
    assert numbers == [1, 2, 3, 4, 5, 6]
    for n in numbers:
        radios = re.findall(rf'<input type="radio" id="i{n}-(\d+)" name="idea-{n}" value="(\d*)"( checked)?>', page)
        assert [value for _, value, _ in radios] == [str(v) for v in range(top, 0, -1)] + [""]
        # Only "Leave blank" is checked on a fresh ballot.
        assert [value for _, value, checked in radios if checked] == [""]
    ids = re.findall(r'id="(i\d+-\d+)"', page)
    assert len(ids) == len(set(ids)) == 6 * (top + 1)
    # Every radio's label is unique on the page: the mark and the idea's number.
    names = re.findall(r'<input type="radio"[^>]*>([^<]+)<span class="vh"> \((#\d+)\)</span>', page)
    assert len(names) == len(set(names)) == 6 * (top + 1)
    assert ("Leave blank", "#1") in names
    assert ("Strongly support" if method == "support" else "Excellent", "#1") in names
    assert ".marks label{" in page  # the graded layout's rules come with the graded ballot only


def test_other_ballots_do_not_carry_the_graded_layout(client, store):
    made = make_assembly(store, method="approval")
    assert ".marks" not in client.get(f"/b/{made['codes'][0]}").get_data(as_text=True)


def test_support_levels_by_phone_and_by_paper_counted_together(client, steward, store):
    made = make_assembly(store, method="support")
    by_number = {idea["number"]: idea["id"] for idea in made["ideas"]}
    phone, paper = made["codes"][:2]
    page = client.get(f"/b/{phone}").get_data(as_text=True)
    assert client.post(f"/b/{phone}", data=marks_form(page, {1: "5", 2: "4", 3: "1", 4: ""})).status_code == 303
    saved = client.get(f"/b/{phone}?saved=1").get_data(as_text=True)
    assert "Strongly support:" in saved and "Strongly oppose:" in saved
    page = paper_form(steward, paper).get_data(as_text=True)
    assert steward.post(f"/steward/paper/{paper}", data=marks_form(page, {1: "2", 2: "5", 3: "3"})).status_code == 303
    rows = {row.idea_id: row for row in results.current_tally(store).rows}
    one, two, three = rows[by_number[1]], rows[by_number[2]], rows[by_number[3]]
    assert (one.marked, one.supporters, one.score, one.passed) == (2, 1, 50, True)
    assert (two.marked, two.supporters, two.score, two.passed) == (2, 2, 100, True)
    assert (three.marked, three.supporters, three.passed) == (2, 0, False)
    assert rows[by_number[4]].marked == 0
    assert results.current_tally(store).rows[0].idea_id == by_number[2]


def test_majority_judgment_by_phone_and_by_paper(client, steward, store):
    made = make_assembly(store, method="judgment")
    by_number = {idea["number"]: idea["id"] for idea in made["ideas"]}
    cast = [{1: "6", 2: "3"}, {1: "2", 2: "4", 3: "5"}, {1: "5", 2: "4"}]
    for code, marks in zip(made["codes"][:2], cast[:2]):
        page = client.get(f"/b/{code}").get_data(as_text=True)
        assert client.post(f"/b/{code}", data=marks_form(page, marks)).status_code == 303
    page = paper_form(steward, made["codes"][2]).get_data(as_text=True)
    assert steward.post(f"/steward/paper/{made['codes'][2]}", data=marks_form(page, cast[2])).status_code == 303
    tally = results.current_tally(store)
    assert tally.ballots == 3
    rows = {row.idea_id: row for row in tally.rows}
    # Independent count: blanks are Reject (1); the majority grade is the lower median.
    for number in range(1, 7):
        grades = sorted(int(marks.get(number) or 1) for marks in cast)
        assert rows[by_number[number]].median == grades[(len(grades) - 1) // 2]
        assert rows[by_number[number]].levels == {g: Counter(grades)[g] for g in range(6, 0, -1)}
    # 1: 2 5 6 -> 5; 2: 3 4 4 -> 4; 3: 1 1 5 -> 1.
    assert [r.idea_id for r in tally.rows[:2]] == [by_number[1], by_number[2]]


def test_graded_ballot_refusals_keep_the_marks_and_say_why(client, store):
    made = make_assembly(store, method="support")
    code = made["codes"][0]
    page = client.get(f"/b/{code}").get_data(as_text=True)
    empty = client.post(f"/b/{code}", data=marks_form(page, {1: "", 2: ""}))
    assert empty.status_code == 400 and "Mark at least one idea." in empty.get_data(as_text=True)
    wrong = client.post(f"/b/{code}", data=marks_form(page, {1: "4", 2: "6"}))
    body = wrong.get_data(as_text=True)
    assert wrong.status_code == 400 and "Marks go from 1 to 5." in body
    assert 'id="i1-4" name="idea-1" value="4" checked' in body


def test_organiser_offers_the_graded_methods_and_the_threshold(organiser, store):
    make_assembly(store, method="support", phase="setup")
    page = organiser.get("/organiser/").get_data(as_text=True)
    assert '<option value="support" selected>Support levels</option>' in page
    assert '<option value="judgment">Majority judgment</option>' in page
    assert re.search(r'<input id="threshold" name="threshold" type="number" min="1" max="100" value="50"', page)
    assert "percentage in support a recommendation needs to pass" in page


def test_organiser_sees_the_threshold_once_settings_are_fixed(organiser, store):
    make_assembly(store, method="support")
    page = organiser.get("/organiser/").get_data(as_text=True)
    assert "Support levels · passes at 50% in support · Settings are fixed" in page


@pytest.mark.parametrize("method", ["support", "judgment"])
def test_each_radio_is_named_and_grouped_under_its_idea(client, store, method):
    made = make_assembly(store, method=method)
    page = parse(client.get(f"/b/{made['codes'][0]}").get_data(as_text=True))
    titles = {idea["number"]: idea["title"] for idea in made["ideas"]}
    outer = page.find("fieldset", id="choices")
    radios = page.find_all("input", type="radio")
    names = [label_for(page, radio) for radio in radios]
    assert len(set(names)) == len(radios) == len(titles) * (len(Rules(method).marks) + 1)
    for radio, name in zip(radios, names):
        number = int(radio.attrs["name"].removeprefix("idea-"))
        group = next(a for a in radio.ancestors() if a.tag == "fieldset")
        # The nearest group is the idea's, named by its number and title, inside the ballot's group.
        assert group is not outer and outer in group.ancestors()
        assert group.find("legend").text().strip().startswith(f"#{number} {titles[number]}")
        assert name.endswith(f"(#{number})")


def test_a_refused_graded_ballot_marks_the_whole_ballot_group(client, store):
    made = make_assembly(store, method="judgment")
    code = made["codes"][0]
    page = client.get(f"/b/{code}").get_data(as_text=True)
    refused = parse(client.post(f"/b/{code}", data=marks_form(page, {1: ""})).get_data(as_text=True))
    assert refused.find("fieldset", id="choices").attrs.get("aria-invalid") == "true"
    assert "Mark at least one idea." in refused.find(id="form-error").text()


@pytest.mark.parametrize("method,marks", [("support", 5), ("judgment", 6)])
def test_printed_paper_ballot_carries_the_marks_in_the_papers_language(store, method, marks):
    made = make_assembly(store, method=method, groups=2)
    queue.paper_ballots(store, 1)
    payload = json.loads(store.scalar("SELECT payload FROM print_jobs WHERE kind = 'paper_ballot'"))
    assert payload["method"] == method
    names = [payload["labels"][f"{method}_{value}"] for value in range(marks, 0, -1)]
    assert names == [name for _, name in Rules(method).marks]
    slips = render_job("paper_ballot", payload, 576)
    assert len(slips) == 1 and slips[0].height > 200 * len(made["ideas"])
