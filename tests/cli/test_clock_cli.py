"""`venuekit clock status|save|restore`: the clock file, without touching this machine's clock."""
from __future__ import annotations

import json
import time

import pytest

from pi import clock
from webapp.cli import main
from webapp.storage import open_store

# timedatectl says "not synchronised", whatever the machine running the tests says.
pytestmark = pytest.mark.usefixtures("no_time_servers")


def test_status_and_save_on_a_kit_never_set(tmp_path, capsys):
    data = tmp_path / "data"
    assert main(["--data", str(data), "clock", "save"]) == 0
    assert capsys.readouterr().out.startswith("clock: never_set: ")
    assert clock.read(data)["set"] is False
    assert main(["--data", str(data), "clock", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "never_set"
    assert open_store(data).scalar("SELECT value FROM settings WHERE name = 'clock.state'") == "never_set"


def test_restore_after_a_trusted_save_says_restored(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    # Saved in an earlier boot, a minute ago: the clock is already past it, so nothing is set.
    (data / clock.CLOCK_FILE).write_text(json.dumps(
        {"epoch": int(time.time() - 60), "time": "", "set": True, "source": "ntp", "boot_id": "earlier",
         "boot_state": "ok"}))
    assert main(["--data", str(data), "clock", "restore"]) == 0
    assert capsys.readouterr().out.startswith("clock: restored: ")
    assert clock.read(data)["boot_state"] == "restored"
    assert open_store(data).scalar("SELECT value FROM settings WHERE name = 'clock.state'") == "restored"


def test_watch_records_the_state_and_saves_when_stopped(tmp_path):
    import signal
    import subprocess

    from tests.servers import VENUEKIT

    data = tmp_path / "data"
    data.mkdir()
    # A minute in the past: nothing to move the clock to (this machine's clock is left alone).
    before = int(time.time() - 60)
    (data / clock.CLOCK_FILE).write_text(json.dumps(
        {"epoch": before, "time": "", "set": True, "source": "ntp", "boot_id": "earlier", "boot_state": "ok"}))
    watch = subprocess.Popen([VENUEKIT, "--data", str(data), "clock", "watch"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if (data / "venuekit.db").exists() and open_store(data).scalar(
                    "SELECT value FROM settings WHERE name = 'clock.state'") == "restored":
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the clock state was never recorded")
        watch.send_signal(signal.SIGTERM)
        assert watch.wait(15) == 0, watch.stdout.read()
    finally:
        if watch.poll() is None:
            watch.kill()
    saved = clock.read(data)
    assert saved["epoch"] > before and saved["set"] and saved["boot_state"] == "restored"
