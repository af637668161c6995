"""Wrong-code limits hold across worker processes: a guesser spreading guesses over several
workers gets one allowance, not one per worker; a code lookup with no wrong codes about reads
nothing from the database."""
from __future__ import annotations

import subprocess
import sys

from tests.conftest import make_assembly
from webapp.app import create_app
from webapp.domain import codes
from webapp.guesses import SharedGuessLimiter
from webapp.storage import open_store


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_two_workers_share_one_allowance(tmp_path):
    clock = Clock()
    one = SharedGuessLimiter(open_store(tmp_path), clock=clock, recheck_s=0)
    two = SharedGuessLimiter(open_store(tmp_path), clock=clock, recheck_s=0)
    for n in range(10):  # ten wrong codes, alternating between the workers
        worker = one if n % 2 else two
        assert worker.wait_seconds("10.0.0.7", "phone") == 0
        worker.failed("10.0.0.7", "phone")
    assert one.wait_seconds("10.0.0.7", "phone") > 0
    assert two.wait_seconds("10.0.0.7", "phone") > 0
    assert one.wait_seconds("10.0.0.8", "phone") == 0  # others are not held up
    clock.now += 21  # one token back after the refill time, in both
    assert two.wait_seconds("10.0.0.7", "phone") == 0
    one.failed("10.0.0.7", "phone")
    assert two.wait_seconds("10.0.0.7", "phone") > 0


def test_a_worker_sees_another_process_s_count_within_the_recheck(tmp_path):
    clock = Clock()
    here = SharedGuessLimiter(open_store(tmp_path), clock=clock, recheck_s=0.25)
    assert here.wait_seconds("10.0.0.9", "phone") == 0  # read (and held) before the guesses
    subprocess.run(
        [sys.executable, "-c",
         "import sys, time; from webapp.storage import open_store; from webapp.guesses import SharedGuessLimiter\n"
         "limiter = SharedGuessLimiter(open_store(sys.argv[1]), clock=lambda: 1000.0)\n"
         "for _ in range(10): limiter.failed('10.0.0.9', 'phone')", str(tmp_path)],
        check=True, timeout=60,
    )
    clock.now += 0.3
    assert here.wait_seconds("10.0.0.9", "phone") > 0


def test_lookups_with_no_wrong_codes_read_nothing(tmp_path):
    clock = Clock()
    store = open_store(tmp_path)
    limiter = SharedGuessLimiter(store, clock=clock)
    limiter.wait_seconds("10.0.0.1", "phone")
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    for _ in range(100):
        assert limiter.wait_seconds("10.0.0.1", "phone") == 0
    clock.now += 1
    limiter.wait_seconds("10.0.0.1", "phone")
    store.db.conn.set_trace_callback(None)
    assert len(statements) == 1 and "versions" in statements[0]  # only the one recheck


def test_the_table_is_bounded_and_a_flood_keeps_the_limited(tmp_path, monkeypatch):
    monkeypatch.setattr("webapp.guesses.PRUNE_EVERY", 50)
    clock = Clock()
    store = open_store(tmp_path)
    limiter = SharedGuessLimiter(store, clock=clock, max_entries=100, recheck_s=0)
    while not limiter.wait_seconds("10.0.0.66", "phone"):
        limiter.failed("10.0.0.66", "phone")
    for n in range(1_000):
        limiter.failed(f"fd00::{n:x}", "bot")
        assert store.scalar("SELECT count(*) FROM guess_buckets WHERE kind = 'address'") <= 150
    assert limiter.wait_seconds("10.0.0.66", "phone")


def test_counts_from_before_a_reboot_are_dropped(tmp_path):
    store = open_store(tmp_path)
    SharedGuessLimiter(store, clock=lambda: 5000.0).failed("10.0.0.3", "phone")
    assert store.scalar("SELECT count(*) FROM guess_buckets") == 2
    SharedGuessLimiter(store, clock=lambda: 20.0)  # the monotonic clock started again
    assert store.scalar("SELECT count(*) FROM guess_buckets") == 0


def test_two_apps_on_one_kit_share_the_limit_for_pages(tmp_path):
    config = {"DATA_DIR": str(tmp_path / "data"), "TESTING": True}
    first, second = create_app(config), create_app(config)
    make_assembly(first.extensions["venuekit"].store)
    for app in (first, second):
        app.extensions["venuekit"].limiter.recheck_s = 0
    clients = [first.test_client(), second.test_client()]
    phone = {"User-Agent": "phone A"}
    for n in range(10):
        reply = clients[n % 2].get("/ballot", query_string={"code": codes.generate(codes.BALLOT)}, headers=phone)
        assert reply.status_code == 404
    for client in clients:
        reply = client.get("/ballot", query_string={"code": codes.generate(codes.BALLOT)}, headers=phone)
        assert reply.status_code == 429
