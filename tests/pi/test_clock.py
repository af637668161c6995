"""The kit's clock file: never backwards across boots, the three states, offers only forward."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timezone

import pytest

from pi import clock

DAY = 86400.0
REAL = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc).timestamp()
BUILD = datetime(2025, 1, 1, tzinfo=timezone.utc).timestamp()  # a Pi boots near its image's date


class Machine:
    """A fake Pi: a system clock without a battery, a boot id, and a time-server flag."""

    def __init__(self, start: float):
        self.time = start
        self.boot = "boot-1"
        self.ntp = False
        self.sets: list[float] = []

    def now(self) -> float:
        return self.time

    def set_clock(self, epoch: float) -> None:
        self.sets.append(epoch)
        self.time = epoch

    def reboot(self, off_for: float = 3600) -> None:
        """Power off for a while: the clock starts again from the image's date, not from the real time."""
        self.boot = f"boot-{len(self.boot) + 1}-{off_for}"
        self.time = BUILD
        self.ntp = False

    def kw(self, **extra) -> dict:
        return {"now": self.now, "synced": lambda: self.ntp, "boot_id": lambda: self.boot, **extra}


def test_never_set_until_something_trusted_sets_it(tmp_path):
    pi = Machine(BUILD)
    assert clock.restore(tmp_path, **pi.kw(set_clock=pi.set_clock))["state"] == "never_set"
    clock.save(tmp_path, **pi.kw())
    assert clock.clock_state(tmp_path, **pi.kw())["state"] == "never_set"
    assert clock.stamp(tmp_path, **pi.kw()) is None
    pi.reboot()
    # The untrusted time saved before does not make a restored clock.
    assert clock.restore(tmp_path, **pi.kw(set_clock=pi.set_clock))["state"] == "never_set"
    assert "never been set" in clock.clock_state(tmp_path, **pi.kw())["message"]


def test_time_never_goes_backwards_across_reboots(tmp_path):
    pi = Machine(REAL)
    pi.ntp = True
    clock.save(tmp_path, **pi.kw())
    assert clock.clock_state(tmp_path, **pi.kw())["state"] == "ok"
    pi.time += 600
    pi.reboot()
    assert pi.time < REAL
    result = clock.restore(tmp_path, **pi.kw(set_clock=pi.set_clock))
    assert result["state"] == "restored" and result["changed"]
    assert pi.time >= REAL and pi.sets == [REAL]
    assert clock.clock_state(tmp_path, **pi.kw())["state"] == "restored"
    assert clock.stamp(tmp_path, **pi.kw()) is not None
    # Running on, saving, and another reboot: still at least the last saved time.
    pi.time += 7200
    clock.save(tmp_path, **pi.kw())
    saved = pi.time
    pi.reboot()
    clock.restore(tmp_path, **pi.kw(set_clock=pi.set_clock))
    assert pi.time >= saved
    # The time servers answer later in this boot: ok.
    pi.ntp = True
    assert clock.clock_state(tmp_path, **pi.kw())["state"] == "ok"


def test_save_never_writes_an_earlier_time(tmp_path):
    pi = Machine(REAL)
    pi.ntp = True
    clock.save(tmp_path, **pi.kw())
    pi.ntp = False
    pi.time = REAL - 5 * DAY  # the clock fell back (restore could not run)
    clock.save(tmp_path, **pi.kw())
    assert clock.read(tmp_path)["epoch"] == int(REAL)
    assert clock.clock_state(tmp_path, **pi.kw())["state"] == "ok"  # this boot's record
    pi.boot = "other"
    assert clock.clock_state(tmp_path, **pi.kw())["state"] == "never_set"


def test_restore_on_a_root_tree_does_not_touch_the_clock(tmp_path):
    pi = Machine(REAL)
    pi.ntp = True
    clock.save(tmp_path, **pi.kw())
    pi.reboot()
    result = clock.restore(tmp_path, apply=False, **pi.kw(set_clock=pi.set_clock))
    assert result["state"] == "restored" and not result["changed"] and pi.sets == []


def test_restore_without_privilege_says_so(tmp_path):
    pi = Machine(REAL)
    pi.ntp = True
    clock.save(tmp_path, **pi.kw())
    pi.reboot()

    def refuse(epoch):
        raise PermissionError(1, "Operation not permitted")

    result = clock.restore(tmp_path, **pi.kw(set_clock=refuse))
    assert result["error"] == "cannot set the system clock: Operation not permitted"


def test_offer_when_never_set_is_taken_even_backwards(tmp_path):
    pi = Machine(REAL + 30 * DAY)  # a wrong clock, never set
    answer = clock.offer(tmp_path, REAL, **pi.kw())
    assert answer["accepted"] and answer["state"] == "ok"
    assert clock.read(tmp_path)["epoch"] == int(REAL) and clock.read(tmp_path)["source"] == "browser"
    assert pi.sets == []  # recorded only: the web app has no privilege


def test_offer_only_forward_once_restored(tmp_path):
    pi = Machine(REAL)
    pi.ntp = True
    clock.save(tmp_path, **pi.kw())
    pi.reboot()
    clock.restore(tmp_path, **pi.kw(set_clock=pi.set_clock))
    behind = clock.offer(tmp_path, REAL - DAY, **pi.kw())
    assert not behind["accepted"] and behind["reason"] == "the clock never goes back"
    assert clock.clock_state(tmp_path, **pi.kw())["state"] == "restored"
    ahead = clock.offer(tmp_path, REAL + DAY, **pi.kw(apply=True, set_clock=pi.set_clock))
    assert ahead["accepted"] and pi.time == REAL + DAY
    assert clock.clock_state(tmp_path, **pi.kw())["state"] == "ok"
    assert not clock.offer(tmp_path, REAL + 2 * DAY, **pi.kw())["accepted"]  # already set


@pytest.mark.parametrize("offered", [0, 1e12, float("nan"), "2026"])
def test_offer_refuses_nonsense(tmp_path, offered):
    pi = Machine(BUILD)
    assert not clock.offer(tmp_path, offered, **pi.kw())["accepted"]
    assert clock.read(tmp_path) is None


def test_a_broken_file_counts_as_none(tmp_path):
    (tmp_path / clock.CLOCK_FILE).write_text("{not json")
    pi = Machine(BUILD)
    assert clock.clock_state(tmp_path, **pi.kw())["state"] == "never_set"
    (tmp_path / clock.CLOCK_FILE).write_text(json.dumps({"epoch": 5, "set": True}))
    assert clock.restore(tmp_path, **pi.kw(set_clock=pi.set_clock))["state"] == "never_set"
    assert pi.sets == []


def test_watch_applies_an_offer_and_saves_at_stop(tmp_path):
    pi = Machine(REAL)
    pi.ntp = True
    clock.save(tmp_path, **pi.kw())
    pi.reboot()
    stop = threading.Event()
    states: list[str] = []

    def on_state(state):
        states.append(state["state"])
        if len(states) == 2:
            # The web app records an organiser's time (it cannot set the clock itself).
            clock.offer(tmp_path, REAL + DAY, now=pi.now, synced=lambda: False, boot_id=lambda: pi.boot)
        if len(states) == 4:
            stop.set()

    clock.watch(tmp_path, stop, poll_s=0.01, on_state=on_state, log=lambda line: None, now=pi.now,
                synced=lambda: pi.ntp, set_clock=pi.set_clock, boot_id=lambda: pi.boot)
    assert states[0] == "restored" and states[-1] == "ok"
    assert pi.sets == [REAL, REAL + DAY]
    assert clock.read(tmp_path)["epoch"] == int(REAL + DAY)


def test_an_offer_while_never_set_may_move_the_clock_back(tmp_path):
    pi = Machine(REAL + 30 * DAY)  # never set, and ahead (a wrong saved time from somewhere)
    clock.save(tmp_path, **pi.kw())
    answer = clock.offer(tmp_path, REAL, **pi.kw())
    assert answer["accepted"] and clock.read(tmp_path)["pending"]
    clock.save(tmp_path, **pi.kw())  # a periodic save before the service applied it keeps the offer
    assert clock.read(tmp_path)["epoch"] == int(REAL)
    assert clock.apply_offer(tmp_path, now=pi.now, synced=lambda: False, set_clock=pi.set_clock)
    assert pi.time == int(REAL) and not clock.read(tmp_path)["pending"]
    # Applied once: the next round leaves the clock alone.
    assert not clock.apply_offer(tmp_path, now=pi.now, synced=lambda: False, set_clock=pi.set_clock)
    assert clock.clock_state(tmp_path, **pi.kw())["state"] == "ok"


def test_an_offer_is_never_applied_against_the_time_servers(tmp_path):
    pi = Machine(REAL)
    clock.offer(tmp_path, REAL + DAY, **pi.kw())
    pi.ntp = True
    assert not clock.apply_offer(tmp_path, now=pi.now, synced=lambda: pi.ntp, set_clock=pi.set_clock)
    assert pi.sets == []


def test_watch_records_the_time_servers_at_once(tmp_path):
    pi = Machine(REAL)
    stop = threading.Event()
    rounds: list[str] = []
    during: dict = {}

    def on_state(state):
        rounds.append(state["state"])
        pi.ntp = True  # the uplink comes up after the first round
        if len(rounds) == 3:
            during.update(clock.read(tmp_path) or {})
            stop.set()

    clock.watch(tmp_path, stop, poll_s=0.01, on_state=on_state, log=lambda line: None, now=pi.now,
                synced=lambda: pi.ntp, set_clock=pi.set_clock, boot_id=lambda: pi.boot)
    assert rounds[0] == "never_set" and rounds[-1] == "ok"
    # Saved at once (not 15 minutes later, nor only at stop): a reader without timedatectl sees "ok".
    assert during["source"] == "ntp" and during["set"]
    assert clock.clock_state(tmp_path, now=pi.now, synced=lambda: False, boot_id=lambda: pi.boot)["state"] == "ok"
