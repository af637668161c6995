"""The kit's health at a glance, for the status lights and the steward page."""
from __future__ import annotations

import glob
import time
from datetime import datetime, timedelta, timezone

from webapp.storage import Store
from webapp.sync import state as sync_state

# A spooler or sync worker that has not reported for this long is taken to be down.
STALE_AFTER = timedelta(seconds=90)
PRINTER_STATES = ("ok", "fault", "paper_out", "unknown")


def _setting(store: Store, name: str) -> str | None:
    return store.scalar("SELECT value FROM settings WHERE name = ?", [name])


def report(store: Store, prefix: str, **values: str | None) -> None:
    """A background service (spooler, sync worker) records its state and a heartbeat."""
    values["seen_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with store.write() as db:
        for name, value in values.items():
            key = f"{prefix}.{name}"
            if value is None:
                db.execute("DELETE FROM settings WHERE name = ?", [key])
            else:
                db["settings"].upsert({"name": key, "value": str(value)}, pk="name")


def _fresh(store: Store, prefix: str) -> bool:
    seen = _setting(store, f"{prefix}.seen_at")
    if not seen:
        return False
    return datetime.now(timezone.utc) - datetime.fromisoformat(seen) < STALE_AFTER


def printer_state(store: Store) -> dict:
    """What the print spooler last said; 'fault' if it has stopped reporting."""
    state = _setting(store, "printer.state") or "unknown"
    if state not in PRINTER_STATES:
        state = "unknown"
    if state != "unknown" and not _fresh(store, "printer"):
        return {"state": "fault", "error": "the print spooler is not running"}
    return {"state": state, "error": _setting(store, "printer.error")}


LEASE_FILES = "/var/lib/NetworkManager/dnsmasq-*.leases"


def phones_with_addresses(pattern: str = LEASE_FILES, now: float | None = None) -> int | None:
    """Phones holding a DHCP lease from the kit (dnsmasq's lease files); None off a kit."""
    files = glob.glob(pattern)
    if not files:
        return None
    now = time.time() if now is None else now
    count = 0
    for path in files:
        try:
            with open(path) as handle:
                for line in handle:
                    fields = line.split()
                    # "expiry mac ip hostname client-id"; expiry 0 means an infinite lease.
                    if len(fields) >= 3 and fields[0].isdigit() and (int(fields[0]) == 0 or int(fields[0]) > now):
                        count += 1
        except OSError:
            continue
    return count


def uplink_state(store: Store) -> dict:
    """What the sync worker's uplink watch last saw, for the steward page."""
    online = _setting(store, "uplink.online") == "1" and _fresh(store, "uplink")
    return {"online": online, "interface": _setting(store, "uplink.interface") or "",
            "reason": _setting(store, "uplink.reason") or "", "known": _setting(store, "uplink.seen_at") is not None}


def sync_light(store: Store) -> str:
    """idle (no hub), synced, syncing (records moving) or waiting (records stuck)."""
    st = sync_state.load(store)
    if not st.enrolled:
        return "idle"
    if sync_state.waiting(store) == 0:
        return "synced"
    return "waiting" if st.last_error else "syncing"


def printer_light(store: Store) -> str:
    """The spooler's printer state, "ok" only when its probe found the printer there lately."""
    state = printer_state(store)["state"]
    if state != "ok":
        return state
    if not _fresh(store, "printer_probe"):
        return "unknown"  # no recent probe: nothing says a printer answers
    return "ok" if _setting(store, "printer_probe.state") == "ok" else "fault"


def snapshot(store: Store) -> dict:
    """The status the buttons service turns into lights (see pi/status.py and pi/leds.py).

    settings, storage and clock are what the boot step, the disk watch and the clock service
    last reported ("unknown" until they have).
    """
    return {
        "web_ok": True,
        "printer": printer_light(store),
        "uplink": uplink_state(store)["online"],
        "sync": sync_light(store),
        "settings": _setting(store, "settings.state") or "unknown",
        "storage": _setting(store, "storage.state") or "unknown",
        "clock": _setting(store, "clock.state") or "unknown",
    }
