"""What the boot step applied, kept on the data partition: `applied.json`.

Slips, QR codes and the organiser page read the Wi-Fi name, password and address from here
(through webapp.config.load), never from the settings file: an edit that has not been applied
yet must not reach paper. In laptop mode, where the boot step never ran, there is no such file
and the settings are used as they are.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pi.files import write_atomic

FILE_NAME = "applied.json"
FIELDS = ("ssid", "password", "country", "mode", "address", "applied_at", "source")
# applied.json field -> setting name (webapp.config.SETTINGS) it stands in for.
OVERRIDES = {"ssid": "wifi_ssid", "password": "wifi_password", "country": "wifi_country",
             "mode": "network_mode", "address": "portal_host"}


def path(data_dir: Path) -> Path:
    return Path(data_dir) / FILE_NAME


def read(data_dir: Path) -> dict[str, Any] | None:
    """The last applied state, or None where the boot step never ran (or left no readable file)."""
    try:
        state = json.loads(path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and all(k in state for k in OVERRIDES) else None


def write(data_dir: Path, state: dict[str, Any]) -> dict[str, Any]:
    """Record what was applied (atomically; readable by the kit's services only)."""
    state = {**state, "applied_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    text = json.dumps(state, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    write_atomic(path(data_dir), text.encode("utf-8"), mode=0o640)  # it holds the Wi-Fi password
    return state


def overlay(values: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    """Settings (lower-case names) with the live Wi-Fi name, password, country, mode and address."""
    state = read(data_dir)
    if state is None:
        return values
    return {**values, **{name: state[field] for field, name in OVERRIDES.items()}}
