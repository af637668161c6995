"""The buttons service: buttons, status lights and the status poller, run until told to stop."""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Mapping

from gpiozero.pins import Factory

from .buttons import ButtonCallbacks, ButtonPanel, Callback
from .config import PiConfig, make_pin_factory
from .leds import LedPlan, StatusLights
from .status import StatusPoller, StatusSource

log = logging.getLogger(__name__)


def run_buttons_service(
    config: Mapping[str, Any] | PiConfig | None,
    callbacks: ButtonCallbacks | Mapping[str, Callback] | Any,
    status_source: StatusSource,
    stop_event: threading.Event,
    *,
    pin_factory: Factory | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Run the kit's buttons and lights until `stop_event` is set, then release every pin.

    `config` holds PiConfig keys (`pin_factory` "mock" | "lgpio" | "auto" picks the GPIO
    backend). `callbacks` supplies on_print_next, on_print_kit_ready and on_shutdown.
    `status_source` returns a kit-status mapping; if it raises or hangs, the lights show a
    fault. Pass `pin_factory` to share an existing gpiozero factory (tests drive its mock pins);
    `clock` times the start-up grace period of the status lights.
    """
    cfg = config if isinstance(config, PiConfig) else PiConfig.from_mapping(config)
    calls = ButtonCallbacks.coerce(callbacks)
    factory = pin_factory if pin_factory is not None else make_pin_factory(cfg.pin_factory)
    lights: StatusLights | None = None
    panel: ButtonPanel | None = None
    try:
        lights = StatusLights(cfg, factory)
        lights.apply(LedPlan("starting", "off"))
        panel = ButtonPanel(cfg, calls, factory)
        poller = StatusPoller(status_source, lights.apply, timeout=cfg.status_timeout,
                              startup_grace=cfg.startup_grace, clock=clock)
        log.info("buttons service running (print on %s, power on %s)", cfg.print_pin, cfg.power_pin)
        while not stop_event.is_set():
            poller.poll_once()
            stop_event.wait(cfg.poll_interval)
    finally:
        if panel is not None:
            panel.close()
        if lights is not None:
            lights.close()
        if pin_factory is None:
            factory.close()
        log.info("buttons service stopped")
