"""Group commit: writes queued together share one transaction, each caller hears only after its
transaction is committed, and one failing write never fails the others."""
from __future__ import annotations

import json
import sqlite3
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from webapp.domain.errors import Conflict
from webapp.storage import open_store
from webapp.storage.groupcommit import STATS_DELAY_S
from webapp.storage.space import StorageFull

WAIT_S = 30


def make_table(store):
    with store.write() as db:
        db.execute("CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY)")


def committed_keys(store) -> set[str]:
    # A connection of its own, as another process would read.
    conn = sqlite3.connect(store.path)
    try:
        return {row[0] for row in conn.execute("SELECT k FROM t")}
    finally:
        conn.close()


def run_batched(store, jobs) -> dict:
    """Run `jobs` (name -> fn) from one thread each, the first holding the commit until every
    other has queued, so all the others share the next transaction. name -> result or error."""
    outcomes: dict = {}
    gate = threading.Event()
    first, *rest = jobs

    def hold(db):
        assert gate.wait(WAIT_S)
        db.execute("INSERT INTO t VALUES ('first')")
        return "first"

    def call(name, fn):
        try:
            outcomes[name] = ("ok", store.write_each(fn))
        except BaseException as exc:  # noqa: BLE001 - the test looks at what each caller got
            outcomes[name] = ("error", exc)

    leader = threading.Thread(target=call, args=("first", hold))
    leader.start()
    while not store.group_commit._leading:
        time.sleep(0.001)
    threads = [threading.Thread(target=call, args=(name, fn)) for name, fn in jobs.items()]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + WAIT_S
    while len(store.group_commit._pending) < len(jobs) and time.monotonic() < deadline:
        time.sleep(0.001)
    gate.set()
    for thread in [leader, *threads]:
        thread.join(WAIT_S)
    return outcomes


def insert(key):
    def fn(db):
        db.execute("INSERT INTO t VALUES (?)", [key])
        return key
    return fn


def test_writes_queued_together_share_one_transaction(tmp_path):
    store = open_store(tmp_path)
    make_table(store)
    before = store.group_commit.transactions
    outcomes = run_batched(store, {f"w{n}": insert(f"w{n}") for n in range(20)})
    assert all(outcomes[f"w{n}"] == ("ok", f"w{n}") for n in range(20))
    assert committed_keys(store) == {"first", *(f"w{n}" for n in range(20))}
    # The held one alone, then the twenty together: two syncs for twenty-one writes.
    assert store.group_commit.transactions - before == 2
    assert store.group_commit.largest == 20


def test_a_failing_write_is_undone_alone_and_gets_its_own_error(tmp_path):
    store = open_store(tmp_path)
    make_table(store)

    def refused(db):
        db.execute("INSERT INTO t VALUES ('half-written')")
        raise Conflict("already_voted", "no")

    def duplicate(db):
        db.execute("INSERT INTO t VALUES ('first')")  # the held write's key: a constraint error

    outcomes = run_batched(store, {"a": insert("a"), "refused": refused, "dup": duplicate, "b": insert("b")})
    assert outcomes["a"] == ("ok", "a") and outcomes["b"] == ("ok", "b")
    assert isinstance(outcomes["refused"][1], Conflict)
    assert isinstance(outcomes["dup"][1], sqlite3.IntegrityError)
    assert committed_keys(store) == {"first", "a", "b"}


def test_a_full_disk_fails_the_whole_batch_and_acknowledges_nothing(tmp_path):
    store = open_store(tmp_path)
    make_table(store)

    def full(db):
        raise sqlite3.OperationalError("database or disk is full")

    outcomes = run_batched(store, {"a": insert("a"), "full": full, "b": insert("b")})
    assert all(kind == "error" and isinstance(error, StorageFull) for kind, error in
               (outcomes[name] for name in ("a", "full", "b")))
    assert committed_keys(store) == {"first"}
    # The kit carries on: the next write is committed as usual.
    assert store.write_each(insert("after")) == "after"
    assert "after" in committed_keys(store)


def test_a_write_that_loses_the_transaction_fails_alone_and_the_others_go_again(tmp_path):
    store = open_store(tmp_path)
    make_table(store)

    def lost(db):
        db.execute("ROLLBACK")  # as SQLite does by itself after some errors
        raise sqlite3.OperationalError("interrupted")

    outcomes = run_batched(store, {"a": insert("a"), "lost": lost, "b": insert("b")})
    assert outcomes["a"] == ("ok", "a") and outcomes["b"] == ("ok", "b")
    assert isinstance(outcomes["lost"][1], sqlite3.OperationalError)
    assert committed_keys(store) == {"first", "a", "b"}


def test_a_caller_hears_only_once_its_write_is_committed(tmp_path):
    store = open_store(tmp_path)
    make_table(store)
    seen_at_return = {}

    def voter(n):
        key = f"v{n}"
        store.write_each(insert(key))
        seen_at_return[key] = key in committed_keys(store)

    threads = [threading.Thread(target=voter, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_S)
    assert seen_at_return == {f"v{n}": True for n in range(12)}


def test_listeners_hear_each_batch_and_counts_reach_the_stats_file(tmp_path):
    store = open_store(tmp_path)
    make_table(store)
    heard = []
    store.listeners.append(lambda: heard.append(1))
    run_batched(store, {f"w{n}": insert(f"w{n}") for n in range(5)})
    assert len(heard) == 2
    store.group_commit.write_stats()
    stats = json.loads(store.group_commit.stats_path.read_text())
    assert stats["writes"] == 6 and stats["transactions"] == 2 and stats["largest_batch"] == 5
    assert store.group_commit.stats_path.parent == tmp_path / "run"


def test_a_kit_writes_no_stats_file_unless_a_benchmark_asks(tmp_path, monkeypatch):
    monkeypatch.delenv("VENUEKIT_COMMIT_STATS", raising=False)
    store = open_store(tmp_path)
    make_table(store)
    run_batched(store, {f"w{n}": insert(f"w{n}") for n in range(3)})
    time.sleep(STATS_DELAY_S * 2)
    assert not list((tmp_path / "run").glob("commits-*.json"))
    monkeypatch.setenv("VENUEKIT_COMMIT_STATS", "1")
    run_batched(store, {"w9": insert("w9")})
    deadline = time.monotonic() + 5
    while not store.group_commit.stats_path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert json.loads(store.group_commit.stats_path.read_text())["writes"] >= 4


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["ok", "refuse", "partial", "duplicate"]), min_size=1, max_size=12))
def test_any_mix_of_writes_keeps_exactly_the_good_ones(tmp_path_factory, kinds):
    store = open_store(tmp_path_factory.mktemp("gc"))
    make_table(store)

    def job(n, kind):
        def fn(db):
            if kind == "duplicate":
                db.execute("INSERT INTO t VALUES ('first')")
            db.execute("INSERT INTO t VALUES (?)", [f"j{n}"])
            if kind in ("refuse", "partial"):
                if kind == "partial":
                    db.execute("INSERT INTO t VALUES (?)", [f"j{n}-more"])
                raise Conflict("no", "no")
            return n
        return fn

    outcomes = run_batched(store, {f"j{n}": job(n, kind) for n, kind in enumerate(kinds)})
    good = {f"j{n}" for n, kind in enumerate(kinds) if kind == "ok"}
    assert committed_keys(store) == {"first", *good}
    for n, kind in enumerate(kinds):
        assert (outcomes[f"j{n}"][0] == "ok") == (kind == "ok")
    store.close()


def test_nothing_is_left_waiting_when_a_write_raises_a_base_exception(tmp_path):
    store = open_store(tmp_path)
    make_table(store)

    def stop(db):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.write_each(stop)
    assert store.group_commit._leading is False
    assert store.write_each(insert("next")) == "next"


def test_writers_in_other_processes_take_turns_on_the_lock_file(tmp_path):
    store = open_store(tmp_path)
    make_table(store)
    import fcntl
    import os

    # Another process's writer holds the lock (a descriptor of its own locks like one).
    other = os.open(store.path.with_name(store.path.name + "-writer"), os.O_RDWR)
    fcntl.flock(other, fcntl.LOCK_EX)
    done = threading.Event()
    thread = threading.Thread(target=lambda: (store.write_each(insert("waited")), done.set()))
    thread.start()
    assert not done.wait(0.3)
    assert "waited" not in committed_keys(store)
    fcntl.flock(other, fcntl.LOCK_UN)
    os.close(other)
    assert done.wait(WAIT_S)
    thread.join(WAIT_S)
    assert "waited" in committed_keys(store)


def test_a_casual_write_is_not_announced_and_full_sync_comes_back(tmp_path):
    store = open_store(tmp_path)
    make_table(store)
    heard = []
    store.listeners.append(lambda: heard.append(1))
    with store.write(casual=True) as db:
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL: no sync of its own
        db.execute("INSERT INTO t VALUES ('casual')")
    assert heard == [] and "casual" in committed_keys(store)
    assert store.scalar("PRAGMA synchronous") == 2  # FULL again for everything else
    with store.write() as db:
        db.execute("INSERT INTO t VALUES ('ballot-like')")
    assert heard == [1]
