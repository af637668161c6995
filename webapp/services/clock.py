"""The kit's clock as the web app sees it: its state for pages and health, the "time unknown"
stamp for slips and exports, and an organiser's browser time offered at sign-in.

The clock file and its rules live in pi/clock.py (a leaf: the clock service uses it without the
web app). The file sits in the kit's data directory, beside the database.
"""
from __future__ import annotations

import math
from pathlib import Path

from pi import clock as pi_clock

from webapp.domain.errors import N_
from webapp.storage import Store

from . import kit_status

# What pages say for each state (translated where shown).
DESCRIPTIONS = {
    "ok": N_("The clock is set."),
    "restored": N_("The clock continued from the last time the kit saved; it may be behind by as long as "
                   "the kit was off. It is set again when the kit reaches the internet or an organiser signs in."),
    "never_set": N_("The clock has never been set, so slips and exports say “time unknown”. It is set when the "
                    "kit reaches the internet or an organiser signs in from a phone or laptop."),
}
TIME_UNKNOWN = N_("time unknown")


def state_dir(store: Store) -> Path:
    """Where the clock file lives: the data directory (the data partition on a kit)."""
    return Path(store.path).parent


def refresh(store: Store, **probes) -> dict:
    """The clock's state now (see pi.clock.clock_state), also recorded as kit status "clock"."""
    state = pi_clock.clock_state(state_dir(store), **probes)
    record(store, state)
    return state


def record(store: Store, state: dict) -> None:
    """Record a clock state (from the clock service or a page) for health and the lights."""
    kit_status.report(store, "clock", state=state["state"], message=state["message"])


def stamp(store: Store, **probes) -> str | None:
    """Now as "YYYY-MM-DD HH:MM UTC", or None when the clock was never set (say TIME_UNKNOWN)."""
    return pi_clock.stamp(state_dir(store), **probes)


def export_fields(store: Store, **probes) -> dict:
    """{"exported_at": "YYYY-MM-DD HH:MM UTC" or None, "clock": state} for an export's header."""
    state = pi_clock.clock_state(state_dir(store), **probes)["state"]
    return {"exported_at": None if state == "never_set" else pi_clock.format_time(), "clock": state}


def parse_browser_time(value: object) -> float | None:
    """A browser's Date.now() (milliseconds since 1970, as the sign-in form sends it) in seconds."""
    try:
        millis = float(str(value).strip())
    except ValueError:
        return None
    return millis / 1000 if math.isfinite(millis) else None


def offer_from_browser(store: Store, value: object, **probes) -> dict | None:
    """A signed-in organiser's browser offered its time: taken only forward, or when the clock
    was never set (pi.clock.offer). The web app has no privilege to set the system clock: it
    records the time in the clock file, and venuekit-clock.service sets the clock from it.
    None when the browser sent nothing usable."""
    offered = parse_browser_time(value) if value not in (None, "") else None
    if offered is None:
        return None
    answer = pi_clock.offer(state_dir(store), offered, apply=False, **probes)
    record(store, answer)
    return answer
