"""Status to LED mapping, and the LEDs themselves on mock pins."""
from __future__ import annotations

import threading
import time

import pytest

from pi.config import PiConfig
from pi.leds import RGB_PATTERNS, SINGLE_PATTERNS, KitStatus, LedPlan, StatusLights, plan_leds

from .conftest import wait_until

STARTING, READY, FAULT, UPLINK = 22, 23, 24, 25
RED, GREEN, BLUE = 5, 6, 13


def status(**fields) -> KitStatus:
    values = {"web_ok": True, "printer": "ok", "uplink": False, "sync": "idle", **fields}
    return KitStatus(**values)


@pytest.mark.parametrize("snapshot, starting, expected", [
    (status(), False, LedPlan("ready", "off")),
    # No ready without a printer that answers: nothing has checked it is not good enough.
    (status(printer="unknown"), False, LedPlan("printer", "off")),
    (status(printer="fault"), False, LedPlan("printer", "off")),
    (status(printer="paper_out"), False, LedPlan("printer", "off")),
    (status(web_ok=False), False, LedPlan("fault", "off")),
    (status(web_ok=False), True, LedPlan("starting", "off")),
    # Once the web answers, "starting" no longer applies.
    (status(), True, LedPlan("ready", "off")),
    (status(printer="paper_out"), True, LedPlan("printer", "off")),
    # A crashed web service hides whatever the last snapshot said about the uplink.
    (status(web_ok=False, uplink=True, sync="synced"), False, LedPlan("fault", "off")),
    (status(uplink=True, sync="syncing"), False, LedPlan("ready", "blink")),
    (status(uplink=True, sync="waiting"), False, LedPlan("ready", "blink")),
    (status(uplink=True, sync="synced"), False, LedPlan("ready", "on")),
    (status(uplink=True, sync="idle"), False, LedPlan("ready", "on")),
    (status(uplink=False, sync="waiting"), False, LedPlan("ready", "off")),
    (status(printer="fault", uplink=True, sync="waiting"), False, LedPlan("printer", "blink")),
    (status(settings="problem"), False, LedPlan("settings_problem", "off")),
    (status(storage="low"), False, LedPlan("storage_low", "off")),
    (status(clock="never_set"), False, LedPlan("clock_unknown", "off")),
    (status(clock="restored"), False, LedPlan("ready", "off")),
    # Most urgent first: web service, printer, storage, settings, clock.
    (status(web_ok=False, settings="problem"), False, LedPlan("fault", "off")),
    (status(printer="unknown", storage="low", settings="problem"), False, LedPlan("printer", "off")),
    (status(storage="low", settings="problem", clock="never_set"), False, LedPlan("storage_low", "off")),
    (status(settings="problem", clock="never_set"), False, LedPlan("settings_problem", "off")),
])
def test_plan_leds(snapshot, starting, expected):
    assert plan_leds(snapshot, starting=starting) == expected


def test_snapshot_from_the_web_apps_json():
    assert KitStatus.from_mapping({"printer": "paper_out", "uplink": True, "sync": "waiting"}) == \
        KitStatus(web_ok=True, printer="paper_out", uplink=True, sync="waiting")
    assert KitStatus.from_mapping({"web_ok": False}).web_ok is False
    odd = KitStatus.from_mapping({"printer": "on fire", "sync": "???"})
    assert (odd.printer, odd.sync, odd.uplink) == ("unknown", "idle", False)
    assert (odd.settings, odd.storage, odd.clock) == ("ok", "ok", "ok")
    parts = KitStatus.from_mapping({"settings": "problem", "storage": "full", "clock": "never_set"})
    assert (parts.settings, parts.storage, parts.clock) == ("problem", "low", "never_set")
    assert KitStatus.from_mapping({"settings": "??", "clock": "??"}).clock == "unknown"


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


def blinking(factory, pin: int, count: int = 4) -> bool:
    """The pin toggles on and off at least `count` times."""
    factory.pin(pin).clear_states()
    if not wait_until(lambda: len(factory.pin(pin).states) > count):
        return False
    toggles = [s.state for s in factory.pin(pin).states[1:count + 1]]
    return all(a != b for a, b in zip(toggles, toggles[1:]))


def colours_seen(lights: StatusLights, seconds: float = 0.2) -> set:
    """The RGB LED's colours sampled over a while (more than a few blink periods)."""
    seen = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen.add(tuple(int(v) for v in lights._rgb.value))
        time.sleep(0.001)
    return seen


def steady(factory, *pins: int) -> tuple[bool, ...]:
    """The pins' levels, checked not to change over several blink periods."""
    for pin in pins:
        factory.pin(pin).clear_states()
    threading.Event().wait(0.1)
    assert all(len(factory.pin(pin).states) == 1 for pin in pins), "a steady light changed"
    return levels(factory, *pins)


@pytest.fixture
def patterned(factory):
    made: list[StatusLights] = []

    def make(**settings) -> StatusLights:
        lights = StatusLights(PiConfig.from_mapping({"pin_factory": "mock", **settings}), factory, tempo=0.01)
        made.append(lights)
        return lights

    yield make
    for lights in made:
        lights.close()


def test_each_state_has_its_own_pattern_on_three_leds(patterned, factory):
    lights = patterned()
    # Steady states: exactly the LEDs named, nothing blinking.
    for state, expected in [("starting", (True, False, False)), ("ready", (False, True, False)),
                            ("fault", (False, False, True))]:
        lights.apply(LedPlan(state, "off"))
        assert steady(factory, STARTING, READY, FAULT) == expected, state
    # A printer that does not answer: the fault LED blinks fast, ready stays off.
    lights.apply(LedPlan("printer", "off"))
    assert blinking(factory, FAULT)
    assert steady(factory, STARTING, READY) == (False, False)
    # Storage low and a settings problem: the kit serves phones (ready on) and the fault LED
    # blinks, fast for storage and slow for settings.
    for state in ("storage_low", "settings_problem"):
        lights.apply(LedPlan(state, "off"))
        assert blinking(factory, FAULT), state
        assert steady(factory, STARTING, READY) == (False, True), state
    # Clock never set: only the ready LED, blinking slowly.
    lights.apply(LedPlan("clock_unknown", "off"))
    assert blinking(factory, READY)
    assert steady(factory, STARTING, FAULT) == (False, False)


def test_fast_and_slow_blinks_differ(factory):
    from pi.leds import RHYTHMS

    assert RHYTHMS["slow"][0] >= 4 * RHYTHMS["fast"][0]
    assert SINGLE_PATTERNS["storage_low"]["fault"] != SINGLE_PATTERNS["settings_problem"]["fault"]
    # No two states look the same on three LEDs, nor on one RGB LED.
    assert len({tuple(sorted(p.items())) for p in SINGLE_PATTERNS.values()}) == len(SINGLE_PATTERNS)
    assert len(set(RGB_PATTERNS.values())) == len(RGB_PATTERNS)


def test_rgb_warnings_alternate_colours(patterned, factory):
    lights = patterned(led_rgb=[RED, GREEN, BLUE])
    for state in ("settings_problem", "storage_low"):
        lights.apply(LedPlan(state, "off"))
        # Red and green take turns; blue stays dark.
        assert {(1, 0, 0), (0, 1, 0)} <= colours_seen(lights), state
        assert steady(factory, BLUE) == (False,)
    lights.apply(LedPlan("printer", "off"))
    assert {(1, 0, 0), (0, 0, 0)} <= colours_seen(lights) <= {(1, 0, 0), (0, 0, 0)}
    lights.apply(LedPlan("clock_unknown", "off"))
    assert {(0, 1, 0), (0, 0, 0)} <= colours_seen(lights) <= {(0, 1, 0), (0, 0, 0)}
    lights.apply(LedPlan("ready", "off"))
    assert steady(factory, RED, GREEN, BLUE) == (False, True, False)


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
