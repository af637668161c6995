"""The status poller: failures, hangs and start-up all end in the right light."""
from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pi.leds import KitStatus, LedPlan
from pi.status import StatusPoller, http_status_source

from .conftest import FakeClock

OK = {"printer": "ok", "uplink": True, "sync": "synced"}


class Source:
    """A status source whose behaviour the test switches: answer, raise, or hang."""

    def __init__(self) -> None:
        self.mode = "answer"
        self.answer: object = OK
        self.calls = 0
        self.release = threading.Event()

    def __call__(self):
        self.calls += 1
        if self.mode == "raise":
            raise ConnectionRefusedError("web service is down")
        if self.mode == "hang":
            self.release.wait(10)
        return self.answer


@pytest.fixture
def source():
    made = Source()
    yield made
    made.release.set()


def poller_for(source, clock=None, **kwargs):
    applied: list[LedPlan] = []
    poller = StatusPoller(source, applied.append, clock=clock or FakeClock(), **kwargs)
    return poller, applied


def test_a_healthy_kit_is_ready(source):
    poller, applied = poller_for(source)
    assert poller.poll_once() == LedPlan("ready", "on")
    assert applied == [LedPlan("ready", "on")]


def test_a_crashed_web_service_is_a_fault_not_ready(source):
    poller, applied = poller_for(source)
    poller.poll_once()
    source.mode = "raise"
    assert poller.poll_once() == LedPlan("fault", "off")
    source.mode = "answer"
    assert poller.poll_once() == LedPlan("ready", "on")
    assert [plan.state for plan in applied] == ["ready", "fault", "ready"]


def test_silence_at_boot_is_starting_until_the_grace_period_ends(source):
    clock = FakeClock()
    source.mode = "raise"
    poller, _ = poller_for(source, clock, startup_grace=60)
    assert poller.poll_once().state == "starting"
    clock.advance(59)
    assert poller.poll_once().state == "starting"
    clock.advance(1)
    assert poller.poll_once().state == "fault"


def test_once_the_web_has_answered_silence_is_a_fault_at_once(source):
    poller, _ = poller_for(source, startup_grace=60)
    assert poller.poll_once().state == "ready"
    source.mode = "raise"
    assert poller.poll_once().state == "fault"


def test_a_hung_status_call_is_a_fault_and_is_not_piled_up(source):
    poller, _ = poller_for(source, timeout=0.2, startup_grace=0)
    poller.poll_once()
    source.mode = "hang"
    assert poller.poll_once().state == "fault"
    assert poller.poll_once().state == "fault"
    # The second poll found the first call still hung and did not start another.
    assert source.calls == 2
    source.mode = "answer"
    source.release.set()
    assert poller.poll_once().state == "ready"


@pytest.mark.parametrize("answer", [None, "ok", ["ok"]])
def test_an_answer_that_is_not_a_status_is_a_fault(source, answer):
    source.answer = answer
    poller, _ = poller_for(source, startup_grace=0)
    assert poller.poll_once().state == "fault"


def test_a_kit_status_object_is_accepted_as_is(source):
    source.answer = KitStatus(web_ok=True, printer="paper_out", uplink=True, sync="waiting")
    poller, _ = poller_for(source)
    assert poller.poll_once() == LedPlan("printer", "blink")


class StatusHandler(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802 - the name http.server calls
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def status_server():
    handler = type("Handler", (StatusHandler,), {"body": json.dumps({**OK, "sync": "waiting"}).encode()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/v1/kit-status"
    server.shutdown()
    server.server_close()


def test_http_status_source_reads_the_kit_status_endpoint(status_server):
    fetch = http_status_source(status_server, timeout=2)
    assert fetch() == {**OK, "sync": "waiting"}
    poller, _ = poller_for(fetch)
    assert poller.poll_once() == LedPlan("ready", "blink")


def test_nothing_listening_is_a_fault():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    fetch = http_status_source(f"http://127.0.0.1:{port}/api/v1/kit-status", timeout=2)
    with pytest.raises(OSError):
        fetch()
    poller, _ = poller_for(fetch, startup_grace=0)
    assert poller.poll_once() == LedPlan("fault", "off")
