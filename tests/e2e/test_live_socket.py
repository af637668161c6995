"""The live screens' WebSocket through the production topology (nginx, the live process), and the
projector's no-JavaScript fallback."""
from __future__ import annotations

import json
import re
import time

import websocket

from tests.conftest import make_assembly
from webapp.services import ballots

WAIT_S = 30  # generous: only so a silent socket fails the test instead of hanging it
QUIET_S = 1.5


def next_version(ws, timeout: float = WAIT_S) -> int:
    """The next {"version": n} message, skipping keep-alive pings."""
    deadline = time.monotonic() + timeout
    while True:
        ws.settimeout(max(0.1, deadline - time.monotonic()))
        message = json.loads(ws.recv())  # WebSocketTimeoutException once the deadline passes
        if "version" in message:
            return message["version"]
        assert message == {"ping": True}, message


def assert_quiet(ws, seconds: float = 3.0) -> None:
    """Nothing but pings arrives for a while: the screens are not told to refresh for nothing."""
    ws.settimeout(seconds)
    try:
        message = json.loads(ws.recv())
    except websocket.WebSocketTimeoutException:
        return
    assert message == {"ping": True}, f"the socket announced a change nobody made: {message}"


def test_a_ballot_moves_the_live_version(front_kit):
    kit = front_kit
    # State made before the socket opens, as the CLI would make it (another process on the same file).
    made = make_assembly(kit.store, groups=3, voters=4)
    idea = made["ideas"][0]["id"]
    ws = websocket.create_connection(f"ws://127.0.0.1:{kit.port}/ws/live", timeout=WAIT_S)
    try:
        first = next_version(ws)
        assert isinstance(first, int)
        # Nothing has changed, so nothing is announced (a screen must not refresh for nothing).
        assert_quiet(ws, QUIET_S)

        kit.api("PUT", f"/ballot-codes/{made['codes'][0]}/ballot", {"choices": {idea: 1}}, token=None)
        after_api = next_version(ws)
        assert after_api > first

        # A commit by another process (here: the services, as the CLI or print spooler would) too.
        ballots.cast(kit.store, made["codes"][1], {idea: 1})
        after_other_process = next_version(ws)
        assert after_other_process > after_api
    finally:
        ws.close()
    assert kit.api("GET", "/assembly", token=None)["counts"]["ballots_cast"] == 2


def test_two_screens_are_not_refreshed_while_nothing_changes(front_kit):
    """A projector and a steward dashboard open at once, after other processes wrote to the kit."""
    kit = front_kit
    made = make_assembly(kit.store, groups=2, voters=3)
    idea = made["ideas"][0]["id"]
    url = f"ws://127.0.0.1:{kit.port}/ws/live"
    projector = websocket.create_connection(url, timeout=WAIT_S)
    dashboard = None
    try:
        version = next_version(projector)
        assert_quiet(projector, QUIET_S)  # the screen has settled (the kit has looked once)
        for code in made["codes"]:  # e.g. the CLI or the print spooler committing, one at a time
            ballots.cast(kit.store, code, {idea: 1})
            newer = next_version(projector)
            assert newer > version
            version = newer
        dashboard = websocket.create_connection(url, timeout=WAIT_S)
        next_version(dashboard)
        assert_quiet(projector)
        assert_quiet(dashboard, 0.5)
    finally:
        projector.close()
        if dashboard is not None:
            dashboard.close()


def test_projector_refreshes_itself_without_javascript(kit):
    reply = kit.get("/projector")
    assert reply.status == 200
    match = re.search(r'<noscript><meta http-equiv="refresh" content="(\d+)"></noscript>', reply.text)
    assert match, reply.text[:1500]
    assert int(match.group(1)) > 0
    assert 'id="count-ballots"' in reply.text
    # The fragment the script fetches on each change is there for the same screen.
    fragment = re.search(r'data-fragment="([^"]+)"', reply.text).group(1)
    assert 'id="count-ballots"' in kit.get(fragment).text
