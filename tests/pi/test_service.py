"""The whole buttons service on mock pins, and its configuration."""
from __future__ import annotations

import logging
import sys
import threading

import pytest
from gpiozero.pins.mock import MockFactory

from pi.config import PiConfig, PinFactoryError, make_pin_factory
from pi.service import run_buttons_service

from .conftest import WAIT, wait_until

PRINT, POWER, STARTING, READY, FAULT, UPLINK = 17, 3, 22, 23, 24, 25

FAST = {"pin_factory": "mock", "print_hold_time": 0.2, "power_hold_time": 0.2, "bounce_time": 0.02,
        "poll_interval": 0.02, "status_timeout": 1.0, "blink_on_time": 0.01, "blink_off_time": 0.01}


class Web:
    """The web app's kit-status as the service sees it; `up` switches it on and off."""

    def __init__(self) -> None:
        self.up = True
        self.snapshot = {"printer": "ok", "uplink": True, "sync": "synced"}

    def __call__(self):
        if not self.up:
            raise ConnectionRefusedError("venuekit-web is not running")
        return self.snapshot


class Running:
    """run_buttons_service on a thread, stopped and joined at the end of the test."""

    def __init__(self, config, recorder, web, factory=None) -> None:
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(config, recorder, web, factory))
        self.thread.start()

    def _run(self, config, recorder, web, factory):
        try:
            run_buttons_service(config, recorder, web, self.stop, pin_factory=factory)
        except BaseException as exc:  # surfaced by finish()
            self.error = exc

    def finish(self) -> None:
        self.stop.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "the service did not stop"
        if self.error is not None:
            raise self.error


def lit(factory, pin: int) -> bool:
    return bool(factory.pin(pin).state)


def test_service_runs_buttons_and_lights_until_stopped(factory, recorder):
    web = Web()
    service = Running(FAST, recorder, web, factory)
    try:
        assert wait_until(lambda: lit(factory, READY) and lit(factory, UPLINK))
        assert not lit(factory, FAULT)

        print_pin = factory.pin(PRINT)
        print_pin.drive_low()
        assert wait_until(lambda: recorder.calls["on_print_kit_ready"] == 1)
        print_pin.drive_high()

        power_pin = factory.pin(POWER)
        power_pin.drive_low()
        assert wait_until(lambda: recorder.calls["on_shutdown"] == 1)
        power_pin.drive_high()

        web.up = False
        assert wait_until(lambda: lit(factory, FAULT) and not lit(factory, READY))
        assert not lit(factory, UPLINK)
        web.up = True
        web.snapshot = {"printer": "paper_out", "uplink": True, "sync": "synced"}
        assert wait_until(lambda: lit(factory, FAULT) and lit(factory, UPLINK))
    finally:
        service.finish()
    assert recorder.as_dict() == {"on_print_kit_ready": 1, "on_shutdown": 1}
    # Everything dark, and every pin released for the next user.
    assert not any(lit(factory, pin) for pin in (STARTING, READY, FAULT, UPLINK))
    assert all(factory.pin(pin).function == "input" for pin in (STARTING, READY, FAULT, UPLINK))


def test_lights_say_starting_while_the_web_app_boots(factory, recorder):
    web = Web()
    web.up = False
    service = Running({**FAST, "startup_grace": 600}, recorder, web, factory)
    try:
        assert wait_until(lambda: lit(factory, STARTING))
        threading.Event().wait(0.1)  # several polls
        assert lit(factory, STARTING) and not lit(factory, FAULT)
        web.up = True
        assert wait_until(lambda: lit(factory, READY) and not lit(factory, STARTING))
    finally:
        service.finish()


def test_pin_factory_is_chosen_by_configuration(recorder):
    # No factory passed in: the service makes its own mock pins from the config.
    service = Running(FAST, recorder, Web())
    threading.Event().wait(0.1)
    service.finish()


def test_a_bad_config_stops_the_service_before_it_starts(recorder):
    with pytest.raises(ValueError, match="print_hold"):
        run_buttons_service({"print_hold": 2}, recorder, Web(), threading.Event())


@pytest.mark.parametrize("settings, message", [
    ({"pin_factory": "pigpio"}, "pin_factory"),
    ({"led_mode": "rgb"}, "led_rgb"),
    ({"led_rgb": [5, 6]}, "led_rgb"),
    ({"print_pin": 3}, "used twice"),
    ({"led_uplink": 17}, "used twice"),
    ({"power_hold_time": 0}, "power_hold_time"),
    ({"bounce_time": -1}, "bounce_time"),
])
def test_config_validation(settings, message):
    with pytest.raises(ValueError, match=message):
        PiConfig.from_mapping(settings)


def test_config_defaults_and_rgb_mode():
    assert PiConfig.from_mapping({}) == PiConfig()
    rgb = PiConfig.from_mapping({"led_rgb": [5, 6, 13]})
    assert rgb.led_mode == "rgb" and rgb.led_rgb == (5, 6, 13)
    # With an RGB LED the single-LED defaults do not count as claimed pins.
    assert PiConfig.from_mapping({"led_rgb": [22, 23, 24]}).led_rgb == (22, 23, 24)


def test_auto_uses_mock_pins_only_off_a_pi(monkeypatch, caplog, tmp_path):
    # Make lgpio unimportable whatever this machine has; tmp_path has no device tree: a laptop.
    monkeypatch.setitem(sys.modules, "gpiozero.pins.lgpio", None)
    with caplog.at_level(logging.INFO, logger="pi.config"):
        made = make_pin_factory("auto", root=tmp_path)
    try:
        assert isinstance(made, MockFactory)
        assert "mock pins" in caplog.text
    finally:
        made.close()
    with pytest.raises(PinFactoryError, match="lgpio"):
        make_pin_factory("lgpio", root=tmp_path)
    with pytest.raises(ValueError):
        make_pin_factory("rpigpio")


def test_a_failed_lgpio_on_a_pi_is_a_fault_never_mock_pins(monkeypatch, tmp_path):
    model = tmp_path / "proc/device-tree/model"
    model.parent.mkdir(parents=True)
    model.write_bytes(b"Raspberry Pi 5 Model B Rev 1.0\x00")
    monkeypatch.setitem(sys.modules, "gpiozero.pins.lgpio", None)
    with pytest.raises(PinFactoryError, match="buttons and lights do not work"):
        make_pin_factory("auto", root=tmp_path)
    # Mock pins on a Pi only when the configuration says so.
    made = make_pin_factory("mock", root=tmp_path)
    assert isinstance(made, MockFactory)
    made.close()
