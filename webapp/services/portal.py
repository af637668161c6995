"""Which phones the portal holds captive and which it has released, remembered with an expiry."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from webapp.domain.portal import CAPTIVE, RELEASED
from webapp.storage import Store

from .common import now


def state(store: Store, address: str) -> str:
    """'released' while a release for this address has not expired, else 'captive'."""
    row = store.one("SELECT state, expires_at FROM portal_clients WHERE address = ?", [address])
    if row is None or row["state"] != RELEASED:
        return CAPTIVE
    if row["expires_at"] <= now():
        return CAPTIVE
    return RELEASED


def release_in(db, address: str, reason: str, hours: float) -> None:
    """Record a release inside a write the caller already holds (e.g. the ballot's own)."""
    expires = datetime.now(timezone.utc) + timedelta(hours=hours)
    db.execute(
        """INSERT INTO portal_clients (address, state, reason, updated_at, expires_at)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (address) DO UPDATE SET state = excluded.state, reason = excluded.reason,
             updated_at = excluded.updated_at, expires_at = excluded.expires_at""",
        [address, RELEASED, reason, now(), expires.isoformat(timespec="milliseconds")],
    )


def release(store: Store, address: str, reason: str, hours: float) -> None:
    """Tell this phone's OS "online" from now on, so its portal window can close."""
    if state(store, address) == RELEASED:
        return
    with store.write() as db:
        release_in(db, address, reason, hours)


def capture(store: Store, address: str) -> None:
    """Hold this phone captive again, so its OS opens the portal window on the next probe."""
    with store.write() as db:
        db.execute("DELETE FROM portal_clients WHERE address = ?", [address])


def released_count(store: Store) -> int:
    return store.scalar(
        "SELECT count(*) FROM portal_clients WHERE state = ? AND expires_at > ?", [RELEASED, now()]
    )
