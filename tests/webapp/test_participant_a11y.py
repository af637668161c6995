"""Participant pages a screen reader can follow: grouped and named choices, errors tied to their
field, calm notices for normal states, a skip link and landmarks, an accessibility statement."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import csrf_from, make_assembly
from tests.webapp.page_tree import label_for, parse

TEMPLATES = Path(__file__).resolve().parents[2] / "webapp" / "templates"


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    def luminance(colour: str) -> float:
        colour = "#" + "".join(c * 2 for c in colour[1:]) if len(colour) == 4 else colour
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def page_of(response):
    return parse(response.get_data(as_text=True))


def title_of(page) -> str:
    return page.find("title").text()


def assert_error_tied(page, field_id: str, message: str) -> None:
    """The field is marked invalid and described by the error, which comes first, takes focus
    without JavaScript and links to the field; the title says there is an error."""
    assert title_of(page).startswith("Error: ")
    field = page.find(id=field_id)
    assert field is not None and field.attrs.get("aria-invalid") == "true"
    described = page.find(id=field.attrs["aria-describedby"])
    assert message in described.text()
    summary = page.find(id="form-error")
    assert "autofocus" in summary.attrs and summary.attrs.get("tabindex") == "-1"
    assert summary.find("a", href=f"#{field_id}") is not None
    assert len([e for e in page.iter() if "autofocus" in e.attrs]) == 1
    assert [e.attrs["id"] for e in page.iter() if e.attrs.get("aria-invalid") == "true"] == [field_id]


def ballot_page(client, code):
    response = client.get(f"/b/{code}")
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("method,limits,legend", [
    ("approval", {"max_choices": 3}, "Tick up to 3 ideas"),
    ("ranked", {"max_choices": 3}, "Rank up to 3 ideas"),
    ("dot", {"points": 6, "max_per_idea": 2}, "Share 6 points"),
])
def test_the_choices_are_one_group_whose_legend_is_the_instruction(client, store, method, limits, legend):
    made = make_assembly(store, method=method, **limits)
    page = page_of(ballot_page(client, made["codes"][0]))
    fieldset = page.find("fieldset")
    assert fieldset.find("legend").text().startswith(legend)
    controls = [e for e in page.find("form").iter() if e.tag in ("input", "select") and e.attrs.get("type") != "hidden"]
    assert len(controls) == len(made["ideas"])
    assert all(fieldset in control.ancestors() for control in controls)


@pytest.mark.parametrize("method,purpose", [("ranked", "Rank for:"), ("dot", "Points for:")])
def test_each_select_is_named_by_its_purpose_and_idea(client, store, method, purpose):
    made = make_assembly(store, method=method)
    page = page_of(ballot_page(client, made["codes"][0]))
    titles = {idea["number"]: idea["title"] for idea in made["ideas"]}
    selects = page.find_all("select")
    assert len(selects) == len(titles)
    for select in selects:
        name = label_for(page, select)
        number = int(select.attrs["id"][1:])
        assert name.startswith(purpose) and titles[number] in name, name
        # The description adds the idea's detail; it never repeats the name.
        described = select.attrs.get("aria-describedby")
        if described:
            assert page.find(id=described).text() == "detail"
            assert page.find(id=described).tag != "label"


@pytest.mark.parametrize("path", ["group", "ballot"])
def test_no_two_controls_share_a_label(client, store, path):
    made = make_assembly(store, phase="submission" if path == "group" else "voting", method="ranked")
    url = f"/g/{made['groups'][0]['code']}" if path == "group" else f"/b/{made['codes'][0]}"
    page = page_of(client.get(url))
    controls = [e for e in page.iter() if e.tag in ("input", "select", "textarea") and e.attrs.get("type") != "hidden"]
    names = [label_for(page, control) for control in controls]
    assert len(controls) >= 4 and all(names)
    assert len(set(names)) == len(names), names


def test_a_wrong_code_marks_its_own_field(client, store, voting):
    response = client.get("/ballot", query_string={"code": "ABC-DEF-GHJ"})
    assert response.status_code == 400
    page = page_of(response)
    assert_error_tied(page, "ballot-code", "look right")
    assert "aria-invalid" not in page.find(id="group-code").attrs
    response = client.get("/group", query_string={"code": "ABCD-EFG"})
    assert_error_tied(page_of(response), "group-code", "look right")


@pytest.mark.parametrize("fields,field_id,message", [
    ({"title-1": "ok", "detail-2": "no title here"}, "title-2", "has detail but no title"),
    ({"title-3": "x" * 121}, "title-3", "too long"),
    ({"title-1": "ok", "detail-1": "y" * 601}, "detail-1", "too long"),
])
def test_a_bad_idea_marks_the_field_it_is_about(client, store, fields, field_id, message):
    made = make_assembly(store, phase="submission")
    code = made["groups"][0]["code"]
    token = csrf_from(client.get(f"/g/{code}").get_data(as_text=True))
    response = client.post(f"/g/{code}", data={"csrf_token": token, **fields})
    assert response.status_code == 400
    assert_error_tied(page_of(response), field_id, message)


def test_a_refused_ballot_marks_the_choices(client, store):
    made = make_assembly(store, method="ranked", max_choices=2)
    code = made["codes"][0]
    token = csrf_from(ballot_page(client, code).get_data(as_text=True))
    first, second = (idea["number"] for idea in made["ideas"][:2])
    response = client.post(f"/b/{code}", data={"csrf_token": token, f"idea-{first}": "1", f"idea-{second}": "1"})
    assert response.status_code == 400
    page = page_of(response)
    assert_error_tied(page, "choices", "Each rank can be given to one idea only")
    assert page.find(id="choices").tag == "fieldset"


def test_a_page_without_an_error_has_a_plain_title_and_nothing_marked(client, store, voting):
    for url in ("/", f"/b/{voting['codes'][0]}", f"/g/{voting['groups'][0]['code']}", "/accessibility"):
        page = page_of(client.get(url))
        assert "Error" not in title_of(page)
        assert not [e for e in page.iter() if "aria-invalid" in e.attrs or "autofocus" in e.attrs]


def test_a_sorry_page_says_error_in_its_title(client, store):
    page = page_of(client.get("/no/such/page"))
    assert title_of(page).startswith("Error: ")


@pytest.mark.parametrize("phase,kind,expected", [
    ("submission", "ballot", "Voting has not opened yet"),
    ("results", "ballot", "Voting has closed"),
    ("setup", "group", "Submission has not opened yet"),
    ("voting", "group", "Submission has closed"),
])
def test_normal_states_are_calm_notices_not_errors(client, store, phase, kind, expected):
    made = make_assembly(store, phase=phase)
    if kind == "ballot" and not made["codes"]:
        pytest.fail("the assembly has no ballot codes")
    url = f"/b/{made['codes'][0]}" if kind == "ballot" else f"/g/{made['groups'][0]['code']}"
    page = page_of(client.get(url))
    notice = next(p for p in page.find_all("p") if expected in p.text())
    assert "info" in notice.classes() and "bad" not in notice.classes()
    assert not page.find_all(role="alert") and not page.find_all(class_="msg bad")


def test_calm_notice_colours_meet_aa():
    base = (TEMPLATES / "base.html").read_text()
    colours = dict(re.findall(r"--(\w+):(#[0-9a-fA-F]{3,6})\b", base))
    rule = re.search(r"\.msg\.info\{background:(#[0-9a-f]{6});border-color:var\(--accent\);color:var\(--ink\)\}", base)
    assert rule, "no calm notice style"
    assert contrast(colours["ink"], rule[1]) >= 4.5 and contrast(colours["accent"], rule[1]) >= 3


def participant_pages(client, store) -> dict:
    made = make_assembly(store, phase="voting")
    code = made["codes"][0]
    token = csrf_from(client.get(f"/b/{code}").get_data(as_text=True))
    saved = client.post(f"/b/{code}", data={"csrf_token": token, "idea": [str(made["ideas"][0]["number"])]})
    return {
        "landing": client.get("/"), "group": client.get(f"/g/{made['groups'][0]['code']}"),
        "ballot": client.get(f"/b/{code}"), "saved": client.get(saved.headers["Location"]),
        "code error": client.get("/ballot", query_string={"code": "ABC-DEF-GHJ"}),
        "not found": client.get("/nothing-here"), "statement": client.get("/accessibility"),
    }


def test_every_participant_page_has_a_skip_link_landmarks_and_the_statement_link(client, store):
    for name, response in participant_pages(client, store).items():
        page = page_of(response)
        body = page.find("body")
        first_link = body.find("a")
        assert "skip" in first_link.classes() and first_link.attrs["href"] == "#main", name
        assert first_link.text() == "Skip to main content"
        assert len(page.find_all("a", href="#main")) == 1, name
        assert page.find(id="main").tag == "main" and len(page.find_all("main")) == 1
        footer = page.find("footer")
        assert footer.find("a", href="/accessibility").text() == "Accessibility statement", name
        assert page.find("html").attrs["lang"] == "en"


def test_pages_are_in_the_language_they_speak(client, store, voting):
    response = client.get("/accessibility?lang=cy")
    assert response.status_code == 200 and page_of(response).find("html").attrs["lang"] == "cy"


def test_the_staff_paper_ballot_page_has_one_skip_link(steward, store, voting):
    response = steward.get(f"/steward/paper/{voting['codes'][0]}")
    assert response.status_code == 200
    assert len(page_of(response).find_all("a", href="#main")) == 1


def test_the_accessibility_statement_says_what_is_tested_the_limits_and_where_to_get_help(client, store):
    response = client.get("/accessibility")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    page = page_of(response)
    text = page.find("main").text()
    headings = [h.text() for h in page.find_all("h2")]
    assert headings == ["What we aim for", "How we tested these pages", "What we know is not fully accessible",
                        "Getting help"]
    for fact in ("WCAG) 2.2 at level AA", "axe-core", "390 × 844", "320-pixel", "keyboard only",
                 "JavaScript turned off", "thermal paper", "Welsh speaker", "British Sign Language",
                 "Ask a steward", "paper ballot", "Large print"):
        assert fact in text, fact

