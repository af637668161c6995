"""Retry back-off: exponential with jitter, and never longer than its maximum."""
import random
import threading

from webapp.storage import open_store
from webapp.sync import client as sync_client
from webapp.sync import state as sync_state
from webapp.sync.client import SyncError, backoff_delay, run_worker


class RecordingWake:
    """Stands in for the worker's wake event: records each wait instead of sleeping."""

    def __init__(self, stop: threading.Event, draws: int):
        self.stop, self.draws, self.delays = stop, draws, []

    def wait(self, delay: float) -> bool:
        self.delays.append(delay)
        if len(self.delays) >= self.draws:
            self.stop.set()
        return False

    def clear(self) -> None:
        pass


def test_the_worker_never_waits_longer_than_max_backoff(tmp_path, monkeypatch):
    store = open_store(tmp_path)
    sync_state.save(store, hub_url="http://127.0.0.1:9", kit_id="kit-x", key="k" * 64)

    def unreachable(self, batch_size=500):
        raise SyncError("cannot reach the hub: refused")

    monkeypatch.setattr(sync_client.HubClient, "push_once", unreachable)
    stop = threading.Event()
    wake = RecordingWake(stop, draws=300)
    run_worker(store, stop, wake=wake, base_s=1.0, cap_s=4.0, rng=random.Random(7), log=lambda line: None)
    assert len(wake.delays) == 300
    assert max(wake.delays) <= 4.0
    at_cap = wake.delays[10:]
    assert min(at_cap) < 3.5, "the jitter is kept at the cap, so kits do not retry in step"
    assert min(at_cap) >= 2.0
    assert wake.delays[0] <= 1.0 and wake.delays[1] <= 2.0  # still exponential at the start


def test_backoff_delay_over_many_draws():
    rng = random.Random(1)
    for cap in (0.5, 1.0, 60.0):
        for failures in range(1, 40):
            ceiling = min(cap, 1.0 * 2 ** (failures - 1))
            draws = [backoff_delay(failures, base_s=1.0, cap_s=cap, rng=rng) for _ in range(500)]
            assert all(ceiling / 2 <= d <= ceiling <= cap for d in draws), (cap, failures)
            assert max(draws) - min(draws) > ceiling / 4  # really jittered
