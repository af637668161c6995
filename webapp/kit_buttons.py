"""The kit's buttons and lights wired to the assembly: what a press queues, where status comes from.

`pi/` knows pins and presses; this module gives it the kit's callbacks (print jobs, a safe
shutdown) and the web app's kit-status URL.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from pi.service import run_buttons_service
from pi.shutdown import StepResult, power_off
from pi.status import http_status_source

from webapp.printing import queue
from webapp.storage import Store


log = logging.getLogger(__name__)

# The longest any one step of the Power hold may take; the power-off command runs after them
# whatever they did, so the kit is off at most a few of these after the hold.
STEP_TIMEOUT_S = 8.0


def _slip_in_hand_printed(store: Store, limit: float) -> None:
    """Wait for the slip the spooler is sending, so it is not cut off (and reprinted) at power-off."""
    deadline = time.monotonic() + limit
    try:
        while store.scalar("SELECT count(*) FROM print_jobs WHERE status = 'printing'"):
            if time.monotonic() > deadline:
                raise TimeoutError("a slip is still printing")
            time.sleep(0.1)
    finally:
        store.close()  # this thread's own connection


def _checkpoint(store: Store) -> None:
    """Move the write-ahead log into the database file and empty it: the file alone is complete."""
    try:
        busy, _log_pages, _moved = store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise RuntimeError("the database was busy: the checkpoint could not finish")
    finally:
        store.close()


def safe_shutdown(store: Store, settings: dict) -> list[StepResult]:
    """The Power hold: let the spooler finish its slip, checkpoint the database, flush the disks,
    then run `shutdown_command`; each step is bounded, and a hung one is skipped."""
    steps = [
        ("spooler", lambda: _slip_in_hand_printed(store, STEP_TIMEOUT_S + 1)),
        ("database", lambda: _checkpoint(store)),
        ("disk", os.sync),
    ]
    results = power_off(steps, settings["SHUTDOWN_COMMAND"], step_timeout=STEP_TIMEOUT_S)
    log.warning("power hold: %s", ", ".join(f"{r.name} {r.outcome}" for r in results))
    return results


def callbacks(store: Store, settings: dict) -> dict:
    kit = queue.KitInfo.from_config(settings, queue.kit_url(settings, f"http://127.0.0.1:{settings['WEB_PORT']}/"))
    return {
        "on_print_next": lambda: queue.next_group_card(store, kit, settings["SLIPS_PER_GROUP"]),
        "on_print_kit_ready": lambda: queue.kit_ready(store, kit),
        "on_shutdown": lambda: safe_shutdown(store, settings),
    }


def run(store: Store, settings: dict, stop: threading.Event, *, pin_factory: Any = None,
        root: str | Path = "/", retry_s: float = 30.0) -> None:
    """Run the buttons and lights until `stop` is set, reporting the GPIO driver ("buttons").

    A GPIO driver that fails on a Pi is reported as a fault (the organiser and steward pages
    and `venuekit health` show it) and retried every `retry_s`, never replaced by mock pins.
    """
    from pi.config import PiConfig, PinFactoryError, make_pin_factory, pin_driver

    from webapp.services import kit_status

    status = http_status_source(f"http://127.0.0.1:{settings['WEB_PORT']}/api/v1/kit-status")
    try:
        config = PiConfig.from_mapping(settings["BUTTONS"])
    except ValueError as exc:
        kit_status.report(store, "buttons", state="fault", driver=None, error=f"buttons settings: {exc}")
        raise
    driver = pin_driver(config.pin_factory, root)
    while not stop.is_set():
        try:
            factory = pin_factory if pin_factory is not None else make_pin_factory(config.pin_factory, root)
        except PinFactoryError as exc:
            log.error("%s", exc)
            kit_status.report(store, "buttons", state="fault", driver=driver, error=str(exc))
            stop.wait(retry_s)
            continue
        kit_status.report(store, "buttons", state="ok", driver=driver, error=None)
        try:
            run_buttons_service(config, callbacks(store, settings), status, stop, pin_factory=factory)
        finally:
            if pin_factory is None:
                factory.close()
        return
