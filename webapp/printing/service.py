"""The print spooler as a service: watches the kit's print queue and prints each batch in a child
process (batch.py), reporting the printer's state for the steward page and the status light."""
from __future__ import annotations

import json
import logging
import math
import os
import subprocess
import sys
import threading
import time
from typing import Callable

from printer import Outcome, PrinterConfigError, parse_config

from webapp.services import kit_status
from webapp.storage import Store, space

from .jobstore import SqliteJobStore

log = logging.getLogger(__name__)
HEARTBEAT_S = 30.0
# How often the printer is probed while idle: an unplugged printer shows on the lights within this.
PROBE_S = 10.0
# How often the queue is looked at while no batch runs, and how long a batch stays after its
# last job (a steward printing slips one after another reuses it).
WATCH_S = 1.0
BATCH_IDLE_S = 10.0
STOP_GRACE_S = 8.0  # below the unit's TimeoutStopSec (10 s)
MAX_PAUSE_S = 120.0
# While a job waits for its retry and the printer answers, a batch looks at most this often.
WAITING_LOOK_S = 60.0
SETTINGS_REFUSED = 3  # a batch's exit code: the printer settings are wrong (it reported why)
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

    def settings_refused(self, exc: Exception) -> None:
        """The printer settings cannot be used: a fault, with why (reported)."""
        self.state, self.error = "fault", f"Printer settings: {exc}"
        self.report()


def printing_now(store: Store) -> bool:
    """A job is marked printing: a batch is at it, or one was cut off in the middle of it."""
    return store.scalar("SELECT 1 FROM print_jobs WHERE status = 'printing' LIMIT 1") is not None


class PrinterProbe:
    """Asks the printer if it is there (USB device, TCP connect, writable path) for the lights.

    Skipped while a slip is printing: a network printer may take one connection at a time.
    The result is written when it changes, and with each heartbeat so the lights see it is fresh.
    """

    def __init__(self, store: Store, printer_config: dict):
        self.store, self.config = store, printer_config
        self.last: tuple[str, str | None] | None = None
        self.written = 0.0
        self._back = False

    def answers(self) -> bool:
        """Whether the printer answered the last look."""
        return self.last is not None and self.last[0] == "ok"

    def answered_again(self) -> bool:
        """Whether the printer has started answering since the last look (then not again)."""
        back, self._back = self._back, False
        return back

    def run(self) -> None:
        from webapp.services.health import probe_printer

        if printing_now(self.store):
            return
        kind, problem = probe_printer(self.config, check_profile=False)
        result = ("fault" if problem else "ok", problem)
        if result[0] == "ok" and self.last is not None and self.last[0] == "fault":
            self._back = True
        if result != self.last or time.monotonic() - self.written >= HEARTBEAT_S:
            kit_status.report(self.store, "printer_probe", state=result[0], kind=kind, error=problem)
            self.last, self.written = result, time.monotonic()


def run_spooler(store: Store, printer_config: dict, stop: threading.Event,
                log_line: Callable[[str], None] = log.info, *, idle_exit: float = BATCH_IDLE_S) -> int:
    """Print queued jobs until `stop` is set, each batch in a child process (batch.py). A bad
    printer setting is reported (the steward page shows it) and the service waits, instead of
    crashing and restarting in a loop."""
    reporter = PrinterReporter(store)
    try:
        parse_config(printer_config, check_profile=False)  # the batch checks the profile (batch.py)
    except PrinterConfigError as exc:
        reporter.settings_refused(exc)
        log_line(f"print-spooler: {reporter.error}")
        while not stop.wait(HEARTBEAT_S):
            reporter.report()
        return 1
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
                # The state is the batch's to say (it saw the last job): only show we are alive.
                kit_status.report(store, "printer")
    threading.Thread(target=heartbeat, name="venuekit-printer-heartbeat", daemon=True).start()
    log_line(f"print-spooler: printing to {printer_config.get('kind', 'preview')} printer")
    batches = BatchRunner(store, printer_config, idle_exit, log_line)
    jobs = SqliteJobStore(store)
    last_batch = time.monotonic()
    while not stop.is_set():
        if batch_wanted(store, jobs, probe, time.monotonic() - last_batch):
            batches.run(stop)
            last_batch = time.monotonic()
        stop.wait(WATCH_S)
    return 0


def batch_wanted(store: Store, jobs: SqliteJobStore, probe: "PrinterProbe", since_last_batch: float) -> bool:
    """A job is due, or was cut off while printing (the batch queues it again as a reprint), or
    waits for a later retry while the printer answers: at once when it has just started
    answering again (plugged in, switched on), else at most every WAITING_LOOK_S, since the
    retry time is on the wall clock, which a kit without a clock may set back by days. The
    batch's own look at the printer then prints it, or leaves it waiting."""
    if printing_now(store):
        return True
    if jobs.next_due(math.inf) is None:  # the usual look: nothing queued at all
        return False
    if jobs.next_due(time.time()) is not None:
        return True
    return probe.answered_again() or (probe.answers() and since_last_batch >= WAITING_LOOK_S)


class BatchRunner:
    """Starts `python -m webapp.printing.batch` and waits for it; a batch that dies is started
    again after a growing pause (its job was requeued), so a crash cannot become a busy loop."""

    def __init__(self, store: Store, printer_config: dict, idle_exit: float, log_line: Callable[[str], None]):
        guard = store.guard
        self.order = json.dumps({
            "db": str(store.path), "printer": printer_config, "idle_exit": idle_exit,
            "reserve_mb": guard.reserve_bytes / space.MB if guard is not None else None,
            "parent": os.getpid(),
        })
        self.store = store
        self.log_line = log_line
        self.failures = 0

    def run(self, stop: threading.Event) -> int:
        # -P: not the working directory (under systemd, the writable data directory) on the path.
        child = subprocess.Popen([sys.executable, "-P", "-m", "webapp.printing.batch"], stdin=subprocess.PIPE,
                                 text=True)
        self.log_line(f"print-spooler: printing a batch in process {child.pid}")
        try:
            child.stdin.write(self.order)
            child.stdin.close()
        except OSError:
            pass  # it died at once: its exit code says so below
        while child.poll() is None:
            if stop.wait(WATCH_S):
                child.terminate()  # finishes the slip in hand (see batch.py)
                try:
                    child.wait(STOP_GRACE_S)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
        code = child.returncode
        if code == 0 or stop.is_set():
            self.failures = 0
            return code
        self.failures += 1
        pause = min(MAX_PAUSE_S, 2.0 ** self.failures)
        self.log_line(f"print-spooler: the batch in process {child.pid} ended with {code}; "
                      f"starting another in {pause:.0f} s")
        if code != SETTINGS_REFUSED:  # that one said why itself
            # Stewards and the status light see it: nothing prints until a batch stays up.
            kit_status.report(self.store, "printer", state="fault",
                              error=f"Printing stopped unexpectedly (exit {code}); trying again in {pause:.0f} s.")
        stop.wait(pause)
        return code
