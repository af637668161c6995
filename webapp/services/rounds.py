"""Rounds of an event: each has its own question, phase, voting rules, ideas and ballots.

Groups, group codes and ballot codes belong to the event: a person keeps one ballot slip all
day and votes once per round with it. The organiser starts the next round once the current
one has its results; its ideas are new, or drawn from an earlier round (the top N of its
tally, every idea tied with the N-th included, or ideas picked by hand), keeping their groups.
"""
from __future__ import annotations

import json
import re
from typing import Iterable

from webapp.domain.errors import N_, Conflict, DomainError, NotFound
from webapp.domain.phases import Phase
from webapp.domain.shortlist import shortlist
from webapp.domain.voting import Rules
from webapp.storage import Store

from .common import clean_text, new_id, now, whole_number

KINDS = ("ideas", "delegates")
KIND_NAMES = {"ideas": N_("Choose ideas"), "delegates": N_("Elect delegates")}
KEY_MAX = 40
MAX_ROUNDS = 50
# The question a new round starts with until the organiser types one (shown in the reader's
# language, like the first round's default: see assembly.question_text).
NEXT_QUESTION = N_("Which of these ideas should we take forward?")


def create_in(db, *, number: int, question: str | None = None, round_key: str | None = None,
              kind: str = "ideas", rules: Rules | None = None, drawn_from: dict | None = None,
              seats: int = 1, briefing: str = "") -> str:
    """Insert a round (inside the caller's write) and make it the current one; its id."""
    from .assembly import DEFAULT_QUESTION

    round_id = new_id()
    db["rounds"].insert({
        "id": round_id, "number": number, "round_key": round_key or f"round-{number}", "kind": kind,
        "question": question or (DEFAULT_QUESTION if number == 1 else NEXT_QUESTION), "briefing": briefing,
        "phase": Phase.SETUP.value, "rules": json.dumps((rules or Rules()).as_dict()), "revealed": 0,
        "ideas_per_group": 3, "seats": seats, "drawn_from": json.dumps(drawn_from) if drawn_from else None,
        "created_at": now(), "updated_at": now(),
    })
    db.execute("UPDATE assembly SET current_round = ?, updated_at = ?", [round_id, now()])
    return round_id


def every(store: Store) -> list[dict]:
    """Every round, first first, with its counts."""
    return store.query(
        """SELECT rounds.*,
                  (SELECT count(*) FROM ballots WHERE ballots.round_id = rounds.id) AS ballots_cast,
                  (SELECT count(*) FROM ideas WHERE ideas.round_id = rounds.id AND hidden = 0
                     AND merged_into IS NULL) AS ideas,
                  rounds.id = (SELECT current_round FROM assembly) AS current
           FROM rounds ORDER BY number"""
    )


def get(store: Store, round_id: str) -> dict:
    row = store.one("SELECT * FROM rounds WHERE id = ?", [round_id])
    if row is None:
        raise NotFound("unknown_round", N_("There is no such round."))
    row["rules"] = Rules.from_dict(json.loads(row["rules"]))
    row["phase"] = Phase(row["phase"])
    row["drawn_from"] = json.loads(row["drawn_from"]) if row["drawn_from"] else None
    return row


def by_number(store: Store, number: object) -> dict:
    n = whole_number(number, field=N_("round"), low=1, high=MAX_ROUNDS)
    row = store.one("SELECT id FROM rounds WHERE number = ?", [n])
    if row is None:
        raise NotFound("unknown_round", N_("There is no such round."))
    return get(store, row["id"])


def drawable(store: Store, number: object) -> dict:
    """An earlier round whose ideas a new round may take: one that chose ideas and has its results."""
    earlier = by_number(store, number)
    if earlier["kind"] != "ideas":
        raise DomainError("not_ideas", N_("Round %(n)d elected delegates: a new round can only take ideas from a "
                                          "round that chose ideas."), n=earlier["number"], field=N_("round"))
    if earlier["phase"] is not Phase.RESULTS:
        raise Conflict("round_open", N_("Ideas can only be drawn from a round that has its results."))
    return earlier


def clean_key(value: object) -> str:
    """A round key as the hub matches it: lower case letters, digits and dashes."""
    text = clean_text(value, field=N_("round key"), max_len=KEY_MAX, required=True)
    key = re.sub(r"[^0-9a-z]+", "-", text.casefold()).strip("-")
    if not key:
        raise DomainError("bad_key", N_("A round key needs at least one letter or digit."))
    return key


def start_next(store: Store, form: dict, shortlist_of: "Iterable[str] | None" = None) -> dict:
    """Start a new round after the current one's results: fresh, or drawn from an earlier round.

    `form`: question, round_key, kind; `from_round` (a round number) with `top` (keep the top N
    of its tally, ties at the cut included) or `picked` (idea ids chosen by hand).
    """
    from . import assembly, results

    current = assembly.get(store)
    if current["phase"] is not Phase.RESULTS:
        raise Conflict("wrong_phase", N_("A new round can start once this round has its results."))
    kind = form.get("kind") or "ideas"
    if kind not in KINDS:
        raise DomainError("bad_kind", N_("Unknown kind of round."))
    question = clean_text(form.get("question", ""), field=N_("question"), max_len=300, required=False)
    key = clean_key(form["round_key"]) if str(form.get("round_key") or "").strip() else None
    seats = whole_number(form.get("seats") or 1, field=N_("seats"), low=1, high=50)
    drawn: dict | None = None
    chosen: list[dict] = []
    if kind == "ideas" and str(form.get("from_round") or "").strip():
        earlier = drawable(store, form["from_round"])
        picked = list(dict.fromkeys(i for i in (form.get("picked") or []) if i))  # each idea once
        if picked:
            on = {row["idea_id"]: row for row in results.leaderboard(store, round_id=earlier["id"])}
            unknown = [i for i in picked if i not in on]
            if unknown:
                raise DomainError("unknown_idea", N_("Pick ideas that were on that round's ballot."))
            chosen = [on[i] for i in picked]
            drawn = {"round": earlier["id"], "number": earlier["number"], "picked": len(chosen)}
        else:
            top = whole_number(form.get("top"), field=N_("how many ideas to keep"), low=1, high=100)
            board = results.leaderboard(store, round_id=earlier["id"])
            cut = shortlist(board, top)
            chosen = list(cut.rows)
            # How many share the last rank kept: the organiser is told why the list is longer.
            tied = sum(1 for row in chosen if row["rank"] == chosen[-1]["rank"]) if cut.widened else 0
            drawn = {"round": earlier["id"], "number": earlier["number"], "top": top,
                     "widened": cut.widened, "kept": len(chosen), "tied_at_cut": tied}
        if not chosen:
            raise DomainError("no_ideas", N_("That round had no ideas to draw from."))
    with store.write() as db:
        # Checked again inside the write: two presses at once (two workers) must not make two
        # rounds, the first left in setup for ever.
        now_current = db.execute("SELECT rounds.id, rounds.phase FROM assembly JOIN rounds "
                                 "ON rounds.id = assembly.current_round").fetchone()
        if tuple(now_current) != (current["round_id"], Phase.RESULTS.value):
            raise Conflict("round_started", N_("Another round has just been started."))
        count = db.execute("SELECT count(*), coalesce(max(number), 0) FROM rounds").fetchone()
        if count[0] >= MAX_ROUNDS:
            raise Conflict("too_many_rounds", N_("An event can have at most %(n)d rounds."), n=MAX_ROUNDS)
        number = count[1] + 1
        key = key or f"round-{number}"
        if db.execute("SELECT 1 FROM rounds WHERE round_key = ?", [key]).fetchone():
            raise DomainError("key_taken", N_("Another round of this event has that key."), field=N_("round key"))
        round_id = create_in(db, number=number, question=question or None, round_key=key, kind=kind,
                             rules=current["rules"] if kind == "ideas" else Rules(), drawn_from=drawn, seats=seats)
        for position, row in enumerate(chosen, start=1):
            _copy_idea(db, row["idea_id"], round_id, position)
    return assembly.get(store)


def _copy_idea(db, idea_id: str, round_id: str, number: int) -> None:
    """The idea on a later round's ballot: same title, detail and group; it remembers where it
    came from, so the groups merged into it stay named as its proposers."""
    idea = next(db.query("SELECT * FROM ideas WHERE id = ?", [idea_id]))
    db["ideas"].insert({
        "id": new_id(), "round_id": round_id, "origin_id": idea_id, "number": number,
        "group_id": idea["group_id"], "slot": idea["slot"], "title": idea["title"], "detail": idea["detail"],
        "hidden": 0, "merged_into": None, "created_at": now(), "updated_at": now(),
    })

