"""Kit settings: defaults, then DATA/venuekit.toml (written on the kit), then $VENUEKIT_CONFIG
(on a Pi: /boot/firmware/venuekit.toml, which an organiser may edit before first boot)."""
from __future__ import annotations

import os
import tomllib
from pathlib import Path

CONFIG_NAME = "venuekit.toml"

# name -> (default, help). The README's "Settings" table documents each one.
SETTINGS: dict[str, tuple[object, str]] = {
    "kit_name": ("venuekit", "the kit's name, printed on slips and shown to stewards"),
    "wifi_ssid": ("venuekit", "the Wi-Fi name the kit raises (printed on cards)"),
    "wifi_password": ("", "the Wi-Fi password; empty for an open network"),
    "wifi_country": ("GB", "the Wi-Fi regulatory country"),
    "network_mode": ("onboard", "onboard, ethernet or usb: see Networking"),
    "network": ({}, "advanced network settings (channel, interfaces, addresses): see Networking"),
    "hub_url": ("", "the hub's address, filled in on the organiser's Sync page"),
    "slips_per_group": (6, "ballot slips printed after each group card"),
    "web_port": (8000, "the port the web app listens on (the buttons service asks it for status)"),
    "buttons": ({}, "buttons and lights: pins and timings, see pi/config.py"),
    "shutdown_command": (["systemctl", "poweroff"], "what a 5-second press of the Power button runs"),
    "portal_host": ("", "the kit's address as phones reach it (e.g. 10.42.0.1); empty in laptop mode"),
    "portal_hosts": ([], "other names that mean the kit itself (e.g. venuekit.lan)"),
    "portal_release_hours": (3.0, "how long a phone hears 'online' after finishing a step"),
    "printer": ({"kind": "preview", "width": 576}, "the printer: see printer/README.md"),
}


class ConfigError(ValueError):
    """The settings file cannot be read or has a value of the wrong kind."""


def config_paths(data_dir: Path) -> list[Path]:
    """The settings files in the order they apply: later ones win."""
    paths = [Path(data_dir) / CONFIG_NAME]
    if os.environ.get("VENUEKIT_CONFIG"):
        paths.append(Path(os.environ["VENUEKIT_CONFIG"]))
    return paths


def load(data_dir: Path) -> dict:
    """Settings as Flask config keys (upper case), defaults filled in."""
    values = {name: default for name, (default, _help) in SETTINGS.items()}
    for path in config_paths(data_dir):
        for name, value in read_file(path).items():
            # A table such as [printer] fills in keys; the rest keep their earlier values.
            values[name] = {**values[name], **value} if isinstance(value, dict) else value
    return {name.upper(): value for name, value in values.items()}


def read_file(path: Path) -> dict:
    """One settings file, checked: unknown names and wrong kinds are errors."""
    values: dict = {}
    if path.exists():
        try:
            with path.open("rb") as handle:
                loaded = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read settings file {path}: {exc}") from exc
        unknown = set(loaded) - set(SETTINGS)
        if unknown:
            raise ConfigError(f"unknown settings in {path}: {', '.join(sorted(unknown))}")
        for name, value in loaded.items():
            default = SETTINGS[name][0]
            if not isinstance(value, type(default)) and not (isinstance(default, float) and isinstance(value, int)):
                raise ConfigError(f"{name} in {path} must be a {type(default).__name__}")
            values[name] = value
    return values
