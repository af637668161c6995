"""The venue's Wi-Fi as an uplink: list the kit's Wi-Fi radios, scan, join — through NetworkManager.

Raspberry Pi OS runs NetworkManager, so the kit asks it rather than driving wpa_supplicant:

    nm = manager_for({"manager": "nmcli"}, state_dir)
    nm.wifi_radios()                  -> [Radio("wlan0", "connected", "venuekit-venue"), ...]
    nm.networks("wlan1", rescan=True) -> [WifiNetwork("Town Hall Guest", 72, "WPA2", False), ...]
    nm.join("wlan1", "Town Hall Guest", "password")   # NmError with nmcli's reason on failure

`Nmcli` runs the `nmcli` program with argument lists (never a shell), in the C locale so its
terse output parses the same everywhere. `FakeNetworkManager` keeps pretend radios and networks
in a JSON file; a kit's settings choose it (`[uplinks] manager = "fake"`) for tests and for
trying the organiser page on a laptop.

A leaf module: standard library only.
"""
from __future__ import annotations

import json
import os
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Mapping, Protocol

# The profile the kit makes when the organiser joins a venue's Wi-Fi (kept for later visits).
JOINED_PROFILE = "venuekit-venue-wifi"
LIST_TIMEOUT_S = 10   # the page waits on these: a hung NetworkManager must not hold it long
SCAN_TIMEOUT_S = 30
JOIN_TIMEOUT_S = 45
FAKE_STATE = "fake-networkmanager.json"

Runner = Callable[[list[str], float], "subprocess.CompletedProcess[str]"]


class NmError(Exception):
    """NetworkManager refused or failed; the message is NetworkManager's own, one line."""


@dataclass(frozen=True)
class Radio:
    device: str
    state: str        # NetworkManager's device state: connected, disconnected, unavailable, ...
    connection: str   # the active profile's name, "" when none


@dataclass(frozen=True)
class WifiNetwork:
    ssid: str
    signal: int       # 0-100
    security: str     # "" for an open network, else e.g. "WPA2" or "WPA1 WPA2"
    in_use: bool

    def as_dict(self) -> dict:
        return asdict(self)


class NetworkManager(Protocol):
    def wifi_radios(self) -> list[Radio]: ...

    def networks(self, device: str, *, rescan: bool = False) -> list[WifiNetwork]: ...

    def join(self, device: str, ssid: str, password: str) -> None: ...


def split_terse(line: str) -> list[str]:
    """One line of `nmcli -t` output into fields (':' separates; '\\:' and '\\\\' are escapes)."""
    fields, current, escaped = [], [], False
    for char in line:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ":":
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
    fields.append("".join(current))
    return fields


def best_by_ssid(found: list[WifiNetwork]) -> list[WifiNetwork]:
    """One entry per name (several access points share one), strongest first; hidden ones dropped."""
    best: dict[str, WifiNetwork] = {}
    for network in found:
        if not network.ssid:
            continue
        held = best.get(network.ssid)
        # The access point in use wins, then the strongest.
        if held is None or (network.in_use, network.signal) > (held.in_use, held.signal):
            best[network.ssid] = network
    return sorted(best.values(), key=lambda n: (not n.in_use, -n.signal, n.ssid.lower()))


def _run(argv: list[str], timeout: float) -> "subprocess.CompletedProcess[str]":
    env = {**os.environ, "LC_ALL": "C"}
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env, check=False)


class Nmcli:
    """The real thing: the `nmcli` program."""

    def __init__(self, binary: str = "nmcli", run: Runner = _run):
        self.binary = binary
        self.run = run

    def _call(self, args: list[str], timeout: float = LIST_TIMEOUT_S) -> str:
        try:
            done = self.run([self.binary, *args], timeout)
        except FileNotFoundError as exc:
            raise NmError("NetworkManager's nmcli is not installed on this kit") from exc
        except subprocess.TimeoutExpired as exc:
            raise NmError("NetworkManager did not answer in time") from exc
        if done.returncode != 0:
            lines = (done.stderr or done.stdout or "").strip().splitlines()
            raise NmError(lines[-1].removeprefix("Error: ") if lines else f"nmcli failed ({done.returncode})")
        return done.stdout

    def wifi_radios(self) -> list[Radio]:
        out = self._call(["-t", "-f", "DEVICE,TYPE,STATE,CONNECTION", "device", "status"])
        radios = []
        for line in out.splitlines():
            fields = split_terse(line)
            if len(fields) >= 4 and fields[1] == "wifi":
                radios.append(Radio(fields[0], fields[2], fields[3] if fields[3] != "--" else ""))
        return radios

    def networks(self, device: str, *, rescan: bool = False) -> list[WifiNetwork]:
        out = self._call(["-t", "-f", "IN-USE,SSID,SIGNAL,SECURITY", "device", "wifi", "list",
                          "ifname", device, "--rescan", "yes" if rescan else "no"],
                         timeout=SCAN_TIMEOUT_S if rescan else LIST_TIMEOUT_S)
        found = []
        for line in out.splitlines():
            fields = split_terse(line)
            if len(fields) < 4:
                continue
            security = "" if fields[3] in ("", "--") else fields[3]
            found.append(WifiNetwork(fields[1], int(fields[2]) if fields[2].isdigit() else 0, security,
                                     fields[0].strip() == "*"))
        return best_by_ssid(found)

    def join(self, device: str, ssid: str, password: str) -> None:
        # One profile for "the venue's Wi-Fi": joining another venue replaces it, never piles up.
        try:
            self._call(["connection", "delete", "id", JOINED_PROFILE])
        except NmError:
            pass  # there was none
        args = ["--wait", str(JOIN_TIMEOUT_S), "device", "wifi", "connect", ssid]
        if password:
            args += ["password", password]
        self._call(args + ["ifname", device, "name", JOINED_PROFILE], timeout=JOIN_TIMEOUT_S + 10)


class FakeNetworkManager:
    """Pretend radios and networks from a JSON file, for tests and laptop mode:

        {"radios": [{"device": "wlan0", "state": "connected", "connection": "venuekit-venue"}],
         "networks": {"wlan1": [{"ssid": "Hall", "signal": 70, "security": "WPA2", "password": "..."}]}}

    `join` checks the password, marks the network in use and records each call under "calls".
    """

    def __init__(self, path: Path):
        self.path = Path(path)

    def _load(self) -> dict:
        try:
            return json.loads(self.path.read_text())
        except FileNotFoundError:
            return {"radios": [], "networks": {}}

    def _save(self, state: dict) -> None:
        self.path.write_text(json.dumps(state, indent=1))

    def _record(self, state: dict, *call: str) -> None:
        state.setdefault("calls", []).append(list(call))
        self._save(state)

    def wifi_radios(self) -> list[Radio]:
        return [Radio(r["device"], r.get("state", "disconnected"), r.get("connection", ""))
                for r in self._load().get("radios", [])]

    def networks(self, device: str, *, rescan: bool = False) -> list[WifiNetwork]:
        state = self._load()
        if rescan:
            self._record(state, "scan", device)
        if device not in {r["device"] for r in state.get("radios", [])}:
            raise NmError(f"Device '{device}' not found.")
        return best_by_ssid([WifiNetwork(n["ssid"], int(n.get("signal", 50)), n.get("security", ""),
                                         bool(n.get("in_use"))) for n in state.get("networks", {}).get(device, [])])

    def join(self, device: str, ssid: str, password: str) -> None:
        state = self._load()
        self._record(state, "join", device, ssid)
        network = next((n for n in state.get("networks", {}).get(device, []) if n["ssid"] == ssid), None)
        if network is None:
            raise NmError(f"No network with SSID '{ssid}' found.")
        if network.get("security") and password != network.get("password"):
            raise NmError("Secrets were required, but not provided.")
        for other in state["networks"][device]:
            other["in_use"] = other is network
        for radio in state["radios"]:
            if radio["device"] == device:
                radio.update(state="connected", connection=JOINED_PROFILE)
        self._save(state)


def manager_for(settings: Mapping, state_dir: Path) -> NetworkManager:
    """The implementation the `[uplinks]` settings name: "nmcli" (default) or "fake"."""
    kind = str(settings.get("manager", "nmcli"))
    if kind == "fake":
        return FakeNetworkManager(Path(state_dir) / FAKE_STATE)
    if kind != "nmcli":
        raise ValueError(f"uplinks.manager must be nmcli or fake, not {kind!r}")
    return Nmcli()
