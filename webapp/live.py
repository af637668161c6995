"""Change notification for the live screens (projector, steward dashboard)."""
from __future__ import annotations

import sqlite3
import threading
import time

from webapp.storage import Store


class LiveFeed:
    """A counter bumped on every commit; screens wait on it instead of polling the database.

    Commits in this process bump it directly. Commits by other processes (the CLI, the print
    spooler, the sync worker) are noticed by one watcher thread with its own connection, which
    compares SQLite's data_version — a per-connection counter, so only ever against itself.
    That counter also moves for this process's commits, which are then announced twice; the
    socket coalesces announcements, so the echo costs at most one extra refresh.
    The watcher starts on the first wait, after gunicorn has forked its worker.
    """

    def __init__(self, store: Store, poll_s: float = 1.0):
        self.store = store
        self.poll_s = poll_s
        self.version = 0
        self._cond = threading.Condition()
        self._watcher: threading.Thread | None = None
        store.listeners.append(self.bump)

    def bump(self) -> None:
        with self._cond:
            self.version += 1
            self._cond.notify_all()

    def wait(self, since: int, timeout: float) -> int:
        """Block until the version moves past `since` or `timeout` passes; return the version."""
        self._ensure_watcher()
        with self._cond:
            self._cond.wait_for(lambda: self.version != since, timeout=timeout)
            return self.version

    def _ensure_watcher(self) -> None:
        with self._cond:
            if self._watcher is None or not self._watcher.is_alive():
                self._watcher = threading.Thread(target=self._watch, name="venuekit-live-watch", daemon=True)
                self._watcher.start()

    def _watch(self) -> None:
        conn = sqlite3.connect(str(self.store.path), check_same_thread=False)
        try:
            seen = conn.execute("PRAGMA data_version").fetchone()[0]
            while True:
                time.sleep(self.poll_s)
                current = conn.execute("PRAGMA data_version").fetchone()[0]
                if current != seen:
                    seen = current
                    self.bump()
        finally:
            conn.close()
