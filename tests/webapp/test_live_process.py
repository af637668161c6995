"""The live process (`venuekit live`) on its own: one watcher for the room, coalesced messages,
stalled screens dropped."""
from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import websocket

from tests.servers import free_port
from webapp import live

WAIT_S = 20


@pytest.fixture
def live_process(tmp_path):
    db = sqlite3.connect(tmp_path / live.DB_NAME, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (x)")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "webapp.cli", "--data", str(tmp_path), "live", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert "venuekit live: serving" in proc.stdout.readline()
        yield port, db
    finally:
        proc.terminate()
        assert proc.wait(15) == 0  # a clean stop on SIGTERM
        db.close()


def messages(ws, seconds: float) -> list[dict]:
    found = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        ws.settimeout(left)
        try:
            found.append(json.loads(ws.recv()))
        except websocket.WebSocketTimeoutException:
            break
    return found


def test_every_screen_hears_a_commit_by_another_process(live_process):
    port, db = live_process
    screens = [websocket.create_connection(f"ws://127.0.0.1:{port}/ws/live", timeout=WAIT_S) for _ in range(20)]
    try:
        first = [json.loads(ws.recv())["version"] for ws in screens]
        db.execute("INSERT INTO t VALUES (1)")
        for ws, version in zip(screens, first):
            ws.settimeout(WAIT_S)
            message = json.loads(ws.recv())
            assert message["version"] > version
    finally:
        for ws in screens:
            ws.close()


def test_a_burst_of_commits_is_coalesced(live_process):
    port, db = live_process
    ws = websocket.create_connection(f"ws://127.0.0.1:{port}/ws/live", timeout=WAIT_S)
    try:
        json.loads(ws.recv())
        began = time.monotonic()
        for n in range(100):  # a busy room: a ballot every 10 ms for about a second
            db.execute("INSERT INTO t VALUES (?)", [n])
            time.sleep(0.01)
        heard = messages(ws, 1.0)
        spent = time.monotonic() - began
        versions = [m for m in heard if "version" in m]
        assert versions, "the burst was never announced"
        # At most one message per 0.25 s (+1 for the first, +1 for the tail of the burst).
        assert len(versions) <= spent / live.MIN_INTERVAL_S + 2, (len(versions), spent)
    finally:
        ws.close()


def test_a_big_room_is_told_less_often_but_within_a_second():
    assert live.pause_after_message(1) == live.pause_after_message(20) == live.MIN_INTERVAL_S
    assert live.pause_after_message(1000) == pytest.approx(0.5)
    assert live.pause_after_message(10_000) == live.MAX_INTERVAL_S < 1 - live.POLL_S


def test_only_the_live_path_is_served(live_process):
    port, _ = live_process
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
            f"http://127.0.0.1:{port}/organiser", timeout=10)
    assert refused.value.code in (400, 404, 426)
    with pytest.raises(websocket.WebSocketBadStatusException):
        websocket.create_connection(f"ws://127.0.0.1:{port}/ws/other", timeout=WAIT_S)


def test_a_screen_that_stops_reading_is_dropped_not_waited_for(monkeypatch):
    """Its send never completes (its buffer is full): it is aborted after the send timeout, and
    only its own coroutine ever waited."""
    monkeypatch.setattr(live, "SEND_TIMEOUT_S", 0.2)

    class Transport:
        aborted = False

        def abort(self):
            self.aborted = True

    class Stalled:
        transport = Transport()

        async def send(self, message):
            await asyncio.sleep(3600)

    stalled = Stalled()

    async def attempt():
        with pytest.raises(live.ConnectionClosed):
            await live._send(stalled, {"version": 1})

    asyncio.run(asyncio.wait_for(attempt(), 5))
    assert stalled.transport.aborted


def test_the_first_version_is_current_even_right_after_a_commit(tmp_path):
    """A screen connecting just after a commit is not told of it a moment later as news."""
    db = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    db.execute("CREATE TABLE t (x)")

    async def scenario():
        feed = live.Feed(live.data_version_reader(Path(tmp_path / "x.db")))
        await feed.look()
        db.execute("INSERT INTO t VALUES (1)")
        version = await feed.look()  # what a new screen is sent
        assert version == 1
        assert await feed.wait(version, 0.3) == version  # and nothing follows

    asyncio.run(scenario())


def test_one_message_reaches_every_screen_and_a_stalled_one_is_dropped(monkeypatch):
    """The fan-out encodes a change once for all screens; a screen whose socket keeps data it
    does not take for SEND_TIMEOUT_S is aborted and forgotten, the others still get every message."""
    monkeypatch.setattr(live, "SEND_TIMEOUT_S", 5.0)
    sent: list[tuple[set, str]] = []
    monkeypatch.setattr(live, "broadcast", lambda conns, text: sent.append((set(conns), text)))

    class Transport:
        def __init__(self, backlog: int):
            self.backlog, self.aborted = backlog, False

        def get_write_buffer_size(self) -> int:
            return self.backlog

        def abort(self) -> None:
            self.aborted = True

    class Screen:
        def __init__(self, backlog: int = 0):
            self.transport = Transport(backlog)

    reading, slow, stalled = Screen(), Screen(), Screen(backlog=40)
    screens = live.Screens()
    screens.open.update({reading: 1, slow: 1, stalled: 1})
    late = Screen()
    screens.open[late] = 2  # greeted with version 2 already: not told it again
    screens.send_all({"version": 2}, now=100.0)
    slow.transport.backlog = 40  # a moment behind, then catches up
    screens.send_all({"version": 3}, now=103.0)
    slow.transport.backlog = 0
    screens.send_all({"ping": True}, now=106.0)
    assert stalled.transport.aborted and stalled not in screens.open
    assert not slow.transport.aborted and not reading.transport.aborted
    assert [(conns, json.loads(text)) for conns, text in sent] == [
        ({reading, slow, stalled}, {"version": 2}), ({reading, slow, stalled, late}, {"version": 3}),
        ({reading, slow, late}, {"ping": True})]
