"""pi/shutdown.py: bounded steps, then the power-off command whatever they did."""
from __future__ import annotations

import threading
import time

from pi.shutdown import power_off, run_bounded, run_command


def test_a_hung_step_is_abandoned_after_its_time():
    release = threading.Event()
    started = time.monotonic()
    result = run_bounded("hangs", release.wait, 0.3)
    assert result.outcome == "timed_out" and 0.3 <= time.monotonic() - started < 2
    release.set()


def test_steps_run_in_order_and_the_command_runs_after_a_failure_and_a_hang(tmp_path):
    marker = tmp_path / "off"
    ran = []
    hang = threading.Event()

    def boom():
        ran.append("boom")
        raise OSError("disk gone")

    results = power_off([("first", lambda: ran.append("first")), ("boom", boom), ("hang", hang.wait),
                         ("last", lambda: ran.append("last"))], ["touch", str(marker)], step_timeout=0.3)
    hang.set()
    assert ran == ["first", "boom", "last"]
    assert [(r.name, r.outcome) for r in results] == [
        ("first", "done"), ("boom", "failed"), ("hang", "timed_out"), ("last", "done"), ("power off", "done")]
    assert results[1].error == "disk gone"
    assert marker.exists()


def test_a_command_that_fails_or_is_missing_is_reported():
    assert run_command(["false"], 5).outcome == "failed"
    missing = run_command(["/nonexistent/poweroff"], 5)
    assert missing.outcome == "failed" and "nonexistent" in missing.error
    slow = run_command(["sleep", "20"], 0.3)
    assert slow.outcome == "timed_out" and slow.seconds < 5
