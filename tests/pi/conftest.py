"""Mock GPIO pins, recording callbacks and a waiting helper for the pi package's tests."""
from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Callable

import pytest
from gpiozero.pins.mock import MockFactory

from pi.buttons import ButtonPanel
from pi.config import PiConfig

# Generous: background threads usually finish in milliseconds; this only bounds a failure.
WAIT = 5.0


def wait_until(condition: Callable[[], bool], timeout: float = WAIT) -> bool:
    """Poll `condition` until it holds or `timeout` passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return condition()
        time.sleep(0.005)
    return True


class Recorder:
    """Stands in for the web app's button callbacks and counts each call."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def _record(self, name: str) -> None:
        with self._lock:
            self.calls[name] += 1

    def on_print_next(self) -> None:
        self._record("on_print_next")

    def on_print_kit_ready(self) -> None:
        self._record("on_print_kit_ready")

    def on_shutdown(self) -> None:
        self._record("on_shutdown")

    def as_dict(self) -> dict[str, int]:
        with self._lock:
            return {name: count for name, count in self.calls.items() if count}


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def factory():
    made = MockFactory()
    yield made
    made.close()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def make_panel(factory, recorder):
    """Build a ButtonPanel on mock pins with test-sized timings; closed after the test."""
    panels: list[ButtonPanel] = []

    def make(**settings) -> ButtonPanel:
        values = {"pin_factory": "mock", "print_hold_time": 1.0, "power_hold_time": 1.0,
                  "bounce_time": 0.05, **settings}
        panel = ButtonPanel(PiConfig.from_mapping(values), recorder, factory)
        panels.append(panel)
        return panel

    yield make
    for panel in panels:
        panel.close()
