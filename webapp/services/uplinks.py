"""The ways a venue can give the kit internet, as the organiser page lists them.

Three kinds, each looked up where it lives:

- the venue's Wi-Fi, joined through NetworkManager (pi/netmanager.py) on a Wi-Fi radio that is
  not the one serving phones (in `onboard` mode with only the Pi's own radio there is none);
- a phone sharing its connection over USB (an interface whose driver is RNDIS, CDC Ethernet/NCM
  or ipheth, found in sysfs);
- an Ethernet cable (carrier in sysfs), unless the Ethernet port is the phones' network
  (`ethernet` mode).

sysfs is read under a root directory (`[uplinks] root`), so tests make a pretend /sys tree.
Whether the kit is online, and through which interface, is what the sync worker's uplink watch
last recorded (webapp/sync/uplink_watch.py); that watch also starts sync when an uplink appears.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from pi.netconfig import MODE_DEFAULTS
from pi.netmanager import NetworkManager, NmError, Radio, WifiNetwork
from pi.uplink import interface_kind

SYSFS_NET = "sys/class/net"


def venue_interface(settings: Mapping) -> str:
    """The interface serving phones, from network_mode and [network] (Flask config keys)."""
    mode = settings.get("NETWORK_MODE", "onboard")
    network = settings.get("NETWORK") or {}
    default = MODE_DEFAULTS.get(mode, MODE_DEFAULTS["onboard"])["venue_interface"]
    return str(network.get("venue_interface") or default)


@dataclass
class Link:
    """One wired interface (a tethered phone or an Ethernet port) as sysfs shows it."""

    interface: str
    kind: str            # "tether" or "ethernet"
    carrier: bool        # a cable, or a phone that is sharing
    serves_phones: bool  # the venue network itself: never an uplink
    driver: str


@dataclass
class WifiChoice:
    """The Wi-Fi side: radios free to join the venue's Wi-Fi, or why there are none."""

    free: list[Radio] = field(default_factory=list)
    serving: list[Radio] = field(default_factory=list)
    networks: dict[str, list[WifiNetwork]] = field(default_factory=dict)
    error: str | None = None


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def wired_links(root: Path, venue: str) -> list[Link]:
    """Tethered phones and Ethernet ports, from sysfs under `root`."""
    sysfs = Path(root) / SYSFS_NET
    links = []
    try:
        names = sorted(p.name for p in sysfs.iterdir())
    except OSError:
        return links
    for name in names:
        kind = interface_kind(name, sysfs)
        if kind not in ("tether", "ethernet"):
            continue
        try:
            driver = (sysfs / name / "device" / "driver").resolve().name if (sysfs / name / "device").exists() else ""
        except OSError:
            driver = ""
        links.append(Link(name, kind, _read(sysfs / name / "carrier") == "1", name == venue, driver))
    return links


def wifi_choice(nm: NetworkManager, venue: str, *, rescan: bool = False) -> WifiChoice:
    """Radios that may join the venue's Wi-Fi (never the one serving phones) and what they see."""
    choice = WifiChoice()
    try:
        radios = nm.wifi_radios()
    except NmError as exc:
        choice.error = str(exc)
        return choice
    for radio in radios:
        (choice.serving if radio.device == venue else choice.free).append(radio)
    for radio in choice.free:
        try:
            choice.networks[radio.device] = nm.networks(radio.device, rescan=rescan)
        except NmError as exc:
            choice.error = str(exc)
            choice.networks[radio.device] = []
    return choice


def check_join(nm: NetworkManager, venue: str, device: str, ssid: str, password: str) -> None:
    """Join `ssid` on `device`; ValueError (with a stable code as its message) if not allowed.

    The phones' radio is refused: joining another network on it would take the kit's own
    Wi-Fi away from every phone in the room.
    """
    if device == venue:
        raise ValueError("serves_phones")
    if device not in {r.device for r in nm.wifi_radios()}:
        raise ValueError("no_radio")
    if not 1 <= len(ssid.encode("utf-8")) <= 32 or any(ord(c) < 32 for c in ssid):
        raise ValueError("bad_ssid")
    if password and not (8 <= len(password) <= 63 or (len(password) == 64 and all(
            c in "0123456789abcdefABCDEF" for c in password))):
        raise ValueError("bad_password")
    nm.join(device, ssid, password)
