"""The kit's network in force: the settings, the kit's own secrets, then pi.netconfig's files."""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from pi import netconfig, netfiles

# What the shipped settings file says; a kit keeps its own unique name instead.
SHARED_DEFAULT_SSID = "venuekit"


@dataclass
class Applied:
    """The network the boot step put in place and the files it wrote."""

    values: dict[str, Any]            # netconfig.resolve() output
    written: list[Path] = field(default_factory=list)
    fallback: str | None = None       # why the settings' network could not be used, if so


def network_config(settings: Mapping[str, Any], *, kit_ssid: str, kit_password: str) -> dict[str, Any]:
    """The netconfig config for these settings: a unique SSID and the kit's own password
    unless the settings file names them."""
    config = netconfig.config_from_settings(settings)
    if config.get("ssid") in (None, "", SHARED_DEFAULT_SSID):
        config["ssid"] = kit_ssid
    if not config.get("password"):
        # Never an open network by accident: the kit's own first-boot password.
        config["password"] = kit_password
    return config


def choose(config: dict[str, Any], previous: Mapping[str, Any] | None,
           *, kit_ssid: str, kit_password: str) -> tuple[dict[str, Any], dict[str, Any], str | None]:
    """(config, resolved values, problem): the settings' network, else the last applied one,
    else the defaults with the kit's own name and password."""
    try:
        return config, netconfig.resolve(config), None
    except netconfig.NetConfigError as exc:
        problem = str(exc)
    candidates = []
    if previous and isinstance(previous.get("config"), dict):
        candidates.append(dict(previous["config"]))
    candidates.append({"ssid": kit_ssid, "password": kit_password})
    for fallback in candidates:
        try:
            return fallback, netconfig.resolve(fallback), problem
        except netconfig.NetConfigError:
            continue
    raise AssertionError("the default network config must always resolve")


def apply(config: dict[str, Any], root: Path) -> list[Path]:
    """Write the network files under root; on the kit itself also tell the running system."""
    written = netfiles.write_files(config, root)
    if Path(root).resolve() == Path("/"):
        _tell_live_system(netconfig.resolve(config), changed=bool(written))
    return written


def _tell_live_system(values: Mapping[str, Any], *, changed: bool) -> None:
    """Best effort, on the kit itself: the radio's country now (the modprobe file only counts
    from the next time the wireless stack loads), and NetworkManager if it already runs (a
    re-run after boot; at boot it starts after this step and reads the new files itself)."""
    if shutil.which("iw"):
        subprocess.run(["iw", "reg", "set", values["country"]], check=False, timeout=10)
    if not changed:
        return
    if shutil.which("systemctl") and subprocess.run(
            ["systemctl", "is-active", "--quiet", "NetworkManager.service"], check=False, timeout=10).returncode == 0:
        # conf.d and dispatcher changes need a restart; profiles alone would need only a reload.
        subprocess.run(["systemctl", "restart", "NetworkManager.service"], check=False, timeout=60)
