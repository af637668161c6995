"""The production server: gunicorn's threaded workers (behind the front, several processes)."""
from __future__ import annotations

import gc
import os

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger


# The web workers yield the CPU to nginx and the live process: a thousand screens hear a
# ballot only if the fan-out is not queued behind the next ballots' rendering, and the front
# must keep reading phones while every worker is busy. Set in the worker itself, so the Pi
# (venuekit-web.service) and `serve --front` run alike.
WORKER_NICE = 5
# glibc gives each thread that allocates its own malloc arena (up to 8 per core), and freed
# memory stays in the arena that held it: eight request threads per worker would each keep
# their peak. Two arenas are plenty for threads that mostly wait on the GIL.
MALLOC_ARENAS = 2
M_ARENA_MAX = -8  # mallopt's parameter number in glibc's malloc.h


def _before_fork(store) -> None:
    store.close()
    # Everything the master imported and built (Flask, templates, the app) moves to the
    # permanent generation: the workers' collections never touch those objects, so their
    # pages stay shared with the master instead of being copied into each worker.
    gc.collect()
    gc.freeze()


def _limit_malloc_arenas() -> None:
    """In the worker, before its threads start (arenas already made stay)."""
    import ctypes

    try:
        ctypes.CDLL(None).mallopt(M_ARENA_MAX, MALLOC_ARENAS)
    except (OSError, AttributeError):  # not glibc: its allocator has its own policy
        pass


def _after_fork() -> None:
    _limit_malloc_arenas()
    try:
        current = os.nice(0)
        if current < WORKER_NICE:
            os.nice(WORKER_NICE - current)
    except OSError:  # not allowed (a sandbox): the workers keep the master's priority
        pass


class KitLogger(Logger):
    """Gunicorn's logger, but access lines (an optional write) stop while the kit's storage is low."""

    guard = None  # the kit store's StorageGuard, set on a subclass per server

    def access(self, resp, req, environ, request_time) -> None:
        if self.guard is not None and not self.guard.optional_writes_allowed():
            return
        super().access(resp, req, environ, request_time)


class KitServer(BaseApplication):
    """Runs the app in gunicorn's threaded workers.

    Alone (`venuekit serve`), one process whose threads also wait on slow phones. Behind the
    front (`--behind-front`, or `serve --front`), nginx hands over only whole requests and
    takes whole answers, so a few threads per process stay busy computing, and several
    processes share the Pi's cores. Live screens never reach gunicorn: the live process
    (webapp/live.py) holds their sockets.
    """

    def __init__(self, app, *, host: str, port: int, threads: int = 32, access_log: bool = False,
                 workers: int = 1):
        self.application = app
        store = app.extensions["venuekit"].store
        self.options = {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            "timeout": 60,
            "graceful_timeout": 5,
            "keepalive": 5,
            "accesslog": "-" if access_log else None,
            "logger_class": type("KitLogger", (KitLogger,), {"guard": store.guard}),
            # A card can fill with no write of the kit's own (logs, copies): every request (the
            # buttons service asks for the status every few seconds) has the disk watch look again.
            "post_request": lambda worker, req, environ, resp: store.guard and store.guard.after_write(store),
            "errorlog": "-",
            "loglevel": "info",
            # A phone behind a captive portal sends small requests; refuse absurd ones early.
            "limit_request_line": 4096,
            "limit_request_fields": 60,
            # The master made the app, so it has a database connection; SQLite's state must not
            # be copied into the worker mid-use. The master runs nothing else (no spooler
            # thread: laptop mode prints from its own process), so closing here is enough.
            "pre_fork": lambda server, worker: _before_fork(store),
            "post_fork": lambda server, worker: _after_fork(),
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)
        # Newer gunicorn opens a control socket in $HOME; the kit's service user has no use for it.
        if "control_socket_disable" in self.cfg.settings:
            self.cfg.set("control_socket_disable", True)

    def load(self):
        return self.application
