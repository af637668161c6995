"""The Power hold: every step before power-off is bounded, and power-off happens even if one hangs."""
from __future__ import annotations

import sqlite3
import threading
import time

from tests.conftest import make_assembly
from webapp import kit_buttons
from webapp.config import load
from webapp.storage import open_store

STEP_S = 0.6


def kit(tmp_path, command):
    store = open_store(tmp_path)
    make_assembly(store, phase="setup", groups=1)
    settings = load(tmp_path)
    settings.update(SHUTDOWN_COMMAND=command, WEB_PORT=1)
    return store, settings


def printing_job(store) -> str:
    """A slip the spooler is sending right now."""
    with store.write() as db:
        db["print_jobs"].insert({"id": "job-1", "kind": "kit_ready", "payload": "{}", "status": "printing",
                                 "created_at": "2026-01-01T00:00:00", "updated_at": "2026-01-01T00:00:00"})
    return "job-1"


def wal_size(tmp_path) -> int:
    wal = next(tmp_path.glob("*.db-wal"), None)
    return wal.stat().st_size if wal is not None else 0


def test_power_hold_checkpoints_the_database_then_powers_off(tmp_path, monkeypatch):
    marker = tmp_path / "powered-off"
    store, settings = kit(tmp_path, ["touch", str(marker)])
    monkeypatch.setattr(kit_buttons, "STEP_TIMEOUT_S", STEP_S)
    assert wal_size(tmp_path) > 0
    kit_buttons.callbacks(store, settings)["on_shutdown"]()
    assert marker.exists()
    assert wal_size(tmp_path) == 0  # wal_checkpoint(TRUNCATE): everything is in the database file


def test_the_slip_being_printed_finishes_before_power_off(tmp_path, monkeypatch):
    marker = tmp_path / "powered-off"
    store, settings = kit(tmp_path, ["touch", str(marker)])
    monkeypatch.setattr(kit_buttons, "STEP_TIMEOUT_S", 5.0)
    job = printing_job(store)
    seen_printing_when_done = []

    def spooler_finishes():
        time.sleep(0.5)
        seen_printing_when_done.append(marker.exists())
        with store.write() as db:
            db.execute("UPDATE print_jobs SET status = 'printed' WHERE id = ?", [job])

    printer = threading.Thread(target=spooler_finishes)
    printer.start()
    kit_buttons.callbacks(store, settings)["on_shutdown"]()
    printer.join()
    assert seen_printing_when_done == [False]  # power-off waited for the slip
    assert marker.exists()


def test_hung_steps_are_bounded_and_the_kit_still_powers_off(tmp_path, monkeypatch):
    marker = tmp_path / "powered-off"
    store, settings = kit(tmp_path, ["touch", str(marker)])
    monkeypatch.setattr(kit_buttons, "STEP_TIMEOUT_S", STEP_S)
    # A slip that never finishes printing, and another process holding the database's write
    # lock (the checkpoint waits on it for the 10 s busy timeout): both steps would hang.
    printing_job(store)
    holder = sqlite3.connect(str(store.path), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        results = kit_buttons.safe_shutdown(store, settings)
        elapsed = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert marker.exists(), "the power-off command ran although the steps hung"
    outcomes = {r.name: r.outcome for r in results}
    assert outcomes["spooler"] == "timed_out" and outcomes["database"] == "timed_out"
    assert outcomes["power off"] == "done"
    steps = len(results)
    assert elapsed < STEP_S * steps + 1.0


def test_a_hanging_power_off_command_is_bounded_too(tmp_path, monkeypatch):
    store, settings = kit(tmp_path, ["sleep", "30"])
    monkeypatch.setattr(kit_buttons, "STEP_TIMEOUT_S", STEP_S)
    started = time.monotonic()
    results = kit_buttons.safe_shutdown(store, settings)
    assert time.monotonic() - started < 8
    assert results[-1].name == "power off" and results[-1].outcome == "timed_out"


def test_a_failing_step_does_not_stop_the_others(tmp_path, monkeypatch):
    marker = tmp_path / "powered-off"
    store, settings = kit(tmp_path, ["touch", str(marker)])
    monkeypatch.setattr(kit_buttons, "STEP_TIMEOUT_S", STEP_S)
    broken = open_store(tmp_path / "other")
    broken.path.unlink()
    broken.path.mkdir()  # a directory where the database file should be: every query fails
    results = kit_buttons.safe_shutdown(broken, settings)
    assert {r.name: r.outcome for r in results}["database"] == "failed"
    assert marker.exists()
