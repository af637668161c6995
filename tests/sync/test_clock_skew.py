"""A kit whose clock is days off syncs with a real hub process; replay and tampering stay refused."""
from __future__ import annotations

import time

import pytest

from tests.conftest import make_assembly
from tests.sync.clock_skew import DAY, Recorder, replay, sync_with_skew, tamper
from tests.sync.test_processes import assert_hub_matches, enrolled_kit, world  # noqa: F401 (fixture)
from webapp.hub import ingest
from webapp.services import ballots
from webapp.sync import state as sync_state
from webapp.sync.client import HubClient


@pytest.mark.parametrize("skew_days", [3, -3])
def test_a_kit_days_off_converges_and_replay_and_tampering_stay_refused(world, skew_days):  # noqa: F811
    tmp, hub, _procs = world
    _kit_dir, kit = enrolled_kit(tmp, hub)
    made = make_assembly(kit, voters=60)
    for n, code in enumerate(made["codes"]):
        ballots.cast(kit, code, {made["ideas"][n % 6]["id"]: 1})
    wire = sync_with_skew(kit, skew_days * DAY)
    assert sync_state.waiting(kit) == 0
    assert_hub_matches(tmp / "hub", kit)
    # One "stale" answer taught the kit the hub's time; every request after it was accepted.
    refused = [answer for answer in wire.answers if answer[0] == 401]
    assert [a[1]["error"]["code"] for a in refused] == ["stale"]
    assert all(status == 200 for status, _ in wire.answers[wire.answers.index(refused[0]) + 1:])

    records_before = ingest.open_hub(tmp / "hub").scalar("SELECT count(*) FROM records")
    assert replay(wire.last_post()) == (401, "replayed")
    assert tamper(wire.last_post()) == (401, "bad_signature")
    assert ingest.open_hub(tmp / "hub").scalar("SELECT count(*) FROM records") == records_before


def test_the_stale_answer_carries_the_hubs_time(world):  # noqa: F811
    tmp, hub, _procs = world
    _kit_dir, kit = enrolled_kit(tmp, hub)
    wire = Recorder()
    client = HubClient(kit, request=wire, clock=lambda: time.time() - 3 * DAY)
    assert client.checkpoint() == 0
    status, answer = wire.answers[0]
    assert status == 401 and answer["error"]["code"] == "stale"
    assert abs(answer["hub_time"] - time.time()) < 30
    assert abs(float(sync_state.load(kit).hub_offset) - 3 * DAY) < 30
    # Learnt once: the next request needs no second try.
    client.checkpoint()
    assert [a[0] for a in wire.answers] == [401, 200, 200]


def test_a_replayed_request_is_refused_even_after_the_kit_clock_changes(world):  # noqa: F811
    tmp, hub, _procs = world
    _kit_dir, kit = enrolled_kit(tmp, hub)
    wire = sync_with_skew(kit, -3 * DAY)
    # The kit's clock is then corrected by 3 days (time servers): one more "stale", relearnt.
    again = Recorder()
    assert HubClient(kit, request=again).checkpoint() == sync_state.load(kit).checkpoint
    assert [a[0] for a in again.answers] == [401, 200]
    assert replay(wire.sent[-1])[1] == "replayed"
    assert replay(again.sent[-1])[1] == "replayed"


@pytest.mark.parametrize("hub_time", [float("nan"), float("inf"), "soon", True, None])
def test_a_nonsense_hub_time_is_not_learnt(tmp_path, hub_time):
    from webapp.storage import open_store

    store = open_store(tmp_path / "kit")
    client = HubClient(store, request=lambda *a: (401, {}))
    answer = {"error": {"code": "stale", "message": "x"}, "hub_time": hub_time}
    assert client._learn_hub_time(401, answer) is False
    assert sync_state.load(store).hub_offset is None
