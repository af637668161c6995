"""Ballot codes and ballots: one code, one ballot, changeable until voting closes."""
from __future__ import annotations

import json
import threading
from typing import Callable, Iterable

from cachetools import LRUCache
from sqlite_utils import Database

from webapp.domain import codes
from webapp.domain.errors import N_, Conflict, DomainError, NotFound
from webapp.domain.phases import accepts_ballots
from webapp.domain.voting import ballot_order, validate
from webapp.storage import Store

from . import content
from .common import new_id, now, whole_number

MAX_BATCH = 1000


def issue_codes(store: Store, count: object) -> list[str]:
    """Create a batch of new ballot codes; the opaque ballot id is unrelated to the code."""
    count = whole_number(count, field=N_("number of ballot codes"), low=1, high=MAX_BATCH)
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
    """Every code with how it voted in the current round."""
    sql = """SELECT ballot_codes.code, ballot_codes.batch, ballot_codes.issued_at,
                    ballots.source, ballots.cast_at
             FROM ballot_codes LEFT JOIN ballots
               ON ballots.ballot_id = ballot_codes.ballot_id
              AND ballots.round_id = (SELECT current_round FROM assembly)"""
    params: list = []
    if batch is not None:
        sql += " WHERE batch = ?"
        params.append(batch)
    return store.query(sql + " ORDER BY ballot_codes.rowid", params)


def lookup(store: Store, text: str) -> dict:
    """The code's record; CodeError if mistyped (caught before lookup), NotFound if unknown."""
    code = codes.normalize(text, codes.BALLOT)
    return _checked(store.one("SELECT * FROM ballot_codes WHERE code = ?", [code]))


_BALLOT_COLUMNS = ("round_id", "ballot_id", "choices", "source", "revision", "cast_at")
# The code, the content version and the code's ballot in the current round, in one statement
# (so one consistent reading): three queries on every page of a voter's flow were a visible share.
_VIEW_SQL = f"""SELECT ballot_codes.*, (SELECT value FROM versions WHERE name = 'content') AS _version,
                       (SELECT current_round FROM assembly) AS _round,
                       {", ".join(f"ballots.{c} AS _ballot_{c}" for c in _BALLOT_COLUMNS)}
                FROM ballot_codes LEFT JOIN ballots
                  ON ballots.ballot_id = ballot_codes.ballot_id
                 AND ballots.round_id = (SELECT current_round FROM assembly)
                WHERE ballot_codes.code = ?"""


def _checked(row: dict | None) -> dict:
    if row is None:
        raise NotFound("unknown_code", N_("We don't know that ballot code — check the slip."))
    if row.get("voided_at"):
        # Its slip was torn while printing and replaced by a slip with a new code.
        raise Conflict("voided_code", N_("This ballot code was replaced by a new slip and cannot vote: "
                                         "ask a steward."))
    return row


def current(store: Store, ballot_id: str, round_id: str | None = None) -> dict | None:
    """The code's ballot in a round (the current one), if it has voted there."""
    columns = ", ".join(_BALLOT_COLUMNS)
    if round_id is None:
        row = store.one(f"SELECT {columns} FROM ballots WHERE ballot_id = ? "
                        "AND round_id = (SELECT current_round FROM assembly)", [ballot_id])
    else:
        row = store.one(f"SELECT {columns} FROM ballots WHERE round_id = ? AND ballot_id = ?", [round_id, ballot_id])
    return _decoded(row)


def _decoded(row: dict | None) -> dict | None:
    """A stored ballot as the services hand it on: its choices read from JSON."""
    if row is None:
        return None
    return {**row, "choices": json.loads(row["choices"])}


def ballot_view(store: Store, text: str, *, with_ballot: bool = True, ordered: bool = True) -> dict:
    """What a voter sees: the ideas in this ballot's own order and (unless not wanted) any
    earlier choices. Also what `cast` needs, so a vote reads each thing once.

    The assembly and ideas come from the process's snapshot (content.py): only the code, the
    content version and the earlier ballot are read per request. A vote and the "vote saved"
    page need no order (`ordered=False`: the ideas by number); `in_ballot_order` gives it later
    if such a view is shown as a ballot after all."""
    code_row = _checked(store.one(_VIEW_SQL, [codes.normalize(text, codes.BALLOT)]))
    shown = content.snapshot(store, seen=code_row["_version"])
    ballot = None
    if with_ballot:
        if shown.version == code_row["_version"] and shown.assembly["round_id"] == code_row["_round"]:
            # Read with the code: the round of this very snapshot.
            ballot = _decoded({c: code_row[f"_ballot_{c}"] for c in _BALLOT_COLUMNS}
                              if code_row["_ballot_round_id"] is not None else None)
        else:  # the content moved between the two readings: the snapshot's round
            ballot = current(store, code_row["ballot_id"], shown.assembly["round_id"])
    return {
        "code": code_row["code"],
        "ballot_id": code_row["ballot_id"],
        "version": shown.version,
        "assembly": shown.assembly,
        "ideas": [shown.by_id[i] for i in _order(store, code_row["ballot_id"], shown.version, shown.by_id)]
        if ordered else list(shown.ideas),
        "ordered": ordered,
        "ballot": ballot,
    }


def in_ballot_order(store: Store, view: dict) -> dict:
    """`view` with its ideas in the ballot's own order (as it is if they are already)."""
    if view.get("ordered", True):
        return view
    by_id = {idea["id"]: idea for idea in view["ideas"]}
    order = _order(store, view["ballot_id"], view["version"], by_id)
    return {**view, "ideas": [by_id[i] for i in order], "ordered": True}


# A voter's flow (ballot, vote, thank-you) asks for the same order three times; hashing 60 ideas
# each time was a visible share of a vote's work.
_orders: LRUCache = LRUCache(maxsize=1024)
_orders_lock = threading.Lock()


def _order(store: Store, ballot_id: str, version: int, idea_ids: Iterable[str]) -> list[str]:
    key = (store.path, ballot_id, version)
    with _orders_lock:
        order = _orders.get(key)
    if order is None:
        order = ballot_order(ballot_id, idea_ids)
        with _orders_lock:
            _orders[key] = order
    return order


class _Stale(Exception):
    """The assembly or its ideas changed after the ballot was checked against them."""


def cast(
    store: Store,
    text: str,
    choices: dict[str, int],
    *,
    source: str = "phone",
    confirm_replace: bool = False,
    view: dict | None = None,
    also: Callable[[Database], None] | None = None,
) -> dict:
    """Record the ballot for a code; the last one cast before voting closes counts.

    A paper ballot entered by a steward over a phone vote needs `confirm_replace`, so the
    steward sees that this code has voted already. `view` is this code's ballot_view if the
    caller has it; `also` writes more in the same transaction. Returns the stored ballot.
    """
    if source not in ("phone", "paper"):
        raise DomainError("bad_source", N_("A ballot comes from a phone or from paper."))
    view = view or ballot_view(store, text, with_ballot=False)
    for _attempt in range(STALE_RETRIES):
        if not accepts_ballots(view["assembly"]["phase"]):
            raise Conflict("wrong_phase", N_("Voting is not open."))
        canonical = validate(view["assembly"]["rules"], choices, {idea["id"] for idea in view["ideas"]})
        record = {"round_id": view["assembly"]["round_id"], "ballot_id": view["ballot_id"], "choices": json.dumps(canonical, sort_keys=True),
                  "source": source, "cast_at": now()}
        try:
            # Everything is read and checked before the write; inside it, as little as possible.
            # Ballots cast at the same moment share one transaction (one disk sync).
            store.write_each(lambda db: _store(db, record, view["version"], confirm_replace, also))
        except _Stale:
            view = ballot_view(store, text, with_ballot=False)
            continue
        record["choices"] = canonical
        return record
    raise Conflict("busy", N_("The assembly changed while your vote was being saved. Please try again."))


STALE_RETRIES = 3


def _store(db: Database, record: dict, seen_version: int, confirm_replace: bool,
           also: Callable[[Database], None] | None) -> None:
    """The write of one ballot, inside the (shared) transaction."""
    # Phase, rules and ideas were checked against a snapshot: it must still be the current one,
    # or voting may have closed (or an idea been hidden) since.
    if content.version(db) != seen_version:
        raise _Stale()
    previous = db.execute(
        "SELECT source, revision FROM ballots WHERE round_id = ? AND ballot_id = ?",
        [record["round_id"], record["ballot_id"]]
    ).fetchone()
    if record["source"] == "paper" and previous and previous[0] == "phone" and not confirm_replace:
        raise Conflict(
            "already_voted",
            N_("This code has already voted by phone. Tick 'replace' to enter the paper ballot instead."),
        )
    record["revision"] = previous[1] + 1 if previous else 1
    db.execute(
        """INSERT INTO ballots (round_id, ballot_id, choices, source, revision, cast_at)
           VALUES (:round_id, :ballot_id, :choices, :source, :revision, :cast_at)
           ON CONFLICT (round_id, ballot_id) DO UPDATE SET choices = excluded.choices,
             source = excluded.source, revision = excluded.revision, cast_at = excluded.cast_at""",
        record,
    )
    if also is not None:
        also(db)


def all_choices(store: Store, round_id: str | None = None) -> list[dict[str, int]]:
    """Every ballot's choices in a round (the current one)."""
    sql = "SELECT choices FROM ballots WHERE round_id = coalesce(?, (SELECT current_round FROM assembly))"
    return [json.loads(row["choices"]) for row in store.query(sql, [round_id])]


def voted_status(view: dict) -> dict:
    """For a steward, from a ballot_view: has this code voted, and how."""
    ballot = view["ballot"]
    return {"code": view["code"], "voted": ballot is not None, "source": ballot and ballot["source"]}
