"""The print spooler: takes due jobs from a job store, renders them and sends them to a printer.

A job is only marked printed after the device's ``send`` returned, i.e. the printer took
every byte. When sending fails, the job stays queued with the error and a retry time
(exponential back-off, capped) and the store holds all printing until then (``next_due``
hands out only the oldest queued job), so a dead printer costs one attempt per back-off
step, not one per queued job, and the batch keeps its order. While a job waits, the
spooler asks the printer for its state every ``probe_interval`` seconds (cheap: no slip is
rendered or sent) and prints at once when it answers, so a printer switched back on is
noticed within seconds, not at the end of a two-minute back-off. Clearing a job's retry
time in the store ("try now") is picked up within ``idle_wait``.

A job whose payload cannot be laid out is given up at once (``retry_at=None``): retrying
would fail the same way. Delivery is at-least-once: if the process dies after the printer
took a job but before the store recorded it, that slip prints again. Whenever part of a
job may already be on paper (the printer failed after bytes went out, or the process died
mid-job) the store marks it ``reprint`` and its next print carries a "REPRINT" bar, so a
torn copy and the new one can be told apart.

The store is a Protocol so this module stays free of any database: the web app implements
it over SQLite; MemoryJobStore below serves tests and the bench.
"""
from __future__ import annotations

import itertools
import logging
import math
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Protocol

from .devices import PrinterDevice
from .errors import JobPayloadError, LayoutError, PrinterError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """One print job as the store hands it over."""

    id: Any
    kind: str
    payload: Mapping[str, Any]
    attempts: int = 0  # failed attempts so far
    reprint: bool = False  # cut off part-way before: print it marked "REPRINT"


class JobStore(Protocol):
    """Where jobs live between being asked for and being printed. Times are epoch seconds."""

    def next_due(self, now: float) -> Job | None:
        """The oldest queued job if its retry time (if any) has come, else None: while the
        oldest waits, nothing behind it prints."""

    def mark_printing(self, job_id: Any) -> bool:
        """The job is being sent now; False if it was no longer queued (another spooler took it)."""

    def mark_printed(self, job_id: Any) -> None:
        """The printer took the whole job."""

    def mark_failed(self, job_id: Any, error: str, retry_at: float | None, interrupted: bool = False) -> None:
        """Back to queued with one more attempt, due at ``retry_at``; None means give up.
        ``interrupted``: part of it may be on paper, so it is from now on a reprint."""

    def requeue_interrupted(self) -> int:
        """Jobs left "printing" by a process that died go back to queued, marked as reprints;
        returns how many."""


@dataclass(frozen=True)
class Outcome:
    """What one ``run_once`` did, for logs and the steward page's printer state."""

    job_id: Any
    state: str  # "printed", "retrying" or "given_up"
    error: str = ""
    reason: str = ""
    retry_at: float | None = None


class Spooler:
    def __init__(
        self,
        store: JobStore,
        device: PrinterDevice,
        *,
        clock: Callable[[], float] = time.time,
        base_delay: float = 2.0,
        max_delay: float = 120.0,
        idle_wait: float = 1.0,
        probe_interval: float = 10.0,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.store = store
        self.device = device
        self.clock = clock
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.idle_wait = idle_wait
        self.probe_interval = probe_interval
        self.on_outcome = on_outcome
        self._last_probe = -math.inf
        self._recovered = False
        self._wake = threading.Event()

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failure in a row: 2, 4, 8, ... capped."""
        return min(self.max_delay, self.base_delay * 2 ** max(0, attempts - 1))

    def wake(self) -> None:
        """Look for work now instead of after ``idle_wait`` (call after queueing a job)."""
        self._wake.set()

    def run_once(self) -> Outcome | None:
        """Print at most one due job; None when there was nothing to do yet."""
        if not self._recovered:
            count = self.store.requeue_interrupted()
            if count:
                log.warning("requeued %d print job(s) interrupted by a restart", count)
            self._recovered = True
        now = self.clock()
        job = self.store.next_due(now) or self._probe(now)
        if job is None:
            return None
        if not self.store.mark_printing(job.id):
            return None  # another spooler on the same queue took it between the two steps
        # Loaded with the first job, not with this module (see devices.py).
        from .escpos_raster import to_escpos
        from .layouts import render_job

        try:
            images = render_job(job.kind, job.payload, self.device.width, reprint=job.reprint)
            data = to_escpos(images, cut=self.device.config.cut, profile=self.device.config.profile)
        except (JobPayloadError, LayoutError) as exc:
            return self._give_up(job, str(exc))
        except Exception as exc:
            log.exception("print job %s could not be laid out", job.id)
            return self._give_up(job, f"This slip could not be laid out: {exc}")
        try:
            self.device.send(data, label=f"{job.kind}-{job.id}")
        except PrinterError as exc:
            return self._retry(job, exc.message, exc.reason, exc.partial)
        except Exception as exc:
            log.exception("unexpected failure sending print job %s", job.id)
            self.device.close()
            # Nobody knows how much went out: treat it as cut off part-way.
            return self._retry(job, f"The printer failed unexpectedly: {exc}", "error", True)
        self.store.mark_printed(job.id)
        return self._report(Outcome(job.id, "printed"))

    def _probe(self, now: float) -> Job | None:
        """The waiting job, if the printer now says it is ready; asked at most every
        ``probe_interval`` seconds, and only while a job waits."""
        if now - self._last_probe < self.probe_interval:
            return None
        waiting = self.store.next_due(math.inf)
        if waiting is None:
            return None
        self._last_probe = now
        try:
            ready = self.device.status().state == "ready"
        except Exception:  # status() should never raise; a broken one must not stop printing
            log.exception("printer status check failed")
            ready = False
        if ready:
            log.info("the printer answers again: trying print job %s now", waiting.id)
        return waiting if ready else None

    def _retry(self, job: Job, message: str, reason: str, partial: bool) -> Outcome:
        now = self.clock()
        retry_at = now + self.backoff(job.attempts + 1)
        self._last_probe = now
        self.store.mark_failed(job.id, message, retry_at, interrupted=partial)
        log.warning("print job %s failed (%s); retrying at %.0f", job.id, message, retry_at)
        return self._report(Outcome(job.id, "retrying", message, reason, retry_at))

    def _give_up(self, job: Job, message: str) -> Outcome:
        self.store.mark_failed(job.id, message, None)
        return self._report(Outcome(job.id, "given_up", message, "bad_job"))

    def _report(self, outcome: Outcome) -> Outcome:
        if self.on_outcome is not None:
            try:
                self.on_outcome(outcome)
            except Exception:
                log.exception("print outcome callback failed")
        return outcome

    def run(self, stop_event: threading.Event, *, idle_exit: float | None = None) -> None:
        """Print until ``stop_event`` is set; finishes the job in hand before returning.

        With ``idle_exit``, also return once no job has been due, or due within ``idle_exit``
        seconds, for that many seconds: a batch is done (a job waiting for a later retry, say
        for a printer that is switched off, is the next batch's)."""
        printed = False
        idle_since = time.monotonic()
        try:
            while not stop_event.is_set():
                if self.run_once() is not None:
                    printed = True
                    idle_since = time.monotonic()
                    continue
                if printed:
                    release_memory()
                    printed = False
                if idle_exit is not None:
                    if self.store.next_due(self.clock() + idle_exit) is not None:
                        idle_since = time.monotonic()
                    elif time.monotonic() - idle_since >= idle_exit:
                        return
                self._wake.wait(self.idle_wait)
                self._wake.clear()
        finally:
            self.device.close()


def release_memory() -> None:
    """Hand the heap freed by a batch of rendering back to the system (glibc keeps it otherwise:
    a few MB of slip images per batch, on a Pi where every process's memory counts)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to hand back this way


@dataclass
class StoredJob:
    """A job as MemoryJobStore keeps it."""

    id: int
    kind: str
    payload: Mapping[str, Any]
    status: str = "queued"  # queued, printing, printed or failed (given up)
    attempts: int = 0
    last_error: str | None = None
    retry_at: float | None = None
    reprint: bool = False
    history: list[str] = field(default_factory=list)


class MemoryJobStore:
    """A JobStore in memory: for tests, the bench and trying the printer without a database."""

    def __init__(self) -> None:
        self._jobs: dict[int, StoredJob] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, kind: str, payload: Mapping[str, Any]) -> int:
        with self._lock:
            job_id = next(self._ids)
            self._jobs[job_id] = StoredJob(job_id, kind, payload)
            return job_id

    def get(self, job_id: int) -> StoredJob:
        with self._lock:
            return replace(self._jobs[job_id], history=list(self._jobs[job_id].history))

    def all(self) -> list[StoredJob]:
        with self._lock:
            return [replace(j, history=list(j.history)) for j in self._jobs.values()]

    def next_due(self, now: float) -> Job | None:
        with self._lock:
            for job in self._jobs.values():  # insertion order is creation order
                if job.status == "queued":
                    if job.retry_at is not None and job.retry_at > now:
                        return None  # the oldest waits, and so does everything behind it
                    return Job(job.id, job.kind, job.payload, job.attempts, job.reprint)
        return None

    def _move(self, job_id: int, expected: tuple[str, ...], status: str) -> StoredJob:
        job = self._jobs[job_id]
        if job.status not in expected:
            raise RuntimeError(f"job {job_id} is {job.status}, not {' or '.join(expected)}")
        job.status = status
        job.history.append(status)
        return job

    def mark_printing(self, job_id: int) -> bool:
        with self._lock:
            if self._jobs[job_id].status != "queued":
                return False
            self._move(job_id, ("queued",), "printing")
            return True

    def mark_printed(self, job_id: int) -> None:
        with self._lock:
            job = self._move(job_id, ("printing",), "printed")
            job.last_error, job.retry_at = None, None

    def mark_failed(self, job_id: int, error: str, retry_at: float | None, interrupted: bool = False) -> None:
        with self._lock:
            job = self._move(job_id, ("printing",), "queued" if retry_at is not None else "failed")
            job.attempts += 1
            job.last_error, job.retry_at = error, retry_at
            job.reprint = job.reprint or interrupted

    def retry_now(self, job_id: int) -> None:
        """Steward's "try now": the job is due at once."""
        with self._lock:
            self._jobs[job_id].retry_at = None

    def requeue_interrupted(self) -> int:
        with self._lock:
            stuck = [j for j in self._jobs.values() if j.status == "printing"]
            for job in stuck:
                self._move(job.id, ("printing",), "queued")
                job.reprint = True
            return len(stuck)
