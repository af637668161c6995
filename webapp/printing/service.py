"""The print spooler as a service: the printer package's Spooler over the kit's job store,
reporting the printer's state for the steward page and the status light."""
from __future__ import annotations

import logging
import threading
from typing import Callable

from printer import Outcome, PrinterConfigError, Spooler, open_printer

from webapp.services import kit_status
from webapp.storage import Store

from .jobstore import SqliteJobStore

log = logging.getLogger(__name__)
HEARTBEAT_S = 30.0


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
    spooler = Spooler(SqliteJobStore(store), device, on_outcome=reporter.outcome)
    reporter.report()

    def heartbeat() -> None:
        while not stop.wait(HEARTBEAT_S):
            reporter.report()

    threading.Thread(target=heartbeat, name="venuekit-printer-heartbeat", daemon=True).start()
    log_line(f"print-spooler: printing to {printer_config.get('kind', 'preview')} printer")
    spooler.run(stop)
    return 0
