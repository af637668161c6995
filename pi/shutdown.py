"""Power-off after a few tidy-up steps, each with a time limit: a hung step never keeps the kit on.

The Power hold is the organiser's way to switch the kit off. Whatever the steps before it do
(wait for a slip to finish printing, flush the database), the power-off command runs after
at most `step_timeout` seconds per step. A step runs on its own daemon thread, so one that
hangs is abandoned rather than waited for; the power-off ends the process anyway.
"""
from __future__ import annotations

import logging
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Callable, Sequence

log = logging.getLogger(__name__)

Step = tuple[str, Callable[[], object]]


@dataclass(frozen=True)
class StepResult:
    """How one step went: "done", "failed" (it raised) or "timed_out" (abandoned)."""

    name: str
    outcome: str
    seconds: float
    error: str | None = None


def run_bounded(name: str, step: Callable[[], object], timeout: float) -> StepResult:
    """Run `step` on its own thread and wait at most `timeout` seconds for it."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            step()
        except BaseException as exc:  # reported, never raised: the power-off must still happen
            failure.append(exc)

    started = time.monotonic()
    worker = threading.Thread(target=target, name=f"venuekit-shutdown-{name}", daemon=True)
    worker.start()
    worker.join(timeout)
    seconds = time.monotonic() - started
    if worker.is_alive():
        log.error("shutdown step %r did not finish in %.0f s: powering off without it", name, timeout)
        return StepResult(name, "timed_out", seconds, f"no answer after {timeout:g} s")
    if failure:
        log.error("shutdown step %r failed: %s", name, failure[0])
        return StepResult(name, "failed", seconds, str(failure[0]))
    log.info("shutdown step %r done in %.1f s", name, seconds)
    return StepResult(name, "done", seconds)


def run_command(command: Sequence[str], timeout: float) -> StepResult:
    """Run the power-off command; one that does not return in time is stopped and reported."""
    started = time.monotonic()
    try:
        done = subprocess.run(list(command), check=False, timeout=timeout,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True)
    except subprocess.TimeoutExpired:
        return StepResult("power off", "timed_out", time.monotonic() - started, f"no answer after {timeout:g} s")
    except OSError as exc:
        log.error("power-off command %s could not run: %s", list(command), exc)
        return StepResult("power off", "failed", time.monotonic() - started, str(exc))
    seconds = time.monotonic() - started
    if done.returncode != 0:
        error = (done.stderr or done.stdout).strip() or f"exit status {done.returncode}"
        log.error("power-off command %s failed: %s", list(command), error)
        return StepResult("power off", "failed", seconds, error)
    return StepResult("power off", "done", seconds)


def power_off(steps: Sequence[Step], command: Sequence[str], *, step_timeout: float,
              command_timeout: float | None = None) -> list[StepResult]:
    """Run each step with its time limit, then the power-off command, whatever the steps did."""
    results = [run_bounded(name, step, step_timeout) for name, step in steps]
    results.append(run_command(command, step_timeout if command_timeout is None else command_timeout))
    return results
