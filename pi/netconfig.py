"""The kit's own network, generated from one config: the NetworkManager profile, the extra
dnsmasq lines, the nftables rules and the hook that loads them, and the Wi-Fi country.

    resolve(config) -> the values in force                     (this module: settings and checks)
    netfiles.render(config) -> {absolute path: file text}      what the kit needs, for one mode
    netfiles.write_files(config, root) -> [paths written]      under root, skipping unchanged files
    python -m pi.netconfig --root / --settings /var/lib/venuekit/venuekit.toml ...

Three modes (see provisioning/network/README.md for which suits which room):

- ``onboard``  the Pi's own radio is the access point (wlan0); eth0 or a phone tether is the uplink.
- ``ethernet`` external access points plugged into eth0; the Pi is DHCP (1,000+ leases), DNS and
               portal on a /22; wlan0 (as a Wi-Fi client) or a phone tether is the uplink.
- ``usb``      a USB Wi-Fi radio is the access point (wlan1); eth0, wlan0 or a tether is the uplink.

NetworkManager runs dnsmasq for a profile with ``ipv4.method=shared`` and adds the lines of
/etc/NetworkManager/dnsmasq-shared.d/ to it: every DNS name answers with the kit's address
(DHCP option 114 only when an https captive_api_url is configured). nftables sends the phones'
port 80 to the web app (which runs unprivileged on port 8000) and routes nothing from the phones
anywhere else.

A leaf module: standard library only, no import of webapp or printer.
"""
from __future__ import annotations

import argparse
import ipaddress
import re
import sys
import tomllib
import urllib.parse
from pathlib import Path
from typing import Any, Iterable, Mapping


MODES = ("onboard", "ethernet", "usb")

PROFILE_ID = "venuekit-venue"
UPLINK_PROFILE_ID = "venuekit-uplink"
PROFILE_PATH = f"/etc/NetworkManager/system-connections/{PROFILE_ID}.nmconnection"
UPLINK_PROFILE_PATH = f"/etc/NetworkManager/system-connections/{UPLINK_PROFILE_ID}.nmconnection"
DNSMASQ_PATH = "/etc/NetworkManager/dnsmasq-shared.d/venuekit.conf"
NM_CONF_PATH = "/etc/NetworkManager/conf.d/90-venuekit.conf"
NFT_PATH = "/etc/nftables.d/venuekit.nft"
# The Wi-Fi regulatory country, set when the wireless stack (cfg80211) loads at boot.
COUNTRY_PATH = "/etc/modprobe.d/venuekit-wifi-country.conf"
DISPATCHER_PATH = "/etc/NetworkManager/dispatcher.d/pre-up.d/50-venuekit-firewall"
NFT_BINARY = "/usr/sbin/nft"

# Secrets (the Wi-Fi passwords) live in the profiles: NetworkManager ignores a profile that
# anyone but root can read.
FILE_MODES = {
    PROFILE_PATH: 0o600,
    UPLINK_PROFILE_PATH: 0o600,
    DISPATCHER_PATH: 0o755,
}
DEFAULT_FILE_MODE = 0o644

# NetworkManager hands out at most one /24 itself (nm_dnsmasq_utils_get_range): on a wider
# prefix our dnsmasq lines add the rest of the subnet.
NM_RANGE_PREFIX = 24

COMMON_DEFAULTS: dict[str, Any] = {
    "mode": "onboard",
    "ssid": "venuekit",
    "password": "",            # "" = an open network; else WPA2-PSK, 8-63 characters
    "country": "GB",
    "address": "10.42.0.1",    # the kit on its own network: gateway, DNS and portal
    "app_port": 8000,          # where the web app listens (unprivileged); port 80 is redirected
    # DHCP option 114 (RFC 8910), off unless set: see check_captive_api_url.
    "captive_api_url": "",
    "band": "bg",              # 2.4 GHz: every phone has it and it goes through walls
    "channel": 6,
    "uplink_ssid": "",         # optional upstream Wi-Fi the kit joins as a client (not onboard)
    "uplink_password": "",
}

# Per mode: what differs. The uplink interface is a hint for the docs and the status page;
# the firewall forwards nothing from the venue network whichever interface is the uplink.
MODE_DEFAULTS: dict[str, dict[str, Any]] = {
    "onboard": {"venue_interface": "wlan0", "uplink_interface": "eth0", "prefix": 24,
                "lease_time": "1h"},
    "ethernet": {"venue_interface": "eth0", "uplink_interface": "wlan0", "prefix": 22,
                 "lease_time": "15m"},
    "usb": {"venue_interface": "wlan1", "uplink_interface": "eth0", "prefix": 24,
            "lease_time": "1h"},
}

KEYS = tuple(COMMON_DEFAULTS) + ("venue_interface", "uplink_interface", "prefix", "lease_time",
                                 "dhcp_range", "lease_max")

# venuekit.toml names -> config keys (the web app's settings; see README "Settings").
SETTINGS_MAP = {
    "wifi_ssid": "ssid",
    "wifi_password": "password",
    "wifi_country": "country",
    "network_mode": "mode",
}


class NetConfigError(ValueError):
    """The network config cannot be turned into a working kit network."""


# -- config ----------------------------------------------------------------------------------
def defaults(mode: str = "onboard") -> dict[str, Any]:
    """Every key with its default for one mode (dhcp_range and lease_max are derived)."""
    if mode not in MODES:
        raise NetConfigError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    return {**COMMON_DEFAULTS, **MODE_DEFAULTS[mode], "mode": mode}


def resolve(config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The config with defaults for its mode filled in, checked, and the DHCP pool worked out."""
    config = dict(config or {})
    unknown = set(config) - set(KEYS)
    if unknown:
        raise NetConfigError(f"unknown network settings: {', '.join(sorted(unknown))}")
    mode = str(config.get("mode") or "onboard")
    values = {**defaults(mode), **config, "mode": mode}

    values["ssid"] = str(values["ssid"])
    if not 1 <= len(values["ssid"].encode()) <= 32:
        raise NetConfigError("the Wi-Fi name (ssid) must be 1 to 32 bytes")
    _check_psk("password", values["password"], allow_empty=True)
    if not re.fullmatch(r"[A-Z]{2}", str(values["country"])):
        raise NetConfigError("country must be a two-letter code such as GB")
    if values["band"] not in ("bg", "a"):
        raise NetConfigError("band must be bg (2.4 GHz) or a (5 GHz)")
    if not isinstance(values["channel"], int) or not 0 <= values["channel"] <= 196:
        raise NetConfigError("channel must be a Wi-Fi channel number (0 = automatic)")
    for key in ("venue_interface", "uplink_interface"):
        if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,15}", str(values[key])):
            raise NetConfigError(f"{key} must be a network interface name such as wlan0")
    if values["venue_interface"] == values["uplink_interface"]:
        raise NetConfigError("the venue and uplink interfaces must differ")
    if not isinstance(values["app_port"], int) or not 1024 <= values["app_port"] <= 65535:
        raise NetConfigError("app_port must be an unprivileged port (1024-65535)")
    if not re.fullmatch(r"\d+[smhd]?|infinite", str(values["lease_time"])):
        raise NetConfigError("lease_time must look like 15m, 1h or 3600")
    check_captive_api_url(values["captive_api_url"])

    try:
        interface = ipaddress.IPv4Interface(f"{values['address']}/{int(values['prefix'])}")
    except ValueError as exc:
        raise NetConfigError(f"address/prefix: {exc}") from exc
    if not 16 <= interface.network.prefixlen <= 30:
        raise NetConfigError("prefix must be between 16 and 30")
    if not interface.ip.is_private or interface.ip in (interface.network.network_address,
                                                       interface.network.broadcast_address):
        raise NetConfigError("address must be a private host address such as 10.42.0.1")
    values["address"] = str(interface.ip)
    values["prefix"] = interface.network.prefixlen

    if values.get("dhcp_range") in (None, ""):
        values["dhcp_range"] = ";".join(f"{a},{b}" for a, b in extra_ranges(interface))
    ranges = _parse_ranges(values["dhcp_range"], interface)
    pool = pool_size(interface, ranges)
    if values.get("lease_max") in (None, "", 0):
        values["lease_max"] = max(pool, 50)
    if not isinstance(values["lease_max"], int) or values["lease_max"] < 1:
        raise NetConfigError("lease_max must be a positive number")
    if values["mode"] == "ethernet" and min(pool, values["lease_max"]) < 1000:
        raise NetConfigError(f"ethernet mode needs 1,000 leases; this config allows "
                             f"{min(pool, values['lease_max'])}")

    if values["uplink_ssid"]:
        if values["mode"] == "onboard":
            raise NetConfigError("onboard mode: the Pi's radio is the access point, so it cannot "
                                 "also join an upstream Wi-Fi (use eth0 or a phone tether)")
        if not 1 <= len(str(values["uplink_ssid"]).encode()) <= 32:
            raise NetConfigError("uplink_ssid must be 1 to 32 bytes")
        _check_psk("uplink_password", values["uplink_password"], allow_empty=True)
        if values["uplink_interface"] == values["venue_interface"]:
            raise NetConfigError("the upstream Wi-Fi needs its own radio")
    return values


def check_captive_api_url(url: Any) -> None:
    """Refuse an option-114 URL that would stop phones finding the portal.

    RFC 8908 requires the API at an https URI and RFC 8910 discourages IP literals. A phone
    that honours option 114 (iOS 14+) uses the API instead of its classic check, and Android 16
    requires a certificate it trusts: an http URL, or an address no certificate names, would
    leave the portal unopened. Empty means option 114 is not sent at all (the default).
    """
    if url == "":
        return
    if not isinstance(url, str):
        raise NetConfigError("captive_api_url must be text: an https:// URL, or empty to leave "
                             "DHCP option 114 off")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https":
        raise NetConfigError(f"captive_api_url must be an https:// URL (RFC 8908), not {url!r}: "
                             "leave it empty to keep DHCP option 114 off (the default); phones "
                             "then find the portal through their usual checks")
    # URL characters only, less the ones dnsmasq reads as syntax: ',' (next value), '"', '#'.
    if not parts.hostname or not re.fullmatch(r"[A-Za-z0-9._~:/?&=%+@!$'()*;\[\]-]+", url):
        raise NetConfigError(f"captive_api_url must be a plain https://NAME/PATH URL, not {url!r}")
    try:
        ipaddress.ip_address(parts.hostname)
    except ValueError:
        return
    raise NetConfigError("captive_api_url must use a name, not an IP address (RFC 8910): "
                         "phones need a certificate that name carries")


def _check_psk(name: str, value: Any, *, allow_empty: bool) -> None:
    value = str(value)
    if value == "" and allow_empty:
        return
    if re.fullmatch(r"[0-9A-Fa-f]{64}", value):
        return
    if not 8 <= len(value) <= 63 or not all(" " <= ch <= "~" for ch in value):
        raise NetConfigError(f"{name} must be empty (an open network) or 8 to 63 printable "
                             "ASCII characters (WPA2)")


def extra_ranges(interface: ipaddress.IPv4Interface) -> list[tuple[str, str]]:
    """The parts of the subnet outside the /24 that NetworkManager's own range covers."""
    network = interface.network
    if network.prefixlen >= NM_RANGE_PREFIX:
        return []
    own = ipaddress.IPv4Network(f"{interface.ip}/{NM_RANGE_PREFIX}", strict=False)
    ranges = []
    first_host = network.network_address + 1
    last_host = network.broadcast_address - 1
    if own.network_address > first_host:
        ranges.append((str(first_host), str(own.network_address - 1)))
    if own.broadcast_address < last_host:
        # Skip the x.y.z.0 right after NM's /24: some old clients dislike a .0 host address.
        ranges.append((str(own.broadcast_address + 2), str(last_host)))
    return ranges


def nm_range(interface: ipaddress.IPv4Interface) -> tuple[str, str]:
    """The range NetworkManager itself passes to dnsmasq (a port of nm_dnsmasq_utils_get_range)."""
    prefix = min(max(interface.network.prefixlen, NM_RANGE_PREFIX), 30)
    net = ipaddress.IPv4Network(f"{interface.ip}/{prefix}", strict=False)
    mask = int(net.netmask)
    host = int(interface.ip)
    if host == host & mask:
        host += 1
    elif host == host | (~mask & 0xFFFFFFFF):
        host -= 1
    first = (host & mask) + 1
    last = (host | (~mask & 0xFFFFFFFF)) - 1
    mid = (host & mask) | (((first + last) // 2) & (~mask & 0xFFFFFFFF))
    if host > mid:
        reserved = min((host - first) // 10, 8)
        last = host - 1 - reserved
        first = max(first, last - 256 if last > 256 else 0)
    else:
        reserved = min((last - host) // 10, 8)
        first = host + 1 + reserved
        last = min(last, first + 256)
    return str(ipaddress.IPv4Address(first)), str(ipaddress.IPv4Address(last))


def _parse_ranges(text: str, interface: ipaddress.IPv4Interface) -> list[tuple[str, str]]:
    ranges = []
    for part in filter(None, (p.strip() for p in str(text).split(";"))):
        try:
            first, last = (ipaddress.IPv4Address(a.strip()) for a in part.split(","))
        except ValueError as exc:
            raise NetConfigError(f"dhcp_range {part!r}: want FIRST,LAST[;FIRST,LAST]") from exc
        if first > last or first not in interface.network or last not in interface.network:
            raise NetConfigError(f"dhcp_range {part!r} must lie inside {interface.network}")
        if interface.ip in (first, last) or first < interface.ip < last:
            raise NetConfigError(f"dhcp_range {part!r} must not include the kit's own address")
        ranges.append((str(first), str(last)))
    return ranges


def pool_size(interface: ipaddress.IPv4Interface, ranges: Iterable[tuple[str, str]]) -> int:
    """How many addresses phones can lease: NetworkManager's range plus ours (no overlaps)."""
    addresses: set[int] = set()
    for first, last in [nm_range(interface), *ranges]:
        addresses.update(range(int(ipaddress.IPv4Address(first)), int(ipaddress.IPv4Address(last)) + 1))
    addresses.discard(int(interface.ip))
    return len(addresses)


def config_from_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """A network config from venuekit.toml values (the web app's settings).

    wifi_ssid, wifi_password, wifi_country and network_mode map onto ssid, password, country
    and mode; portal_host, when it is an IPv4 address, is the kit's address; a [network] table
    may set any other key (e.g. channel, venue_interface). Other settings are not ours.
    """
    config: dict[str, Any] = {}
    for name, key in SETTINGS_MAP.items():
        if name in settings:
            config[key] = settings[name]
    host = settings.get("portal_host")
    if host:
        try:
            config["address"] = str(ipaddress.IPv4Address(host))
        except ValueError:
            pass  # a name such as venuekit.lan: the address stays the default
    table = settings.get("network")
    if isinstance(table, Mapping):
        config.update(table)
    return config


def load_settings(paths: Iterable[Path]) -> dict[str, Any]:
    """Merge settings files in order (later files win; missing files are skipped)."""
    merged: dict[str, Any] = {}
    for path in paths:
        path = Path(path)
        if not path.exists():
            continue
        try:
            # Notepad starts a UTF-8 file with a byte-order mark, which TOML does not allow.
            loaded = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise NetConfigError(f"cannot read settings file {path}: {exc}") from exc
        for name, value in loaded.items():
            if isinstance(value, dict) and isinstance(merged.get(name), dict):
                merged[name] = {**merged[name], **value}
            else:
                merged[name] = value
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pi.netconfig",
        description="Write the kit's network files (NetworkManager profile, dnsmasq lines, "
                    "nftables rules) from venuekit.toml settings. Prints the files it wrote.")
    parser.add_argument("--root", default="/", help="install under this directory (default /)")
    parser.add_argument("--settings", action="append", default=[], type=Path, metavar="FILE",
                        help="a venuekit.toml to read; repeat it, later files win; missing files are skipped")
    parser.add_argument("--mode", choices=MODES, help="override network_mode")
    parser.add_argument("--print", action="store_true", dest="show",
                        help="print the files instead of writing them")
    parser.add_argument("--print-address", action="store_true",
                        help="print only the kit's address on the venue network (its portal_host)")
    args = parser.parse_args(argv)
    from .netfiles import file_mode, render, write_files

    try:
        config = config_from_settings(load_settings(args.settings))
        if args.mode:
            config["mode"] = args.mode
        if args.print_address:
            print(resolve(config)["address"])
            return 0
        if args.show:
            for path, text in render(config).items():
                print(f"==> {path} (mode {file_mode(path):o})\n{text}")
            return 0
        for path in write_files(config, Path(args.root)):
            print(path)
    except NetConfigError as exc:
        print(f"netconfig: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"netconfig: cannot write under {args.root}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    # Run as the imported module, not as __main__: pi.netfiles raises pi.netconfig's errors.
    from pi import netconfig

    sys.exit(netconfig.main())
