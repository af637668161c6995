"""The Print and Power buttons on gpiozero mock pins, with the real background threads."""
from __future__ import annotations

import threading

import pytest
from gpiozero import Button
from gpiozero.pins.mock import MockPin

from pi.buttons import ButtonCallbacks, ButtonPanel
from pi.config import PiConfig

from .conftest import WAIT, wait_until

PRINT, POWER = 17, 3


def press(factory, pin: int) -> None:
    # Buttons pull up and short to ground, so pressed is low.
    factory.pin(pin).drive_low()


def release(factory, pin: int) -> None:
    factory.pin(pin).drive_high()


def tap(panel: ButtonPanel, factory, pin: int, name: str) -> None:
    """Press until the panel has seen the press settle, then let go."""
    press(factory, pin)
    assert wait_until(lambda: panel.is_pressed(name)), f"{name} press never settled"
    release(factory, pin)
    assert wait_until(lambda: not panel.is_pressed(name)), f"{name} release never settled"


def hold_until(panel, factory, pin, recorder, callback_name):
    press(factory, pin)
    assert wait_until(lambda: recorder.calls[callback_name] >= 1), f"{callback_name} never called"


def test_short_print_press_queues_the_next_group_card(make_panel, factory, recorder):
    panel = make_panel()
    tap(panel, factory, PRINT, "print")
    assert panel.wait_idle(WAIT)
    assert recorder.as_dict() == {"on_print_next": 1}


def test_each_short_press_counts(make_panel, factory, recorder):
    panel = make_panel()
    for _ in range(3):
        tap(panel, factory, PRINT, "print")
    assert panel.wait_idle(WAIT)
    assert recorder.as_dict() == {"on_print_next": 3}


def test_long_print_press_prints_kit_ready_slip_instead(make_panel, factory, recorder):
    panel = make_panel(print_hold_time=0.2)
    hold_until(panel, factory, PRINT, recorder, "on_print_kit_ready")
    # Keep holding for well over another hold period: it must not fire again.
    threading.Event().wait(0.5)
    release(factory, PRINT)
    assert wait_until(lambda: not panel.is_pressed("print"))
    assert panel.wait_idle(WAIT)
    assert recorder.as_dict() == {"on_print_kit_ready": 1}


def chatter(pin, final_low: bool, flips: int = 10) -> None:
    """Contact bounce: the level flips every few milliseconds, far inside the bounce time."""
    low = final_low
    for _ in range(flips):
        pin.drive_low() if low else pin.drive_high()
        # Spaced out so the panel's thread really sees each flip; a burst with no gaps
        # could be missed by any sampler and would not test the filter at all.
        threading.Event().wait(0.003)
        low = not low
    pin.drive_low() if final_low else pin.drive_high()


def test_bouncing_print_button_prints_one_card(make_panel, factory, recorder):
    panel = make_panel(bounce_time=0.2)
    pin = factory.pin(PRINT)
    pin.clear_states()
    chatter(pin, final_low=True)
    assert wait_until(lambda: panel.is_pressed("print"))
    chatter(pin, final_low=False)
    assert wait_until(lambda: not panel.is_pressed("print"))
    assert panel.wait_idle(WAIT)
    assert recorder.as_dict() == {"on_print_next": 1}
    # The raw pin really did chatter: 22 level changes reached the panel.
    assert len(pin.states) - 1 == 22


def test_a_glitch_on_the_line_is_not_a_press(make_panel, factory, recorder):
    panel = make_panel(bounce_time=0.2)
    press(factory, PRINT)
    threading.Event().wait(0.01)
    release(factory, PRINT)
    # Give the debouncer more than its bounce time to (wrongly) decide it was a press.
    threading.Event().wait(0.4)
    assert panel.wait_idle(WAIT)
    assert not panel.is_pressed("print")
    assert recorder.as_dict() == {}


def test_holding_power_shuts_down_once(make_panel, factory, recorder):
    panel = make_panel(power_hold_time=0.2)
    hold_until(panel, factory, POWER, recorder, "on_shutdown")
    threading.Event().wait(0.5)
    release(factory, POWER)
    assert wait_until(lambda: not panel.is_pressed("power"))
    assert panel.wait_idle(WAIT)
    assert recorder.as_dict() == {"on_shutdown": 1}


def test_short_power_press_does_nothing(make_panel, factory, recorder):
    panel = make_panel(power_hold_time=1.0)
    tap(panel, factory, POWER, "power")
    tap(panel, factory, POWER, "power")
    assert panel.wait_idle(WAIT)
    assert recorder.as_dict() == {}


class HeldDownPin(MockPin):
    """A pin whose button is already held when the service starts: the pull-up cannot lift it."""

    def _set_pull(self, value):
        super()._set_pull(value)
        self.drive_low()


def test_power_button_held_at_start_does_not_shut_down(factory, recorder, make_panel):
    factory.pin(POWER, pin_class=HeldDownPin)
    panel = make_panel(power_hold_time=0.2)
    assert panel.is_pressed("power")
    threading.Event().wait(0.5)
    assert panel.wait_idle(WAIT)
    assert recorder.as_dict() == {}
    release(factory, POWER)
    assert wait_until(lambda: not panel.is_pressed("power"))
    # A fresh, deliberate hold does count.
    hold_until(panel, factory, POWER, recorder, "on_shutdown")
    assert recorder.as_dict() == {"on_shutdown": 1}


def test_buttons_are_independent(make_panel, factory, recorder):
    panel = make_panel(power_hold_time=0.2)
    press(factory, POWER)
    tap(panel, factory, PRINT, "print")
    assert wait_until(lambda: recorder.calls["on_shutdown"] == 1)
    release(factory, POWER)
    assert panel.wait_idle(WAIT)
    assert recorder.as_dict() == {"on_print_next": 1, "on_shutdown": 1}


def test_a_failing_callback_does_not_break_later_presses(factory, caplog):
    calls = []

    def broken() -> None:
        calls.append("broken")
        raise ConnectionRefusedError("web app down")

    callbacks = {"on_print_next": broken, "on_print_kit_ready": lambda: None, "on_shutdown": lambda: None}
    config = PiConfig.from_mapping({"pin_factory": "mock", "print_hold_time": 1.0, "bounce_time": 0.02})
    panel = ButtonPanel(config, callbacks, factory)
    try:
        tap(panel, factory, PRINT, "print")
        tap(panel, factory, PRINT, "print")
        assert panel.wait_idle(WAIT)
    finally:
        panel.close()
    assert calls == ["broken", "broken"]
    assert "button callback" in caplog.text


def test_close_releases_the_pins(make_panel, factory):
    panel = make_panel()
    panel.close()
    # Claiming the same pins again would raise GPIOPinInUse if they were still held.
    again = [Button(PRINT, pin_factory=factory), Button(POWER, pin_factory=factory)]
    for button in again:
        button.close()


def test_callbacks_from_an_object_or_a_mapping(recorder):
    from_object = ButtonCallbacks.coerce(recorder)
    from_object.on_shutdown()
    from_mapping = ButtonCallbacks.coerce({"on_print_next": recorder.on_print_next,
                                           "on_print_kit_ready": recorder.on_print_kit_ready,
                                           "on_shutdown": recorder.on_shutdown})
    from_mapping.on_print_next()
    assert recorder.as_dict() == {"on_shutdown": 1, "on_print_next": 1}


def test_missing_callback_is_an_error():
    with pytest.raises(ValueError, match="on_shutdown"):
        ButtonCallbacks.coerce({"on_print_next": print, "on_print_kit_ready": print})
