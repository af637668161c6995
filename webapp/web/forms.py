"""Reading ballots out of plain HTML forms (the same form for phones and paper entry)."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from webapp.domain.errors import N_, Conflict, DomainError
from webapp.domain.text import whole_number
from webapp.domain.voting import BallotError

def check_round(form: MultiDict, state: dict) -> None:
    """Refuse a ballot form drawn for another round than the current one.

    Idea numbers start again in each round, so a form opened in round 1 and sent once a run-off
    has opened would otherwise count as a vote for whatever idea has those numbers now. A form
    without the field (made before rounds existed) is read as for the current round."""
    sent = form.get("r")
    if sent is not None and sent != str(state["round_number"]):
        raise Conflict("other_round", N_("This ballot was for another round, which has closed. Here is the ballot "
                                         "of round %(n)d: nothing was saved, please vote again."),
                       n=state["round_number"])


# No voting limit goes past 100 (webapp.domain.voting.Rules); the rules give the exact limit.
MAX_CHOICE = 100


def choices_from_form(form: MultiDict, ideas: list[dict], method: str) -> dict[str, int]:
    """{idea id: value} from a ballot form whose fields name ideas by their public number.

    approval: ticked `idea` boxes. Every other method: one `idea-<number>` field per idea — a
    select (dot, ranked) or a group of radio buttons (support, judgment: the mark's stored
    value, webapp/domain/support.py and judgment.py); an empty value is a blank.
    """
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
        try:
            choices[idea_id] = whole_number(raw, field=N_("choice"), low=0, high=MAX_CHOICE)
        except DomainError:
            raise BallotError(
                "bad_value", N_("Every choice must be a whole number from 0 to %(n)d."), n=MAX_CHOICE
            ) from None
    return choices


def idea_field(exc: DomainError, slots: int) -> str | None:
    """The group form's field an error is about ("title-2", "detail-1"), so the page can mark
    it; None when the error is about the form as a whole or a slot the page does not show."""
    params = exc.params
    if exc.code == "required" and "n" in params:
        slot, kind = params["n"], "title"  # detail without a title: the title is missing
    elif "slot" in params and isinstance(params.get("field"), str):
        slot, kind = params["slot"], "detail" if "detail" in params["field"] else "title"
    else:
        return None
    return f"{kind}-{slot}" if isinstance(slot, int) and 1 <= slot <= slots else None


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
