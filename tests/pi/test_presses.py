"""The press classifier on a hand-moved clock: debounce, short and long presses, no double fires."""
from __future__ import annotations

import pytest

from pi.presses import Press, PressClassifier

from .conftest import FakeClock

HOLD = 2.0
BOUNCE = 0.05


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def button(clock) -> PressClassifier:
    return PressClassifier(hold_time=HOLD, bounce_time=BOUNCE, now=clock())


def step(button: PressClassifier, clock: FakeClock, seconds: float) -> list[Press]:
    clock.advance(seconds)
    return button.tick(clock())


def chatter(button: PressClassifier, clock: FakeClock, final: bool, toggles: int = 6) -> None:
    """Contact bounce: the level flips every millisecond and ends at `final`."""
    level = final
    for _ in range(toggles):
        button.edge(level, clock())
        clock.advance(0.001)
        level = not level
    button.edge(final, clock())


def test_short_press_fires_once_on_release(button, clock):
    button.edge(True, clock())
    assert step(button, clock, BOUNCE) == []
    assert button.pressed
    assert step(button, clock, 0.5) == []
    button.edge(False, clock())
    assert step(button, clock, BOUNCE) == [Press.SHORT]
    assert not button.pressed
    assert step(button, clock, 10) == []


def test_long_press_fires_while_held_and_only_once(button, clock):
    button.edge(True, clock())
    assert step(button, clock, HOLD - 0.01) == []
    assert step(button, clock, 0.01) == [Press.LONG]
    # Held for a long time afterwards: nothing more.
    assert step(button, clock, 30) == []
    button.edge(False, clock())
    assert step(button, clock, BOUNCE) == []
    assert not button.pressed


def test_bouncing_contacts_make_one_press(button, clock):
    chatter(button, clock, final=True)
    assert step(button, clock, BOUNCE) == []
    step(button, clock, 0.3)
    chatter(button, clock, final=False)
    assert step(button, clock, BOUNCE) == [Press.SHORT]
    assert step(button, clock, 5) == []


def test_glitch_shorter_than_bounce_time_is_ignored(button, clock):
    button.edge(True, clock())
    clock.advance(BOUNCE / 2)
    button.edge(False, clock())
    assert step(button, clock, 1) == []
    assert not button.pressed


def test_bounce_on_release_after_long_press_does_not_add_a_short_press(button, clock):
    button.edge(True, clock())
    assert step(button, clock, HOLD) == [Press.LONG]
    chatter(button, clock, final=False)
    assert step(button, clock, BOUNCE) == []
    # A new press afterwards counts again.
    button.edge(True, clock())
    step(button, clock, BOUNCE)
    button.edge(False, clock())
    assert step(button, clock, BOUNCE) == [Press.SHORT]


def test_a_late_tick_still_reports_a_long_hold_as_long(button, clock):
    button.edge(True, clock())
    step(button, clock, BOUNCE)
    clock.advance(HOLD + 1)
    button.edge(False, clock())
    # The ticker was late: it only looks after the release has settled.
    assert step(button, clock, BOUNCE) == [Press.LONG]


def test_button_down_at_start_must_be_released_before_it_counts(clock):
    stuck = PressClassifier(hold_time=HOLD, bounce_time=BOUNCE, now=clock(), pressed=True)
    assert stuck.pressed
    assert step(stuck, clock, HOLD * 10) == []
    stuck.edge(False, clock())
    assert step(stuck, clock, BOUNCE) == []
    stuck.edge(True, clock())
    assert step(stuck, clock, HOLD) == [Press.LONG]


def test_next_deadline_tracks_settling_then_hold(button, clock):
    assert button.next_deadline() is None
    start = clock()
    button.edge(True, start)
    assert button.next_deadline() == pytest.approx(start + BOUNCE)
    step(button, clock, BOUNCE)
    assert button.next_deadline() == pytest.approx(start + HOLD)
    step(button, clock, HOLD)
    assert button.next_deadline() is None


def test_zero_bounce_time_reacts_at_once(clock):
    button = PressClassifier(hold_time=HOLD, bounce_time=0, now=clock())
    button.edge(True, clock())
    assert button.tick(clock()) == []
    button.edge(False, clock())
    assert button.tick(clock()) == [Press.SHORT]


@pytest.mark.parametrize("hold, bounce", [(0, 0.05), (-1, 0.05), (2.0, -0.1)])
def test_nonsense_timings_are_refused(hold, bounce):
    with pytest.raises(ValueError):
        PressClassifier(hold_time=hold, bounce_time=bounce, now=0.0)
