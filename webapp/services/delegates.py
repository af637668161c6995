"""Delegate elections and the event's mandate.

A delegates round's ballot lists candidates instead of ideas: names the organiser or a steward
enters, each with the person's consent noted. On the ballot, on paper, in steward entry, in the
tally and on the projector a candidate stands where an idea would (`as_ideas`), so all of that
works unchanged; the result is counted for seats by webapp.domain.seats.

The mandate is what the elected delegates carry: the passed ideas of the rounds the organiser
chooses (see `passed`). Saving it publishes it: the `mandates` row goes upstream to the hub.
"""
from __future__ import annotations

import json
from typing import Callable

from webapp.domain import judgment
from webapp.domain.errors import N_, Conflict, DomainError, NotFound
from webapp.domain.phases import Phase
from webapp.domain.seats import elect
from webapp.domain.voting import BallotError
from webapp.storage import Store

from . import assembly, rounds
from .ballots import all_choices
from .common import clean_text, new_id, now

NAME_MAX = 80
NOTE_MAX = 200
# While candidates may be added or withdrawn: before the ballot is fixed by voting opening.
OPEN_PHASES = (Phase.SETUP, Phase.SUBMISSION)
ROLES = ("organiser", "steward")
# What stands in a candidate's "group" column wherever a ballot row shows one.
NO_GROUP = "\u2014"


def _delegates_round(store: Store, round_id: str | None = None) -> dict:
    """The round (the current one), which must elect delegates."""
    row = rounds.get(store, round_id or assembly.get(store)["round_id"])
    if row["kind"] != "delegates":
        raise Conflict("not_delegates", N_("This round does not elect delegates."))
    return row


def candidates(store: Store, round_id: str) -> list[dict]:
    """Every candidate of a round, withdrawn ones too, by number."""
    return store.query("SELECT * FROM candidates WHERE round_id = ? ORDER BY number", [round_id])


def as_ideas(store: Store, round_id: str) -> list[dict]:
    """A round's candidates shaped as ideas (see webapp.services.ideas.all_ideas): a withdrawn
    candidate is a hidden idea, so it is off the ballot but keeps its number."""
    return [
        {"id": c["id"], "round_id": round_id, "origin_id": None, "number": c["number"], "group_id": None,
         "slot": c["number"], "title": c["name"], "detail": "", "hidden": c["withdrawn"], "merged_into": None,
         "created_at": c["created_at"], "updated_at": c["created_at"], "group_number": 0, "group_name": NO_GROUP,
         "proposers": [], "proposer_numbers": []}
        for c in candidates(store, round_id)
    ]


def _open(store: Store) -> dict:
    current = _delegates_round(store)
    if current["phase"] not in OPEN_PHASES:
        raise Conflict("wrong_phase", N_("Candidates can be changed only before voting opens."))
    return current


def add(store: Store, form: dict, role: str) -> dict:
    """Enter a candidate for the current delegates round; only with their consent."""
    current = _open(store)
    name = clean_text(form.get("name"), field=N_("name"), max_len=NAME_MAX, required=True)
    note = clean_text(form.get("consent_note"), field=N_("consent note"), max_len=NOTE_MAX, required=False)
    if str(form.get("consent") or "").strip().lower() not in ("1", "on", "yes", "true"):
        raise DomainError("no_consent", N_("A candidate stands only if they agreed: tick “They agreed to stand”."),
                          field=N_("consent"))
    if role not in ROLES:
        raise DomainError("bad_role", N_("Only the organiser or a steward can enter candidates."))
    row = {"id": new_id(), "round_id": current["id"], "name": name, "consent_note": note, "consent": 1,
           "added_by": role, "created_at": now(), "withdrawn": 0}
    with store.write() as db:
        if db.execute("SELECT 1 FROM candidates WHERE round_id = ? AND withdrawn = 0 AND name = ?",
                      [current["id"], name]).fetchone():
            raise DomainError("duplicate", N_("%(name)s is already a candidate."), name=name, field=N_("name"))
        row["number"] = db.execute("SELECT coalesce(max(number), 0) + 1 FROM candidates WHERE round_id = ?",
                                   [current["id"]]).fetchone()[0]
        db["candidates"].insert(row)
    return row


def set_withdrawn(store: Store, candidate_id: str, withdrawn: bool = True) -> None:
    """Take a candidate off the ballot (or put them back) before voting opens."""
    current = _open(store)
    with store.write() as db:
        changed = db.execute("UPDATE candidates SET withdrawn = ? WHERE id = ? AND round_id = ?",
                             [int(withdrawn), candidate_id, current["id"]]).rowcount
        if not changed:
            raise NotFound("unknown_candidate", N_("There is no such candidate."))


def result(store: Store, round_id: str) -> dict | None:
    """The election's result once the round has its results (else None): the elected in order
    of election, any tied for the last seat(s) (for the organiser to settle), quota and counts."""
    round_ = rounds.get(store, round_id)
    if round_["kind"] != "delegates" or round_["phase"] is not Phase.RESULTS:
        return None
    standing = [c for c in candidates(store, round_id) if not c["withdrawn"]]
    by_id = {c["id"]: c for c in standing}
    try:
        count = elect(round_["rules"], [(c["id"], c["number"]) for c in standing], all_choices(store, round_id),
                      round_["seats"])
    except BallotError as exc:
        return {"error": exc, "elected": [], "tied": [], "round_number": round_["number"]}

    def person(cid: str) -> dict:
        return {"id": cid, "number": by_id[cid]["number"], "name": by_id[cid]["name"],
                "votes": count.votes.get(cid, 0)}

    return {"round_id": round_id, "round_number": round_["number"], "round_key": round_["round_key"],
            "question": round_["question"], "method": count.method, "seats": count.seats,
            "ballots": count.ballots, "quota": count.quota, "open_seats": count.open_seats,
            "elected": [{"order": n, **person(cid)} for n, cid in enumerate(count.elected, start=1)],
            "tied": [person(cid) for cid in count.tied]}


def latest_result(store: Store) -> dict | None:
    """The result of the latest delegates round that has its results."""
    row = store.one("SELECT id FROM rounds WHERE kind = 'delegates' AND phase = 'results' ORDER BY number DESC")
    return result(store, row["id"]) if row else None


def passed(method: str, board: list[dict]) -> list[dict]:
    """A round's passed ideas, as the mandate carries them: support levels, those that pass the
    threshold; majority judgment, those whose majority grade is Good or better; approval, dot
    and ranked votes, the idea(s) ranked first (ties included), if anyone chose them."""
    if method == "support":
        return [row for row in board if row.get("passed")]
    if method == "judgment":
        return [row for row in board if (row.get("median") or 0) >= judgment.GOOD]
    return [row for row in board if row["rank"] == 1 and row["score"] > 0]


def mandate_choices(store: Store, chosen: "set[str] | None" = None) -> list[dict]:
    """The rounds that can give the mandate (ideas rounds with results), each marked `chosen`:
    as given, else as the organiser saved it, or all of them until they do."""
    if chosen is None:
        saved = store.one("SELECT rounds FROM mandates LIMIT 1")
        chosen = set(json.loads(saved["rounds"])) if saved else None
    rows = store.query("SELECT id, number, round_key, question, rules FROM rounds "
                       "WHERE kind = 'ideas' AND phase = 'results' ORDER BY number")
    for row in rows:
        row["method"] = json.loads(row.pop("rules")).get("method", "approval")
        row["chosen"] = chosen is None or row["id"] in chosen
    return rows


def mandate(store: Store, kit_name: str, gettext: Callable[[str], str] = str,
            round_ids: "list[str] | None" = None) -> dict:
    """The event's mandate: its elected delegates and the passed ideas of the chosen rounds."""
    from . import results

    event = assembly.get(store)
    election = latest_result(store)
    items = []
    chosen = [r for r in mandate_choices(store, None if round_ids is None else set(round_ids)) if r["chosen"]]
    for round_ in chosen:
        question = assembly.question_text(round_["question"], gettext)
        for row in passed(round_["method"], results.leaderboard(store, gettext, round_["id"])):
            items.append({"round_number": round_["number"], "round_key": round_["round_key"], "question": question,
                          "method": round_["method"], "number": row["number"], "title": row["title"],
                          "group": ", ".join(row["proposers"]), "rank": row["rank"], "score": row["score"],
                          "share": row.get("share"), "median": row.get("median")})
    delegates = [{k: p[k] for k in ("order", "number", "name")} for p in election["elected"]] if election else []
    return {
        "event_id": event["id"], "kit_name": kit_name,
        "election": None if not election or election.get("error") else {
            k: election[k] for k in ("round_number", "round_key", "question", "method", "seats", "ballots",
                                     "quota", "open_seats")},
        "delegates": delegates,
        "tied": [{k: p[k] for k in ("number", "name")} for p in election["tied"]] if election else [],
        "rounds": [{"number": r["number"], "round_key": r["round_key"], "method": r["method"],
                    "question": assembly.question_text(r["question"], gettext)} for r in chosen],
        "mandate": items,
    }


def publish(store: Store, round_ids: list[str], kit_name: str) -> dict:
    """Save the organiser's choice of rounds and publish the mandate (it goes to the hub)."""
    known = {r["id"] for r in mandate_choices(store)}
    unknown = [r for r in round_ids if r not in known]
    if unknown:
        raise DomainError("unknown_round", N_("Choose rounds that have their results."))
    body = mandate(store, kit_name, round_ids=round_ids)
    with store.write() as db:
        db["mandates"].upsert({"id": body["event_id"], "rounds": json.dumps(round_ids),
                               "body": json.dumps(body, ensure_ascii=False), "published_at": now()}, pk="id")
    return body


def published(store: Store) -> dict | None:
    row = store.one("SELECT body, published_at FROM mandates LIMIT 1")
    return {"body": json.loads(row["body"]), "published_at": row["published_at"]} if row else None
