"""Poll the kit's status through a callable and keep the status lights up to date."""
from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from typing import Any, Callable, Mapping

from .leds import KitStatus, LedPlan, plan_leds

log = logging.getLogger(__name__)

StatusSource = Callable[[], "Mapping[str, Any] | KitStatus"]


def http_status_source(url: str, *, timeout: float = 2.0) -> Callable[[], Mapping[str, Any]]:
    """Return a status source that GETs `url` (the web app's kit-status JSON) on each call."""

    def fetch() -> Mapping[str, Any]:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - a local URL we were given
            data = json.load(response)
        if not isinstance(data, Mapping):
            raise ValueError("kit status is not a JSON object")
        return data

    return fetch


class _Call:
    """One call of the status source on its own thread, so a hung call can be abandoned."""

    def __init__(self, source: StatusSource) -> None:
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        threading.Thread(target=self._run, args=(source,), name="venuekit-status-call", daemon=True).start()

    def _run(self, source: StatusSource) -> None:
        try:
            self.result = source()
        except BaseException as exc:  # noqa: BLE001 - any failure means "web not ok"
            self.error = exc
        finally:
            self.done.set()


class StatusPoller:
    """Fetch a status snapshot, turn it into an LED plan and hand the plan to `apply`.

    Any exception from the source, an answer that is not a status, or no answer within
    `timeout` means the web service is not ok. Until the web service has answered once,
    and only within `startup_grace` seconds of the poller's creation, that shows as
    "starting"; afterwards it is a fault, so a crashed web service never looks ready.
    """

    def __init__(self, source: StatusSource, apply: Callable[[LedPlan], None], *,
                 timeout: float = 3.0, startup_grace: float = 90.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._source = source
        self._apply = apply
        self._timeout = timeout
        self._grace = startup_grace
        self._clock = clock
        self._started = clock()
        self._seen_ok = False
        self._pending: _Call | None = None

    def fetch(self) -> KitStatus:
        """Call the source once, within the timeout; never raises."""
        if self._pending is not None and not self._pending.done.wait(self._timeout):
            # The previous call is still hung: don't pile up threads behind it.
            return KitStatus.unreachable()
        call = self._pending = _Call(self._source)
        if not call.done.wait(self._timeout):
            log.warning("kit status did not answer within %.1f s", self._timeout)
            return KitStatus.unreachable()
        if call.error is not None:
            log.debug("kit status failed: %r", call.error)
            return KitStatus.unreachable()
        if isinstance(call.result, KitStatus):
            return call.result
        if isinstance(call.result, Mapping):
            return KitStatus.from_mapping(call.result)
        log.warning("kit status source returned %r, not a status", type(call.result).__name__)
        return KitStatus.unreachable()

    def poll_once(self) -> LedPlan:
        """Fetch, plan and apply once; returns the plan applied."""
        status = self.fetch()
        if status.web_ok:
            self._seen_ok = True
        starting = not self._seen_ok and self._clock() - self._started < self._grace
        plan = plan_leds(status, starting=starting)
        self._apply(plan)
        return plan
