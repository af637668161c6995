"""The kit's two gpiozero buttons: Print (short: next group card, long: kit-ready slip) and Power."""
from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from gpiozero import DigitalInputDevice
from gpiozero.pins import Factory

from .config import Pin, PiConfig
from .presses import Press, PressClassifier

log = logging.getLogger(__name__)

Callback = Callable[[], object]
CALLBACK_NAMES = ("on_print_next", "on_print_kit_ready", "on_shutdown")


@dataclass(frozen=True)
class ButtonCallbacks:
    """What the buttons do; the web app supplies these (queue a print job, power off)."""

    on_print_next: Callback
    on_print_kit_ready: Callback
    on_shutdown: Callback

    @classmethod
    def coerce(cls, callbacks: ButtonCallbacks | Mapping[str, Callback] | Any) -> ButtonCallbacks:
        """Accept a ButtonCallbacks, a mapping of name to callable, or an object with those methods."""
        if isinstance(callbacks, cls):
            return callbacks
        if isinstance(callbacks, Mapping):
            missing = [n for n in CALLBACK_NAMES if n not in callbacks]
            if missing:
                raise ValueError(f"missing button callback(s): {', '.join(missing)}")
            return cls(**{n: callbacks[n] for n in CALLBACK_NAMES})
        return cls(**{n: getattr(callbacks, n) for n in CALLBACK_NAMES})


class CallbackRunner:
    """Run callbacks one at a time on a worker thread.

    Callbacks make HTTP calls to the web app; running them here keeps a slow or failing
    one from stalling press detection, and an exception is logged instead of killing the
    thread, so the next press still works.
    """

    def __init__(self) -> None:
        self._queue: queue.Queue[Callback | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="venuekit-button-callbacks", daemon=True)
        self._thread.start()

    def submit(self, callback: Callback) -> None:
        self._queue.put(callback)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every submitted callback has finished; False if `timeout` ran out."""
        done = threading.Event()
        self._queue.put(done.set)
        return done.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while (callback := self._queue.get()) is not None:
            try:
                callback()
            except Exception:
                log.exception("button callback %r failed", getattr(callback, "__name__", callback))


@dataclass
class _Channel:
    """One physical button: its gpiozero device, its press classifier, and what each press does."""

    name: str
    button: DigitalInputDevice
    classifier: PressClassifier
    actions: Mapping[Press, Callback]


class ButtonPanel:
    """The Print and Power buttons, debounced and classified on one background thread."""

    def __init__(self, config: PiConfig, callbacks: ButtonCallbacks | Mapping[str, Callback],
                 pin_factory: Factory) -> None:
        calls = ButtonCallbacks.coerce(callbacks)
        # Real time, always: the ticker thread sleeps until the deadlines it computes.
        self._clock = time.monotonic
        self._cond = threading.Condition()
        self._closing = False
        self._runner = CallbackRunner()
        self._channels: dict[str, _Channel] = {}
        try:
            self._add("print", config.print_pin, config.print_hold_time, config, pin_factory,
                      {Press.SHORT: calls.on_print_next, Press.LONG: calls.on_print_kit_ready})
            # A short tap on Power does nothing: only a deliberate hold may switch the kit off.
            self._add("power", config.power_pin, config.power_hold_time, config, pin_factory,
                      {Press.LONG: calls.on_shutdown})
        except Exception:
            self.close()
            raise
        self._ticker = threading.Thread(target=self._tick_loop, name="venuekit-buttons", daemon=True)
        self._ticker.start()

    def _add(self, name: str, pin: Pin, hold_time: float, config: PiConfig, factory: Factory,
             actions: Mapping[Press, Callback]) -> None:
        # A plain input rather than gpiozero's Button: hold timing lives in PressClassifier,
        # and Button's own hold thread would only poll alongside it. bounce_time also goes
        # to gpiozero, where lgpio filters glitches in the library; our filter covers pin
        # factories that ignore it (mock pins do).
        button = DigitalInputDevice(pin, pull_up=config.button_pull_up,
                                    bounce_time=config.bounce_time or None, pin_factory=factory)
        classifier = PressClassifier(hold_time=hold_time, bounce_time=config.bounce_time,
                                     now=self._clock(), pressed=button.is_active)
        channel = _Channel(name, button, classifier, actions)
        self._channels[name] = channel
        button.when_activated = lambda: self._edge(channel, True)
        button.when_deactivated = lambda: self._edge(channel, False)

    def is_pressed(self, name: str) -> bool:
        """The debounced state of button `name` ("print" or "power")."""
        with self._cond:
            return self._channels[name].classifier.pressed

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until callbacks for presses already classified have run."""
        with self._cond:
            # Make sure the ticker has looked at the latest edges before we queue the marker.
            self._tick_locked()
        return self._runner.wait_idle(timeout)

    def close(self) -> None:
        """Stop the background threads and release the pins."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        ticker = getattr(self, "_ticker", None)
        if ticker is not None:
            ticker.join(5.0)
        for channel in self._channels.values():
            channel.button.close()
        self._runner.close()

    def _edge(self, channel: _Channel, pressed: bool) -> None:
        with self._cond:
            channel.classifier.edge(pressed, self._clock())
            self._cond.notify_all()

    def _tick_locked(self) -> float | None:
        now = self._clock()
        deadlines = []
        for channel in self._channels.values():
            for press in channel.classifier.tick(now):
                log.info("%s button: %s press", channel.name, press.value)
                action = channel.actions.get(press)
                if action is not None:
                    self._runner.submit(action)
            deadline = channel.classifier.next_deadline()
            if deadline is not None:
                deadlines.append(deadline)
        return min(deadlines) if deadlines else None

    def _tick_loop(self) -> None:
        with self._cond:
            while not self._closing:
                deadline = self._tick_locked()
                # A floor on the wait keeps a deadline that rounds early from busy-looping.
                timeout = None if deadline is None else max(deadline - self._clock(), 0.001)
                self._cond.wait(timeout)
