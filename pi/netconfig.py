"""The kit's own network, generated from one config: the NetworkManager profile, the extra
dnsmasq lines, the nftables rules and the hook that loads them, and the Wi-Fi country.

    render(config) -> {absolute path: file text}      what the kit needs, for one mode
    write_files(config, root) -> [paths written]      install under root, skipping unchanged files
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
import uuid
from pathlib import Path
from typing import Any, Iterable, Mapping

from .files import write_atomic

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


# -- keyfile writing -------------------------------------------------------------------------
def keyfile_string(value: str) -> str:
    """A GKeyFile string value: backslash escapes, and a leading space kept as \\s."""
    out = (value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")
           .replace("\r", "\\r"))
    if out.startswith(" "):
        out = "\\s" + out[1:]
    return out


def keyfile_ssid(ssid: str) -> str:
    """An SSID as NetworkManager's keyfile reads it: plain ASCII text, or a list of bytes
    (always for non-ASCII names, and for names with ';', the keyfile list separator)."""
    if all(" " <= ch <= "~" for ch in ssid) and ";" not in ssid:
        return keyfile_string(ssid)
    return "".join(f"{byte};" for byte in ssid.encode("utf-8"))


def _section(name: str, items: Iterable[tuple[str, Any]]) -> str:
    lines = [f"[{name}]"]
    for key, value in items:
        if isinstance(value, bool):
            value = "true" if value else "false"
        lines.append(f"{key}={value}")
    return "\n".join(lines) + "\n"


def _uuid(name: str) -> str:
    # Stable across runs, so rewriting an unchanged profile changes nothing.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"venuekit:{name}"))


HEADER = "generated by venuekit (pi/netconfig.py) from venuekit.toml: edit that, not this file"


def render_profile(values: Mapping[str, Any]) -> str:
    """The venue network's NetworkManager keyfile: an access point, or a wired port, shared."""
    wired = values["mode"] == "ethernet"
    parts = [f"# {HEADER}\n" + _section("connection", [
        ("id", PROFILE_ID),
        # A new uuid when the type changes: NetworkManager cannot change a profile's type.
        ("uuid", _uuid(f"{PROFILE_ID}:{'ethernet' if wired else 'wifi'}")),
        ("type", "ethernet" if wired else "wifi"),
        ("interface-name", values["venue_interface"]),
        ("autoconnect", True),
        ("autoconnect-priority", 100),
        # Keep retrying: a USB radio may appear late, and the venue network is the kit's job.
        ("autoconnect-retries", 0),
    ])]
    if wired:
        parts.append(_section("ethernet", []))
    else:
        parts.append(_section("wifi", [
            ("mode", "ap"),
            ("ssid", keyfile_ssid(values["ssid"])),
            ("band", values["band"]),
            *([("channel", values["channel"])] if values["channel"] else []),
            ("hidden", False),
            # NM_SETTING_WIRELESS_POWERSAVE_DISABLE: the Pi's radio drops clients when it dozes.
            ("powersave", 2),
        ]))
        if values["password"]:
            parts.append(_section("wifi-security", [
                ("key-mgmt", "wpa-psk"),
                ("proto", "rsn"),
                ("pairwise", "ccmp"),
                ("group", "ccmp"),
                # NM_SETTING_WIRELESS_SECURITY_PMF_DISABLE: the Pi's firmware has no PMF in AP mode.
                ("pmf", 1),
                ("psk", keyfile_string(values["password"])),
            ]))
    parts.append(_section("ipv4", [
        ("method", "shared"),
        ("address1", f"{values['address']}/{values['prefix']}"),
        ("never-default", True),
    ]))
    # IPv4 only: every phone request must reach the kit's address through DNS and the redirect.
    parts.append(_section("ipv6", [("method", "disabled"), ("addr-gen-mode", "default")]))
    return "\n".join(parts)


def render_uplink_profile(values: Mapping[str, Any]) -> str:
    """An optional upstream Wi-Fi the kit joins as a client (ethernet and usb modes)."""
    parts = [f"# {HEADER}\n" + _section("connection", [
        ("id", UPLINK_PROFILE_ID),
        ("uuid", _uuid(UPLINK_PROFILE_ID)),
        ("type", "wifi"),
        ("interface-name", values["uplink_interface"]),
        ("autoconnect", True),
        ("autoconnect-priority", 10),
    ]), _section("wifi", [("mode", "infrastructure"), ("ssid", keyfile_ssid(values["uplink_ssid"]))])]
    if values["uplink_password"]:
        parts.append(_section("wifi-security", [
            ("key-mgmt", "wpa-psk"),
            ("psk", keyfile_string(values["uplink_password"])),
        ]))
    parts.append(_section("ipv4", [("method", "auto")]))
    parts.append(_section("ipv6", [("method", "auto"), ("addr-gen-mode", "default")]))
    return "\n".join(parts)


def render_dnsmasq(values: Mapping[str, Any]) -> str:
    """Extra lines for the dnsmasq NetworkManager runs for the shared profile."""
    address = values["address"]
    lease = values["lease_time"]
    lines = [
        f"# {HEADER}",
        "# NetworkManager starts dnsmasq for the kit's shared network with its own options",
        "# (listen-address, bind-interfaces, one dhcp-range of up to a /24 with 60m leases)",
        "# and adds these lines.",
        "",
        "# DNS: every name is the kit, so phones' connectivity checks and typed addresses reach",
        "# the portal. No upstream servers: the phones' network never resolves the internet.",
        "no-resolv",
        "no-hosts",
        f"address=/#/{address}",
        "# Every other question (AAAA, HTTPS records ...) gets a quick empty answer, not REFUSED.",
        "local=/#/",
        "",
        *_option_114_lines(values["captive_api_url"]),
        "",
        "# DHCP: answer at once after a reboot (the kit is the only server on this network),",
        f"# every lease {lease} (the wildcard host entry sets it for NetworkManager's range too).",
        "dhcp-authoritative",
        f"dhcp-host=*:*:*:*:*:*,{lease}",
        "# No ping before each new lease: dnsmasq waits up to 3 s for an answer and serves no other",
        "# DHCP request meanwhile, so a room joining at once would queue for minutes. The kit is the",
        "# only DHCP server on its own network and keeps its lease file across reboots.",
        "no-ping",
    ]
    ranges = _parse_ranges(values["dhcp_range"], ipaddress.IPv4Interface(f"{address}/{values['prefix']}"))
    if ranges:
        lines.append(f"# The rest of the /{values['prefix']}: NetworkManager itself hands out one /24.")
        mask = ipaddress.IPv4Network(f"{address}/{values['prefix']}", strict=False).netmask
        lines.extend(f"dhcp-range={first},{last},{mask},{lease}" for first, last in ranges)
    lines.append(f"dhcp-lease-max={values['lease_max']}")
    return "\n".join(lines) + "\n"


def _option_114_lines(url: str) -> list[str]:
    if not url:
        return ["# DHCP option 114 (RFC 8910) is off: set captive_api_url to an https:// URL whose",
                "# certificate phones trust to send it. Phones that get it use that API instead of",
                "# their usual check, so without a trusted certificate the portal would not open."]
    return ["# RFC 8910: DHCP option 114 tells phones where the RFC 8908 portal API is.",
            f"dhcp-option-force=114,{url}"]


def render_nft(values: Mapping[str, Any]) -> str:
    """The kit's nftables table: port 80 to the app, DNS to the kit, nothing routed onward."""
    venue = values["venue_interface"]
    port = values["app_port"]
    network = ipaddress.IPv4Network(f"{values['address']}/{values['prefix']}", strict=False)
    return f"""#!{NFT_BINARY} -f
# {HEADER}
# Loaded by NetworkManager's dispatcher before the venue network comes up
# ({DISPATCHER_PATH}); safe to load again: it replaces only its own table.

table inet venuekit
delete table inet venuekit

table inet venuekit {{
	chain prerouting {{
		type nat hook prerouting priority dstnat; policy accept;
		# Every web request from a phone, whatever address it was sent to, reaches the portal
		# (the web app listens unprivileged on port {port}). Port 443 is never intercepted.
		iifname "{venue}" tcp dport 80 redirect to :{port}
		# DNS sent to any server (a phone with a fixed resolver) is answered by the kit.
		iifname "{venue}" meta l4proto {{ tcp, udp }} th dport 53 redirect to :53
	}}

	chain input {{
		type filter hook input priority filter; policy accept;
		# The app's own port only through the redirect above, or from the kit itself.
		tcp dport {port} iifname != "lo" ct status dnat accept
		tcp dport {port} iifname != "lo" reject with tcp reset
		# The kit's network is reached from its own interface only, never from the uplink side.
		ip daddr {network} iifname != {{ "lo", "{venue}" }} drop
	}}

	chain forward {{
		type filter hook forward priority filter; policy accept;
		# Phones reach the kit and nothing else: no route to the uplink or the internet.
		# A reject is final whatever other tables accept (NetworkManager's shared-mode rules
		# included), and it answers at once, so HTTPS attempts fail fast instead of hanging.
		iifname "{venue}" meta l4proto tcp reject with tcp reset
		iifname "{venue}" reject with icmpx type admin-prohibited
		oifname "{venue}" drop
	}}
}}
"""


def render_dispatcher(values: Mapping[str, Any]) -> str:
    return f"""#!/bin/sh
# {HEADER}
# NetworkManager runs this before it activates a connection; for the kit's venue network it
# loads the kit's nftables rules first, so phones never see the network without them.
[ "$CONNECTION_ID" = "{PROFILE_ID}" ] || [ "$1" = "{values['venue_interface']}" ] || exit 0
case "$2" in
	pre-up) exec {NFT_BINARY} -f {NFT_PATH} ;;
esac
exit 0
"""


def render_nm_conf(values: Mapping[str, Any]) -> str:
    return f"""# {HEADER}
[main]
# NetworkManager's own shared-mode rules would masquerade the phones onto the uplink; the kit
# routes nothing from its network (see {NFT_PATH}), so NetworkManager leaves the firewall alone.
firewall-backend=none
"""


def render_country(values: Mapping[str, Any]) -> str:
    return f"""# {HEADER}
# The Wi-Fi regulatory country: which channels and power the kit's radio may use here.
options cfg80211 ieee80211_regdom={values['country']}
"""


def render(config: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Every file of the kit's network, by absolute path, for one config (see resolve())."""
    values = resolve(config)
    files = {
        PROFILE_PATH: render_profile(values),
        DNSMASQ_PATH: render_dnsmasq(values),
        NFT_PATH: render_nft(values),
        DISPATCHER_PATH: render_dispatcher(values),
        NM_CONF_PATH: render_nm_conf(values),
        COUNTRY_PATH: render_country(values),
    }
    if values["uplink_ssid"]:
        files[UPLINK_PROFILE_PATH] = render_uplink_profile(values)
    return files


def file_mode(path: str) -> int:
    return FILE_MODES.get(path, DEFAULT_FILE_MODE)


def write_files(config: Mapping[str, Any] | None, root: Path | str = "/") -> list[Path]:
    """Write the rendered files under root (e.g. a temporary root, or / on the kit).

    Idempotent: a file whose content and mode already match is left alone. Writes are atomic
    (a temporary file renamed into place). Returns the paths written. An uplink profile from
    an earlier config with uplink_ssid is removed when the config no longer has one.
    """
    root = Path(root)
    written: list[Path] = []
    files = render(config)
    for path, text in files.items():
        target = root / path.lstrip("/")
        mode = file_mode(path)
        data = text.encode("utf-8")
        try:
            if target.read_bytes() == data and (target.stat().st_mode & 0o7777) == mode:
                continue
        except OSError:
            pass
        write_atomic(target, data, mode=mode)
        written.append(target)
    stale = root / UPLINK_PROFILE_PATH.lstrip("/")
    if UPLINK_PROFILE_PATH not in files and stale.exists():
        stale.unlink()
        written.append(stale)
    return written


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
    sys.exit(main())
