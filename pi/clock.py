"""The kit's clock without a real-time clock: saved on the data partition, never run backwards.

A Pi has no battery-backed clock. Like fake-hwclock (or systemd-timesyncd's clock file), the kit
saves the time it knows to a file and, at boot, moves the system clock forward to it, so time
never goes backwards across reboots. The file lives on the data partition (`clock.json` in the
kit's data directory): with overlayroot the root file system, where those tools keep theirs,
forgets every write at power-off.

The file also remembers whether its time descends from a trusted source (the network's time
servers, or an organiser's browser at sign-in), which is what tells the three states apart:

- ``ok``: set from a trusted source during this boot;
- ``restored``: continued from the last saved time (behind by as long as the kit was off);
- ``never_set``: nothing trusted has ever set it: dates would be wrong, so say "time unknown".

Setting the system clock needs the CAP_SYS_TIME privilege. Only `restore` and `watch` (run by
venuekit-clock.service, which holds that one capability) ever set it; the web app, which has
none, records an organiser's offered time in the file with `offer` and the service applies it.

Every edge is injectable (the time, the NTP probe, the boot id, the clock setter). A leaf
module: standard library only.
"""
from __future__ import annotations

import json
import subprocess
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .files import write_atomic

CLOCK_FILE = "clock.json"
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
SAVE_EVERY_S = 900.0
# Offers and saved times outside these years are a broken browser or file, not a date.
EARLIEST = datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp()
LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc).timestamp()
# A time this close to the clock's agrees with it (a browser's clock is a few seconds off).
AGREE_S = 60.0
STATES = ("ok", "restored", "never_set")
MESSAGES = {
    "ok": "The clock is set.",
    "restored": "The clock continued from the last saved time; it may be behind by as long as the kit was off.",
    "never_set": "The clock has never been set: dates are unknown until the kit reaches the internet "
                 "or an organiser signs in.",
}

Clock = Callable[[], float]
Probe = Callable[[], bool]
Setter = Callable[[float], None]


def ntp_synchronized() -> bool:
    """True when the system clock is synchronised from time servers (timedatectl says so)."""
    try:
        out = subprocess.run(["timedatectl", "show", "--property=NTPSynchronized", "--value"],
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and out.stdout.strip() == "yes"


def current_boot_id() -> str:
    """This boot's id from the kernel ("" where there is none)."""
    try:
        return BOOT_ID.read_text().strip()
    except OSError:
        return ""


def set_system_clock(epoch: float) -> None:
    """Set the system clock (needs CAP_SYS_TIME; the same call `date -s` makes)."""
    time.clock_settime(time.CLOCK_REALTIME, epoch)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="seconds")


def read(state_dir: Path) -> dict | None:
    """The saved clock file, or None when there is none (or it is unreadable: treated as none)."""
    try:
        data = json.loads((Path(state_dir) / CLOCK_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not (isinstance(data, dict) and isinstance(data.get("epoch"), (int, float))
            and EARLIEST <= data["epoch"] < LATEST):
        return None
    return data


def _write(state_dir: Path, epoch: float, *, trusted: bool, source: str, boot_id: str, boot_state: str,
           pending: bool = False) -> dict:
    """Replace the clock file atomically (a power cut leaves the old or the new file, never half).
    `pending`: an offered time the clock service has still to set the clock to."""
    data = {"epoch": int(epoch), "time": _iso(epoch), "set": trusted, "source": source,
            "boot_id": boot_id, "boot_state": boot_state, "pending": pending}
    write_atomic(Path(state_dir) / CLOCK_FILE, json.dumps(data).encode())
    return data


def _answer(state: str, **extra: object) -> dict:
    return {"state": state, "message": MESSAGES[state], **extra}


def clock_state(state_dir: Path, *, now: Clock = time.time, synced: Probe = ntp_synchronized,
                boot_id: Callable[[], str] = current_boot_id) -> dict:
    """{"state": "ok" | "restored" | "never_set", "message": plain words, "saved": ISO time or None}."""
    saved = read(state_dir)
    when = saved["time"] if saved else None
    if synced():
        return _answer("ok", source="ntp", saved=when)
    if saved and saved.get("boot_id") and saved.get("boot_id") == boot_id() and saved.get("boot_state") in STATES:
        return _answer(saved["boot_state"], source=saved.get("source"), saved=when)
    # No restore ran this boot: the saved time still counts if the clock has not fallen behind it.
    if saved and saved.get("set") and now() >= saved["epoch"]:
        return _answer("restored", source="saved", saved=when)
    return _answer("never_set", source=None, saved=when)


def save(state_dir: Path, *, now: Clock = time.time, synced: Probe = ntp_synchronized,
         boot_id: Callable[[], str] = current_boot_id) -> dict:
    """Save the current time (periodically and at shutdown); never a time before the saved one,
    unless the clock is synchronised from time servers, which are right by definition."""
    saved = read(state_dir)
    current = now()
    this_boot = boot_id()
    if synced():
        return _write(state_dir, current, trusted=True, source="ntp", boot_id=this_boot, boot_state="ok")
    state = clock_state(state_dir, now=lambda: current, synced=lambda: False, boot_id=lambda: this_boot)
    if saved and (current < saved["epoch"] or saved.get("pending")):
        return saved  # the clock is behind the saved time (keep the later one), or an offer waits
    if not EARLIEST <= current < LATEST:
        return saved or {}
    return _write(state_dir, current, trusted=bool(saved and saved.get("set")) or state["state"] == "ok",
                  source=(saved or {}).get("source") or "saved", boot_id=this_boot, boot_state=state["state"])


def restore(state_dir: Path, *, apply: bool = True, now: Clock = time.time, synced: Probe = ntp_synchronized,
            boot_id: Callable[[], str] = current_boot_id, set_clock: Setter = set_system_clock) -> dict:
    """At boot: move the system clock forward to the saved time if it is behind, and record
    this boot's state. `apply=False` (a root tree on a laptop) records without setting."""
    saved = read(state_dir)
    this_boot = boot_id()
    result = {"changed": False, "error": None}
    if synced():
        _write(state_dir, now(), trusted=True, source="ntp", boot_id=this_boot, boot_state="ok")
        return {**clock_state(state_dir, now=now, synced=synced, boot_id=boot_id), **result}
    if saved is None:
        return {**_answer("never_set", source=None, saved=None), **result}
    if now() < saved["epoch"] and apply:
        try:
            set_clock(saved["epoch"])
            result["changed"] = True
        except OSError as exc:  # PermissionError without CAP_SYS_TIME
            result["error"] = f"cannot set the system clock: {exc.strerror or exc}"
    already = saved.get("boot_id") == this_boot and saved.get("boot_state") in STATES
    state = saved["boot_state"] if already else ("restored" if saved.get("set") else "never_set")
    _write(state_dir, max(now(), saved["epoch"]), trusted=bool(saved.get("set")),
           source=saved.get("source") or "saved", boot_id=this_boot, boot_state=state)
    return {**_answer(state, source=saved.get("source"), saved=saved["time"]), **result}


def offer(state_dir: Path, offered: float, *, now: Clock = time.time, synced: Probe = ntp_synchronized,
          boot_id: Callable[[], str] = current_boot_id, apply: bool = False,
          set_clock: Setter = set_system_clock) -> dict:
    """A trusted person's time (an organiser's browser at sign-in): taken only forward, or when
    the clock was never set. Recorded in the clock file; the system clock itself is set here
    only with `apply` (a privileged caller), else by venuekit-clock.service when it sees the file.

    Returns {"accepted": bool, "reason": str, ...clock_state}.
    """
    this_boot = boot_id()
    before = clock_state(state_dir, now=now, synced=synced, boot_id=lambda: this_boot)
    current = now()
    if not (isinstance(offered, (int, float)) and EARLIEST <= offered < LATEST):
        return {**before, "accepted": False, "reason": "not a plausible time"}
    if before["state"] == "ok":
        return {**before, "accepted": False, "reason": "the clock is already set"}
    if before["state"] != "never_set" and offered < current - AGREE_S:
        return {**before, "accepted": False, "reason": "the clock never goes back"}
    target = max(offered, current) if before["state"] != "never_set" else offered
    _write(state_dir, target, trusted=True, source="browser", boot_id=this_boot, boot_state="ok",
           pending=not apply)
    answer = {**_answer("ok", source="browser", saved=_iso(target)), "accepted": True, "reason": "", "error": None}
    if apply and abs(target - current) > 1:
        try:
            set_clock(target)
        except OSError as exc:
            answer["error"] = f"cannot set the system clock: {exc.strerror or exc}"
    return answer


def apply_offer(state_dir: Path, *, now: Clock = time.time, synced: Probe = ntp_synchronized,
                set_clock: Setter = set_system_clock) -> bool:
    """Set the clock to an offered time the web app recorded (`pending`; backwards too, which an
    offer may be only while the clock was never set), or to a saved time the clock is behind.
    True if it was moved. Never against the time servers' time."""
    saved = read(state_dir)
    if saved is None or synced():
        return False
    current = now()
    pending = bool(saved.get("pending"))
    move = current < saved["epoch"] - AGREE_S or (pending and abs(current - saved["epoch"]) > AGREE_S)
    if move:
        set_clock(saved["epoch"])
    if pending:
        _write(state_dir, saved["epoch"], trusted=bool(saved.get("set")), source=saved.get("source") or "browser",
               boot_id=saved.get("boot_id") or "", boot_state=saved.get("boot_state") or "ok")
    return move


def watch(state_dir: Path, stop: threading.Event, *, every_s: float = SAVE_EVERY_S, poll_s: float = 2.0,
          on_state: Callable[[dict], None] = lambda state: None, log: Callable[[str], None] = print,
          now: Clock = time.time, synced: Probe = ntp_synchronized, set_clock: Setter = set_system_clock,
          boot_id: Callable[[], str] = current_boot_id) -> None:
    """The clock service: restore, then apply offered times as they arrive, save every
    `every_s` and once more when stopped (at shutdown). `on_state` hears the state each round."""
    probes = {"now": now, "synced": synced, "boot_id": boot_id}
    result = restore(state_dir, set_clock=set_clock, **probes)
    if result.get("error"):
        log(f"clock: {result['error']}")
    on_state(clock_state(state_dir, **probes))
    last_save = time.monotonic()
    while not stop.wait(poll_s):
        try:
            if apply_offer(state_dir, now=now, synced=synced, set_clock=set_clock):
                log("clock: set from the time an organiser's browser offered")
        except OSError as exc:
            log(f"clock: cannot set the system clock: {exc.strerror or exc}")
        state = clock_state(state_dir, **probes)
        # The time servers answered: record it now, so readers that cannot ask (the web app's
        # sandbox may not reach timedatectl) see "ok" from the file.
        newly_synced = state.get("source") == "ntp" and (read(state_dir) or {}).get("source") != "ntp"
        if newly_synced or time.monotonic() - last_save >= every_s:
            save(state_dir, **probes)
            last_save = time.monotonic()
        on_state(state)
    save(state_dir, **probes)


def stamp(state_dir: Path, epoch: float | None = None, **probes) -> str | None:
    """The time as "YYYY-MM-DD HH:MM UTC" for slips and exports, or None when the clock was never
    set (callers print "time unknown" instead of 1970 or a wrong date)."""
    if clock_state(state_dir, **probes)["state"] == "never_set":
        return None
    return format_time(epoch)


def format_time(epoch: float | None = None) -> str:
    """A time (default now) as slips print it: "YYYY-MM-DD HH:MM UTC"."""
    return datetime.fromtimestamp(time.time() if epoch is None else epoch, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
