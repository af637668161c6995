"""Printing a batch in a child process: `python -m webapp.printing.batch` (settings on stdin).

Laying out a slip loads Pillow, python-escpos, fontTools and the fonts (about 13 MB) and leaves
a heap that glibc keeps; a kit prints a few batches a day but runs all day on a Pi where every
process's memory counts. So the print-spooler service only watches the queue (one cheap query
a second, webapp/printing/service.py) and, when a job is queued, starts this child: it opens
the printer and runs printer.Spooler over the kit's queue, unchanged (a job is marked printed
only after the printer took it; a job a killed child left "printing" is queued again as a
reprint by the next child), and leaves once no job has been due for `idle_exit` seconds (a job
waiting for a later retry does not keep it). Its memory goes with it.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path

from printer import PrinterConfigError, Spooler, open_printer

from webapp.cli import _die_with_parent
from webapp.storage import open_store, space

from .jobstore import SqliteJobStore
from .service import PREVIEWS_PAUSED, SETTINGS_REFUSED, PrinterReporter


def print_batch(db_path: Path, printer_config: dict, *, reserve_mb: float | None, idle_exit: float,
                stop: threading.Event) -> int:
    """Print queued jobs until none has been due for `idle_exit` seconds, or `stop`; the exit code."""
    store = open_store(db_path.parent, db_path.name)
    if reserve_mb is not None:
        space.watch(store, db_path.parent, reserve_mb)
    reporter = PrinterReporter(store)
    try:
        device = open_printer(printer_config)
    except PrinterConfigError as exc:  # e.g. a profile python-escpos does not know
        reporter.settings_refused(exc)
        return SETTINGS_REFUSED
    if device.kind == "preview" and store.guard is not None:
        device.paused = lambda: None if store.guard.optional_writes_allowed() else PREVIEWS_PAUSED
    Spooler(SqliteJobStore(store), device, on_outcome=reporter.outcome).run(stop, idle_exit=idle_exit)
    return 0


def main() -> int:
    order = json.load(sys.stdin)
    stop = threading.Event()
    # The service asks a batch to end with SIGTERM: the slip in hand is finished first.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    # And so does its death, even by kill -9: a batch left behind would print beside the next
    # service's batch, and both would take the same jobs.
    _die_with_parent()
    if os.getppid() != order.get("parent"):
        stop.set()  # it died before we asked
    return print_batch(Path(order["db"]), order["printer"], reserve_mb=order.get("reserve_mb"),
                       idle_exit=float(order["idle_exit"]), stop=stop)


if __name__ == "__main__":
    sys.exit(main())
