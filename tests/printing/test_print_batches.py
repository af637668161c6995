"""The print-spooler service prints each batch in a child process that leaves when the queue
is empty, so the service itself never holds Pillow or python-escpos; a child killed mid-batch
loses no job."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.printer.fake_network_printer import FakeNetworkPrinter
from webapp.printing import queue
from webapp.printing import service as service_module
from webapp.printing.jobstore import SqliteJobStore
from webapp.printing.service import WATCH_S, BatchRunner, PrinterProbe, batch_wanted, run_spooler
from webapp.services import kit_status
from webapp.storage import open_store

ROOT = Path(__file__).resolve().parents[2]
KIT = queue.KitInfo("Town hall", "venuekit", "secret pass", "http://10.42.0.1/")


def statuses(store) -> list[str]:
    return [row["status"] for row in store.query("SELECT status FROM print_jobs ORDER BY seq")]


def wait_for(check, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child that exited but is not yet reaped is a zombie: gone for our purpose.
    return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"


class Service:
    """run_spooler in a thread, its log lines kept, stopped at the end."""

    def __init__(self, store, config: dict, idle_exit: float = 0.5):
        self.lines: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=run_spooler, args=(store, config, self.stop),
                                       kwargs={"log_line": self.lines.append, "idle_exit": idle_exit})

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(30)
        assert not self.thread.is_alive()

    def batch_pids(self) -> list[int]:
        return [int(m.group(1)) for line in self.lines if (m := re.search(r"batch in process (\d+)$", line))]


def test_a_batch_prints_in_a_child_that_leaves_when_the_queue_is_empty(tmp_path):
    store = open_store(tmp_path / "data")
    prints = tmp_path / "prints"
    with Service(store, {"kind": "preview", "dir": str(prints)}) as service:
        queue.ballot_slips(store, KIT, 2)
        wait_for(lambda: statuses(store) == ["printed", "printed"])
        assert len(list(prints.glob("*.png"))) == 2
        [pid] = service.batch_pids()
        assert pid != os.getpid()
        wait_for(lambda: not alive(pid), 30)
        # A new job starts a new batch.
        queue.kit_ready(store, KIT)
        wait_for(lambda: statuses(store)[-1] == "printed")
        assert len(service.batch_pids()) == 2
        assert len(list(prints.glob("*.png"))) == 3


def test_killing_a_batch_mid_way_loses_no_job(tmp_path):
    store = open_store(tmp_path / "data")
    prints = tmp_path / "prints"
    queue.ballot_slips(store, KIT, 40)
    with Service(store, {"kind": "preview", "dir": str(prints)}, idle_exit=5) as service:
        wait_for(lambda: "printed" in statuses(store))
        [first] = service.batch_pids()
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: statuses(store) == ["printed"] * 40, 120)
        assert len(service.batch_pids()) == 2
        assert any("ended with -9" in line for line in service.lines)
    # Every slip came out; one cut off by the kill (if any) came out again marked as a reprint.
    reprints = store.scalar("SELECT count(*) FROM print_jobs WHERE reprint = 1")
    assert len(list(prints.glob("*.png"))) in (40, 40 + reprints) and reprints <= 1


def test_stopping_the_service_ends_its_batch(tmp_path):
    store = open_store(tmp_path / "data")
    queue.ballot_slips(store, KIT, 200)
    service = Service(store, {"kind": "preview", "dir": str(tmp_path / "prints")}, idle_exit=60)
    with service:
        wait_for(lambda: "printed" in statuses(store))
        [pid] = service.batch_pids()
    assert not alive(pid)
    # The slip in hand was finished: nothing is left marked as printing.
    assert "printing" not in statuses(store) and "queued" in statuses(store)


def test_a_batch_that_dies_at_once_is_started_again_after_a_pause(tmp_path, monkeypatch):
    store = open_store(tmp_path / "data")
    lines: list[str] = []
    runner = BatchRunner(store, {"kind": "preview", "dir": str(tmp_path)}, 1.0, lines.append)
    # The child cannot read its order: it exits non-zero at once.
    runner.order = "not json"
    stop = threading.Event()
    pauses: list[float] = []
    monkeypatch.setattr(stop, "wait", lambda seconds=None: pauses.append(seconds) or False)
    assert runner.run(stop) != 0 and runner.run(stop) != 0
    assert [p for p in pauses if p != WATCH_S] == [2.0, 4.0]  # the rest: watching the child
    assert "starting another in 4 s" in lines[-1]
    # Stewards and the light see that nothing prints (the service's heartbeat alone said "ok").
    state = kit_status.printer_state(store)
    assert state["state"] == "fault" and "Printing stopped unexpectedly (exit 1)" in state["error"]


def test_a_job_waiting_for_a_later_retry_does_not_keep_a_batch_and_prints_when_the_printer_answers(tmp_path, monkeypatch):
    monkeypatch.setattr(service_module, "PROBE_S", 0.3)
    store = open_store(tmp_path / "data")
    switched_off = socket.socket()
    switched_off.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
    port = switched_off.getsockname()[1]
    config = {"kind": "network", "host": "127.0.0.1", "port": port, "timeout": 2}
    printer = None
    try:
        queue.ballot_slips(store, KIT, 1)
        with Service(store, config, idle_exit=0.5) as service:
            wait_for(lambda: store.scalar("SELECT attempts FROM print_jobs") >= 1)
            [first, *_] = service.batch_pids()
            wait_for(lambda: not alive(first), 30)
            assert statuses(store) == ["queued"]
            switched_off.close()
            printer = FakeNetworkPrinter(port=port)  # switched on
            wait_for(lambda: statuses(store) == ["printed"], 60)
        assert len(printer.printed_jobs()) == 1
    finally:
        switched_off.close()
        if printer is not None:
            printer.close()


def test_the_printer_answering_again_starts_a_batch_for_a_waiting_job(tmp_path):
    store = open_store(tmp_path / "data")
    queue.ballot_slips(store, KIT, 1)
    jobs = SqliteJobStore(store)
    job = jobs.next_due(time.time())
    jobs.mark_printing(job.id)
    jobs.mark_failed(job.id, "switched off", time.time() + 3600)
    probe = PrinterProbe(store, {"kind": "preview", "dir": str(tmp_path)})
    assert not batch_wanted(store, jobs, probe, 0.0)
    probe.last = ("fault", "no answer")
    probe.run()  # a preview folder can be written: it answers
    assert batch_wanted(store, jobs, probe, 0.0)
    assert not batch_wanted(store, jobs, probe, 0.0)  # once per return, not on every look
    # While it answers, a waiting job is looked at now and then (a clock set back by days would
    # otherwise hold it until its retry time came round again).
    assert batch_wanted(store, jobs, probe, service_module.WAITING_LOOK_S)


def test_a_job_whose_retry_the_clock_pushed_days_away_prints_once_the_printer_answers(tmp_path, monkeypatch):
    monkeypatch.setattr(service_module, "WAITING_LOOK_S", 0.5)
    store = open_store(tmp_path / "data")
    queue.ballot_slips(store, KIT, 1)
    jobs = SqliteJobStore(store)
    job = jobs.next_due(time.time())
    jobs.mark_printing(job.id)
    jobs.mark_failed(job.id, "switched off", time.time() + 3 * 86400)  # the kit's date was then set back
    with Service(store, {"kind": "preview", "dir": str(tmp_path / "prints")}):
        wait_for(lambda: statuses(store) == ["printed"], 60)


SERVICE_MEMORY = """
import json, sys, threading, time
from pathlib import Path
from webapp.printing import queue
from webapp.printing.service import run_spooler
from webapp.storage import open_store

data = Path(sys.argv[1])
store = open_store(data)
queue.ballot_slips(store, queue.KitInfo("Hall", "venuekit", "pass", "http://10.42.0.1/"), 2)
stop = threading.Event()
config = {"kind": "preview", "dir": str(data / "p"), **json.loads(sys.argv[2])}
worker = threading.Thread(target=run_spooler, args=(store, config, stop),
                          kwargs={"log_line": lambda line: None, "idle_exit": 0.2})
worker.start()
deadline = time.monotonic() + 60
while store.scalar("SELECT count(*) FROM print_jobs WHERE status = 'printed'") < 2 and time.monotonic() < deadline:
    time.sleep(0.05)
stop.set()
worker.join()
printed = store.scalar("SELECT count(*) FROM print_jobs WHERE status = 'printed'")
print(json.dumps({"printed": printed, "loaded": [m for m in ("PIL", "escpos", "fontTools") if m in sys.modules]}))
"""


@pytest.mark.parametrize("extra", [{}, {"profile": "TM-T88V"}])  # a profile is looked up where it prints
def test_the_service_prints_without_loading_the_printing_libraries(tmp_path, extra):
    done = subprocess.run([sys.executable, "-c", SERVICE_MEMORY, str(tmp_path), json.dumps(extra)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"printed": 2, "loaded": []}


def test_a_batch_dies_with_its_service_even_on_kill_9(tmp_path):
    data = tmp_path / "data"
    store = open_store(data)
    queue.ballot_slips(store, KIT, 300)
    service = subprocess.Popen([sys.executable, "-m", "webapp.cli", "--data", str(data), "print-spooler"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        pid = None
        deadline = time.monotonic() + 60
        while pid is None and time.monotonic() < deadline:
            line = service.stdout.readline()
            if m := re.search(r"batch in process (\d+)", line):
                pid = int(m.group(1))
        assert pid is not None, "no batch started"
        wait_for(lambda: "printed" in statuses(store))
        service.kill()
        service.wait(10)
        # SIGTERM on its parent's death: the slip in hand is finished, then it leaves.
        wait_for(lambda: not alive(pid), 30)
    finally:
        if service.poll() is None:
            service.kill()
    left = statuses(store)
    assert "queued" in left and left.count("printing") <= 1
