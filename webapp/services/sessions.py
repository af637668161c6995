"""Staff sign-in sessions kept as records on the kit, so they can be ended before they expire.

The browser's cookie holds only a random session id; the kit stores its SHA-256, the role, and
the credential it came from: the organiser passphrase's generation, or the steward code's hash.
A session counts only while its record is not revoked, its credential is still current, and the
kit's own clock reads between its start and its expiry.

Times come from the kit's own clock (`now()`, UTC) and are only ever compared with that same
clock, never with another machine's. A Pi without a real-time clock may boot at an earlier
time; a session that seems to start in the future then has an unknown age and ends (staff sign
in again), so no session can outlive `LIFETIME` on the kit's clock.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from webapp.storage import Store

from .common import now

# Absolute, not idle: a day's assembly fits in it, and no request has to write "last seen"
# (a disk sync on every staff page would compete with a room's votes for the write lock).
LIFETIME = timedelta(hours=12)
ROLES = ("organiser", "steward")
GENERATION = "organiser_generation"


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def organiser_credential_of(generation: str | None) -> str:
    return f"passphrase:{generation or 0}"


def organiser_credential(db) -> str:
    """The current passphrase generation as a credential: it changes with every new passphrase."""
    row = db.execute("SELECT value FROM settings WHERE name = ?", [GENERATION]).fetchone()
    return organiser_credential_of(row[0] if row else None)


def new_passphrase_in(db) -> None:
    """Inside the write that sets a new passphrase: start a new generation, end organiser sessions."""
    generation = int(organiser_credential(db).split(":")[1]) + 1
    db.execute(
        "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        [GENERATION, str(generation)],
    )
    db.execute("UPDATE staff_sessions SET revoked = 1 WHERE role = 'organiser'")


def start(store: Store, role: str, credential: str) -> str:
    """Record a new session and return its id (shown once, to go in the cookie).

    `credential` is what the sign-in checked: the steward code's hash, or the organiser credential
    read together with the passphrase (never re-read here, so a sign-in racing a passphrase reset
    records the old generation and is ended from the start).
    """
    if role not in ROLES or not credential:
        raise ValueError("a session needs the credential its sign-in checked")
    session_id = secrets.token_urlsafe(32)
    started = now()
    expires = (datetime.fromisoformat(started) + LIFETIME).isoformat(timespec="milliseconds")
    with store.write() as db:
        # Ended sessions are of no further use: clear them away while writing anyway.
        db.execute("DELETE FROM staff_sessions WHERE revoked = 1 OR expires_at <= ?", [started])
        db.execute(
            """INSERT INTO staff_sessions (id, role, credential, created_at, expires_at, revoked)
               VALUES (?, ?, ?, ?, ?, 0)""",
            [_digest(session_id), role, credential, started, expires],
        )
    return session_id


# A session counts while this holds (parameters :at, the kit's time now, and :generation).
_COUNTS = """s.revoked = 0 AND s.created_at <= :at AND s.expires_at > :at
    AND CASE s.role
      WHEN 'steward' THEN EXISTS (
        SELECT 1 FROM staff_codes c WHERE c.code_hash = s.credential AND c.revoked = 0)
      WHEN 'organiser' THEN s.credential = 'passphrase:' || coalesce(
        (SELECT value FROM settings WHERE name = :generation), '0')
      ELSE 0 END"""


def role_of(store: Store, session_id: str | None) -> str | None:
    """The session's role while it counts, else None."""
    if not session_id or not isinstance(session_id, str):
        return None
    return store.scalar(
        f"SELECT s.role FROM staff_sessions s WHERE s.id = :id AND {_COUNTS}",
        {"id": _digest(session_id), "at": now(), "generation": GENERATION},
    )


def signed_in(store: Store) -> dict[str, int]:
    """How many sessions count now, per role."""
    rows = store.query(
        f"SELECT s.role, count(*) AS n FROM staff_sessions s WHERE {_COUNTS} GROUP BY s.role",
        {"at": now(), "generation": GENERATION},
    )
    return {role: 0 for role in ROLES} | {row["role"]: row["n"] for row in rows}


def end(store: Store, session_id: str | None) -> None:
    """Sign one session out (the record stays, revoked, until the next sign-in clears it)."""
    if session_id and isinstance(session_id, str):
        with store.write() as db:
            db.execute("UPDATE staff_sessions SET revoked = 1 WHERE id = ?", [_digest(session_id)])


def end_all(store: Store) -> int:
    """Sign out everywhere: every organiser and steward session ends now."""
    with store.write() as db:
        return db.execute("UPDATE staff_sessions SET revoked = 1 WHERE revoked = 0").rowcount


def end_for_steward_code_in(db, code_hash: str) -> None:
    """Inside the write that revokes a steward code: its sessions end with it."""
    db.execute("UPDATE staff_sessions SET revoked = 1 WHERE credential = ?", [code_hash])
