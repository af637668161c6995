"""Room on the data partition: a held reserve, the storage state, and what a full card means.

The kit keeps `storage_reserve_mb` of the data partition back in a file, DATA/.reserve, made when
the web service starts (`make_reserve`). The file's blocks are really allocated (fallocate), so
anything else that fills the card — logs, previews, copied files — runs out of room before the
reserve is touched. States, for the lights and the pages (kit_status component "storage"):

- ok:   at least the reserve's size is free besides the reserve;
- low:  less than that: the kit warns and stops optional writes (print previews, the access log);
- full: the room besides the reserve is (nearly) gone, or a write failed for lack of space. The
  reserve file is deleted, so ballots and the database's write-ahead log go on into its room.

When even the reserve's room is used up, a write fails with SQLITE_FULL or ENOSPC: the
transaction is rolled back (nothing half-written, nothing acknowledged) and `StorageFull` (HTTP
507, code storage_full) tells the person to fetch a steward.
"""
from __future__ import annotations

import errno
import logging
import os
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from webapp.domain.errors import N_, DomainError

log = logging.getLogger(__name__)

MB = 1024 * 1024
DEFAULT_RESERVE_MB = 64
RESERVE_NAME = ".reserve"
# The reserve is released when the room besides it falls under this share of it: enough left for
# a checkpoint of the write-ahead log while the release happens.
RELEASE_SHARE = 8
CHECK_EVERY_S = 1.0
STATES = ("ok", "low", "full")
FULL_MESSAGE = N_("The kit's storage is full, so this was not saved. Please tell a steward.")


class StorageFull(DomainError):
    """A write failed because the data partition is full; nothing of it was saved."""

    status = 507

    def __init__(self) -> None:
        super().__init__("storage_full", FULL_MESSAGE)


def is_disk_full(exc: BaseException) -> bool:
    """SQLite's "database or disk is full" or the OS's "no space left on device"."""
    if isinstance(exc, sqlite3.Error):
        return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(exc)
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return False


@dataclass(frozen=True)
class Space:
    """One look at the data partition."""

    state: str
    free_bytes: int  # free for the kit's user, not counting the reserve file
    reserve_bytes: int  # the reserve the setting asks for
    held_bytes: int  # how much of it the reserve file holds now

    @property
    def besides_reserve(self) -> int:
        """Room left before the reserve's share is touched (negative: writing into it)."""
        return self.free_bytes - max(0, self.reserve_bytes - self.held_bytes)

    def as_dict(self) -> dict:
        return {**asdict(self), "besides_reserve": self.besides_reserve}

    def summary(self) -> str | None:
        """One line for the kit_status record; None when all is well."""
        if self.state == "ok":
            return None
        free_mb = max(0, self.free_bytes) / MB
        if self.state == "low":
            return f"storage low: {free_mb:.1f} MB free besides the {self.reserve_bytes / MB:.0f} MB reserve"
        held = "still held" if self.held_bytes else "released"
        return f"storage full: {free_mb:.1f} MB free, reserve {held}"


class StorageGuard:
    """Watches the data partition for one process; a Store consults it on every write.

    The look (one statvfs) is cached for CHECK_EVERY_S, so a burst of votes costs nothing.
    """

    def __init__(self, data_dir: Path, reserve_bytes: int = DEFAULT_RESERVE_MB * MB, clock=time.monotonic):
        self.data_dir = Path(data_dir)
        self.reserve_bytes = reserve_bytes
        self.clock = clock
        self.failed = False  # a write failed for lack of space since the card last had room
        # Only `venuekit serve` holds a reserve (make_reserve); a guard re-holds only what it released.
        self.released = False
        self.reported: str | None = None
        self._last: tuple[float, Space] | None = None
        self._lock = threading.Lock()
        self._local = threading.local()

    @property
    def reserve_file(self) -> Path:
        return self.data_dir / RESERVE_NAME

    def _held(self) -> int:
        try:
            return self.reserve_file.stat().st_size
        except OSError:
            return 0

    def make_reserve(self) -> bool:
        """Hold the reserve (at start): True if the file now holds it all."""
        if self.reserve_bytes <= 0:
            self.reserve_file.unlink(missing_ok=True)
            return True
        held = self._held()
        if held >= self.reserve_bytes:
            return True
        if free_bytes(self.data_dir) - (self.reserve_bytes - held) < self.reserve_bytes // RELEASE_SHARE:
            return False  # no room to hold it: the state says so, and the card needs clearing
        try:
            fd = os.open(self.reserve_file, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                os.posix_fallocate(fd, 0, self.reserve_bytes)
                os.fsync(fd)
            finally:
                os.close(fd)
            self.released = False
        except OSError as exc:
            log.warning("cannot hold the storage reserve in %s: %s", self.reserve_file, exc)
            self.reserve_file.unlink(missing_ok=True)
            return False
        self._last = None
        return True

    def release(self) -> None:
        """Give the reserve's room to the database."""
        if self.reserve_file.exists():
            log.warning("storage full: releasing the %d MB reserve for ballots", self.reserve_bytes // MB)
            self.reserve_file.unlink(missing_ok=True)
            self.released = True
        self._last = None

    def look(self, *, fresh: bool = False) -> Space:
        """The partition's state now (cached briefly); releases the reserve when it is needed."""
        with self._lock:
            now = self.clock()
            if not fresh and self._last and now - self._last[0] < CHECK_EVERY_S:
                return self._last[1]
            space = self._measure()
            if space.held_bytes and space.besides_reserve < self.reserve_bytes // RELEASE_SHARE:
                self.release()
                space = self._measure()
            elif self.released and space.besides_reserve >= self.reserve_bytes:
                # Room again (the card was cleared): hold the reserve this process gave up once more.
                if self.make_reserve():
                    space = self._measure()
            self._last = (now, space)
            return space

    def _measure(self) -> Space:
        free, held = free_bytes(self.data_dir), self._held()
        room = free - max(0, self.reserve_bytes - held)
        if room >= max(self.reserve_bytes, MB):
            self.failed = False  # the card has been cleared
        if self.failed or room < self.reserve_bytes // RELEASE_SHARE:
            state = "full"
        elif room < self.reserve_bytes:
            state = "low"
        else:
            state = "ok"
        return Space(state, free, self.reserve_bytes, held)

    def optional_writes_allowed(self) -> bool:
        """Previews and access-log lines wait while the card is low or full."""
        return self.look().state == "ok"

    def write_failed(self) -> None:
        """A write found no room: release the reserve (the next try gets its room) and say so."""
        self.failed = True
        self.release()

    def after_write(self, store) -> None:
        """Record a change of state for the lights and pages (outside the write lock)."""
        if getattr(self._local, "reporting", False):
            return
        space = self.look()
        if space.state == self.reported:
            return
        self._local.reporting = True
        try:
            from webapp.services import kit_status

            kit_status.report(store, "storage", state=space.state, error=space.summary())
            self.reported = space.state
        except (StorageFull, sqlite3.Error, OSError) as exc:
            # The lights read the last record; the pages look at the partition themselves.
            log.warning("cannot record the storage state %s: %s", space.state, exc)
        finally:
            self._local.reporting = False


def free_bytes(path: Path) -> int:
    """Bytes the kit's user may still write on the file system holding `path`."""
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def watch(store, data_dir: Path, reserve_mb: int | float = DEFAULT_RESERVE_MB) -> StorageGuard:
    """Have the kit's store consult a guard on every write; returns it."""
    if store.guard is None:
        store.guard = StorageGuard(data_dir)
    store.guard.reserve_bytes = max(0, int(reserve_mb * MB))
    store.guard.after_write(store)  # the lights and pages learn the state at start
    return store.guard
