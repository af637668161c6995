"""Live screens: many WebSockets on /ws/live from one asyncio loop, and how late each hears a ballot.

A minimal RFC 6455 client (handshake, unmasked server frames, masked close), enough to hold a
thousand sockets cheaply on the client's one core. Every text message that is not a ping counts
as an update; its arrival time is kept. A ballot's lag on a screen is the time from the ballot's
acknowledgement (the POST's 303) to the first update that screen receives after it.

A screen opened with `fetch` also does what live.js does with an update: it asks for the
projector's live part (`/projector/fragment?v=VERSION`) on a keep-alive connection of its own,
one request at a time (an update heard meanwhile asks again once that one is answered).
"""
from __future__ import annotations

import asyncio
import base64
import bisect
import os
import re
import struct
import time

from kit import HOST

VERSION_RE = re.compile(rb'"version":\s*(\d+)')

KEY = base64.b64encode(b"venuekit-bench-k").decode()  # any 16 bytes; the server only echoes a hash


class Fetches:
    """What the screens that fetch asked for and got, shared by a crowd."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.cache: dict[str, int] = {}  # nginx's X-Cache-Status -> count
        self.errors: dict[str, int] = {}


class Screen(asyncio.Protocol):
    def __init__(self, opened: asyncio.Future, fetch_port: int | None = None, fetches: Fetches | None = None):
        self.fetch_port, self.fetches = fetch_port, fetches
        self.conn = None
        self.fetching = self.again = self.closing = False
        self.version: bytes | None = None
        self.opened = opened
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.handshaken = False
        self.updates: list[float] = []
        self.pings = 0
        self.closed = False

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.buffer += data
        if not self.handshaken:
            head, sep, rest = self.buffer.partition(b"\r\n\r\n")
            if not sep:
                return
            if not head.startswith(b"HTTP/1.1 101"):
                if not self.opened.done():
                    self.opened.set_exception(ConnectionError(head.split(b"\r\n", 1)[0].decode(errors="replace")))
                self.transport.close()
                return
            self.handshaken = True
            self.buffer = rest
            if not self.opened.done():
                self.opened.set_result(True)
        while len(self.buffer) >= 2:
            opcode, length = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F
            start = 2
            if length == 126:
                if len(self.buffer) < 4:
                    return
                length, start = struct.unpack("!H", self.buffer[2:4])[0], 4
            elif length == 127:
                if len(self.buffer) < 10:
                    return
                length, start = struct.unpack("!Q", self.buffer[2:10])[0], 10
            if len(self.buffer) < start + length:
                return
            payload, self.buffer = self.buffer[start:start + length], self.buffer[start + length:]
            if opcode == 0x1:
                if b'"ping"' in payload:
                    self.pings += 1
                else:
                    self.updates.append(now)
                    found = VERSION_RE.search(payload)
                    if self.fetch_port and found:
                        self.version = found.group(1)
                        self._ask()
            elif opcode == 0x9:  # a protocol ping: answer it, as a browser does
                self._send(0xA, payload)
            elif opcode == 0x8:
                self.transport.close()

    def _send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.transport.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def _ask(self) -> None:
        if self.fetching:
            self.again = True
            return
        self.fetching = True
        asyncio.get_running_loop().create_task(self._fetch())

    async def _fetch(self) -> None:
        import clients  # only the screens that fetch need it

        try:
            if self.conn is None:
                self.conn = clients.Connection(self.fetch_port, "venuekit-bench-screen")
                await self.conn.open()
            began = time.perf_counter()
            status, headers, _ = await asyncio.wait_for(
                self.conn.request("GET", f"/projector/fragment?v={self.version.decode()}"), 15)
            self.fetches.latencies.append(time.perf_counter() - began)
            key = headers.get("x-cache-status", "none") if status == 200 else f"status {status}"
            self.fetches.cache[key] = self.fetches.cache.get(key, 0) + 1
        except (TimeoutError, OSError, ValueError, EOFError, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError) as exc:
            if not self.closing:  # (closing the crowd cuts the fetches in flight)
                reason = type(exc).__name__
                self.fetches.errors[reason] = self.fetches.errors.get(reason, 0) + 1
            if self.conn is not None:
                self.conn.close()
                self.conn = None
        self.fetching = False
        if self.again and not self.closed:
            self.again = False
            self._ask()

    def connection_lost(self, exc) -> None:
        self.closed = True
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed before the handshake"))

    def close(self) -> None:
        self.again, self.closing = False, True
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        if self.transport is not None and not self.transport.is_closing():
            try:
                self._send(0x8, struct.pack("!H", 1000))
            except (OSError, RuntimeError):
                pass
            self.transport.close()


class Screens:
    """A crowd of open live screens."""

    def __init__(self, fetch: bool = False) -> None:
        self.screens: list[Screen] = []
        self.failed: dict[str, int] = {}
        self.open_s = 0.0
        self.fetch = fetch
        self.fetches = Fetches()

    async def open(self, port: int, count: int, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        sem = asyncio.Semaphore(200)  # a room's projectors open over seconds, not in one instant
        began = time.perf_counter()

        async def one(i: int) -> None:
            async with sem:
                opened = loop.create_future()
                screen = None
                try:
                    _, screen = await asyncio.wait_for(
                        loop.create_connection(lambda: Screen(opened, port if self.fetch else None, self.fetches),
                                               HOST, port), timeout)
                    screen.transport.write((
                        f"GET /ws/live HTTP/1.1\r\nHost: {HOST}:{port}\r\nUpgrade: websocket\r\n"
                        f"Connection: Upgrade\r\nSec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n"
                        f"Origin: http://{HOST}:{port}\r\nUser-Agent: venuekit-bench-screen/{i}\r\n\r\n").encode())
                    await asyncio.wait_for(opened, timeout)
                    self.screens.append(screen)
                except (TimeoutError, OSError, ConnectionError) as exc:
                    reason = type(exc).__name__ if not str(exc) else str(exc)[:60]
                    self.failed[reason] = self.failed.get(reason, 0) + 1
                    if opened.done() and not opened.cancelled():
                        opened.exception()  # retrieved: no "never retrieved" warning
                    if screen is not None:
                        screen.close()

        await asyncio.gather(*(one(i) for i in range(count)))
        self.open_s = time.perf_counter() - began

    def alive(self) -> int:
        return sum(1 for s in self.screens if not s.closed)

    def messages(self) -> int:
        return sum(len(s.updates) for s in self.screens)

    def close(self) -> None:
        for screen in self.screens:
            screen.close()


def lag(acks: list[float], screens: Screens, since: float, until: float, sent: list[float] | None = None,
        sample: int = 300, alone: bool = False) -> dict:
    """For up to `sample` acknowledged ballots spread over the run, every screen's lag.

    The lag is the time from the ballot's acknowledgement to the screen's first update after it:
    an upper bound, since the announcement can overtake the acknowledgement (a busy worker
    answers the phone after the commit that the live process already announced). So a ballot
    with no update after its acknowledgement, but one after its request was `sent`, counts as
    heard at once (`heard_before_ack`): that is the kit's last announcement, made after the
    last commit. With no update after the request either, the screen has *missed* it.
    Updates before `since` (the opening) are ignored; `until` is when listening stopped.

    `alone`: each ballot was sent on its own, after the previous one's updates had passed, so
    the first update after its request is its own even when it came before the acknowledgement
    (on a quiet kit the live process's doorbell, webapp/storage/wake.py, announces the commit
    before the answer is back): that counts as heard at once, not as the next ballot's update.
    """
    pairs = sorted((a, s) for a, s in zip(acks, sent or acks) if a >= since)
    if not pairs or not screens.screens:
        return {"ballots": len(pairs), "pairs": 0}
    chosen = pairs[::max(1, len(pairs) // sample)]
    lags: list[float] = []
    missed = early = 0
    for screen in screens.screens:
        updates = screen.updates
        for ack, began in chosen:
            if alone:
                first = bisect.bisect_right(updates, began)
                if first < len(updates) and updates[first] <= ack:
                    lags.append(0.0)
                    early += 1
                    continue
            i = bisect.bisect_right(updates, ack)
            if i < len(updates):
                lags.append(updates[i] - ack)
            elif updates and updates[-1] > began:
                lags.append(0.0)
                early += 1
            else:
                missed += 1
    lags.sort()

    def q(p: float) -> float | None:
        return round(lags[min(len(lags) - 1, int(p / 100 * (len(lags) - 1) + 0.5))] * 1000, 1) if lags else None

    within = sum(1 for x in lags if x <= 1.0)
    return {"ballots": len(pairs), "ballots_sampled": len(chosen), "screens": len(screens.screens),
            "pairs": len(lags) + missed, "missed": missed, "heard_before_ack": early,
            "listened_s": round(until - since, 1), "p50_ms": q(50), "p99_ms": q(99),
            "max_ms": round(lags[-1] * 1000, 1) if lags else None,
            "share_within_1s": round(within / max(len(lags) + missed, 1), 4)}
