"""A Store used before a fork works in the child: no copied lock, no copied connection."""
from __future__ import annotations

import os
import threading

from webapp.storage import open_store


def _child_writes(store, marker: str) -> int:
    """Fork; the child writes `marker` and exits 0 (or is stopped by alarm after 5 s). Returns its status."""
    pid = os.fork()
    if pid == 0:  # the child: only this thread exists here
        import signal

        signal.alarm(5)
        try:
            with store.write() as db:
                db["settings"].upsert({"name": "marker", "value": marker}, pk="name")
            os._exit(0)
        except BaseException:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    return status


def test_a_fork_while_another_thread_holds_the_write_lock_leaves_the_child_able_to_write(tmp_path):
    store = open_store(tmp_path)
    holding, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        with store._write_lock:  # the moment a spooler thread is inside store.write()
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    holding.wait(5)
    try:
        status = _child_writes(store, "child")
    finally:
        release.set()
        holder.join()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"child did not write (status {status})"
    assert store.scalar("SELECT value FROM settings WHERE name = 'marker'") == "child"


def test_the_child_opens_its_own_connection(tmp_path):
    store = open_store(tmp_path)
    parent_conn = store.db.conn
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.write(write, b"same" if store.db.conn is parent_conn else b"own")
        os._exit(0)
    os.close(write)
    answer = os.read(read, 16)
    os.waitpid(pid, 0)
    os.close(read)
    assert answer == b"own"
    assert store.db.conn is parent_conn
