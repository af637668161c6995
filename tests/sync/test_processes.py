"""A real hub process and a real kit sync worker on loopback, with outages and kills."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import make_assembly
from tests.servers import VENUEKIT, free_port, wait_until_up
from webapp.hub import ingest
from webapp.hub.results import combined
from webapp.services import ballots, results
from webapp.storage import open_store
from webapp.sync import identity
from webapp.sync import state as sync_state



class Proc:
    """A venuekit process whose output goes to a log file, stopped (or killed) on request."""

    def __init__(self, args: list[str], log: Path):
        self.args, self.log = args, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Proc":
        self.proc = subprocess.Popen([VENUEKIT, *self.args], stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc and self.proc.poll() is None:
            # gunicorn's master and worker are one process group only if we ask; signal the master.
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None


class Hub(Proc):
    def __init__(self, data: Path, port: int):
        super().__init__(["--data", str(data), "hub", "serve", "--port", str(port)], data.parent / "hub.log")
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> "Hub":
        super().start()
        if not wait_until_up(self.url + "/api/v1/assembly"):
            raise AssertionError(f"the hub did not start: {self.log.read_text()[-2000:]}")
        return self

    def kill_all(self) -> None:
        """SIGKILL master and worker, as a power cut would."""
        if self.proc:
            children = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout.split()
            for pid in children:
                os.kill(int(pid), signal.SIGKILL)
            self.stop(signal.SIGKILL)


@pytest.fixture
def world(tmp_path):
    hub = Hub(tmp_path / "hub", free_port())
    procs: list[Proc] = [hub]
    yield tmp_path, hub, procs
    for proc in procs:
        proc.stop(signal.SIGKILL)


def enrol(kit_dir: Path, hub: Hub) -> None:
    code = ingest.create_enrol_code(ingest.open_hub(hub.args[1]))
    # --code=…: a code may start with "-" (token_urlsafe), which argparse would take for an option.
    subprocess.run([VENUEKIT, "--data", str(kit_dir), "enrol", "--hub", hub.url, f"--code={code}"],
                   check=True, capture_output=True, timeout=30)


def wait_converged(kit_store, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sync_state.waiting(kit_store) == 0:
            return
        time.sleep(0.3)
    raise AssertionError(f"still {sync_state.waiting(kit_store)} records waiting; last error "
                         f"{sync_state.load(kit_store).last_error}")


def assert_hub_matches(hub_dir: Path, kit_store) -> None:
    hub_store = ingest.open_hub(hub_dir)
    kit_ballots = kit_store.scalar("SELECT count(*) FROM ballots")
    assert hub_store.scalar("SELECT count(*) FROM records WHERE record_type = 'ballot'") == kit_ballots
    assert hub_store.scalar("SELECT count(*) FROM conflicts") == 0
    assert hub_store.scalar("SELECT checkpoint FROM kits") == kit_store.scalar("SELECT max(seq) FROM outbox")
    combined_scores = {r["idea_id"]: r["score"] for r in combined(hub_store, open_store(hub_dir))["rows"]}
    assert combined_scores == {r.idea_id: r.score for r in results.current_tally(kit_store).rows}


def enrolled_kit(tmp: Path, hub: Hub):
    """A kit data directory enrolled with the (running) hub, and its store."""
    kit_dir = tmp / "kit"
    kit = open_store(kit_dir)
    hub.start()
    enrol(kit_dir, hub)
    return kit_dir, kit


def start_worker(tmp: Path, kit_dir: Path, procs: list) -> Proc:
    worker = Proc(["--data", str(kit_dir), "sync", "--max-backoff", "1"], tmp / "sync.log").start()
    procs.append(worker)
    return worker


def test_offline_session_then_hub_comes_up_and_kills_mid_batch(world):
    tmp, hub, procs = world
    kit_dir, kit = enrolled_kit(tmp, hub)
    hub.stop()
    made = make_assembly(kit, voters=2300)
    for n, code in enumerate(made["codes"][:300]):
        ballots.cast(kit, code, {made["ideas"][n % 6]["id"]: 1})
    worker = start_worker(tmp, kit_dir, procs)
    deadline = time.monotonic() + 20
    while not sync_state.load(kit).last_error and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "cannot reach the hub" in (sync_state.load(kit).last_error or "")
    hub.start()
    wait_converged(kit, 60)
    assert_hub_matches(tmp / "hub", kit)
    # More votes; kill the worker, then the hub, in the middle of sending them.
    for n, code in enumerate(made["codes"][300:], start=300):
        ballots.cast(kit, code, {made["ideas"][n % 6]["id"]: 1, made["ideas"][(n + 1) % 6]["id"]: 1})
    time.sleep(0.3)
    worker.stop(signal.SIGKILL)
    worker.start()
    time.sleep(0.3)
    hub.kill_all()
    time.sleep(0.5)
    hub.start()
    wait_converged(kit, 90)
    assert_hub_matches(tmp / "hub", kit)


def test_ten_thousand_ballots_with_the_link_cut_repeatedly(world):
    tmp, hub, procs = world
    kit_dir, kit = enrolled_kit(tmp, hub)
    made = make_assembly(kit, voters=10_000)
    start_worker(tmp, kit_dir, procs)
    ideas = [i["id"] for i in made["ideas"]]
    cuts = 0
    # Ten runs of 1,000 votes; between runs the hub goes down (stopped or killed outright)
    # or comes back, so the worker keeps losing the link while it is sending.
    for run in range(10):
        for n, code in enumerate(made["codes"][run * 1000 : (run + 1) * 1000], start=run * 1000):
            ballots.cast(kit, code, {ideas[n % 6]: 1, ideas[(n * 7 + 3) % 6]: 1})
        if run % 2 == 0:
            hub.kill_all() if cuts % 2 else hub.stop()
            cuts += 1
        else:
            hub.start()
    if hub.proc is None:
        hub.start()
    assert cuts == 5
    wait_converged(kit, 180)
    assert kit.scalar("SELECT count(*) FROM ballots") == 10_000
    assert_hub_matches(tmp / "hub", kit)


def test_two_fresh_kits_enrol_under_different_names(world):
    tmp, hub, _procs = world
    hub.start()
    for kit in ("kit-one", "kit-two"):
        open_store(tmp / kit)  # a fresh kit: no name set anywhere
        enrol(tmp / kit, hub)
    listing = subprocess.run([VENUEKIT, "--data", str(tmp / "hub"), "hub", "kits"],
                             check=True, capture_output=True, text=True, timeout=30).stdout
    names = [line.split("\t")[1] for line in listing.splitlines()]
    assert len(names) == 2 and len(set(names)) == 2, listing
    assert all(re.fullmatch(r"venuekit-[0-9A-Z]{4}", name) for name in names), names
    assert sorted(names) == sorted(identity.kit_name(open_store(tmp / kit)) for kit in ("kit-one", "kit-two"))
