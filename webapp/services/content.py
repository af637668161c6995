"""What every ballot page shows — the assembly (question, phase, rules) and the ideas on the
ballot — read once per change instead of once per request.

Each process keeps the last snapshot it read, tagged with `content_version`: a counter in the
database that triggers bump in the same transaction as any change to the assembly, its groups
or its ideas (migration 0009), whichever process or connection made it. A request reads that one
number (a primary-key lookup) and re-reads everything else only when it moved, so a change made
by another worker, the CLI or sync shows on the very next page.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

from webapp.storage import Store

from . import assembly, ideas

VERSION_SQL = "SELECT value FROM versions WHERE name = 'content'"


@dataclass(frozen=True)
class Snapshot:
    """One consistent reading; shared between requests, so never modified."""

    version: int
    assembly: dict
    ideas: tuple[dict, ...]  # visible ideas, by number
    by_id: dict[str, dict]


_lock = threading.Lock()


def version(db) -> int:
    """The content version as `db` (a connection, possibly inside a transaction) sees it."""
    return db.execute(VERSION_SQL).fetchone()[0]


def snapshot(store: Store, seen: int | None = None) -> Snapshot:
    """The current assembly and ballot ideas, re-read only if the database changed them.
    `seen`: the content version the caller has just read (one query fewer)."""
    current = version(store.db) if seen is None else seen
    cached: Snapshot | None = getattr(store, "content_snapshot", None)
    if cached is not None and cached.version == current:
        return cached
    if cached is None:
        assembly.ensure_assembly(store)  # may write, so before the read transaction
    fresh = _read(store)
    with _lock:
        held = getattr(store, "content_snapshot", None)
        if held is None or held.version < fresh.version:
            store.content_snapshot = fresh
    return fresh


def _read(store: Store) -> Snapshot:
    # One read transaction, so the version matches the rows read with it.
    conn = store.db.conn
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        current = version(store.db)
        state = assembly.get(store)
        on_ballot = tuple(ideas.visible(store))
    finally:
        if own:
            conn.execute("COMMIT")
    return Snapshot(current, state, on_ballot, {idea["id"]: idea for idea in on_ballot})
