"""Wrong-code counts shared by every worker process of the kit.

With several worker processes, a limiter in each one's memory would give a guesser that many
allowances. So the buckets live in the kit's database (`guess_buckets`), and each process keeps
the ones it has read in memory:

- a wrong code (rare) is one small write: read, take a token, write back, in one transaction,
  so two processes counting at once both count. It moves the `guesses` version and needs no disk
  sync of its own (a power cut may forget a few wrong codes, never a ballot);
- a code lookup (every page) reads nothing while the `guesses` version is unchanged: that number
  is looked at most every `recheck_s`, and when it moved the process forgets what it had read.
  A bucket another process emptied is therefore seen within `recheck_s`, and the process that
  counted a wrong code knows the result at once.

`stamp` is the system's monotonic clock, one clock for every process; rows from before a reboot
(stamps ahead of it) are dropped at start. The table is bounded like the memory: past
`max_entries` buckets of a kind, the fullest ones (those that restrict nobody) go first, so a
flood of new addresses cannot free someone who is still guessing.
"""
from __future__ import annotations

import logging
import sqlite3
import time
from typing import Callable

from webapp.domain.errors import DomainError
from webapp.security import GuessLimiter
from webapp.storage import Store

log = logging.getLogger(__name__)

VERSION_SQL = "SELECT value FROM versions WHERE name = 'guesses'"
PRUNE_EVERY = 500


class SharedGuessLimiter(GuessLimiter):
    """GuessLimiter whose buckets are shared through the kit's database (see the module doc)."""

    def __init__(self, store: Store, *, recheck_s: float = 0.25, clock: Callable[[], float] = time.monotonic,
                 **limits):
        super().__init__(clock=clock, **limits)
        self.store = store
        self.recheck_s = recheck_s
        self._seen: tuple[float, int | None] = (float("-inf"), None)  # (when looked, version)
        self._writes = 0
        self._forget_other_boots()

    # -- reading ------------------------------------------------------------------------------
    def _fresh(self, now: float) -> None:
        """Forget what was read if another process (or thread) counted a wrong code since."""
        looked, seen = self._seen
        if now - looked < self.recheck_s:
            return
        version = self._version()
        if version != seen:
            for table in self._buckets.values():
                table.clear()
        self._seen = (now, version)

    def _version(self) -> int | None:
        row = self.store.db.execute(VERSION_SQL).fetchone()
        return row[0] if row else None

    def _bucket(self, kind: str, key: str, now: float) -> tuple[float, float]:
        table = self._buckets[kind]
        found = table.get(key)
        if found is None:
            row = self.store.db.execute(
                "SELECT tokens, stamp FROM guess_buckets WHERE kind = ? AND key = ?", [kind, key]
            ).fetchone()
            found = table[key] = (row[0], row[1]) if row else (self.rules[kind][0], now)
        return found

    def _level(self, kind: str, key: str, now: float) -> float:
        capacity, refill = self.rules[kind]
        tokens, stamp = self._bucket(kind, key, now)
        return min(capacity, tokens + max(0.0, now - stamp) / refill)

    def wait_seconds(self, address: str, agent: str) -> int:
        with self._lock:
            self._fresh(self._clock())
        return super().wait_seconds(address, agent)

    # -- counting -----------------------------------------------------------------------------
    def failed(self, address: str, agent: str) -> None:
        now = self._clock()
        keys = self._keys(address, agent)
        counted = []
        try:
            # Not under self._lock: waiting for another process's commit must not hold up every
            # page of this one.
            with self.store.write(casual=True) as db:
                for kind, key in keys:
                    capacity, refill = self.rules[kind]
                    row = db.execute(
                        "SELECT tokens, stamp FROM guess_buckets WHERE kind = ? AND key = ?", [kind, key]
                    ).fetchone()
                    tokens, stamp = row if row else (capacity, now)
                    left = max(0.0, min(capacity, tokens + max(0.0, now - stamp) / refill) - 1)
                    db.execute(
                        """INSERT INTO guess_buckets (kind, key, tokens, stamp) VALUES (?, ?, ?, ?)
                           ON CONFLICT (kind, key) DO UPDATE SET tokens = excluded.tokens,
                             stamp = excluded.stamp""",
                        [kind, key, left, now],
                    )
                    counted.append((kind, key, left))
                db.execute("UPDATE versions SET value = value + 1 WHERE name = 'guesses'")
                self._writes += 1
                if self._writes % PRUNE_EVERY == 0:
                    self._prune(db, now)
        except (DomainError, sqlite3.Error) as exc:
            # The database could not count it (a full card, say): count it here at least.
            log.warning("wrong code counted in memory only: %s", exc)
            super().failed(address, agent)
            return
        with self._lock:
            for kind, key, left in counted:
                self._buckets[kind][key] = (left, now)

    def _prune(self, db, now: float) -> None:
        """Drop buckets that restrict nobody any more, then the fullest past the bound."""
        for kind, (capacity, refill) in self.rules.items():
            level = "min(:cap, tokens + max(0.0, :now - stamp) / :refill)"
            params = {"kind": kind, "cap": capacity, "now": now, "refill": refill, "bound": self.max_entries}
            db.execute(f"DELETE FROM guess_buckets WHERE kind = :kind AND {level} >= :cap", params)
            db.execute(
                f"""DELETE FROM guess_buckets WHERE kind = :kind AND key IN (
                      SELECT key FROM guess_buckets WHERE kind = :kind
                      ORDER BY {level} DESC LIMIT max(0, (SELECT count(*) FROM guess_buckets
                                                          WHERE kind = :kind) - :bound))""",
                params,
            )

    def _forget_other_boots(self) -> None:
        # A stamp ahead of the monotonic clock was made before this boot: its age is unknown.
        try:
            with self.store.write(casual=True) as db:
                db.execute("DELETE FROM guess_buckets WHERE stamp > ?", [self._clock() + 1])
        except (DomainError, sqlite3.Error) as exc:
            log.warning("could not tidy the wrong-code counts: %s", exc)

    def __len__(self) -> int:
        return self.store.scalar("SELECT count(*) FROM guess_buckets")

