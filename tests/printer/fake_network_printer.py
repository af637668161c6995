"""A stand-in for a network receipt printer on 127.0.0.1 (an ephemeral port, not 9100).

It parses what it receives as ESC/POS (so status requests are only recognised between
commands, as a real printer does) and answers DLE EOT status requests. It can misbehave
the ways real printers do: drop the connection part-way through a job, take data slowly,
stall, or report that its paper has run out. Every wait is bounded, so a broken test
cannot hang.
"""
from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field

from .escpos_decode import Stream

ONLINE = b"\x16"  # DLE EOT 1 reply: fixed bits only, i.e. online, no error
PAPER_OK = b"\x12"  # DLE EOT 4 reply: fixed bits only
PAPER_OUT = b"\x72"  # DLE EOT 4 reply: near-end and end sensors both set


@dataclass
class Connection:
    received: bytearray = field(default_factory=bytearray)  # every byte, status requests included
    printed: bytearray = field(default_factory=bytearray)  # every byte except status requests
    dropped: bool = False


class FakeNetworkPrinter:
    def __init__(self, *, drop_after: int | None = None, drops: int = 1, accept_delay: float = 0.0,
                 read_delay: float = 0.0, stall: bool = False, paper_out: bool = False, port: int = 0) -> None:
        self.drop_after = drop_after  # close the connection once this many bytes arrived...
        self.drops = drops  # ...on this many connections, then behave
        self.accept_delay = accept_delay  # wait this long before accepting each connection
        self.read_delay = read_delay  # pause between reads of 4 KiB
        self.stall = stall  # accept, then never read or answer
        self.paper_out = paper_out
        self.connections: list[Connection] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", port))  # 0: any free port
        self._server.listen(8)
        self._server.settimeout(0.05)
        self.port = self._server.getsockname()[1]
        self._spawn(self._accept_loop)

    @property
    def config(self) -> dict:
        return {"kind": "network", "host": "127.0.0.1", "port": self.port, "timeout": 2}

    def printed_jobs(self) -> list[bytes]:
        """Bytes each completed (not dropped) connection received, status requests removed."""
        return [bytes(c.printed) for c in self.connections if not c.dropped and c.printed]

    def wait_for(self, condition, limit: float = 10.0) -> bool:
        """Poll ``condition`` until it holds or ``limit`` seconds pass; returns whether it held."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if condition():
                return True
            self._stop.wait(0.01)
        return condition()

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _addr = self._server.accept()
            except (socket.timeout, OSError):
                continue
            if self.accept_delay:
                self._stop.wait(self.accept_delay)
            connection = Connection()
            self.connections.append(connection)
            self._spawn(self._serve, client, connection)

    def _serve(self, client: socket.socket, connection: Connection) -> None:
        stream = Stream()
        drop = self.drop_after is not None and self.drops > 0
        if drop:
            self.drops -= 1
        client.settimeout(0.05)
        deadline = time.monotonic() + 30  # no test connection lives longer than this
        with client:
            while not self._stop.is_set() and time.monotonic() < deadline:
                if self.stall:
                    self._stop.wait(0.05)
                    continue
                try:
                    data = client.recv(4096)
                except socket.timeout:
                    continue
                except OSError:
                    return
                if not data:
                    return
                connection.received += data
                if drop and len(connection.received) >= self.drop_after:
                    connection.dropped = True
                    return  # closing with unread data makes the kernel reset the connection
                for command in stream.feed(data):
                    if command.name == "status":
                        reply = {1: ONLINE, 4: PAPER_OUT if self.paper_out else PAPER_OK}.get(command.args[0], ONLINE)
                        client.sendall(reply)
                    else:
                        connection.printed += command.raw
                if self.read_delay:
                    self._stop.wait(self.read_delay)

    def close(self) -> None:
        self._stop.set()
        self._server.close()
        for thread in self._threads:
            thread.join(timeout=5)


def refused_port() -> int:
    """A port on 127.0.0.1 with nothing listening: connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
