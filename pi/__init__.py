"""The kit's hardware edge: gpiozero buttons and status LEDs, and host readings.

A leaf package: it never imports the web app or the printer package. The web app's CLI
hands `run_buttons_service` its callbacks and a status source.
"""
from .buttons import ButtonCallbacks, ButtonPanel
from .config import PiConfig, make_pin_factory
from .leds import KitStatus, LedPlan, StatusLights, plan_leds
from .service import run_buttons_service
from .status import StatusPoller, http_status_source

__all__ = [
    "ButtonCallbacks",
    "ButtonPanel",
    "KitStatus",
    "LedPlan",
    "PiConfig",
    "StatusLights",
    "StatusPoller",
    "http_status_source",
    "make_pin_factory",
    "plan_leds",
    "run_buttons_service",
]
