"""Turn a button's raw, bouncy level changes into debounced short and long presses.

Pure logic driven by timestamps, so it is tested with a fake clock; `pi.buttons` feeds it
from gpiozero and wakes it at `next_deadline()`.
"""
from __future__ import annotations

from enum import Enum


class Press(Enum):
    SHORT = "short"  # pressed and released before the hold time
    LONG = "long"  # still pressed when the hold time ran out (fires while held)


class PressClassifier:
    """Debounce one button and classify each press as SHORT or LONG, exactly once.

    A level only counts once it has stayed unchanged for `bounce_time` (a glitch filter,
    the same rule lgpio applies in hardware), so contact bounce and brief glitches never
    make extra presses. A LONG press fires once while the button is held; releasing it
    afterwards produces nothing, so a held button never fires twice per press.
    """

    def __init__(self, *, hold_time: float, bounce_time: float, now: float,
                 pressed: bool = False) -> None:
        if hold_time <= 0:
            raise ValueError("hold_time must be greater than zero")
        if bounce_time < 0:
            raise ValueError("bounce_time must not be negative")
        self.hold_time = hold_time
        self.bounce_time = bounce_time
        self._raw = pressed
        self._last_edge = now
        self._stable = pressed
        self._pressed_at = now
        # A button already down when we start (a stuck or shorted button, or someone
        # leaning on it at boot) must be released first: otherwise a faulty power button
        # would shut the kit down after every boot.
        self._fired = pressed

    @property
    def pressed(self) -> bool:
        """The debounced state: True while a press is in progress."""
        return self._stable

    def edge(self, pressed: bool, now: float) -> None:
        """Record a raw level change reported by the pin."""
        if pressed != self._raw:
            self._raw = pressed
            self._last_edge = now

    def tick(self, now: float) -> list[Press]:
        """Advance to `now` and return the presses that completed."""
        events: list[Press] = []
        # Compared as deadlines (not differences) so they agree exactly with next_deadline().
        if self._raw != self._stable and now >= self._last_edge + self.bounce_time:
            self._stable = self._raw
            if self._stable:
                # Hold time counts from when the contact closed, not from when it settled.
                self._pressed_at = self._last_edge
                self._fired = False
            elif not self._fired:
                # A late tick must not turn a long hold into a short press.
                was_long = self._last_edge >= self._pressed_at + self.hold_time
                self._fired = True
                events.append(Press.LONG if was_long else Press.SHORT)
        if self._stable and not self._fired and now >= self._pressed_at + self.hold_time:
            self._fired = True
            events.append(Press.LONG)
        return events

    def next_deadline(self) -> float | None:
        """When `tick` next has something to decide, or None while nothing is pending."""
        if self._raw != self._stable:
            return self._last_edge + self.bounce_time
        if self._stable and not self._fired:
            return self._pressed_at + self.hold_time
        return None
