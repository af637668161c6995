"""The live process (`venuekit live`): one asyncio server owns every `/ws/live` socket.

Live screens (projector, steward dashboard) hold their socket open for hours. In the web
workers each one held a request thread, so a room's worth of open projector pages stopped the
vote. Here a socket is a coroutine and a few kilobytes, so a thousand idle screens cost almost
nothing, and the web workers never see them.

Changes are learned from one SQLite connection that reads `PRAGMA data_version` a few times a
second: that counter moves whenever another connection commits, whichever process it is in
(web workers, the print spooler, the CLI). One read per interval for the whole room, never a
poll per socket. The kit's own writers also ring a datagram socket after each commit
(DATA/run/live.sock, webapp/storage/wake.py), so the look happens at once; the poll only
catches what no ring announced. The protocol is the one `webapp/static/live.js` speaks:
`{"version": N}` on connect and after each change (at most one message per screen per
MIN_INTERVAL_S, longer in a big room, see pause_after_message, so a busy room's ballots are
coalesced), and `{"ping": true}` every PING_EVERY_S while nothing changes.
"""
from __future__ import annotations

import asyncio
import json
import signal
import socket
import sqlite3
import sys
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

PATH = "/ws/live"
PING_EVERY_S = 20.0
MIN_INTERVAL_S = 0.25
# A change costs a write per screen here and another in nginx, on the core that serves the votes:
# in a big room the messages come further apart (1,000 screens: every 0.5 s), never beyond
# MAX_INTERVAL_S, so a screen still hears a ballot well within a second.
PER_SCREEN_S = 0.0005
MAX_INTERVAL_S = 0.6
# How often the database is asked whether anything was committed: the worst added latency
# when a writer's datagram (see open_bell) is lost or the writer sends none.
POLL_S = 0.15
# A screen whose socket takes longer than this to accept a message is stalled: it is closed,
# and it reconnects (live.js backs off) once it is reading again. Its buffer never grows:
# websockets keeps at most WRITE_LIMIT bytes queued before a send waits.
SEND_TIMEOUT_S = 10.0
WRITE_LIMIT = 4096
DB_NAME = "venuekit.db"  # as webapp/storage/db.py (not imported: the live process stays small)
BELL_NAME = "live.sock"  # in DATA/run/, as webapp/storage/wake.py: writers ring it after a commit


class Feed:
    """The kit's change counter and the screens waiting on it (all on the event loop's thread)."""

    def __init__(self, read: Callable[[], int | None] = lambda: None) -> None:
        self.version = 0
        self.stopping = False
        self._changed = asyncio.Event()
        self._read = read
        self._seen: int | None = None
        self._looking: asyncio.Task | None = None
        self._stopped: asyncio.Future | None = None

    def bump(self) -> None:
        self.version += 1
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()  # wakes every waiting screen at once; later waiters get the new event

    @property
    def stopped(self) -> asyncio.Future:
        """Done once the process stops: every screen's handler ends then."""
        if self._stopped is None:
            self._stopped = asyncio.get_running_loop().create_future()
            if self.stopping:
                self._stopped.set_result(None)
        return self._stopped

    def stop(self) -> None:
        """End every screen's handler and the fan-out: the server can then stop at once."""
        self.stopping = True
        if self._stopped is not None and not self._stopped.done():
            self._stopped.set_result(None)
        self.bump()

    async def look(self) -> int:
        """Ask the database whether anything was committed since the last look; the version.

        Looks asked for while one is running share it: a thousand screens connecting at once
        cost one read."""
        if self._looking is None:
            self._looking = asyncio.create_task(self._look())
        looking = self._looking
        try:
            await asyncio.shield(looking)
        finally:
            if self._looking is looking and looking.done():
                self._looking = None
        return self.version

    async def _look(self) -> None:
        # In a thread: a read can wait on a lock while the disk is busy; the sockets must not.
        current = await asyncio.to_thread(self._read)
        if current is not None and self._seen is not None and current != self._seen:
            self.bump()
        if current is not None:
            self._seen = current

    async def wait(self, since: int, timeout: float) -> int:
        """The version once it differs from `since`, or after `timeout` seconds the same one."""
        changed = self._changed
        if self.version == since:
            try:
                async with asyncio.timeout(timeout):  # no extra task per wait, unlike wait_for
                    await changed.wait()
            except TimeoutError:
                pass
        return self.version


def data_version_reader(db_path: Path) -> Callable[[], int | None]:
    """A function giving the database's data_version, or None while the database is missing.

    The connection only ever reads (and `data_version` is per connection, compared only with
    itself), so every commit anywhere moves it."""
    conn: sqlite3.Connection | None = None

    def read() -> int | None:
        nonlocal conn
        if conn is None:
            if not db_path.exists():  # first start: the web app creates it
                return None
            conn = sqlite3.connect(str(db_path), timeout=1, isolation_level=None, check_same_thread=False)
        try:
            return conn.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            conn.close()
            conn = None
            return None

    return read


async def watch(feed: Feed, poll_s: float = POLL_S) -> None:
    """Look at the database every `poll_s` seconds, for as long as the process runs."""
    while True:
        await feed.look()
        await asyncio.sleep(poll_s)


def open_bell(path: Path) -> socket.socket | None:
    """The datagram socket writers ring after each commit (webapp/storage/wake.py), or None."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)  # left by a live process that was killed
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC)
        sock.bind(str(path))
        return sock
    except OSError:  # no bell: the poll alone finds every commit
        return None


async def answer_bell(feed: Feed, sock: socket.socket, listening: Callable[[], bool] = lambda: True) -> None:
    """Look at the database as soon as a writer rings, while `listening()` (a screen is open);
    a burst of rings costs one look. With no screen open, nobody is told: a screen that opens
    looks for itself, and the poll keeps the feed's count."""
    rang = asyncio.Event()

    def drain() -> None:
        try:
            while sock.recv(16):
                pass
        except OSError:
            pass
        rang.set()

    loop = asyncio.get_running_loop()
    fd = sock.fileno()
    loop.add_reader(fd, drain)
    try:
        while True:
            await rang.wait()
            rang.clear()
            if not listening():
                continue
            if feed._looking is not None:  # begun before this commit, perhaps: look again after it
                await feed.look()
            await feed.look()
    finally:
        loop.remove_reader(fd)


async def _send(ws: ServerConnection, message: dict) -> None:
    try:
        async with asyncio.timeout(SEND_TIMEOUT_S):
            await ws.send(json.dumps(message))
    except TimeoutError:
        ws.transport.abort()  # stalled: drop it rather than queue for it
        raise ConnectionClosed(None, None) from None


class Screens:
    """The open screens with the version each was last told, and since when each one's socket
    has had data it did not take."""

    def __init__(self) -> None:
        self.open: dict[ServerConnection, int] = {}
        self.backed_up: dict[ServerConnection, float] = {}

    def drop(self, ws: ServerConnection) -> None:
        self.open.pop(ws, None)
        self.backed_up.pop(ws, None)

    def send_all(self, message: dict, now: float) -> None:
        """One message to every screen that needs it (a version to those not told it yet, a ping
        to all), encoded once and written without waiting on any socket.

        A screen whose socket has held data it did not take for SEND_TIMEOUT_S is stalled: it is
        dropped (it reconnects once it reads again), so no screen's buffer grows for long."""
        for ws in list(self.open):
            if ws.transport.get_write_buffer_size() == 0:
                self.backed_up.pop(ws, None)
            elif now - self.backed_up.setdefault(ws, now) > SEND_TIMEOUT_S:
                ws.transport.abort()
                self.drop(ws)
        version = message.get("version")
        if version is None:
            targets = list(self.open)
        else:
            targets = [ws for ws, told in self.open.items() if told != version]
            for ws in targets:
                self.open[ws] = version
        if targets:
            broadcast(targets, json.dumps(message))


def pause_after_message(screens: int) -> float:
    """How long changes after a message wait for the next one, with this many screens open."""
    return min(MAX_INTERVAL_S, max(MIN_INTERVAL_S, screens * PER_SCREEN_S))


async def fan_out(feed: Feed, screens: Screens) -> None:
    """Tell every screen of each change, at most once per pause_after_message, and ping them while
    nothing changes: one loop for the room, not a coroutine waking per screen per change."""
    loop = asyncio.get_running_loop()
    version = feed.version
    while not feed.stopping:
        new = await feed.wait(version, PING_EVERY_S)
        if feed.stopping:
            return
        if new == version:
            screens.send_all({"ping": True}, loop.time())
            continue
        version = new
        screens.send_all({"version": version}, loop.time())
        await asyncio.sleep(pause_after_message(len(screens.open)))  # later changes wait for the next


def handler(feed: Feed, screens: Screens) -> Callable:
    async def screen(ws: ServerConnection) -> None:
        try:
            # Looked at now, not up to POLL_S ago: a screen that connects just after a commit
            # must not be told of that commit a moment later as if it were news.
            version = await feed.look()
            await _send(ws, {"version": version})
            screens.open[ws] = version  # the fan-out tells it of later versions only
            closed = asyncio.ensure_future(ws.wait_closed())
            await asyncio.wait((closed, feed.stopped), return_when=asyncio.FIRST_COMPLETED)
            closed.cancel()
        except ConnectionClosed:
            pass
        finally:
            screens.drop(ws)

    return screen


def _only_the_live_path(connection: ServerConnection, request):
    if request.path.split("?", 1)[0] != PATH:
        return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
    return None


async def run(data_dir: Path, host: str, port: int, *, ready: Callable[[str], None] | None = None,
              poll_s: float = POLL_S) -> None:
    """Serve the live sockets until SIGTERM or SIGINT."""
    feed = Feed(data_version_reader(Path(data_dir) / DB_NAME))
    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, lambda: stop.done() or stop.set_result(None))
    watcher = asyncio.create_task(watch(feed, poll_s))
    screens = Screens()
    sender = asyncio.create_task(fan_out(feed, screens))
    bell_path = Path(data_dir) / "run" / BELL_NAME
    bell = open_bell(bell_path)
    listener = asyncio.create_task(answer_bell(feed, bell, lambda: bool(screens.open))) if bell is not None else None
    try:
        await _serve(feed, screens, host, port, stop, ready)
    finally:
        watcher.cancel()
        sender.cancel()
        if listener is not None:
            listener.cancel()
            # Its clean-up still needs the socket: close it only once the task has finished.
            await asyncio.gather(listener, return_exceptions=True)
            bell.close()
            bell_path.unlink(missing_ok=True)


async def _serve(feed: Feed, screens: Screens, host: str, port: int, stop: asyncio.Future,
                 ready: Callable[[str], None] | None) -> None:
    async with serve(
        handler(feed, screens), host, port,
        process_request=_only_the_live_path,
        compression=None,  # per-message deflate would cost each socket tens of kilobytes
        max_size=1024, max_queue=4,  # screens send nothing worth reading
        write_limit=WRITE_LIMIT,
        # Protocol pings find screens that went away without closing (a projector unplugged).
        ping_interval=PING_EVERY_S, ping_timeout=PING_EVERY_S,
        close_timeout=2,
        server_header=None,
        backlog=1024,
    ):
        if ready:
            ready(f"ws://{host}:{port}{PATH}")
        await stop
        feed.stop()


def _raise_open_file_limit(wanted: int = 8192) -> None:
    """A thousand screens need more than the usual 1,024 open files (soft limit) a shell gives."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (OSError, ValueError):  # e.g. a system call filter: the unit's LimitNOFILE= applies
            pass


def main(data_dir: Path, host: str, port: int) -> int:
    import logging

    _raise_open_file_limit()

    # websockets logs every refused handshake at ERROR; a screen reconnecting is not an error.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("websockets").setLevel(logging.CRITICAL)
    asyncio.run(run(data_dir, host, port,
                    ready=lambda url: print(f"venuekit live: serving {url} (data in {Path(data_dir).resolve()})",
                                            flush=True)))
    return 0
