"""Fixtures for the printer tests: fake network printers, a capture printer, job stores."""
from __future__ import annotations

import pytest

from printer import MemoryJobStore, open_printer

from .fake_network_printer import FakeNetworkPrinter


@pytest.fixture
def fake_network_printer():
    """Factory: ``fake_network_printer(**behaviour)`` starts one; all are stopped afterwards."""
    started: list[FakeNetworkPrinter] = []

    def start(**behaviour) -> FakeNetworkPrinter:
        server = FakeNetworkPrinter(**behaviour)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


@pytest.fixture
def capture_printer():
    return open_printer({"kind": "dummy", "width": 384})


@pytest.fixture
def store():
    return MemoryJobStore()


class FakeClock:
    """A clock the test moves by hand, so back-off is tested without waiting."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()
