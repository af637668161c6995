"""The room's countdown: a deliberation or voting period an organiser or steward starts.

Kept in the `settings` table (name/value), so every worker and the live process see one timer
and a start or stop wakes the live screens like any other commit. The end is stored as an
absolute time from the kit's own clock (seconds since 1970, `time.time()`): every process on a
kit reads the same system clock, so they agree on what is left even when that clock's date is
wrong (a Pi without a real-time clock). Pages show what is left, worked out on the kit; a
browser's own clock is never compared with it.
"""
from __future__ import annotations

import math
import time
from datetime import datetime, timezone

from webapp.domain.errors import N_
from webapp.storage import Store

from .common import whole_number

ENDS_AT = "timer_ends_at"
MINUTES = "timer_minutes"
MAX_MINUTES = 240


def start(store: Store, minutes: object, now: float | None = None) -> dict:
    """Start (or restart) the countdown for `minutes` whole minutes from now."""
    count = whole_number(minutes, field=N_("minutes"), low=1, high=MAX_MINUTES)
    ends = (time.time() if now is None else now) + count * 60
    with store.write() as db:
        db["settings"].upsert({"name": ENDS_AT, "value": f"{ends:.3f}"}, pk="name")
        db["settings"].upsert({"name": MINUTES, "value": str(count)}, pk="name")
    return current(store, now) or {}


def stop(store: Store) -> None:
    with store.write() as db:
        db.execute("DELETE FROM settings WHERE name IN (?, ?)", [ENDS_AT, MINUTES])


def current(store: Store, now: float | None = None) -> dict | None:
    """The countdown as pages show it, or None when none was started.

    A timer that ran out stays (remaining 0, `done`) until someone stops or restarts it, so the
    room sees "time is up" rather than the timer vanishing."""
    rows = {row["name"]: row["value"] for row in store.query(
        "SELECT name, value FROM settings WHERE name IN (?, ?)", [ENDS_AT, MINUTES])}
    if ENDS_AT not in rows:
        return None
    try:
        ends = float(rows[ENDS_AT])
        minutes = int(rows.get(MINUTES, "0"))
    except ValueError:
        return None
    left = max(0.0, ends - (time.time() if now is None else now))
    seconds = math.ceil(left)
    return {
        "ends_at": ends,
        # Shown beside the countdown without JavaScript; in UTC, the kit's own time zone.
        "ends_text": datetime.fromtimestamp(ends, timezone.utc).strftime("%H:%M"),
        "minutes": minutes,
        "remaining_s": seconds,
        # Rounded up: "1 minute left" until the very last second, never "0 minutes" too early.
        "remaining_min": math.ceil(seconds / 60),
        "clock": f"{seconds // 60}:{seconds % 60:02d}",
        "done": seconds == 0,
    }
