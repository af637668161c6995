"""Configuration for the kit's buttons and lights, and the choice of gpiozero pin factory."""
from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from .probes import pi_model

if TYPE_CHECKING:  # gpiozero loads only where pins are made: the web app reads this module too
    from gpiozero.pins import Factory

log = logging.getLogger(__name__)

PIN_FACTORIES = ("auto", "lgpio", "mock")
LED_MODES = ("single", "rgb")

Pin = int | str


@dataclass(frozen=True)
class PiConfig:
    """Every setting of the buttons service; each field is also a key of the config dict."""

    # "lgpio" on a Pi 5 (and older Pis on Bookworm), "mock" for laptops and tests,
    # "auto": lgpio on a Raspberry Pi (a failure there is a fault), mock pins on anything else.
    pin_factory: str = "auto"

    # Buttons are wired between the GPIO and ground, using the internal pull-up.
    print_pin: Pin = 17
    print_hold_time: float = 2.0
    # GPIO3 shorted to ground wakes a halted Pi 1-4, so one button both shuts down and
    # starts the kit again (a Pi 5 has its own power button for waking).
    power_pin: Pin = 3
    power_hold_time: float = 5.0
    button_pull_up: bool = True
    bounce_time: float = 0.05

    # "single": one LED each for starting/ready/fault; "rgb": one RGB LED on led_rgb.
    led_mode: str = "single"
    led_starting: Pin | None = 22
    led_ready: Pin | None = 23
    led_fault: Pin | None = 24
    led_rgb: tuple[Pin, Pin, Pin] | None = None
    led_uplink: Pin | None = 25
    led_active_high: bool = True
    blink_on_time: float = 0.5
    blink_off_time: float = 0.5

    poll_interval: float = 2.0
    # A status call slower than this counts as "web service not answering".
    status_timeout: float = 3.0
    # How long after start a silent web service shows as "starting" rather than "fault".
    startup_grace: float = 90.0

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any] | None) -> PiConfig:
        """Build and validate a config; unknown keys are an error so a typo never goes unnoticed."""
        config = dict(config or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(config) - known)
        if unknown:
            raise ValueError(f"unknown buttons-service setting(s): {', '.join(unknown)}")
        if config.get("led_rgb") is not None:
            config["led_rgb"] = tuple(config["led_rgb"])
            config.setdefault("led_mode", "rgb")
        made = cls(**config)
        made.validate()
        return made

    def validate(self) -> None:
        """Raise ValueError for settings the hardware could never honour."""
        if self.pin_factory not in PIN_FACTORIES:
            raise ValueError(f"pin_factory must be one of {PIN_FACTORIES}, not {self.pin_factory!r}")
        if self.led_mode not in LED_MODES:
            raise ValueError(f"led_mode must be one of {LED_MODES}, not {self.led_mode!r}")
        for name in ("print_hold_time", "power_hold_time", "blink_on_time", "blink_off_time",
                     "poll_interval", "status_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be greater than zero")
        for name in ("bounce_time", "startup_grace"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.led_mode == "rgb" and (self.led_rgb is None or len(self.led_rgb) != 3):
            raise ValueError("led_mode 'rgb' needs led_rgb: three pins (red, green, blue)")
        pins = [p for p in self.pins_in_use() if p is not None]
        duplicates = sorted({str(p) for p in pins if pins.count(p) > 1})
        if duplicates:
            raise ValueError(f"pin(s) used twice: {', '.join(duplicates)}")

    def pins_in_use(self) -> list[Pin | None]:
        """The pins this configuration claims, in a stable order."""
        pins: list[Pin | None] = [self.print_pin, self.power_pin, self.led_uplink]
        if self.led_mode == "rgb":
            pins.extend(self.led_rgb or ())
        else:
            pins.extend([self.led_starting, self.led_ready, self.led_fault])
        return pins


def __getattr__(name: str) -> Any:
    # gpiozero (several MB) loads on first use of its mock pins, not with this module.
    if name == "MockFactory":
        from gpiozero.pins.mock import MockFactory

        globals()[name] = MockFactory
        return MockFactory
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _mock_factory_class() -> type:
    return globals().get("MockFactory") or __getattr__("MockFactory")


class PinFactoryError(RuntimeError):
    """The GPIO driver could not start on a Pi: the buttons and lights cannot work."""


def pin_driver(name: str, root: Path | str = "/") -> str:
    """The driver `name` means here: "auto" is lgpio on a Raspberry Pi and mock pins elsewhere."""
    if name not in PIN_FACTORIES:
        raise ValueError(f"pin_factory must be one of {PIN_FACTORIES}, not {name!r}")
    if name == "auto":
        return "lgpio" if pi_model(root) else "mock"
    return name


def make_pin_factory(name: str, root: Path | str = "/") -> Factory:
    """Return a gpiozero pin factory by name: "mock", "lgpio" or "auto".

    On a Raspberry Pi a failing lgpio raises PinFactoryError: mock pins there would leave
    dead buttons and dark lights with nothing saying why.
    """
    driver = pin_driver(name, root)
    if driver == "mock":
        if name == "auto":
            log.info("not a Raspberry Pi: buttons and lights use mock pins")
        return _mock_factory_class()()
    try:
        from gpiozero.pins.lgpio import LGPIOFactory

        return LGPIOFactory()
    except Exception as exc:  # lgpio missing, no /dev/gpiochip, or no permission on it
        raise PinFactoryError(f"the GPIO driver lgpio did not start ({exc}): the buttons and lights "
                              "do not work; check that python3-lgpio is installed and the service "
                              "may use /dev/gpiochip*") from exc
