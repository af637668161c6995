"""Status lights: a pure mapping from the kit's status to LED outputs, and the gpiozero LEDs."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Mapping

from gpiozero import LED, RGBLED
from gpiozero.pins import Factory

from .config import PiConfig

PRINTER_STATES = ("ok", "fault", "paper_out", "unknown")
SYNC_STATES = ("idle", "syncing", "waiting", "synced")
SETTINGS_STATES = ("ok", "problem", "unknown")
CLOCK_STATES = ("ok", "restored", "never_set", "unknown")

# Most urgent first: plan_leds shows the first that applies (see README, "What the lights mean").
KitState = Literal["starting", "fault", "printer", "storage_low", "settings_problem", "clock_unknown", "ready"]
UplinkLight = Literal["off", "blink", "on"]
Mode = Literal["off", "on", "slow", "fast"]

# (on, off) seconds of the two blink rhythms; StatusLights' `tempo` scales them (tests).
RHYTHMS: dict[str, tuple[float, float]] = {"slow": (1.0, 1.0), "fast": (0.2, 0.2)}

# Three single LEDs: what each of starting/ready/fault does per state (unnamed LEDs are off).
# The ready LED on means phones can use the kit; the fault LED's rhythm says what needs a look.
SINGLE_PATTERNS: dict[str, dict[str, Mode]] = {
    "starting": {"starting": "on"},
    "fault": {"fault": "on"},
    "printer": {"fault": "fast"},
    "storage_low": {"ready": "on", "fault": "fast"},
    "settings_problem": {"ready": "on", "fault": "slow"},
    "clock_unknown": {"ready": "slow"},
    "ready": {"ready": "on"},
}

# Plain on/off colours so the RGB LED needs no PWM (mock pins and any GPIO can drive it).
RED, GREEN, YELLOW, OFF = (1, 0, 0), (0, 1, 0), (1, 1, 0), (0, 0, 0)
# One RGB LED: (colour, second colour it alternates with or None for steady, rhythm).
RGB_PATTERNS: dict[str, tuple[tuple[int, int, int], tuple[int, int, int] | None, str]] = {
    "starting": (YELLOW, None, ""),
    "fault": (RED, None, ""),
    "printer": (RED, OFF, "fast"),
    "storage_low": (RED, GREEN, "fast"),
    "settings_problem": (RED, GREEN, "slow"),
    "clock_unknown": (GREEN, OFF, "slow"),
    "ready": (GREEN, None, ""),
}


def _pick(value: Any, allowed: tuple[str, ...], other: str) -> str:
    return value if value in allowed else other


@dataclass(frozen=True)
class KitStatus:
    """One snapshot of what the lights show, as reported by the web app's kit-status endpoint."""

    web_ok: bool
    printer: str = "unknown"
    uplink: bool = False
    sync: str = "idle"
    settings: str = "ok"
    storage: str = "ok"
    clock: str = "ok"

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> KitStatus:
        """Read a snapshot leniently: the web answered, so web_ok unless it says otherwise."""
        storage = data.get("storage", "ok")
        return cls(
            web_ok=bool(data.get("web_ok", True)),
            printer=_pick(data.get("printer"), PRINTER_STATES, "unknown"),
            uplink=bool(data.get("uplink", False)),
            sync=_pick(data.get("sync"), SYNC_STATES, "idle"),
            settings=_pick(data.get("settings", "ok"), SETTINGS_STATES, "unknown"),
            # Any storage warning ("low", "full", ...) is worth the same light.
            storage=storage if storage in ("ok", "unknown") else "low",
            clock=_pick(data.get("clock", "ok"), CLOCK_STATES, "unknown"),
        )

    @classmethod
    def unreachable(cls) -> KitStatus:
        """The snapshot used when the web service did not answer."""
        return cls(web_ok=False)


@dataclass(frozen=True)
class LedPlan:
    """What the lights should show: the kit state and the uplink light."""

    state: KitState
    uplink: UplinkLight


def kit_state(status: KitStatus) -> KitState:
    """The most urgent thing the kit's light should say, for a web service that answered.

    Only a printer that answers allows "ready": the spooler's and the probe's verdict
    arrive as `printer` "ok"; "unknown" (nothing has checked) is not good enough.
    """
    if status.printer != "ok":
        return "printer"
    if status.storage == "low":
        return "storage_low"
    if status.settings == "problem":
        return "settings_problem"
    if status.clock == "never_set":
        return "clock_unknown"
    return "ready"


def plan_leds(status: KitStatus, *, starting: bool = False) -> LedPlan:
    """Map a status snapshot to LED outputs.

    `starting` says the web service has not answered yet and the kit is still within its
    start-up grace period; a web service that does not answer otherwise is a fault, never
    "ready".
    """
    if not status.web_ok:
        return LedPlan("starting" if starting else "fault", "off")
    state = kit_state(status)
    if not status.uplink:
        uplink: UplinkLight = "off"
    elif status.sync in ("syncing", "waiting"):
        uplink = "blink"
    else:
        # "idle" with an uplink means nothing is waiting to go up.
        uplink = "on"
    return LedPlan(state, uplink)


class StatusLights:
    """The kit's LEDs: starting/ready/fault (three LEDs or one RGB LED) and the uplink light.

    `tempo` scales the blink rhythms of the state patterns (tests use a fast tempo).
    """

    def __init__(self, config: PiConfig, pin_factory: Factory, *, tempo: float = 1.0) -> None:
        self._config = config
        self._tempo = tempo
        self._current: LedPlan | None = None
        self._singles: dict[str, LED] = {}
        self._rgb: RGBLED | None = None
        self._uplink: LED | None = None
        active_high = config.led_active_high
        try:
            if config.led_mode == "rgb":
                red, green, blue = config.led_rgb  # type: ignore[misc]  # validated by PiConfig
                self._rgb = RGBLED(red, green, blue, active_high=active_high, pwm=False,
                                   pin_factory=pin_factory)
            else:
                for state, pin in (("starting", config.led_starting), ("ready", config.led_ready),
                                   ("fault", config.led_fault)):
                    if pin is not None:
                        self._singles[state] = LED(pin, active_high=active_high, pin_factory=pin_factory)
            if config.led_uplink is not None:
                self._uplink = LED(config.led_uplink, active_high=active_high, pin_factory=pin_factory)
        except Exception:
            self.close()
            raise

    @property
    def current(self) -> LedPlan | None:
        """The plan last applied, or None before the first."""
        return self._current

    def apply(self, plan: LedPlan) -> None:
        """Show `plan`; re-applying the same plan leaves a blinking light's rhythm undisturbed."""
        if plan == self._current:
            return
        if self._current is None or plan.state != self._current.state:
            self._show_state(plan.state)
        if self._uplink is not None and (self._current is None or plan.uplink != self._current.uplink):
            if plan.uplink == "blink":
                self._uplink.blink(on_time=self._config.blink_on_time,
                                   off_time=self._config.blink_off_time, background=True)
            elif plan.uplink == "on":
                self._uplink.on()
            else:
                self._uplink.off()
        self._current = plan

    def _rhythm(self, name: str) -> tuple[float, float]:
        on, off = RHYTHMS[name]
        return on * self._tempo, off * self._tempo

    def _show_state(self, state: KitState) -> None:
        if self._rgb is not None:
            colour, other, rhythm = RGB_PATTERNS[state]
            if other is None:
                self._rgb.value = colour
            else:
                on, off = self._rhythm(rhythm)
                self._rgb.blink(on_time=on, off_time=off, on_color=colour, off_color=other, background=True)
        pattern = SINGLE_PATTERNS[state]
        for name, led in self._singles.items():
            mode = pattern.get(name, "off")
            if mode == "on":
                led.on()
            elif mode == "off":
                led.off()
            else:
                on, off = self._rhythm(mode)
                led.blink(on_time=on, off_time=off, background=True)

    def close(self) -> None:
        """Turn everything off and release the pins."""
        for device in [*self._singles.values(), self._rgb, self._uplink]:
            if device is not None:
                # Off first: a released pin may keep driving its last level.
                device.off()
                device.close()
        self._singles.clear()
        self._rgb = self._uplink = None
        self._current = None
