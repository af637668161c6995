"""Ballot codes and ballots: one code, one ballot, changeable until voting closes."""
from __future__ import annotations

import json

from webapp.domain import codes
from webapp.domain.errors import N_, Conflict, DomainError, NotFound
from webapp.domain.phases import accepts_ballots
from webapp.domain.voting import ballot_order, validate
from webapp.storage import Store

from . import assembly, ideas
from .common import new_id, now, whole_number

MAX_BATCH = 1000


def issue_codes(store: Store, count: object) -> list[str]:
    """Create a batch of new ballot codes; the opaque ballot id is unrelated to the code."""
    count = whole_number(count, field="number of ballot codes", low=1, high=MAX_BATCH)
    created: list[str] = []
    with store.write() as db:
        batch = db.execute("SELECT coalesce(max(batch), 0) + 1 FROM ballot_codes").fetchone()[0]
        while len(created) < count:
            code = codes.generate(codes.BALLOT)
            if db.execute("SELECT 1 FROM ballot_codes WHERE code = ?", [code]).fetchone():
                continue
            db["ballot_codes"].insert(
                {"code": code, "ballot_id": new_id(), "batch": batch, "issued_at": now()}
            )
            created.append(code)
    return created


def list_codes(store: Store, *, batch: int | None = None) -> list[dict]:
    sql = """SELECT ballot_codes.code, ballot_codes.batch, ballot_codes.issued_at,
                    ballots.source, ballots.cast_at
             FROM ballot_codes LEFT JOIN ballots USING (ballot_id)"""
    params: list = []
    if batch is not None:
        sql += " WHERE batch = ?"
        params.append(batch)
    return store.query(sql + " ORDER BY ballot_codes.rowid", params)


def lookup(store: Store, text: str) -> dict:
    """The code's record; CodeError if mistyped (caught before lookup), NotFound if unknown."""
    code = codes.normalize(text, codes.BALLOT)
    row = store.one("SELECT * FROM ballot_codes WHERE code = ?", [code])
    if row is None:
        raise NotFound("unknown_code", N_("We don't know that ballot code — check the slip."))
    return row


def current(store: Store, ballot_id: str) -> dict | None:
    row = store.one("SELECT * FROM ballots WHERE ballot_id = ?", [ballot_id])
    if row is not None:
        row = dict(row)
        row["choices"] = json.loads(row["choices"])
    return row


def ballot_view(store: Store, text: str) -> dict:
    """What a voter sees: the ideas in this ballot's own order and any earlier choices."""
    code_row = lookup(store, text)
    state = assembly.get(store)
    on_ballot = ideas.visible(store)
    by_id = {idea["id"]: idea for idea in on_ballot}
    order = ballot_order(code_row["ballot_id"], by_id)
    return {
        "code": code_row["code"],
        "ballot_id": code_row["ballot_id"],
        "assembly": state,
        "ideas": [by_id[i] for i in order],
        "ballot": current(store, code_row["ballot_id"]),
    }


def cast(
    store: Store,
    text: str,
    choices: dict[str, int],
    *,
    source: str = "phone",
    confirm_replace: bool = False,
) -> dict:
    """Record the ballot for a code; the last one cast before voting closes counts.

    A paper ballot entered by a steward over a phone vote needs `confirm_replace`, so the
    steward sees that this code has voted already. Returns the stored ballot.
    """
    if source not in ("phone", "paper"):
        raise DomainError("bad_source", N_("A ballot comes from a phone or from paper."))
    code_row = lookup(store, text)
    state = assembly.get(store)
    if not accepts_ballots(state["phase"]):
        raise Conflict("wrong_phase", N_("Voting is not open."))
    valid_ids = {idea["id"] for idea in ideas.visible(store)}
    canonical = validate(state["rules"], choices, valid_ids)
    with store.write() as db:
        rows = list(db.query("SELECT * FROM ballots WHERE ballot_id = ?", [code_row["ballot_id"]]))
        previous = rows[0] if rows else None
        if source == "paper" and previous and previous["source"] == "phone" and not confirm_replace:
            raise Conflict(
                "already_voted",
                N_("This code has already voted by phone. Tick 'replace' to enter the paper ballot instead."),
            )
        record = {
            "ballot_id": code_row["ballot_id"],
            "choices": json.dumps(canonical, sort_keys=True),
            "source": source,
            "revision": (previous["revision"] + 1) if previous else 1,
            "cast_at": now(),
        }
        db["ballots"].upsert(record, pk="ballot_id")
    record["choices"] = canonical
    return record


def all_choices(store: Store) -> list[dict[str, int]]:
    return [json.loads(row["choices"]) for row in store.query("SELECT choices FROM ballots")]


def code_status(store: Store, text: str) -> dict:
    """For a steward: has this code voted, and how."""
    code_row = lookup(store, text)
    ballot = current(store, code_row["ballot_id"])
    return {"code": code_row["code"], "voted": ballot is not None, "source": ballot and ballot["source"]}
