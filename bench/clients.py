"""Phones: HTTP/1.1 over asyncio streams (keep-alive, gzip), the voting flow, and the ways they arrive.

Only the standard library. A phone's flow on one keep-alive connection: GET /b/CODE (the ballot
page, 60 ideas), POST /b/CODE (csrf_token + 1-5 ticks, expects 303), GET /b/CODE?saved=1 (the
redirect, followed and counted). The time each POST's 303 arrives is kept, for the screens' lag.
"""
from __future__ import annotations

import asyncio
import gzip
import random
import re
import time
import urllib.parse
from dataclasses import dataclass, field

from kit import HOST

USER_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/124.0 Mobile Safari/537.36 venuekit-bench/{n}")
CSRF_RE = re.compile(rb'name="csrf_token" value="([^"]+)"')
IDEA_RE = re.compile(rb'name="idea" value="(\d+)"')
SAVED_MARK = b"your vote is saved"  # "Thank you — your vote is saved." on the ?saved=1 page


class HTTPError(Exception):
    pass


class Connection:
    def __init__(self, port: int, agent: str):
        self.port, self.agent = port, agent
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.reconnects = 0
        self.wire_bytes = 0  # bytes of the last response as received (head + body)

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    async def request(self, method: str, path: str, body: bytes | None = None,
                      content_type: str = "application/x-www-form-urlencoded") -> tuple[int, dict, bytes]:
        if self.writer is None:  # the server closed the kept-alive connection: a phone reconnects
            await self.open()
            self.reconnects += 1
        head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}", f"User-Agent: {self.agent}",
                "Accept: text/html,*/*;q=0.8", "Accept-Encoding: gzip", "Accept-Language: en-GB,en;q=0.9",
                "Connection: keep-alive"]
        if body is not None:
            head += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + (body or b""))
        await self.writer.drain()
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
        wire = len(raw)
        if "content-length" in headers:
            data = await self.reader.readexactly(int(headers["content-length"]))
            wire += len(data)
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size_line = await self.reader.readuntil(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                wire += len(size_line) + size + 2
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            data = b"".join(parts)
        else:
            data = await self.reader.read()
            wire += len(data)
            headers["connection"] = "close"
        self.wire_bytes = wire
        if headers.get("connection", "").lower() == "close":
            self.close()
        headers["x-bench-body-bytes"] = str(len(data))
        if headers.get("content-encoding") == "gzip":
            data = gzip.decompress(data)
        return status, headers, data


@dataclass
class Stats:
    latencies: dict = field(default_factory=dict)  # kind -> [seconds]
    flows: list = field(default_factory=list)  # seconds per completed flow
    errors: dict = field(default_factory=dict)  # reason -> count
    acks: list = field(default_factory=list)  # perf_counter when each ballot's 303 (or 200) arrived
    sent: list = field(default_factory=list)  # ... and when that ballot's request was sent
    requests: int = 0
    failed_flows: int = 0
    reconnects: int = 0
    first: float = 0.0
    last: float = 0.0

    def add(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)

    def error(self, reason: str) -> None:
        self.errors[reason] = self.errors.get(reason, 0) + 1


async def timed(stats: Stats, kind: str, coro, timeout: float):
    began = time.perf_counter()
    try:
        result = await asyncio.wait_for(coro, timeout)
    except TimeoutError:
        raise HTTPError(f"{kind}: timeout after {timeout:.0f} s") from None
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, EOFError) as exc:
        raise HTTPError(f"{kind}: {type(exc).__name__}") from None
    stats.add(kind, time.perf_counter() - began)
    if kind != "connect":
        stats.requests += 1
    return result


async def measured_flow(stats: Stats, port: int, agent: str, timeout: float, steps) -> None:
    """One connection: connect, run `steps(conn)`, and count the flow as done or failed."""
    conn = Connection(port, agent)
    began = time.perf_counter()
    try:
        await timed(stats, "connect", conn.open(), timeout)
        await steps(conn)
    except HTTPError as exc:
        stats.error(str(exc))
        stats.failed_flows += 1
    else:
        stats.flows.append(time.perf_counter() - began)
    finally:
        stats.reconnects += conn.reconnects
        conn.close()
        stats.last = time.perf_counter()


async def vote_flow(stats: Stats, port: int, code: str, rng: random.Random, agent: str, timeout: float) -> None:
    async def steps(conn: Connection) -> None:
        status, _, page = await timed(stats, "GET ballot", conn.request("GET", f"/b/{code}"), timeout)
        if status != 200:
            raise HTTPError(f"GET ballot: HTTP {status}")
        token = CSRF_RE.search(page)
        numbers = IDEA_RE.findall(page)
        if not token or not numbers:
            raise HTTPError("GET ballot: no csrf_token or no idea on the page")
        ticks = rng.sample(numbers, rng.randint(1, min(5, len(numbers))))
        body = urllib.parse.urlencode([("csrf_token", token.group(1).decode())]
                                      + [("idea", n.decode()) for n in ticks]).encode()
        sent = time.perf_counter()
        status, headers, _ = await timed(stats, "POST vote", conn.request("POST", f"/b/{code}", body), timeout)
        if status != 303:
            raise HTTPError(f"POST vote: HTTP {status}")
        stats.acks.append(time.perf_counter())
        stats.sent.append(sent)
        location = urllib.parse.urlsplit(headers.get("location", ""))
        target = location.path + ("?" + location.query if location.query else "")
        if target != f"/b/{code}?saved=1":
            raise HTTPError("POST vote: unexpected redirect")
        status, _, page = await timed(stats, "GET saved", conn.request("GET", target), timeout)
        if status != 200 or SAVED_MARK not in page.lower():
            raise HTTPError(f"GET saved: HTTP {status}" if status != 200 else "GET saved: no thank-you text")

    await measured_flow(stats, port, agent, timeout, steps)


async def hello_flow(stats: Stats, port: int, requests: int, agent: str, timeout: float) -> None:
    async def steps(conn: Connection) -> None:
        for _ in range(requests):
            status, _, body = await timed(stats, "GET hello", conn.request("GET", "/bench/hello"), timeout)
            if status != 200 or body != b"hello":
                raise HTTPError(f"GET hello: HTTP {status}")

    await measured_flow(stats, port, agent, timeout, steps)


async def closed_loop(port: int, phones: int, codes, duration: float, timeout: float, seed: int) -> Stats:
    """`phones` phones at once, no think time: each votes, then the next voter takes its place.

    New voters start for `duration` seconds or until `codes` (an iterator) runs out.
    """
    stats = Stats()
    stats.first = time.perf_counter()
    stop_at = stats.first + duration

    async def phone(index: int) -> None:
        rng = random.Random(seed * 100_003 + index)
        agent = USER_AGENT.format(n=index)
        while time.perf_counter() < stop_at:
            code = next(codes, None)
            if code is None:
                return
            await vote_flow(stats, port, code, rng, agent, timeout)

    await asyncio.gather(*(phone(i) for i in range(phones)))
    return stats


async def hello_loop(port: int, phones: int, total: int, per_conn: int, timeout: float) -> Stats:
    """The baseline: `total` bare requests, `per_conn` per connection, `phones` at once."""
    stats = Stats()
    left = total
    stats.first = time.perf_counter()

    async def phone(index: int) -> None:
        nonlocal left
        agent = USER_AGENT.format(n=index)
        while left > 0:
            take = min(per_conn, left)
            left -= take
            await hello_flow(stats, port, take, agent, timeout)

    await asyncio.gather(*(phone(i) for i in range(phones)))
    return stats


async def open_loop(port: int, rate: float, duration: float, codes, timeout: float, seed: int,
                    flow=None) -> Stats:
    """Voters arrive at a steady `rate` per second for `duration` seconds, whatever the server
    does (an open system: a slow server meets more and more voters at once, as a room would)."""
    stats = Stats()
    stats.first = time.perf_counter()
    tasks = []
    n = 0
    rng = random.Random(seed)
    while n < rate * duration:
        due = stats.first + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        code = next(codes, None)
        if code is None:
            break
        agent = USER_AGENT.format(n=n)
        job = (flow or vote_flow)(stats, port, code, random.Random(rng.random()), agent, timeout)
        tasks.append(asyncio.ensure_future(job))
        n += 1
    await asyncio.gather(*tasks)
    return stats


async def api_ballot(stats: Stats, port: int, code: str, rng: random.Random, agent: str, timeout: float,
                     idea_ids: list[int] = ()) -> None:
    """One ballot through the JSON API (PUT), as live_latency.py casts them: one request."""
    import json

    async def steps(conn: Connection) -> None:
        body = json.dumps({"choices": {str(i): 1 for i in rng.sample(list(idea_ids), 3)}}).encode()
        sent = time.perf_counter()
        status, _, _ = await timed(stats, "PUT ballot", conn.request(
            "PUT", f"/api/v1/ballot-codes/{code}/ballot", body, "application/json"), timeout)
        if status != 200:
            raise HTTPError(f"PUT ballot: HTTP {status}")
        stats.acks.append(time.perf_counter())
        stats.sent.append(sent)

    await measured_flow(stats, port, agent, timeout, steps)


class IdlePhones:
    """Phones that loaded the ballot page and then sit on their keep-alive connection."""

    def __init__(self) -> None:
        self.conns: list[Connection] = []
        self.failed = 0

    async def open(self, port: int, count: int, codes: list[str], timeout: float) -> None:
        sem = asyncio.Semaphore(100)  # do not turn the opening into a burst of its own

        async def one(i: int) -> None:
            async with sem:
                conn = Connection(port, USER_AGENT.format(n=i))
                try:
                    await asyncio.wait_for(conn.open(), timeout)
                    status, _, _ = await asyncio.wait_for(conn.request("GET", f"/b/{codes[i % len(codes)]}"), timeout)
                    if status != 200:
                        raise HTTPError(status)
                    self.conns.append(conn)
                except (TimeoutError, OSError, asyncio.IncompleteReadError, HTTPError, ValueError):
                    self.failed += 1
                    conn.close()

        await asyncio.gather(*(one(i) for i in range(count)))

    def still_open(self) -> int:
        """Connections the server has not closed (a closed one shows end-of-file)."""
        return sum(1 for c in self.conns if c.writer is not None and not c.reader.at_eof())

    def close(self) -> None:
        for conn in self.conns:
            conn.close()
