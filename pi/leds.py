"""Status lights: a pure mapping from the kit's status to LED outputs, and the gpiozero LEDs."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Mapping

from gpiozero import LED, RGBLED
from gpiozero.pins import Factory

from .config import PiConfig

PRINTER_STATES = ("ok", "fault", "paper_out", "unknown")
SYNC_STATES = ("idle", "syncing", "waiting", "synced")

KitState = Literal["starting", "ready", "fault"]
UplinkLight = Literal["off", "blink", "on"]

# Plain on/off colours so the RGB LED needs no PWM (mock pins and any GPIO can drive it).
RGB_COLOURS: dict[str, tuple[int, int, int]] = {
    "starting": (1, 1, 0),  # yellow
    "ready": (0, 1, 0),  # green
    "fault": (1, 0, 0),  # red
}


@dataclass(frozen=True)
class KitStatus:
    """One snapshot of what the lights show, as reported by the web app's kit-status endpoint."""

    web_ok: bool
    printer: str = "unknown"
    uplink: bool = False
    sync: str = "idle"

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> KitStatus:
        """Read a snapshot leniently: the web answered, so web_ok unless it says otherwise."""
        printer = data.get("printer", "unknown")
        sync = data.get("sync", "idle")
        return cls(
            web_ok=bool(data.get("web_ok", True)),
            printer=printer if printer in PRINTER_STATES else "unknown",
            uplink=bool(data.get("uplink", False)),
            sync=sync if sync in SYNC_STATES else "idle",
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


def plan_leds(status: KitStatus, *, starting: bool = False) -> LedPlan:
    """Map a status snapshot to LED outputs.

    `starting` says the web service has not answered yet and the kit is still within its
    start-up grace period; a web service that does not answer otherwise is a fault, never
    "ready". An unknown printer state is not a fault: paper-out sensing is unreliable and
    the kit still serves phones without a printer.
    """
    if not status.web_ok:
        return LedPlan("starting" if starting else "fault", "off")
    state: KitState = "fault" if status.printer in ("fault", "paper_out") else "ready"
    if not status.uplink:
        uplink: UplinkLight = "off"
    elif status.sync in ("syncing", "waiting"):
        uplink = "blink"
    else:
        # "idle" with an uplink means nothing is waiting to go up.
        uplink = "on"
    return LedPlan(state, uplink)


class StatusLights:
    """The kit's LEDs: starting/ready/fault (three LEDs or one RGB LED) and the uplink light."""

    def __init__(self, config: PiConfig, pin_factory: Factory) -> None:
        self._config = config
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

    def _show_state(self, state: KitState) -> None:
        if self._rgb is not None:
            self._rgb.value = RGB_COLOURS[state]
        for name, led in self._singles.items():
            if name == state:
                led.on()
            else:
                led.off()

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
