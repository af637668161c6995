"""Reading ballots out of plain HTML forms (the same form for phones and paper entry)."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from webapp.domain.errors import N_
from webapp.domain.voting import BallotError


def choices_from_form(form: MultiDict, ideas: list[dict], method: str) -> dict[str, int]:
    """{idea id: value} from a ballot form whose fields name ideas by their public number."""
    by_number = {str(idea["number"]): idea["id"] for idea in ideas}
    choices: dict[str, int] = {}
    if method == "approval":
        for number in form.getlist("idea"):
            if number not in by_number:
                raise BallotError("unknown_idea", N_("The ballot names an idea that is not on the ballot."))
            choices[by_number[number]] = 1
        return choices
    for number, idea_id in by_number.items():
        raw = form.get(f"idea-{number}", "").strip()
        if not raw:
            continue
        if not raw.isdigit():
            raise BallotError("bad_value", N_("Every choice must be a whole number."))
        choices[idea_id] = int(raw)
    return choices


def group_entries(form: MultiDict, slots: int) -> list[tuple[str, str]]:
    """(title, detail) per slot from the group form; fields past `slots` are read too so
    an over-full form is refused rather than silently cut."""
    entries = []
    index = 1
    while f"title-{index}" in form or f"detail-{index}" in form or index <= slots:
        entries.append((form.get(f"title-{index}", ""), form.get(f"detail-{index}", "")))
        index += 1
        if index > 50:
            break
    return entries
