"""The print spooler as a service: the printer package's Spooler over the kit's job store,
reporting the printer's state for the steward page and the status light."""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from printer import Outcome, PrinterConfigError, Spooler, open_printer

from webapp.services import kit_status
from webapp.storage import Store

from .jobstore import SqliteJobStore

log = logging.getLogger(__name__)
HEARTBEAT_S = 30.0
# How often the printer is probed while idle: an unplugged printer shows on the lights within this.
PROBE_S = 10.0
# Laptop mode's PNG previews are an optional write: they wait (queued) while storage is low.
PREVIEWS_PAUSED = "Print previews wait: the kit's storage is low."


class PrinterReporter:
    """Keeps the printer's state in the database: after every job and on a heartbeat."""

    def __init__(self, store: Store):
        self.store = store
        self.state, self.error = "ok", None
        self._lock = threading.Lock()

    def outcome(self, outcome: Outcome) -> None:
        with self._lock:
            if outcome.state == "printed":
                self.state, self.error = "ok", None
            elif outcome.state == "retrying":
                self.state = "paper_out" if outcome.reason == "paper_out" else "fault"
                self.error = outcome.error
            else:  # given up: the printer is fine, that one slip could not be laid out
                self.error = outcome.error
            self.report()

    def report(self) -> None:
        kit_status.report(self.store, "printer", state=self.state, error=self.error)


class PrinterProbe:
    """Asks the printer if it is there (USB device, TCP connect, writable path) for the lights.

    Skipped while a slip is printing: a network printer may take one connection at a time.
    The result is written when it changes, and with each heartbeat so the lights see it is fresh.
    """

    def __init__(self, store: Store, printer_config: dict):
        self.store, self.config = store, printer_config
        self.last: tuple[str, str | None] | None = None
        self.written = 0.0

    def run(self) -> None:
        from webapp.services.health import probe_printer

        if self.store.scalar("SELECT count(*) FROM print_jobs WHERE status = 'printing'"):
            return
        kind, problem = probe_printer(self.config)
        result = ("fault" if problem else "ok", problem)
        if result != self.last or time.monotonic() - self.written >= HEARTBEAT_S:
            kit_status.report(self.store, "printer_probe", state=result[0], kind=kind, error=problem)
            self.last, self.written = result, time.monotonic()


def run_spooler(store: Store, printer_config: dict, stop: threading.Event,
                log_line: Callable[[str], None] = log.info) -> int:
    """Print queued jobs until `stop` is set. A bad printer setting is reported (the steward
    page shows it) and the service waits, instead of crashing and restarting in a loop."""
    reporter = PrinterReporter(store)
    try:
        device = open_printer(printer_config)
    except PrinterConfigError as exc:
        reporter.state, reporter.error = "fault", f"Printer settings: {exc}"
        log_line(f"print-spooler: {reporter.error}")
        while not stop.is_set():
            reporter.report()
            stop.wait(HEARTBEAT_S)
        return 1
    if device.kind == "preview" and store.guard is not None:
        device.paused = lambda: None if store.guard.optional_writes_allowed() else PREVIEWS_PAUSED
    spooler = Spooler(SqliteJobStore(store), device, on_outcome=reporter.outcome)
    reporter.report()
    probe = PrinterProbe(store, printer_config)
    probe.run()

    def heartbeat() -> None:
        beats = 0
        while not stop.wait(PROBE_S):
            probe.run()
            beats += 1
            if beats * PROBE_S >= HEARTBEAT_S:
                beats = 0
                reporter.report()

    threading.Thread(target=heartbeat, name="venuekit-printer-heartbeat", daemon=True).start()
    log_line(f"print-spooler: printing to {printer_config.get('kind', 'preview')} printer")
    spooler.run(stop)
    return 0
