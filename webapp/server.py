"""The production server: gunicorn, one process with threads (field truth 8)."""
from __future__ import annotations

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger


class KitLogger(Logger):
    """Gunicorn's logger, but access lines (an optional write) stop while the kit's storage is low."""

    guard = None  # the kit store's StorageGuard, set on a subclass per server

    def access(self, resp, req, environ, request_time) -> None:
        if self.guard is not None and not self.guard.optional_writes_allowed():
            return
        super().access(resp, req, environ, request_time)


class KitServer(BaseApplication):
    """Runs the app in gunicorn's threaded worker.

    One worker process: the live feed and the guess limiter live in memory, and a Pi has no
    cores to spare. Threads serve slow phones and the WebSockets (flask-sock holds a thread
    per socket), so there are enough for a room plus a few screens.
    """

    def __init__(self, app, *, host: str, port: int, threads: int = 32, access_log: bool = False):
        self.application = app
        store = app.extensions["venuekit"].store
        self.options = {
            "bind": f"{host}:{port}",
            "workers": 1,
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
            "pre_fork": lambda server, worker: store.close(),
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
