"""One SQLite file per kit, opened in WAL mode; every write in one serialised transaction."""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import sqlite_utils

from .groupcommit import GroupCommit
from .migrations import MIGRATIONS, Migration, migrate
from .space import StorageFull, StorageGuard, is_disk_full
from .wake import Bell, bell_path

DB_NAME = "venuekit.db"
CACHE_KB = 256  # per connection (SQLite's default is 2,000)


def _connect(path: Path) -> sqlite_utils.Database:
    # isolation_level=None: transactions are begun explicitly (BEGIN IMMEDIATE) so a writer
    # takes the lock up front instead of failing on upgrade from a read lock.
    conn = sqlite3.connect(str(path), timeout=10, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    # FULL: a ballot acknowledged to a phone is on disk even if the power is pulled next.
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    # A connection per thread, and eight threads per web worker: SQLite's default 2 MB page
    # cache each would be most of a worker's memory under load, for pages the kernel's own
    # cache serves almost as fast.
    conn.execute(f"PRAGMA cache_size=-{CACHE_KB}")
    return sqlite_utils.Database(conn)


class Store:
    """The kit's database: a connection per thread and one writer at a time.

    SQLite connections must not cross a fork (gunicorn forks its worker from the process that
    made the app): the child starts with no connections and a fresh lock. The parent's handles
    are kept, unused and unclosed, because closing a copied handle can touch the parent's locks.
    The forking process must also hold no SQLite lock at that moment (see webapp/server.py).
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        # Set by space.watch for the kit's database: consulted on every write (see space.py).
        self.guard: StorageGuard | None = None
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._writer_fd: int | None = None
        self._inherited: list = []
        self.listeners: list = []
        self.group_commit = GroupCommit(self)
        after_fork_in_child(self, Store._after_fork)

    def _after_fork(self) -> None:
        self._inherited.append(self._local)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        # The parent's descriptor shares its lock: the child opens its own (the copy stays open).
        self._inherited.append(self._writer_fd)
        self._writer_fd = None
        self.group_commit.after_fork()

    @property
    def db(self) -> sqlite_utils.Database:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = _connect(self.path)
        return db

    @contextmanager
    def turn(self) -> Iterator[None]:
        """This process's turn to write: its threads one at a time, then its workers and other
        processes one at a time, queued by the kernel on a lock file beside the database. SQLite
        would make them wait too, but by polling with sleeps of up to 100 ms; a lock hands over
        the moment the writer before lets go."""
        with self._write_lock:
            fd = self._writer()
            if fd is None:
                yield
                return
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _writer(self) -> int | None:
        if self._writer_fd is None:
            path = self.path.with_name(self.path.name + "-writer")
            for flags in (os.O_RDWR | os.O_CREAT, os.O_RDONLY):
                try:
                    self._writer_fd = os.open(path, flags | os.O_CLOEXEC, 0o600)
                    break
                except OSError:
                    continue  # made by another user: a read-only descriptor locks as well
        return self._writer_fd

    @contextmanager
    def write(self, *, casual: bool = False) -> Iterator[sqlite_utils.Database]:
        """A write transaction: committed (and synced) when the block ends, rolled back on error.

        A write that finds the disk full raises StorageFull (nothing of it is kept).
        `casual`: bookkeeping that may be lost in a power cut and that no screen shows (wrong-code
        counts): committed without a disk sync of its own (the next synced commit carries it)
        and not announced to listeners."""
        db = self.db
        guard = self.guard
        if guard is not None:
            guard.look()  # releases the storage reserve before a write needs its room
        try:
            with self.turn():
                if casual:
                    db.execute("PRAGMA synchronous=NORMAL")
                try:
                    db.execute("BEGIN IMMEDIATE")
                    try:
                        yield db
                        db.execute("COMMIT")
                    except BaseException:
                        self._rollback(db)
                        raise
                finally:
                    if casual and self._local.db is db:
                        db.execute("PRAGMA synchronous=FULL")
        except (sqlite3.Error, OSError) as exc:
            if not is_disk_full(exc):
                raise
            if guard is not None:
                guard.write_failed()
                guard.after_write(self)
            raise StorageFull() from exc
        if not casual:
            for listener in list(self.listeners):
                listener()
        if guard is not None:
            guard.after_write(self)

    def write_each(self, fn: Callable[[sqlite_utils.Database], Any]) -> Any:
        """Run `fn(db)` in a write transaction shared with other writes queued at the same time
        (one disk sync for all: see groupcommit.py) and return its result once committed. `fn`
        runs in a savepoint of its own: if it raises, only its own changes are undone."""
        return self.group_commit.run(fn)

    def _rollback(self, db: sqlite_utils.Database) -> None:
        # SQLite rolls some failures back by itself (a full disk among them): a second ROLLBACK
        # would fail and hide the real error.
        if not db.conn.in_transaction:
            return
        try:
            db.execute("ROLLBACK")
        except sqlite3.Error:
            # A connection that cannot roll back is dropped: the next write opens a fresh one.
            self.close()

    def query(self, sql: str, params: tuple | list | dict = ()) -> list[dict]:
        """Rows as dicts. A plain read on this thread's connection (no savepoint: it writes nothing)."""
        cursor = self.db.conn.execute(sql, params)
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]

    def one(self, sql: str, params: tuple | dict = ()) -> dict | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: tuple | dict = ()):
        row = self.db.execute(sql, params).fetchone()
        return row[0] if row else None

    def data_version(self) -> int:
        """Changes when another connection (another process or thread) commits."""
        return self.db.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.conn.close()
            self._local.db = None


def after_fork_in_child(owner: object, reset) -> None:
    """Call `reset(owner)` in every child process forked while `owner` is alive."""
    ref = weakref.ref(owner)

    def run() -> None:
        alive = ref()
        if alive is not None:
            reset(alive)

    os.register_at_fork(after_in_child=run)


def open_store(data_dir: Path | str, name: str = DB_NAME,
               migrations: list[tuple[str, Migration]] = MIGRATIONS) -> Store:
    """Open (creating if needed) a database under `data_dir` and migrate it forward."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(data_dir / name)
    with store.write() as db:
        migrate(db, migrations)
    if name == DB_NAME:  # the kit's database: live screens show it (see wake.py)
        store.listeners.append(Bell(bell_path(data_dir)))
    return store
