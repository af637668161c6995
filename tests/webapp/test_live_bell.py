"""The live process's doorbell (webapp/storage/wake.py): a commit by the kit's store wakes the
live process at once, without waiting for its data_version poll."""
from __future__ import annotations

import asyncio
import json
import time

from websockets.asyncio.client import connect

from tests.servers import free_port
from webapp import live
from webapp.storage import open_store
from webapp.storage.wake import Bell, bell_path

POLL_S = 60.0  # far longer than the test: only the bell can announce the commit in time
HEARD_WITHIN_S = 5.0


def test_a_commit_rings_the_bell_and_screens_hear_it_before_any_poll(tmp_path):
    store = open_store(tmp_path)  # the kit's database, with its bell
    port = free_port()

    # A write through the store, as a web worker makes it.
    async def scenario2() -> tuple[int, int, float]:
        ready = asyncio.Event()
        server = asyncio.create_task(live.run(tmp_path, "127.0.0.1", port, ready=lambda url: ready.set(),
                                              poll_s=POLL_S))
        await asyncio.wait_for(ready.wait(), 10)
        try:
            async with connect(f"ws://127.0.0.1:{port}/ws/live") as ws:
                first = json.loads(await asyncio.wait_for(ws.recv(), 10))["version"]
                await asyncio.sleep(0.3)
                began = time.monotonic()

                def commit() -> None:
                    with store.write() as db:
                        db.execute("CREATE TABLE IF NOT EXISTS rung (x)")

                await asyncio.to_thread(commit)
                message = json.loads(await asyncio.wait_for(ws.recv(), HEARD_WITHIN_S))
                return first, message.get("version"), time.monotonic() - began
        finally:
            server.cancel()
            await asyncio.gather(server, return_exceptions=True)

    first, then, took = asyncio.run(scenario2())
    store.close()
    assert then is not None and then > first
    assert took < POLL_S


def test_the_bell_is_in_the_data_directory_and_removed_at_a_clean_stop(tmp_path):
    import gc

    port = free_port()
    problems: list = []

    async def scenario() -> bool:
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: problems.append(context))
        ready = asyncio.Event()
        server = asyncio.create_task(live.run(tmp_path, "127.0.0.1", port, ready=lambda url: ready.set()))
        await asyncio.wait_for(ready.wait(), 10)
        there = bell_path(tmp_path).is_socket()
        server.cancel()
        await asyncio.gather(server, return_exceptions=True)
        return there

    assert asyncio.run(scenario())
    assert not bell_path(tmp_path).exists()
    gc.collect()  # a task that died with an error is reported when it is collected
    # The bell's listener must not outlive its socket ("Invalid file descriptor: -1" at stop).
    assert problems == []


def test_ringing_with_no_live_process_never_raises_nor_blocks(tmp_path):
    bell = Bell(bell_path(tmp_path))  # nobody listening, not even a directory
    began = time.monotonic()
    for _ in range(1000):
        bell()
    assert time.monotonic() - began < 5


def test_with_no_screen_open_a_ring_costs_no_look():
    import socket

    reads: list[int] = []
    feed = live.Feed(lambda: reads.append(1) or len(reads))
    bell, ringer = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    bell.setblocking(False)
    screens: list[str] = []

    async def scenario() -> tuple[int, int]:
        listener = asyncio.create_task(live.answer_bell(feed, bell, lambda: bool(screens)))
        try:
            for _ in range(5):
                ringer.send(b"!")
                await asyncio.sleep(0.05)
            quiet = len(reads)
            screens.append("projector")
            ringer.send(b"!")
            for _ in range(100):
                await asyncio.sleep(0.02)
                if reads:
                    break
            return quiet, len(reads)
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)

    try:
        quiet, heard = asyncio.run(scenario())
    finally:
        bell.close()
        ringer.close()
    assert quiet == 0
    assert heard >= 1
