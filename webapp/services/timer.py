"""The room's countdown: a deliberation or voting period an organiser or steward starts.

Kept in the `settings` table (name/value), so every worker and the live process see one timer
and a start or stop wakes the live screens like any other commit. The end is stored on the
kernel's boot clock (CLOCK_BOOTTIME, with the boot's id), not the date: a kit without a
real-time clock has its date set when an organiser signs in, or put back to the last saved
time after a power cut, and a countdown on the date would jump by days then. Every process of
one boot reads the same boot clock; a countdown from before a restart is gone (start it
again). Pages show what is left, worked out on the kit; a browser's own clock is never used.
"""
from __future__ import annotations

import math
import time
from datetime import datetime, timezone
from pathlib import Path

from webapp.domain.errors import N_
from webapp.storage import Store

from .common import whole_number

ENDS_AT = "timer_ends_at"
MINUTES = "timer_minutes"
MAX_MINUTES = 240
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
BOOT_CLOCK = getattr(time, "CLOCK_BOOTTIME", time.CLOCK_MONOTONIC)  # counts on through a suspend


def _boot() -> str:
    try:
        return BOOT_ID.read_text().strip()
    except OSError:
        return "unknown"


def _seconds() -> float:
    return time.clock_gettime(BOOT_CLOCK)


def start(store: Store, minutes: object, now: float | None = None) -> dict:
    """Start (or restart) the countdown for `minutes` whole minutes from now (`now`: a reading of
    the boot clock, for tests)."""
    count = whole_number(minutes, field=N_("minutes"), low=1, high=MAX_MINUTES)
    ends = (_seconds() if now is None else now) + count * 60
    with store.write() as db:
        db["settings"].upsert({"name": ENDS_AT, "value": f"{_boot()} {ends:.3f}"}, pk="name")
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
    boot, _, ends_text = rows[ENDS_AT].partition(" ")
    try:
        ends = float(ends_text)
        minutes = int(rows.get(MINUTES, "0"))
    except ValueError:
        return None
    if boot != _boot():
        return None  # started before the kit restarted: that boot's clock is gone
    # Never more than was asked for, whatever the clocks did.
    left = min(max(0.0, ends - (_seconds() if now is None else now)), minutes * 60)
    seconds = math.ceil(left)
    return {
        # Shown beside the countdown without JavaScript (once the kit's date is set): the kit's
        # date now plus what is left, in UTC, the kit's own time zone.
        "ends_text": datetime.fromtimestamp(time.time() + left, timezone.utc).strftime("%H:%M"),
        "minutes": minutes,
        "remaining_s": seconds,
        # Rounded up: "1 minute left" until the very last second, never "0 minutes" too early.
        "remaining_min": math.ceil(seconds / 60),
        "clock": f"{seconds // 60}:{seconds % 60:02d}",
        "done": seconds == 0,
    }
