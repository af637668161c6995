"""Slow and stalled clients: what a few broken or hostile phones do to a server's connections.

Three kinds, in equal shares, each reconnecting when the server drops it, until told to stop:
- slowloris: a request whose headers arrive one byte a second and never end;
- half-closed: a request (complete for half of them, cut off mid-headers for the others), then
  the socket's sending side is shut and the response is never read;
- slow upload: a POST with complete headers whose 2,000-byte body arrives one byte a second.
"""
from __future__ import annotations

import asyncio
import socket

from kit import HOST

KINDS = ("slowloris", "half-closed", "slow upload")


class SlowClients:
    def __init__(self, port: int, count: int, codes: list[str]):
        self.port, self.count, self.codes = port, count, codes
        self.stop = asyncio.Event()
        self.tasks: list[asyncio.Task] = []
        self.connects = {kind: 0 for kind in KINDS}
        self.dropped = {kind: 0 for kind in KINDS}  # connections the server closed on them
        self.failed_connects = 0

    def start(self) -> None:
        for i in range(self.count):
            self.tasks.append(asyncio.ensure_future(self._client(i, KINDS[i % len(KINDS)])))

    async def close(self) -> None:
        self.stop.set()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def _pause(self, seconds: float) -> bool:
        """Wait; True if the benchmark asked the clients to stop meanwhile."""
        try:
            await asyncio.wait_for(self.stop.wait(), seconds)
            return True
        except TimeoutError:
            return False

    async def _client(self, i: int, kind: str) -> None:
        code = self.codes[i % len(self.codes)]
        head = (f"GET /b/{code} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
                f"User-Agent: venuekit-bench-slow/{i}\r\nAccept-Encoding: gzip\r\n").encode()
        while not self.stop.is_set():
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, self.port), 5)
            except (TimeoutError, OSError):
                self.failed_connects += 1
                if await self._pause(1.0):
                    return
                continue
            self.connects[kind] += 1
            try:
                if kind == "slowloris":
                    writer.write(head)
                    await self._trickle(reader, writer, b"X-Slow: " + b"a" * 10_000)
                elif kind == "slow upload":
                    writer.write((f"POST /b/{code} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
                                  f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 2000\r\n"
                                  f"User-Agent: venuekit-bench-slow/{i}\r\n\r\n").encode())
                    await self._trickle(reader, writer, b"csrf_token=" + b"x" * 1989)
                else:
                    writer.write(head + b"\r\n" if i % 2 else head[:30])
                    await writer.drain()
                    writer.transport.get_extra_info("socket").shutdown(socket.SHUT_WR)
                    # Never read: wait until the server gives up on us (or the run ends).
                    sock = writer.transport.get_extra_info("socket")
                    while not self.stop.is_set():
                        if await self._pause(1.0):
                            break
                        if _peer_closed(sock):
                            self.dropped[kind] += 1
                            break
            except (OSError, asyncio.IncompleteReadError, ConnectionError):
                self.dropped[kind] += 1
            finally:
                writer.close()
            if not self.stop.is_set() and await self._pause(0.5):
                return

    async def _trickle(self, reader, writer, data: bytes) -> None:
        """One byte a second until the data, the run, or the server's patience ends."""
        for byte in data:
            writer.write(bytes([byte]))
            await writer.drain()
            if reader.at_eof() or await self._pause(1.0):
                break
        if reader.at_eof():
            self.dropped[KINDS[0] if b"X-Slow" in data[:8] else KINDS[2]] += 1

    def summary(self) -> dict:
        return {"clients": self.count, "kinds": list(KINDS), "connections": dict(self.connects),
                "dropped_by_server": dict(self.dropped), "failed_connects": self.failed_connects}


def _peer_closed(sock: socket.socket) -> bool:
    """The server closed its side; the socket's unread data (a response) does not count."""
    try:
        tcp_info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)
    except OSError:
        return True
    # Our side was shut first (FIN_WAIT1/2); once the server closes too: TIME_WAIT, CLOSE, CLOSING.
    return tcp_info[0] in (6, 7, 11)
