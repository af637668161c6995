"""Watch the kit's uplink: report it for the status light, and wake sync when it comes back."""
from __future__ import annotations

import logging
import threading
from typing import Callable

from pi.uplink import UplinkStatus, status_for_settings

from webapp.services import kit_status
from webapp.storage import Store
from webapp.sync import state as sync_state

log = logging.getLogger(__name__)
EVERY_S = 15.0


def watch(store: Store, settings: dict, stop: threading.Event, wake: threading.Event, *,
          every_s: float = EVERY_S, check: Callable[..., UplinkStatus] = status_for_settings) -> None:
    """Until `stop`: check the uplink, record it, and set `wake` when it goes from down to up."""
    was_online: bool | None = None
    lower = {name.lower(): value for name, value in settings.items()}
    while not stop.is_set():
        lower["hub_url"] = sync_state.load(store).hub_url or lower.get("hub_url") or ""
        try:
            status = check(lower)
            online, interface, reason = status.online, status.interface or "", status.reason
        except Exception as exc:  # noqa: BLE001 - a failed check means offline, never a crash
            online, interface, reason = False, "", f"uplink check failed: {exc}"
        kit_status.report(store, "uplink", online="1" if online else "0", interface=interface, reason=reason)
        if online and was_online is False:
            log.info("uplink is back (%s): syncing now", interface)
            wake.set()
        was_online = online
        stop.wait(every_s)
