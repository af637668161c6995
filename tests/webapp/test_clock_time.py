"""Where the kit's clock was never set, slips and exports say so; an organiser's browser may set it."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from pi import clock
from printer import layouts
from tests.conftest import csrf_from, make_assembly
from webapp.printing import queue
from webapp.services import assembly, auth
from webapp.services import clock as kit_clock

# timedatectl says "not synchronised", whatever the machine running the tests says.
pytestmark = pytest.mark.usefixtures("no_time_servers")

KIT = queue.KitInfo("kit", "venuekit", "password1", "http://10.42.0.1/")
DAY = 86400.0


def data_dir(store) -> Path:
    return kit_clock.state_dir(store)


def results_payload(store) -> dict:
    make_assembly(store, phase="results")
    assembly.reveal(store)
    queue.results_slip(store, KIT)
    return json.loads(store.scalar("SELECT payload FROM print_jobs WHERE kind = 'results_slip'"))


def printed_text(kind: str, payload: dict, monkeypatch) -> list[str]:
    lines: list[str] = []
    original = layouts.Slip.text

    def spy(self, text, *args, **kwargs):
        lines.append(text)
        return original(self, text, *args, **kwargs)

    monkeypatch.setattr(layouts.Slip, "text", spy)
    layouts.render_job(kind, payload, 576)
    return lines


def test_results_slip_says_time_unknown_when_the_clock_was_never_set(store, monkeypatch):
    assert kit_clock.refresh(store)["state"] == "never_set"
    payload = results_payload(store)
    assert payload["time"] == ""
    footer = [line for line in printed_text("results_slip", payload, monkeypatch) if "\u00b7" in line]
    assert footer and footer[-1].startswith("time unknown \u00b7 ")
    assert "1970" not in json.dumps(payload)


def test_results_slip_prints_the_time_once_the_clock_is_set(store, monkeypatch):
    clock.offer(data_dir(store), time.time())
    payload = results_payload(store)
    assert payload["time"][:10] == clock.format_time()[:10] and payload["time"].endswith(" UTC")
    footer = [line for line in printed_text("results_slip", payload, monkeypatch) if "\u00b7" in line]
    assert footer[-1].startswith(payload["time"])


def test_tally_export_says_when_the_time_is_unknown(organiser):
    tally = json.loads(organiser.get("/organiser/export/tally.json").get_data(as_text=True))
    # Signing in without a browser time (no JavaScript) leaves the clock as it was.
    assert tally["exported_at"] is None and tally["clock"] == "never_set"


def sign_in(app, store, browser_time=None, passphrase="correct horse"):
    client = app.test_client()
    page = client.get("/organiser/signin").get_data(as_text=True)
    assert 'name="browser_time"' in page and "clock.js" in page
    data = {"csrf_token": csrf_from(page), "passphrase": passphrase}
    if not auth.has_organiser(store):
        data["setup_code"] = auth.setup_code(store)
    if browser_time is not None:
        data["browser_time"] = str(int(browser_time * 1000))
    return client, client.post("/organiser/signin", data=data)


def test_organiser_browser_sets_a_never_set_clock_at_sign_in(app, store):
    _client, response = sign_in(app, store, time.time())
    assert response.status_code == 303
    assert "The kit&#39;s clock was set from this device&#39;s time." in _client.get("/organiser/").get_data(as_text=True)
    saved = clock.read(data_dir(store))
    assert saved["source"] == "browser" and abs(saved["epoch"] - time.time()) < 5
    assert store.scalar("SELECT value FROM settings WHERE name = 'clock.state'") == "ok"
    assert kit_clock.stamp(store) is not None
    tally = json.loads(_client.get("/organiser/export/tally.json").get_data(as_text=True))
    assert tally["clock"] == "ok" and tally["exported_at"]


def test_a_wrong_passphrase_sets_nothing(app, store):
    sign_in(app, store)  # the organiser signs up (no browser time)
    _client, response = sign_in(app, store, time.time() + DAY, passphrase="wrong passphrase")
    assert response.status_code == 401
    assert clock.read(data_dir(store)) is None


def test_a_restored_clock_takes_a_browser_time_only_forward(app, store):
    sign_in(app, store)
    # A time saved in an earlier boot, trusted then, and the clock continued from it.
    now = time.time()
    (data_dir(store) / clock.CLOCK_FILE).write_text(json.dumps(
        {"epoch": int(now - 60), "time": "", "set": True, "source": "ntp", "boot_id": "an-earlier-boot",
         "boot_state": "ok"}))
    assert kit_clock.refresh(store)["state"] == "restored"
    sign_in(app, store, now - 2 * DAY)
    assert clock.read(data_dir(store))["epoch"] == int(now - 60)
    assert kit_clock.refresh(store)["state"] == "restored"
    _client, response = sign_in(app, store, now + DAY)
    assert clock.read(data_dir(store))["epoch"] == int(now + DAY)
    assert kit_clock.refresh(store)["state"] == "ok"


@pytest.mark.parametrize("value", ["", "soon", "nan", "1e400", "-5"])
def test_nonsense_browser_times_are_ignored(app, store, value):
    client = app.test_client()
    page = client.get("/organiser/signin").get_data(as_text=True)
    response = client.post("/organiser/signin", data={
        "csrf_token": csrf_from(page), "setup_code": auth.setup_code(store), "passphrase": "correct horse",
        "browser_time": value})
    assert response.status_code == 303
    assert clock.read(data_dir(store)) is None
