"""The kit's hardware edge: gpiozero buttons and status LEDs, and host readings.

A leaf package: it never imports the web app or the printer package. The web app's CLI
hands `run_buttons_service` its callbacks and a status source.

The names below load on first use: most processes need one small module of this package
(`pi.files`, `pi.probes`), and importing the package must not pull in gpiozero and
urllib with it (the print spooler's and the web workers' memory).
"""
from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "ButtonCallbacks": "buttons",
    "ButtonPanel": "buttons",
    "PiConfig": "config",
    "make_pin_factory": "config",
    "KitStatus": "leds",
    "LedPlan": "leds",
    "StatusLights": "leds",
    "plan_leds": "leds",
    "run_buttons_service": "service",
    "StatusPoller": "status",
    "http_status_source": "status",
}

__all__ = [
    "ButtonCallbacks", "ButtonPanel", "KitStatus", "LedPlan", "PiConfig", "StatusLights",
    "StatusPoller", "http_status_source", "make_pin_factory", "plan_leds", "run_buttons_service"
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
