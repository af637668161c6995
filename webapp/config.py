"""Kit settings: defaults, then a TOML file, then what the caller passes (tests, CLI)."""
from __future__ import annotations

import os
import tomllib
from pathlib import Path

CONFIG_NAME = "venuekit.toml"

# name -> (default, help). The README's "Settings" table documents each one.
SETTINGS: dict[str, tuple[object, str]] = {
    "kit_name": ("venuekit", "the kit's name, printed on slips and shown to stewards"),
    "portal_host": ("", "the kit's address as phones reach it (e.g. 10.42.0.1); empty in laptop mode"),
    "portal_hosts": ([], "other names that mean the kit itself (e.g. venuekit.lan)"),
    "portal_release_hours": (3.0, "how long a phone hears 'online' after finishing a step"),
    "printer": ({"kind": "preview", "width": 576}, "the printer: see printer/README.md"),
}


class ConfigError(ValueError):
    """The settings file cannot be read or has a value of the wrong kind."""


def config_path(data_dir: Path) -> Path:
    """$VENUEKIT_CONFIG if set, else venuekit.toml in the data directory."""
    return Path(os.environ.get("VENUEKIT_CONFIG") or Path(data_dir) / CONFIG_NAME)


def load(data_dir: Path) -> dict:
    """Settings as Flask config keys (upper case), defaults filled in."""
    values = {name: default for name, (default, _help) in SETTINGS.items()}
    path = config_path(data_dir)
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
    return {name.upper(): value for name, value in values.items()}
