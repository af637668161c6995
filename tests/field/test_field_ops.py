"""The field scenario, part 3: a booted kit meets a wrong clock, a full card and a hung shutdown.

Each part's own scenario (tests/sync, tests/storage, tests/cli) runs here against a kit made the
way the field makes one: `install.sh --root`, then `venuekit boot --root`, so the sync key, the
database and the settings are the ones the boot step made on the data partition.
"""
from __future__ import annotations

import shutil
import sqlite3
import time

import pytest

from pi import clock
from tests.conftest import make_assembly
from tests.storage import disk_scenario
from tests.storage.disk_scenario import disk_full_scenario
from tests.storage.small_fs import small_filesystem
from tests.sync.test_clock_skew import DAY, Recorder
from tests.sync.test_processes import assert_hub_matches, enrol, world  # noqa: F401 (fixture)
from webapp import kit_buttons
from webapp.config import load
from webapp.services import ballots
from webapp.sync import client as sync_client
from webapp.sync import state as sync_state
from webapp.sync.client import HubClient

from .kit import BOOT_FILE, DATA, applied, boot, installed_tree, store


@pytest.fixture
def booted(tmp_path):
    root = installed_tree(tmp_path / "root")
    done = boot(root, "boot-1")
    assert done.code == 0 and "error" not in done.out, done.out
    return root


@pytest.mark.parametrize("skew_days", [3, -3])
def test_a_booted_kit_days_off_syncs_with_a_real_hub_and_replay_is_refused(booted, world, skew_days):  # noqa: F811
    tmp, hub, _procs = world
    data = booted / DATA
    hub.start()
    enrol(data, hub)  # signs with the key the boot step made
    kit = store(booted)
    made = make_assembly(kit, voters=30)
    for n, code in enumerate(made["codes"]):
        ballots.cast(kit, code, {made["ideas"][n % 6]["id"]: 1})
    wire = Recorder()
    client = HubClient(kit, request=wire, clock=lambda: time.time() + skew_days * DAY)
    while client.push_once(batch_size=10).remaining:
        pass
    assert sync_state.waiting(kit) == 0
    assert_hub_matches(tmp / "hub", kit)
    url, method, body, headers = next(s for s in reversed(wire.sent) if s[1] == "POST")
    assert sync_client._request(url, method, body, headers)[1]["error"]["code"] == "replayed"


def test_the_clock_never_goes_back_across_boots_of_a_booted_kit(booted):
    data = booted / DATA
    now = time.time()
    clock.save(data, now=lambda: now, synced=lambda: True, boot_id=lambda: "boot-1")
    # The next boot starts with the Pi's clock 3 days behind: it is moved forward, not back.
    moved = []
    state = clock.restore(data, now=lambda: now - 3 * DAY, synced=lambda: False, boot_id=lambda: "boot-2",
                          set_clock=moved.append)
    assert moved == [pytest.approx(now)] and state["state"] == "restored"


def test_a_booted_kit_fills_its_card_to_the_reserve_and_past_it(booted, monkeypatch):
    # Phones reach the kit at the address it applied (requests to other hosts are the portal's).
    original = disk_scenario.kit_app

    def kit_at_its_address(*args, **kwargs):
        app = original(*args, **kwargs)
        app.config["SERVER_NAME"] = applied(booted)["address"]
        return app

    monkeypatch.setattr(disk_scenario, "kit_app", kit_at_its_address)
    with small_filesystem(16) as disk:
        shutil.copytree(booted / DATA, disk / "data")
        summary = disk_full_scenario(disk, disk / "data")
    assert summary


def test_a_booted_kit_powers_off_even_when_a_shutdown_step_hangs(booted, monkeypatch):
    data = booted / DATA
    monkeypatch.setenv("VENUEKIT_CONFIG", str(booted / BOOT_FILE))
    marker = booted / "powered-off"
    settings = load(data)
    settings.update(SHUTDOWN_COMMAND=["touch", str(marker)], WEB_PORT=1)
    monkeypatch.setattr(kit_buttons, "STEP_TIMEOUT_S", 0.6)
    kit = store(booted)
    holder = sqlite3.connect(str(kit.path), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # the checkpoint would wait on this lock: a hung step
    try:
        started = time.monotonic()
        results = kit_buttons.safe_shutdown(kit, settings)
        elapsed = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    outcomes = {r.name: r.outcome for r in results}
    assert outcomes["database"] == "timed_out" and outcomes["power off"] == "done"
    assert marker.exists() and elapsed < 0.6 * len(results) + 1.0
