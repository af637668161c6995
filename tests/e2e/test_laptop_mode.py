"""`make run`'s server (`venuekit serve --front --spooler`) answers writes on every start."""
from __future__ import annotations

import subprocess
import time

import pytest

from .conftest import Kit, http

STARTS = 20


def _spooler_pids(kit: Kit) -> list[str]:
    found = subprocess.run(["pgrep", "-g", str(kit.proc.pid), "-f", "print-spooler"],
                           capture_output=True, text=True).stdout.split()
    return found


def test_laptop_mode_answers_a_write_on_each_of_many_fresh_starts(tmp_path):
    """The spooler once ran as a thread of gunicorn's master: a fork while it held the database
    lock left the worker waiting for ever (4 starts in 10)."""
    answered = []
    for start in range(STARTS):
        kit = Kit(tmp_path / f"data{start}", tmp_path / f"server{start}.log")
        kit.start_args = ["--spooler", "--workers", "2"]  # the master forks twice: both must be able to write
        try:
            kit.start()
            token = kit.token
            began = time.monotonic()
            try:
                reply = http("PATCH", f"{kit.url}/api/v1/assembly", {"question": f"Start {start}?"}, token,
                             timeout=8)
            except OSError as exc:
                pytest.fail(f"start {start}: the write got no answer in 8 s ({exc}):\n{kit.log()}")
            assert reply.status == 200, (start, reply.status, reply.text)
            assert reply.json()["question"] == f"Start {start}?"
            answered.append(time.monotonic() - began)
        finally:
            kit.close()
    assert len(answered) == STARTS


def test_laptop_mode_prints_the_kit_ready_slip_and_its_spooler_ends_with_the_server(tmp_path):
    kit = Kit(tmp_path / "data", tmp_path / "server.log")
    kit.start_args = ["--front", "--spooler"]  # what `make run` starts
    try:
        kit.start()
        prints = kit.data_dir / "prints"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not list(prints.glob("*kit_ready*.png")):
            time.sleep(0.2)
        assert list(prints.glob("*kit_ready*.png")), kit.log()
        spoolers = _spooler_pids(kit)
        assert len(spoolers) == 1, spoolers
        kit.proc.terminate()
        kit.proc.wait(20)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and subprocess.run(["kill", "-0", spoolers[0]]).returncode == 0:
            time.sleep(0.2)
        assert subprocess.run(["kill", "-0", spoolers[0]], capture_output=True).returncode != 0, \
            "the spooler outlived the server"
    finally:
        kit.close()
