"""Small readings about the kit's own computer: temperature, free disk, throttling, uplink route.

Each returns None where the reading is unavailable (a laptop, a container, no vcgencmd),
so the steward page can simply leave that line out.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any, Callable

THERMAL_ROOT = Path("/sys/class/thermal")
ROUTE_TABLE = Path("/proc/net/route")
PLATFORM_ROOT = Path("/sys/devices/platform")

# Bits of `vcgencmd get_throttled`: the low nibble is "now", the same bits << 16 "since boot".
THROTTLE_BITS = {
    "under_voltage": 0,
    "frequency_capped": 1,
    "throttled": 2,
    "soft_temperature_limit": 3,
}

Runner = Callable[[list[str]], str]


def cpu_temperature_c(thermal_root: Path = THERMAL_ROOT) -> float | None:
    """CPU temperature in °C from the kernel's thermal zones, preferring the CPU zone."""
    zones = sorted(thermal_root.glob("thermal_zone*"))
    if not zones:
        return None

    def zone_type(zone: Path) -> str:
        try:
            return (zone / "type").read_text().strip().lower()
        except OSError:
            return ""

    # The Pi names its SoC zone "cpu-thermal"; other boards say "x86_pkg_temp", "soc" ...
    zones.sort(key=lambda z: 0 if "cpu" in zone_type(z) else 1)
    for zone in zones:
        try:
            return int((zone / "temp").read_text().strip()) / 1000.0
        except (OSError, ValueError):
            continue
    return None


def disk_free_bytes(path: str | Path) -> int | None:
    """Free bytes on the filesystem holding `path` (the data directory)."""
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


def _run_vcgencmd(args: list[str]) -> str:
    exe = shutil.which("vcgencmd")
    if exe is None:
        raise FileNotFoundError("vcgencmd")
    done = subprocess.run([exe, *args], capture_output=True, text=True, timeout=5, check=True)
    return done.stdout


def _decode_throttled(raw: int) -> dict[str, Any]:
    flags: dict[str, Any] = {"raw": raw}
    for name, bit in THROTTLE_BITS.items():
        flags[name] = bool(raw & (1 << bit))
        flags[f"{name}_since_boot"] = bool(raw & (1 << (bit + 16)))
    return flags


def _throttled_from_sysfs(platform_root: Path) -> int | None:
    # Raspberry Pi kernels expose the firmware's flags here (hex, no 0x); unlike vcgencmd
    # it needs no /dev/vcio, so it also works from a service with PrivateDevices=yes.
    for pattern in ("*/get_throttled", "*/*/get_throttled"):
        for path in sorted(platform_root.glob(pattern)):
            try:
                return int(path.read_text().strip(), 16)
            except (OSError, ValueError):
                continue
    return None


def throttling(run: Runner = _run_vcgencmd, platform_root: Path = PLATFORM_ROOT) -> dict[str, Any] | None:
    """Under-voltage and throttling flags, now and since boot, from sysfs or `vcgencmd get_throttled`."""
    raw = _throttled_from_sysfs(platform_root)
    if raw is not None:
        return _decode_throttled(raw)
    try:
        output = run(["get_throttled"])
    except (OSError, subprocess.SubprocessError):
        return None
    _, sep, value = output.strip().partition("=")
    if not sep:
        return None
    try:
        return _decode_throttled(int(value, 16))
    except ValueError:
        return None


def default_route_interface(route_table: Path = ROUTE_TABLE) -> str | None:
    """The interface carrying the default IPv4 route — the kit's uplink — or None when offline."""
    from .uplink import pick_uplink, routes_from_proc

    route = pick_uplink(routes_from_proc(route_table))
    return route.interface if route else None


def host_status(data_dir: str | Path, *, thermal_root: Path = THERMAL_ROOT,
                route_table: Path = ROUTE_TABLE, platform_root: Path = PLATFORM_ROOT,
                run: Runner = _run_vcgencmd) -> dict[str, Any]:
    """All host readings in one JSON-ready dict; unavailable readings are None."""
    return {
        "cpu_temperature_c": cpu_temperature_c(thermal_root),
        "disk_free_bytes": disk_free_bytes(data_dir),
        "throttling": throttling(run, platform_root),
        "uplink_interface": default_route_interface(route_table),
    }
