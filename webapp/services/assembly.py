"""The assembly itself: settings, groups, phases and the counts shown on screens."""
from __future__ import annotations

import json
from typing import Callable

from webapp.domain import codes
from webapp.domain.errors import N_, Conflict, DomainError, NotFound
from webapp.domain.phases import Phase, allows_settings_change, check_move, parse
from webapp.domain.voting import LIMIT_NAMES, Rules
from webapp.storage import Store

from .common import clean_text, new_id, now, whole_number

# Stored until the organiser types their own, and shown in the reader's language meanwhile
# (question_text): a typed question is shown as written.
DEFAULT_QUESTION = N_("How might we take meaningful steps to Upgrade Democracy?")
MAX_GROUPS = 200
MAX_IDEAS_PER_GROUP = 10
# A group the organiser has not named is stored with an empty name and called this when shown,
# in the reader's language: a stored "Group 1" would be English on a Welsh page.
DEFAULT_GROUP_NAME = N_("Group %(n)d")


def ensure_assembly(store: Store) -> dict:
    """The kit's one assembly, created in the setup phase on first use."""
    row = store.one("SELECT * FROM assembly LIMIT 1")
    if row is None:
        with store.write() as db:
            if db.execute("SELECT count(*) FROM assembly").fetchone()[0] == 0:
                db["assembly"].insert(
                    {
                        "id": new_id(),
                        "question": DEFAULT_QUESTION,
                        "briefing": "",
                        "phase": Phase.SETUP.value,
                        "num_groups": 0,
                        "ideas_per_group": 3,
                        "rules": json.dumps(Rules().as_dict()),
                        "revealed": 0,
                        "created_at": now(),
                        "updated_at": now(),
                    }
                )
        row = store.one("SELECT * FROM assembly LIMIT 1")
    return row


def get(store: Store) -> dict:
    """The assembly with its rules parsed and phase as a Phase."""
    row = dict(ensure_assembly(store))
    row["rules"] = Rules.from_dict(json.loads(row["rules"]))
    row["phase"] = Phase(row["phase"])
    row["revealed"] = bool(row["revealed"])
    return row


def update_settings(store: Store, form: dict) -> dict:
    """Apply the organiser's settings; fields left out keep their value."""
    current = get(store)
    if not allows_settings_change(current["phase"]):
        raise Conflict("wrong_phase", N_("Settings are fixed once voting has opened."))
    changes: dict = {}
    if "question" in form:
        changes["question"] = clean_text(form["question"], field=N_("question"), max_len=300, required=True)
    if "briefing" in form:
        changes["briefing"] = clean_text(
            form["briefing"], field=N_("briefing"), max_len=2000, required=False, multiline=True
        )
    if "ideas_per_group" in form:
        changes["ideas_per_group"] = whole_number(
            form["ideas_per_group"], field=N_("ideas per group"), low=1, high=MAX_IDEAS_PER_GROUP
        )
    rules = current["rules"].as_dict()
    for key in ("method", "max_choices", "points", "max_per_idea"):
        if key in form and form[key] not in (None, ""):
            rules[key] = form[key] if key == "method" else whole_number(
                form[key], field=LIMIT_NAMES[key], low=1, high=100)
    changes["rules"] = json.dumps(Rules.from_dict(rules).as_dict())
    num_groups = None
    if "num_groups" in form:
        num_groups = whole_number(form["num_groups"], field=N_("number of groups"), low=1, high=MAX_GROUPS)
    with store.write() as db:
        if num_groups is not None:
            _resize_groups(db, num_groups)
            changes["num_groups"] = num_groups
        changes["updated_at"] = now()
        db["assembly"].update(current["id"], changes)
    return get(store)


def _resize_groups(db, wanted: int) -> None:
    existing = list(db.query("SELECT id, number FROM groups ORDER BY number"))
    for number in range(len(existing) + 1, wanted + 1):
        db["groups"].insert(
            {
                "id": new_id(),
                "number": number,
                "name": "",
                "code": _unused_group_code(db),
                "created_at": now(),
            }
        )
    for group in existing[wanted:]:
        if db.execute("SELECT count(*) FROM ideas WHERE group_id = ?", [group["id"]]).fetchone()[0]:
            raise Conflict(
                "group_has_ideas",
                N_("Group %(n)d already has ideas, so it cannot be removed."),
                n=group["number"],
            )
        db.execute("DELETE FROM groups WHERE id = ?", [group["id"]])


def _unused_group_code(db) -> str:
    while True:
        code = codes.generate(codes.GROUP)
        if not db.execute("SELECT 1 FROM groups WHERE code = ?", [code]).fetchone():
            return code


def groups(store: Store) -> list[dict]:
    return store.query("SELECT * FROM groups ORDER BY number")


def group_by_code(store: Store, text: str) -> dict:
    """The group for a typed code; CodeError for a malformed one, NotFound for an unknown one."""
    code = codes.normalize(text, codes.GROUP)
    row = store.one("SELECT * FROM groups WHERE code = ?", [code])
    if row is None:
        raise NotFound("unknown_code", N_("We don't know that group code — check the card."))
    return row


def question_text(question: str, gettext: Callable[[str], str] = str) -> str:
    """The question as people read it: the organiser's, or the default in `gettext`'s language."""
    return gettext(DEFAULT_QUESTION) if question == DEFAULT_QUESTION else question


def group_name(number: int, name: str | None, gettext: Callable[[str], str] = str) -> str:
    """A group's name as people read it: the organiser's, or "Group N" in `gettext`'s language."""
    return name or gettext(DEFAULT_GROUP_NAME) % {"n": number}


def rename_group(store: Store, group_id: str, name: str) -> None:
    """Name a group; an empty name gives it back its default ("Group N" in each reader's language)."""
    name = clean_text(name, field=N_("group name"), max_len=60, required=False)
    with store.write() as db:
        if db.execute("UPDATE groups SET name = ? WHERE id = ?", [name, group_id]).rowcount == 0:
            raise NotFound("unknown_group", N_("There is no such group."))


def set_phase(store: Store, target: str) -> dict:
    """Move the assembly to `target`, by the rules of webapp.domain.phases."""
    phase = parse(target)
    with store.write() as db:
        row = db.execute("SELECT id, phase FROM assembly LIMIT 1").fetchone()
        if row is None:
            raise DomainError("no_assembly", N_("The assembly has not been set up."))
        ballots = db.execute("SELECT count(*) FROM ballots").fetchone()[0]
        visible = db.execute(
            "SELECT count(*) FROM ideas WHERE hidden = 0 AND merged_into IS NULL"
        ).fetchone()[0]
        check_move(Phase(row[1]), phase, ballots_cast=ballots, ideas_visible=visible)
        changes = {"phase": phase.value, "updated_at": now()}
        if phase is not Phase.RESULTS:
            changes["revealed"] = 0
        db["assembly"].update(row[0], changes)
    return get(store)


def reveal(store: Store, revealed: bool = True) -> dict:
    """Show (or hide again) the leaderboard on the projector; only once voting has closed."""
    current = get(store)
    if current["phase"] is not Phase.RESULTS:
        raise Conflict("wrong_phase", N_("Results can be revealed once voting has closed."))
    with store.write() as db:
        db["assembly"].update(current["id"], {"revealed": int(revealed), "updated_at": now()})
    return get(store)


def counts(store: Store) -> dict:
    """The figures the projector and steward screens show."""
    row = store.one(
        """SELECT
            (SELECT count(*) FROM ideas WHERE hidden = 0 AND merged_into IS NULL) AS ideas,
            (SELECT count(*) FROM groups) AS groups,
            (SELECT count(DISTINCT group_id) FROM ideas) AS groups_submitted,
            (SELECT count(*) FROM ballots) AS ballots_cast,
            (SELECT count(*) FROM ballot_codes WHERE voided_at IS NULL) AS ballots_issued,
            (SELECT count(*) FROM ballots WHERE source = 'paper') AS paper_ballots"""
    )
    return dict(row)
