"""The assembly itself: settings, groups, phases and the counts shown on screens."""
from __future__ import annotations

import json
from typing import Callable

from webapp.domain import codes
from webapp.domain.errors import N_, Conflict, DomainError, NotFound
from webapp.domain.phases import Phase, allows_settings_change, check_move, parse
from webapp.domain.voting import LIMIT_NAMES, Rules
from webapp.storage import Store

from . import rounds
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
    """The kit's one event, created with its first round (in setup) on first use."""
    row = store.one("SELECT * FROM assembly LIMIT 1")
    if row is None or row.get("current_round") is None:
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
            if db.execute("SELECT current_round FROM assembly").fetchone()[0] is None:
                rounds.create_in(db, number=1)
        row = store.one("SELECT * FROM assembly LIMIT 1")
    return row


def get(store: Store) -> dict:
    """The event with its current round's question, phase and rules (parsed) folded in.

    `id` stays the event's (the kit's assembly upstream); the round's is `round_id`."""
    current = store.one(CURRENT_SQL)
    if current is None:
        ensure_assembly(store)
        current = store.one(CURRENT_SQL)
    return _fold(current)


CURRENT_SQL = """SELECT rounds.*, assembly.id AS event_id, assembly.num_groups, assembly.created_at AS event_created_at
                 FROM assembly JOIN rounds ON rounds.id = assembly.current_round LIMIT 1"""


def _fold(current: dict) -> dict:
    row = {"id": current["event_id"], "num_groups": current["num_groups"], "created_at": current["event_created_at"]}
    for key in ("question", "briefing", "ideas_per_group", "seats", "kind", "round_key"):
        row[key] = current[key]
    row["round_id"] = current["id"]
    row["round_number"] = current["number"]
    row["drawn_from"] = json.loads(current["drawn_from"]) if current["drawn_from"] else None
    row["rules"] = Rules.from_dict(json.loads(current["rules"]))
    row["phase"] = Phase(current["phase"])
    row["revealed"] = bool(current["revealed"])
    row["updated_at"] = current["updated_at"]
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
    for key in ("method", *LIMIT_NAMES):
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
        if num_groups is not None:
            db["assembly"].update(current["id"], {"num_groups": changes.pop("num_groups"), "updated_at": now()})
        changes["updated_at"] = now()
        db["rounds"].update(current["round_id"], changes)
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
    return gettext(question) if question in (DEFAULT_QUESTION, rounds.NEXT_QUESTION) else question


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
    """Move the current round to `target`, by the rules of webapp.domain.phases."""
    phase = parse(target)
    current = get(store)
    with store.write() as db:
        row = db.execute("SELECT id, phase FROM rounds WHERE id = ?", [current["round_id"]]).fetchone()
        if row is None:
            raise DomainError("no_assembly", N_("The assembly has not been set up."))
        ballots = db.execute("SELECT count(*) FROM ballots WHERE round_id = ?", [row[0]]).fetchone()[0]
        visible = db.execute(
            "SELECT count(*) FROM ideas WHERE round_id = ? AND hidden = 0 AND merged_into IS NULL", [row[0]]
        ).fetchone()[0]
        if current["kind"] == "delegates":  # its ballot lists candidates, counted for seats
            _check_election(db, row[0], Phase(row[1]), phase, current["rules"].method)
            visible = db.execute("SELECT count(*) FROM candidates WHERE round_id = ? AND withdrawn = 0",
                                 [row[0]]).fetchone()[0]
        check_move(Phase(row[1]), phase, ballots_cast=ballots, ideas_visible=visible)
        changes = {"phase": phase.value, "updated_at": now()}
        if phase is not Phase.RESULTS:
            changes["revealed"] = 0
        db["rounds"].update(row[0], changes)
    return get(store)


def _check_election(db, round_id: str, at: Phase, target: Phase, method: str) -> None:
    if not (at is Phase.SUBMISSION and target is Phase.VOTING):
        return
    if method not in ("approval", "ranked"):
        raise Conflict("bad_method", N_("Delegates are elected by approval or ranked ballots: choose one first."))
    if not db.execute(
            "SELECT 1 FROM candidates WHERE round_id = ? AND withdrawn = 0", [round_id]).fetchone():
        raise Conflict("no_candidates", N_("Voting needs at least one candidate."))


def reveal(store: Store, revealed: bool = True) -> dict:
    """Show (or hide again) the leaderboard on the projector; only once voting has closed."""
    current = get(store)
    if current["phase"] is not Phase.RESULTS:
        raise Conflict("wrong_phase", N_("Results can be revealed once voting has closed."))
    with store.write() as db:
        db["rounds"].update(current["round_id"], {"revealed": int(revealed), "updated_at": now()})
    return get(store)


def counts(store: Store, round_id: str | None = None) -> dict:
    """The figures the projector and steward screens show, for a round (the current one)."""
    round_id = round_id or get(store)["round_id"]
    row = store.one(
        """SELECT
            (SELECT count(*) FROM ideas WHERE round_id = :r AND hidden = 0 AND merged_into IS NULL)
              + (SELECT count(*) FROM candidates WHERE round_id = :r AND withdrawn = 0) AS ideas,
            (SELECT count(*) FROM groups) AS groups,
            (SELECT count(DISTINCT group_id) FROM ideas WHERE round_id = :r AND origin_id IS NULL) AS groups_submitted,
            (SELECT count(*) FROM ballots WHERE round_id = :r) AS ballots_cast,
            (SELECT count(*) FROM ballot_codes WHERE voided_at IS NULL) AS ballots_issued,
            (SELECT count(*) FROM ballots WHERE round_id = :r AND source = 'paper') AS paper_ballots""",
        {"r": round_id},
    )
    return dict(row)
