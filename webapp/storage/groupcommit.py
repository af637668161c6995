"""Group commit: writes that arrive together share one transaction, so one disk sync.

An SD card's sync takes 5–20 ms; one per ballot caps a kit at tens of ballots a second. Here
each caller queues its write and waits. Whoever finds no commit running becomes the leader: it
takes every write queued so far, runs each in a savepoint of one transaction, commits (one
sync), and wakes the others; writes that queue meanwhile go together in the next transaction.
No thread of its own, so nothing to start after gunicorn forks a worker.

A caller returns only after the transaction holding its write is committed — what was
acknowledged is on disk. A write that raises is rolled back to its savepoint and gets its own
error; the others in the batch are unaffected. A full disk fails every write of the batch with
StorageFull (none of them is kept, none is acknowledged).

Counts of writes committed and of transactions are kept per process. With VENUEKIT_COMMIT_STATS=1
in the environment (the benchmark sets it) they are also written, at most twice a second, to
DATA/run/commits-PID.json, so a benchmark can report writes per sync; a kit in a room writes no
such files (one per process start would pile up on the card).
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .space import StorageFull, is_disk_full

if TYPE_CHECKING:
    from sqlite_utils import Database

    from .db import Store

STATS_DELAY_S = 0.5


class _Job:
    __slots__ = ("fn", "done", "result", "error")

    def __init__(self, fn: Callable[["Database"], Any]):
        self.fn = fn
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None

    def finish(self, result: Any = None, error: BaseException | None = None) -> None:
        self.result, self.error = result, error
        self.done = True


class GroupCommit:
    """One process's queue of writes waiting for a shared transaction (see the module doc)."""

    def __init__(self, store: "Store"):
        self.store = store
        self.after_fork()

    def after_fork(self) -> None:
        # A forked child has its own queue, counts and (no) stats timer.
        self._cond = threading.Condition()
        self._pending: list[_Job] = []
        self._leading = False
        self.committed = 0      # writes committed
        self.transactions = 0   # transactions that committed at least one write: one sync each
        self.largest = 0
        self._stats_timer: threading.Timer | None = None

    def run(self, fn: Callable[["Database"], Any]) -> Any:
        """Run `fn(db)` inside a shared write transaction; return its result once committed."""
        job = _Job(fn)
        with self._cond:
            self._pending.append(job)
            while not job.done and self._leading:
                self._cond.wait()
            if not job.done:
                self._leading = True
                batch, self._pending = self._pending, []
        if not job.done:
            try:
                self._commit(batch)
            finally:
                with self._cond:
                    self._leading = False
                    self._cond.notify_all()
        if job.error is not None:
            raise job.error
        return job.result

    def _commit(self, batch: list[_Job]) -> None:
        store = self.store
        guard = store.guard
        if guard is not None:
            guard.look()  # releases the storage reserve before a write needs its room
        db = store.db
        committed = 0
        try:
            with store.turn():
                todo = batch
                while todo:
                    todo, count = self._transaction(db, todo)
                    committed += count
        except BaseException as exc:
            store._rollback(db)
            error: BaseException = exc
            if isinstance(exc, (sqlite3.Error, OSError)) and is_disk_full(exc):
                if guard is not None:
                    guard.write_failed()
                    guard.after_write(store)
                error = StorageFull()
                error.__cause__ = exc
            for job in batch:
                if not job.done:
                    job.finish(error=error)
            if not isinstance(exc, Exception):
                raise
            return
        if committed:
            for listener in list(store.listeners):
                listener()
        if guard is not None:
            guard.after_write(store)

    def _transaction(self, db: "Database", todo: list[_Job]) -> tuple[list[_Job], int]:
        """One transaction over `todo`: (writes to try again in a new one, writes committed)."""
        db.execute("BEGIN IMMEDIATE")
        ok: list[tuple[_Job, Any]] = []
        for index, job in enumerate(todo):
            db.execute("SAVEPOINT one_write")
            try:
                result = job.fn(db)
            except Exception as exc:
                if isinstance(exc, (sqlite3.Error, OSError)) and is_disk_full(exc):
                    raise
                if not db.conn.in_transaction:
                    # SQLite rolled the whole transaction back: this write fails, the others go
                    # again in a fresh one.
                    job.finish(error=exc)
                    return [j for j, _ in ok] + todo[index + 1:], 0
                db.execute("ROLLBACK TO one_write")
                db.execute("RELEASE one_write")
                job.finish(error=exc)
            else:
                db.execute("RELEASE one_write")
                ok.append((job, result))
        db.execute("COMMIT")
        # Only now, with the transaction on disk, may a caller hear that its write is saved.
        for job, result in ok:
            job.finish(result)
        if ok:
            self.committed += len(ok)
            self.transactions += 1
            self.largest = max(self.largest, len(ok))
            self._schedule_stats()
        return [], len(ok)

    # -- counts for the benchmark ------------------------------------------------------------
    def stats(self) -> dict:
        return {"pid": os.getpid(), "writes": self.committed, "transactions": self.transactions,
                "largest_batch": self.largest}

    @property
    def stats_path(self) -> Path:
        return self.store.path.parent / "run" / f"commits-{os.getpid()}.json"

    def _schedule_stats(self) -> None:
        if os.environ.get("VENUEKIT_COMMIT_STATS") != "1":
            return
        if self._stats_timer is None:
            self._stats_timer = threading.Timer(STATS_DELAY_S, self.write_stats)
            self._stats_timer.daemon = True
            self._stats_timer.start()

    def write_stats(self) -> None:
        """Write this process's counts to DATA/run/commits-PID.json (replaced atomically)."""
        self._stats_timer = None
        path = self.stats_path
        try:
            path.parent.mkdir(exist_ok=True)
            temp = path.with_suffix(".tmp")
            temp.write_text(json.dumps({**self.stats(), "written_at": time.time()}))
            os.replace(temp, path)
        except OSError:
            pass  # only figures for a benchmark: never worth failing over (a full card, say)
