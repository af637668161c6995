"""Does the kit have internet, and through what?

The kit's own network (the venue interface) never counts: its phones are not the internet.
An uplink is any other interface with a default route — eth0 at a venue with a cable, a phone
tethered over USB (usb0, enx…), or an upstream Wi-Fi the kit joined as a client — and, when a
hub is configured, a short TCP connect to it proves the route actually leads somewhere.

    status = check_uplink(venue_interface="wlan0", hub="https://hub.example.org")
    status.online, status.interface, status.kind, status.reason, status.as_dict()

Every edge is injectable (the route reader, the sysfs root, the connector, the clock), so
tests never touch the internet. A leaf module: standard library only.
"""
from __future__ import annotations

import json
import socket
import subprocess
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Mapping
from urllib.parse import urlsplit

ROUTE_TABLE = Path("/proc/net/route")
SYSFS_NET = Path("/sys/class/net")
CONNECT_TIMEOUT_S = 3.0

# USB network drivers a phone uses when it shares its connection (Android: RNDIS or NCM;
# iPhone: ipheth).
TETHER_DRIVERS = {"rndis_host", "cdc_ether", "cdc_ncm", "cdc_eem", "ipheth", "huawei_cdc_ncm"}

Runner = Callable[[list[str]], str]
RouteSource = Callable[[], list[dict]]
Connector = Callable[[str, int, float], None]


@dataclass(frozen=True)
class Route:
    interface: str
    gateway: str | None
    metric: int


@dataclass(frozen=True)
class UplinkStatus:
    online: bool
    interface: str | None   # the uplink's interface, None when there is no default route
    kind: str | None        # "ethernet", "wifi", "tether", "mobile" or "other"
    checked_at: str         # ISO 8601, UTC
    reason: str             # one line a steward can read
    hub_reachable: bool | None = None  # None when no hub was checked

    def as_dict(self) -> dict:
        return asdict(self)


# -- routes ----------------------------------------------------------------------------------
def _run_ip(args: list[str]) -> str:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=5, check=True)
    return done.stdout


def routes_from_ip(run: Runner = _run_ip) -> list[Route]:
    """IPv4 default routes from `ip -j route show default`."""
    data = json.loads(run(["-j", "-4", "route", "show", "default"]) or "[]")
    routes = []
    for entry in data:
        if entry.get("dst") != "default" or not entry.get("dev"):
            continue
        flags = entry.get("flags") or []
        if "linkdown" in flags or "dead" in flags:
            continue
        if entry.get("type", "unicast") != "unicast":
            continue  # blackhole, unreachable, prohibit: a default route that goes nowhere
        routes.append(Route(entry["dev"], entry.get("gateway"), int(entry.get("metric", 0))))
    return routes


def routes_from_proc(route_table: Path = ROUTE_TABLE) -> list[Route]:
    """IPv4 default routes from /proc/net/route (no `ip` binary needed)."""
    routes = []
    try:
        lines = route_table.read_text().splitlines()[1:]
    except OSError:
        return routes
    for line in lines:
        cols = line.split()
        # Iface Destination Gateway Flags RefCnt Use Metric Mask ...; flag 0x1 is RTF_UP.
        if len(cols) < 8 or cols[1] != "00000000" or cols[7] != "00000000":
            continue
        try:
            if not int(cols[3], 16) & 0x1:
                continue
            gateway = socket.inet_ntoa(int(cols[2], 16).to_bytes(4, "little"))
            routes.append(Route(cols[0], None if gateway == "0.0.0.0" else gateway, int(cols[6])))
        except ValueError:
            continue
    return routes


def default_routes(run: Runner = _run_ip, route_table: Path = ROUTE_TABLE) -> list[Route]:
    try:
        return routes_from_ip(run)
    except (OSError, subprocess.SubprocessError, ValueError):
        return routes_from_proc(route_table)


def interface_kind(interface: str, sysfs: Path = SYSFS_NET) -> str:
    """What an interface is, from sysfs: wifi, tether (a phone over USB), mobile, ethernet."""
    base = sysfs / interface
    if (base / "wireless").exists() or (base / "phy80211").exists():
        return "wifi"
    try:
        driver = (base / "device" / "driver").resolve().name
    except OSError:
        driver = ""
    if driver in TETHER_DRIVERS:
        return "tether"
    if interface.startswith(("wwan", "ppp")) or driver in {"qmi_wwan", "cdc_mbim", "option"}:
        return "mobile"
    if interface.startswith(("usb", "rndis")):
        return "tether"
    if interface.startswith(("eth", "en")):
        return "ethernet"
    return "other"


def pick_uplink(routes: Iterable[Route], exclude: Iterable[str] = ()) -> Route | None:
    """The default route the kernel would use, ignoring the kit's own network interfaces."""
    excluded = set(exclude)
    candidates = [r for r in routes if r.interface not in excluded and r.interface != "lo"]
    return min(candidates, key=lambda r: r.metric) if candidates else None


# -- the hub ---------------------------------------------------------------------------------
def hub_endpoint(hub: str | tuple[str, int] | None) -> tuple[str, int] | None:
    """(host, port) from a hub URL such as https://hub.example.org, or a (host, port) pair."""
    if not hub:
        return None
    if isinstance(hub, tuple):
        return hub[0], int(hub[1])
    parts = urlsplit(hub if "://" in hub else f"https://{hub}")
    if not parts.hostname:
        return None
    port = parts.port or (80 if parts.scheme == "http" else 443)
    return parts.hostname, port


def tcp_connect(host: str, port: int, timeout: float) -> None:
    with socket.create_connection((host, port), timeout=timeout):
        pass


def _now_iso(clock: Callable[[], float]) -> str:
    return datetime.fromtimestamp(clock(), timezone.utc).isoformat(timespec="seconds")


def check_uplink(*, venue_interface: str | Iterable[str] = "wlan0",
                 hub: str | tuple[str, int] | None = None,
                 routes: RouteSource | None = None,
                 connect: Connector = tcp_connect,
                 sysfs: Path = SYSFS_NET,
                 timeout: float = CONNECT_TIMEOUT_S,
                 clock: Callable[[], float] = time.time) -> UplinkStatus:
    """The kit's uplink now: a default route not on the venue network, and the hub answering.

    Without a hub, a default route counts as online (nothing else is checked). With a hub, the
    kit is online only when a TCP connection to it opens within `timeout` seconds.
    """
    venue = {venue_interface} if isinstance(venue_interface, str) else set(venue_interface)
    checked_at = _now_iso(clock)
    found = (routes or default_routes)()
    route = pick_uplink(found, exclude=venue)
    if route is None:
        reason = "no uplink: no default route besides the kit's own network"
        return UplinkStatus(False, None, None, checked_at, reason)
    kind = interface_kind(route.interface, sysfs)
    via = f"{route.interface} ({kind})"
    endpoint = hub_endpoint(hub)
    if endpoint is None:
        return UplinkStatus(True, route.interface, kind, checked_at, f"default route via {via}; no hub to check")
    host, port = endpoint
    try:
        connect(host, port, timeout)
    except OSError as exc:
        detail = exc.strerror or exc.__class__.__name__
        if isinstance(exc, socket.timeout):
            detail = f"no answer within {timeout:g} s"
        return UplinkStatus(False, route.interface, kind, checked_at,
                            f"route via {via}, but the hub {host}:{port} is unreachable: {detail}",
                            hub_reachable=False)
    return UplinkStatus(True, route.interface, kind, checked_at,
                        f"online via {via}; hub {host}:{port} answers", hub_reachable=True)


def status_for_settings(settings: Mapping, **kwargs) -> UplinkStatus:
    """check_uplink() for venuekit.toml values: network_mode decides the venue interface."""
    from .netconfig import MODE_DEFAULTS  # standard library only, no cycle

    mode = settings.get("network_mode", "onboard")
    network = settings.get("network") if isinstance(settings.get("network"), Mapping) else {}
    venue = network.get("venue_interface") or MODE_DEFAULTS.get(mode, MODE_DEFAULTS["onboard"])["venue_interface"]
    kwargs.setdefault("hub", settings.get("hub_url") or None)
    return check_uplink(venue_interface=venue, **kwargs)
