"""`venuekit serve --front`: the production topology in one command, the same processes a Pi runs.

    nginx (the front, on --host:--port)  ->  gunicorn web workers (loopback, --behind-front)
                                         ->  the live process (loopback, every /ws/live socket)
    and, with --spooler, the print spooler (started by the web server, as in laptop mode).

Used by `make run`, the tests and the benchmark. This process only supervises: it starts the
children, prints one ready line with the URL to open, and stops them all on SIGTERM or SIGINT,
or as soon as one of them ends (a half-running kit is worse than a stopped one). Every child
gets PR_SET_PDEATHSIG, so even a kill -9 of this process takes them down. nginx runs as the
current user, with its configuration, pid, temp directories and log under DATA/run/front/.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from webapp import front

READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def venuekit_command(data: Path, *args: str) -> list[str]:
    """The command that runs `venuekit --data DATA ARGS` as a child of this process. -P: the
    working directory is never on the child's import path (the Pi's units run the console
    script, which has the same effect), so a file named like a module there is not imported."""
    return [sys.executable, "-P", "-m", "webapp.cli", "--data", str(data), *args]


def _answers(host: str, port: int, path: str) -> bool:
    """Whether GET `path` on host:port answers 200. A bare socket, not urllib: this process
    only supervises, and http.client with its email parser would be most of its memory."""
    name = f"[{host}]" if ":" in host else host
    request = f"GET {path} HTTP/1.0\r\nHost: {name}:{port}\r\nConnection: close\r\n\r\n".encode()
    head = b""
    try:
        with socket.create_connection((host, port), timeout=2) as sock:
            sock.sendall(request)
            while b"\r\n" not in head and len(head) < 1024:
                chunk = sock.recv(1024)
                if not chunk:
                    break
                head += chunk
    except OSError:
        return False
    status = head.split(b"\r\n", 1)[0].split()
    return len(status) >= 2 and status[0].startswith(b"HTTP/") and status[1] == b"200"


def run_front(data: Path, args) -> int:
    """Start nginx, the web workers and the live process; return when they have stopped."""
    from webapp.cli import _die_with_parent

    nginx = front.find_nginx()
    if nginx is None:
        print("venuekit: nginx is not installed (Debian: apt-get install nginx; `make run` installs it)",
              file=sys.stderr, flush=True)
        return 2
    run_dir = (data / "run" / "front").resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    web_port, live_port = _free_port(), _free_port()
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{args.port}/"
    config = front.FrontConfig(listen=[f"{host}:{args.port}"], web=f"127.0.0.1:{web_port}",
                               live=f"127.0.0.1:{live_port}", run_dir=run_dir,
                               error_log=str(run_dir / "error.log"),
                               access_log=str(run_dir / "access.log") if args.access_log else None,
                               user="root" if os.geteuid() == 0 else None)
    conf = front.write(config, run_dir / "nginx.conf")

    web = venuekit_command(data, "serve", "--behind-front", "--host", "127.0.0.1", "--port", str(web_port),
                    "--public-url", url)
    if args.workers:
        web += ["--workers", str(args.workers)]
    if args.threads:
        web += ["--threads", str(args.threads)]
    if args.spooler:
        web.append("--spooler")
    if args.access_log:
        web.append("--access-log")
    commands = {
        "web": web,
        "live": venuekit_command(data, "live", "--host", "127.0.0.1", "--port", str(live_port)),
        "nginx": [nginx, "-e", str(run_dir / "error.log"), "-p", str(run_dir), "-c", str(conf)],
    }
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    children: dict[str, subprocess.Popen] = {}
    try:
        for name in ("live", "web", "nginx"):
            children[name] = subprocess.Popen(commands[name], stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        if not _wait_ready(children, url, web_port, live_port, stop, (args.host, args.port)):
            return 0 if stop.is_set() else 1
        print(f"venuekit: ready — open {url} (front: nginx; web workers and live process behind it; "
              f"logs in {run_dir})", flush=True)
        while not stop.wait(0.5):
            ended = [name for name, child in children.items() if child.poll() is not None]
            if ended:
                print(f"venuekit: {', '.join(ended)} stopped (exit {children[ended[0]].returncode}); "
                      f"stopping the rest", file=sys.stderr, flush=True)
                return 1
        return 0
    finally:
        _stop_all(children)


def _wait_ready(children: dict, url: str, web_port: int, live_port: int, stop: threading.Event,
                front: tuple[str, int]) -> bool:
    """True once a page answers through nginx and the live process accepts connections."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline and not stop.is_set():
        for name, child in children.items():
            if child.poll() is not None:
                print(f"venuekit: {name} exited with {child.returncode} while starting", file=sys.stderr, flush=True)
                return False
        # The workers and the live process first: nginx would log every refused attempt.
        if _accepts(web_port) and _accepts(live_port) and _answers(*front, "/api/v1/assembly"):
            return True
        stop.wait(0.1)
    if not stop.is_set():
        print(f"venuekit: the kit did not answer on {url} within {READY_TIMEOUT_S:.0f} s", file=sys.stderr, flush=True)
    return False


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def _stop_all(children: dict[str, subprocess.Popen]) -> None:
    # The front first, so no new request reaches a worker that is stopping; nginx's SIGQUIT
    # finishes requests in flight, gunicorn's SIGTERM is its graceful stop.
    order = [("nginx", signal.SIGQUIT), ("web", signal.SIGTERM), ("live", signal.SIGTERM)]
    for name, signum in order:
        child = children.get(name)
        if child is not None and child.poll() is None:
            child.send_signal(signum)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for name, _ in order:
        child = children.get(name)
        if child is None:
            continue
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
