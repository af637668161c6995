"""End-to-end fixtures: the real production server (`venuekit serve`, gunicorn) as a subprocess,
HTTP helpers that only ever talk to 127.0.0.1, and Debian's Chromium driven by Playwright.

The server runs in its own process group, so a "power cut" (SIGKILL to gunicorn's master and
worker together) and the final clean-up both reach exactly the processes this fixture started.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.servers import free_port
from webapp.services import auth
from webapp.storage import open_store

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = "Pixel 7"
START_TIMEOUT_S = 30
# No proxies, ever: every request of these tests goes straight to the kit on loopback.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def venuekit_command() -> str:
    """The `venuekit` console script of the Python running the tests (the project's venv)."""
    beside = Path(sys.executable).with_name("venuekit")
    if beside.exists():
        return str(beside)
    found = shutil.which("venuekit", path=str(Path(sys.prefix) / "bin"))
    assert found, f"no venuekit script next to {sys.executable} or in {sys.prefix}/bin: run `make test`"
    return found


class Response:
    def __init__(self, status: int, body: bytes, headers):
        self.status, self.body, self.headers = status, body, headers

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)


def http(method: str, url: str, body: dict | None = None, token: str | None = None,
         timeout: float = 30.0) -> Response:
    """One request to the kit; HTTP errors come back as responses, connection errors raise."""
    assert url.startswith("http://127.0.0.1:"), url
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with _OPENER.open(request, timeout=timeout) as reply:
            return Response(reply.status, reply.read(), reply.headers)
    except urllib.error.HTTPError as exc:
        return Response(exc.code, exc.read(), exc.headers)


class Kit:
    """A real `venuekit serve` over one data directory, on a free loopback port."""

    def __init__(self, data_dir: Path, log_path: Path):
        self.data_dir = data_dir
        self.log_path = log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self._store = None
        self._token: str | None = None
        self.start_args: list[str] = []
        self.serve_command = ["serve"]  # ["hub", "serve"] for a hub

    # -- the process -------------------------------------------------------------------------
    def start(self) -> "Kit":
        assert self.proc is None, "already running"
        command = [venuekit_command(), "--data", str(self.data_dir), *self.serve_command,
                   "--host", "127.0.0.1", "--port", str(self.port), *self.start_args]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"venuekit serve exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if http("GET", self.url + "/api/v1/assembly", timeout=2).status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"venuekit serve did not answer within {START_TIMEOUT_S} s:\n{self.log()}")

    def kill_hard(self) -> None:
        """SIGKILL gunicorn's master and worker at once, as pulling the power would."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(30)
        self.proc = None

    def stop(self) -> None:
        """SIGTERM (gunicorn's graceful stop), then SIGKILL whatever is left of the group."""
        if self.proc is None:
            return
        try:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(15)
                except subprocess.TimeoutExpired:
                    pass
        finally:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            if self.proc.poll() is None:
                self.proc.wait(30)
            self.proc = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    # -- a second process on the same data (SQLite WAL), as the CLI would be -----------------
    @property
    def store(self):
        if self._store is None:
            self._store = open_store(self.data_dir)
        return self._store

    def printed_setup_code(self) -> str:
        """The organiser setup code the server printed on its console at start."""
        match = re.search(r"organiser setup code ([0-9A-Z-]+)", self.log())
        assert match, f"the server printed no setup code:\n{self.log()}"
        return match.group(1)

    @property
    def token(self) -> str:
        """An organiser API token (made as `venuekit token --role organiser` would)."""
        if self._token is None:
            self._token = auth.create_token(self.store, "organiser", "e2e tests")
        return self._token

    # -- HTTP -------------------------------------------------------------------------------
    def get(self, path: str, **kwargs) -> Response:
        return http("GET", self.url + path, **kwargs)

    def api(self, method: str, path: str, body: dict | None = None, *, token: str | None = "organiser",
            expect: int | None = 200):
        """Call /api/v1 (with the organiser token unless token=None) and return its JSON."""
        reply = http(method, f"{self.url}/api/v1{path}", body, self.token if token == "organiser" else token)
        if expect is not None:
            assert reply.status == expect, f"{method} {path}: {reply.status} {reply.text[:500]}"
        return reply.json()

    def close(self) -> None:
        try:
            self.stop()
        finally:
            if self._store is not None:
                self._store.close()


@pytest.fixture
def kit(tmp_path):
    """A running kit over a fresh data directory: `kit.url`, `kit.data_dir`, `kit.store`."""
    server = Kit(tmp_path / "data", tmp_path / "server.log")
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture
def front_kit(tmp_path):
    """The production topology (`venuekit serve --front`): nginx in front of the web workers and
    the live process, all on loopback; `kit.url` is nginx's."""
    server = Kit(tmp_path / "data", tmp_path / "server.log")
    server.start_args = ["--front"]
    try:
        server.start()
        yield server
    finally:
        server.close()


# -- the browser ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture(scope="session")
def phone(playwright_instance) -> dict:
    """new_context() options for a phone (412 px wide, touch, mobile user agent)."""
    profile = dict(playwright_instance.devices[PHONE])
    profile.pop("default_browser_type", None)
    assert 360 <= profile["viewport"]["width"] <= 412
    return profile
