"""Kit settings: defaults, then DATA/venuekit.toml (written on the kit), then $VENUEKIT_CONFIG
(on a Pi: /boot/firmware/venuekit.toml, which an organiser may edit before first boot)."""
from __future__ import annotations

import os
from pathlib import Path

CONFIG_NAME = "venuekit.toml"

# name -> (default, help). The README's "Settings" table documents each one.
SETTINGS: dict[str, tuple[object, str]] = {
    "kit_name": ("", "the kit's name, printed on slips and shown to stewards; empty: venuekit- and its id"),
    "wifi_ssid": ("venuekit", "the Wi-Fi name the kit raises; left at venuekit, each kit raises venuekit- and its id"),
    "wifi_password": ("", "the Wi-Fi password (8-63 characters); empty: the kit's own, made at its first boot"),
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
    "uplinks": ({"manager": "nmcli", "root": "/"},
                "how the Getting results out page reaches NetworkManager (nmcli or fake) and where /sys and /media are"),
    "storage_reserve_mb": (64, "room kept back on the data partition for ballots when the card fills up"),
}


def config_paths(data_dir: Path) -> list[Path]:
    """The settings files in the order they apply: later ones win."""
    paths = [Path(data_dir) / CONFIG_NAME]
    if os.environ.get("VENUEKIT_CONFIG"):
        paths.append(Path(os.environ["VENUEKIT_CONFIG"]))
    return paths


def load(data_dir: Path) -> dict:
    """Settings as Flask config keys (upper case), defaults filled in."""
    from webapp.boot import settings_file

    # Never stops a service on a bad file: bad values fall back to the last good ones (the
    # boot step records and prints what was wrong).
    values = settings_file.read_settings(config_paths(data_dir), settings_file.read_last_good(data_dir)).values
    from webapp.boot import applied

    # What is printed is what is live: the network the boot step applied, not a later edit.
    values = applied.overlay(values, Path(data_dir))
    return {name.upper(): value for name, value in values.items()}
