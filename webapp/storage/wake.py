"""The live process's doorbell: after each commit, a writer rings a datagram socket in DATA/run/.

The live process (webapp/live.py) polls `PRAGMA data_version` a few times a second; a datagram
from the committing process wakes it at once, so a room's screens hear a ballot a poll interval
sooner. The poll stays: a lost datagram, a live process that started late, or a writer that
knows nothing of the bell (sqlite3 at a shell) is still seen on the next look.

Ringing never holds up a writer: the socket is non-blocking, and every error (no live process,
its queue full, a sandbox refusing the address family) is ignored.
"""
from __future__ import annotations

import os
import socket
from pathlib import Path

SOCKET_NAME = "live.sock"  # in DATA/run/, as webapp/live.py (which does not import this)


def bell_path(data_dir: Path | str) -> Path:
    return Path(data_dir) / "run" / SOCKET_NAME


class Bell:
    """A Store listener: one datagram to the live process per announced commit."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._sock: socket.socket | None = None
        self._pid = 0

    def __call__(self) -> None:
        try:
            if self._sock is None or self._pid != os.getpid():  # a forked worker opens its own
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK
                                           | socket.SOCK_CLOEXEC)
                self._pid = os.getpid()
            self._sock.sendto(b"!", self.path)
        except OSError:
            pass
