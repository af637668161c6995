"""Helpers for tests and benchmarks that start real venuekit processes on loopback."""
from __future__ import annotations

import socket
import sys
import time
import urllib.request
from pathlib import Path

VENUEKIT = str(Path(sys.executable).with_name("venuekit"))


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (the kernel's choice)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, timeout: float = 30.0) -> bool:
    """Poll `url` until it answers; False if it never did within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return True
        except OSError:
            time.sleep(0.1)
    return False


# The production topology (nginx, web workers, live process) in one command; it prints a line
# starting with READY_LINE once a page answers through nginx, and stops everything on SIGTERM.
READY_LINE = "venuekit: ready"


def front_argv(data_dir: Path | str, port: int, *, host: str = "127.0.0.1", workers: int | None = None,
               spooler: bool = False) -> list[str]:
    """`venuekit --data DIR serve --front --host H --port P [--workers N] [--spooler]`."""
    argv = [VENUEKIT, "--data", str(data_dir), "serve", "--front", "--host", host, "--port", str(port)]
    if workers:
        argv += ["--workers", str(workers)]
    if spooler:
        argv.append("--spooler")
    return argv
