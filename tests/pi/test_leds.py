"""Status to LED mapping, and the LEDs themselves on mock pins."""
from __future__ import annotations

import threading

import pytest

from pi.config import PiConfig
from pi.leds import KitStatus, LedPlan, StatusLights, plan_leds

from .conftest import wait_until

STARTING, READY, FAULT, UPLINK = 22, 23, 24, 25
RED, GREEN, BLUE = 5, 6, 13


def status(**fields) -> KitStatus:
    values = {"web_ok": True, "printer": "ok", "uplink": False, "sync": "idle", **fields}
    return KitStatus(**values)


@pytest.mark.parametrize("snapshot, starting, expected", [
    (status(), False, LedPlan("ready", "off")),
    (status(printer="unknown"), False, LedPlan("ready", "off")),
    (status(printer="fault"), False, LedPlan("fault", "off")),
    (status(printer="paper_out"), False, LedPlan("fault", "off")),
    (status(web_ok=False), False, LedPlan("fault", "off")),
    (status(web_ok=False), True, LedPlan("starting", "off")),
    # Once the web answers, "starting" no longer applies.
    (status(), True, LedPlan("ready", "off")),
    (status(printer="paper_out"), True, LedPlan("fault", "off")),
    # A crashed web service hides whatever the last snapshot said about the uplink.
    (status(web_ok=False, uplink=True, sync="synced"), False, LedPlan("fault", "off")),
    (status(uplink=True, sync="syncing"), False, LedPlan("ready", "blink")),
    (status(uplink=True, sync="waiting"), False, LedPlan("ready", "blink")),
    (status(uplink=True, sync="synced"), False, LedPlan("ready", "on")),
    (status(uplink=True, sync="idle"), False, LedPlan("ready", "on")),
    (status(uplink=False, sync="waiting"), False, LedPlan("ready", "off")),
    (status(printer="fault", uplink=True, sync="waiting"), False, LedPlan("fault", "blink")),
])
def test_plan_leds(snapshot, starting, expected):
    assert plan_leds(snapshot, starting=starting) == expected


def test_snapshot_from_the_web_apps_json():
    assert KitStatus.from_mapping({"printer": "paper_out", "uplink": True, "sync": "waiting"}) == \
        KitStatus(web_ok=True, printer="paper_out", uplink=True, sync="waiting")
    assert KitStatus.from_mapping({"web_ok": False}).web_ok is False
    odd = KitStatus.from_mapping({"printer": "on fire", "sync": "???"})
    assert (odd.printer, odd.sync, odd.uplink) == ("unknown", "idle", False)


@pytest.fixture
def lights_for(factory):
    made: list[StatusLights] = []

    def make(**settings) -> StatusLights:
        values = {"pin_factory": "mock", "blink_on_time": 0.01, "blink_off_time": 0.01, **settings}
        lights = StatusLights(PiConfig.from_mapping(values), factory)
        made.append(lights)
        return lights

    yield make
    for lights in made:
        lights.close()


def levels(factory, *pins: int) -> tuple[bool, ...]:
    return tuple(bool(factory.pin(pin).state) for pin in pins)


def test_three_single_leds_show_one_state_at_a_time(lights_for, factory):
    lights = lights_for()
    for state, expected in [("starting", (True, False, False)), ("ready", (False, True, False)),
                            ("fault", (False, False, True)), ("ready", (False, True, False))]:
        lights.apply(LedPlan(state, "off"))
        assert levels(factory, STARTING, READY, FAULT) == expected, state
    assert lights.current == LedPlan("ready", "off")


def test_rgb_led_shows_colours(lights_for, factory):
    lights = lights_for(led_rgb=[RED, GREEN, BLUE])
    expected = {"starting": (True, True, False), "ready": (False, True, False), "fault": (True, False, False)}
    for state, colour in expected.items():
        lights.apply(LedPlan(state, "off"))
        assert levels(factory, RED, GREEN, BLUE) == colour, state


def test_active_low_wiring_inverts_the_pins(lights_for, factory):
    lights = lights_for(led_active_high=False)
    lights.apply(LedPlan("ready", "on"))
    assert levels(factory, STARTING, READY, FAULT, UPLINK) == (True, False, True, False)


def test_uplink_light_blinks_then_goes_solid_then_off(lights_for, factory):
    lights = lights_for()
    pin = factory.pin(UPLINK)
    pin.clear_states()
    lights.apply(LedPlan("ready", "blink"))
    assert wait_until(lambda: len(pin.states) >= 7), "uplink light is not blinking"
    toggles = [s.state for s in pin.states[1:7]]
    assert toggles == [True, False, True, False, True, False]

    lights.apply(LedPlan("ready", "on"))
    assert pin.state
    settled = len(pin.states)
    # Many blink periods later a solid light has not changed.
    threading.Event().wait(0.2)
    assert len(pin.states) == settled and pin.state

    lights.apply(LedPlan("ready", "off"))
    assert not pin.state


def test_reapplying_a_blink_keeps_it_blinking(lights_for, factory):
    lights = lights_for()
    pin = factory.pin(UPLINK)
    lights.apply(LedPlan("ready", "blink"))
    lights.apply(LedPlan("ready", "blink"))
    pin.clear_states()
    assert wait_until(lambda: len(pin.states) >= 5), "blinking stopped"


def test_close_turns_everything_off(factory):
    lights = StatusLights(PiConfig.from_mapping({"pin_factory": "mock"}), factory)
    lights.apply(LedPlan("fault", "on"))
    assert levels(factory, FAULT, UPLINK) == (True, True)
    lights.close()
    assert levels(factory, STARTING, READY, FAULT, UPLINK) == (False, False, False, False)
    assert lights.current is None


def test_no_uplink_led_configured(lights_for, factory):
    lights = lights_for(led_uplink=None)
    lights.apply(LedPlan("ready", "blink"))
    assert levels(factory, READY) == (True,)
    assert factory.pin(UPLINK).function == "input"
