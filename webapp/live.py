"""Change notification for the live screens (projector, steward dashboard)."""
from __future__ import annotations

import threading

from webapp.storage import Store


class LiveFeed:
    """A counter bumped on every commit; screens wait on it instead of polling the database.

    Commits made by other processes (the CLI, the print spooler) are noticed through SQLite's
    data_version, checked each time a wait times out.
    """

    def __init__(self, store: Store, poll_s: float = 1.0):
        self.store = store
        self.poll_s = poll_s
        self.version = 0
        self._cond = threading.Condition()
        self._seen_data_version: int | None = None
        store.listeners.append(self.bump)

    def bump(self) -> None:
        with self._cond:
            self.version += 1
            self._cond.notify_all()

    def wait(self, since: int, timeout: float) -> int:
        """Block until the version moves past `since` or `timeout` passes; return the version."""
        with self._cond:
            self._cond.wait_for(lambda: self.version != since, timeout=min(timeout, self.poll_s))
            if self.version != since:
                return self.version
        self._check_other_processes()
        return self.version

    def _check_other_processes(self) -> None:
        current = self.store.data_version()
        if self._seen_data_version is not None and current != self._seen_data_version:
            self.bump()
        self._seen_data_version = current
