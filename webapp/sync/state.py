"""The kit's sync settings and progress, kept in its settings table.

`key` is only ever set on a kit enrolled before kits had their own key pairs: the shared secret
it signs with until its first sync registers its public key (see signing.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from webapp.storage import Store

from .identity import kit_name

KEYS = ("hub_url", "kit_id", "key", "checkpoint", "last_success", "last_error", "last_attempt", "hub_assembly",
        "combined", "combined_at", "hub_offset")


@dataclass
class SyncState:
    hub_url: str | None
    kit_id: str | None
    key: str | None
    checkpoint: int | None
    last_success: str | None
    last_error: str | None
    last_attempt: str | None
    hub_assembly: str | None
    combined: str | None
    combined_at: str | None
    hub_offset: str | None  # seconds to add to the kit's clock to get the hub's (see client.py)

    @property
    def enrolled(self) -> bool:
        return bool(self.hub_url and self.kit_id)


def load(store: Store) -> SyncState:
    rows = {r["name"][5:]: r["value"] for r in store.query("SELECT name, value FROM settings WHERE name LIKE 'sync.%'")}
    checkpoint = rows.get("checkpoint")
    return SyncState(**{k: rows.get(k) for k in KEYS if k != "checkpoint"},
                     checkpoint=int(checkpoint) if checkpoint is not None else None)


def save(store: Store, **values: object) -> None:
    """Set (or, with None, clear) sync settings in one write."""
    with store.write() as db:
        save_in(db, **values)


def save_in(db, **values: object) -> None:
    """`save` inside a write the caller holds (to change other settings in the same transaction)."""
    for name, value in values.items():
        if name not in KEYS:
            raise KeyError(name)
        if value is None:
            db.execute("DELETE FROM settings WHERE name = ?", [f"sync.{name}"])
        else:
            db["settings"].upsert({"name": f"sync.{name}", "value": str(value)}, pk="name")


def combined_results(store: Store) -> dict | None:
    """The hub's combined results as last pulled, if they are for the current round's key (for
    the projector after the reveal)."""
    import json

    from webapp.services import assembly

    text = load(store).combined
    combined = json.loads(text) if text else None
    if combined is None or combined.get("round_key", "round-1") != assembly.get(store)["round_key"]:
        return None
    return combined


def waiting(store: Store) -> int:
    """Records in the outbox the hub has not acknowledged yet."""
    checkpoint = load(store).checkpoint or 0
    return store.scalar("SELECT count(*) FROM outbox WHERE seq > ?", [checkpoint])


def summary(store: Store, configured_name: str = "") -> dict:
    """What the steward page shows: the kit's name, hub, last successful sync, records waiting,
    last error. `configured_name` is `kit_name` from the settings file."""
    state = load(store)
    return {
        "kit_name": kit_name(store, configured_name),
        "enrolled": state.enrolled,
        "hub_url": state.hub_url,
        "last_success": state.last_success,
        "last_attempt": state.last_attempt,
        "last_error": state.last_error,
        "waiting": waiting(store),
    }
