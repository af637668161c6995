"""Power-off waits for each service to stop: a hung one must not keep the kit on for systemd's
default 90 s, so every long-running unit has its own, short stop timeout."""
from __future__ import annotations

import pytest

LONG_RUNNING = ("venuekit-web.service", "venuekit-printer.service", "venuekit-sync.service",
                "venuekit-buttons.service")


def seconds(value: str) -> float:
    units = {"ms": 0.001, "s": 1, "min": 60}
    for suffix in sorted(units, key=len, reverse=True):
        if value.endswith(suffix):
            return float(value[: -len(suffix)]) * units[suffix]
    return float(value)


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_stopping_is_bounded(units, name):
    service = units[name]["Service"]
    assert "TimeoutStopSec" in service, f"{name} would hold power-off for up to 90 s"
    assert 0 < seconds(service["TimeoutStopSec"][-1]) <= 15
