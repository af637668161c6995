"""Host readings from fake /sys and /proc trees and a fake vcgencmd."""
from __future__ import annotations

import subprocess

from pi.host import cpu_temperature_c, default_route_interface, disk_free_bytes, host_status, throttling


def make_zone(root, index: int, kind: str, millidegrees: str) -> None:
    zone = root / f"thermal_zone{index}"
    zone.mkdir(parents=True)
    (zone / "type").write_text(kind + "\n")
    (zone / "temp").write_text(millidegrees + "\n")


def test_cpu_temperature_prefers_the_cpu_zone(tmp_path):
    make_zone(tmp_path, 0, "battery", "30000")
    make_zone(tmp_path, 1, "cpu-thermal", "51234")
    assert cpu_temperature_c(tmp_path) == 51.234


def test_cpu_temperature_falls_back_to_any_readable_zone(tmp_path):
    make_zone(tmp_path, 0, "cpu-thermal", "garbage")
    make_zone(tmp_path, 1, "soc", "47000")
    assert cpu_temperature_c(tmp_path) == 47.0


def test_cpu_temperature_missing(tmp_path):
    assert cpu_temperature_c(tmp_path) is None
    assert cpu_temperature_c(tmp_path / "absent") is None


def test_disk_free(tmp_path):
    free = disk_free_bytes(tmp_path)
    assert isinstance(free, int) and free > 0
    assert disk_free_bytes(tmp_path / "absent") is None


def failing(exc):
    def run(args):
        raise exc
    return run


def test_throttling_decodes_now_and_since_boot(tmp_path):
    flags = throttling(lambda args: "throttled=0x50005\n", platform_root=tmp_path)
    assert flags["raw"] == 0x50005
    assert flags["under_voltage"] and flags["throttled"]
    assert not flags["frequency_capped"] and not flags["soft_temperature_limit"]
    assert flags["under_voltage_since_boot"] and flags["throttled_since_boot"]
    assert not flags["frequency_capped_since_boot"]
    assert throttling(lambda args: "throttled=0x0", platform_root=tmp_path)["under_voltage"] is False


def test_throttling_prefers_the_firmware_sysfs_file(tmp_path):
    firmware = tmp_path / "soc" / "soc:firmware"
    firmware.mkdir(parents=True)
    (firmware / "get_throttled").write_text("20002\n")
    flags = throttling(failing(FileNotFoundError("vcgencmd")), platform_root=tmp_path)
    assert flags["raw"] == 0x20002
    assert flags["frequency_capped"] and flags["frequency_capped_since_boot"]
    assert not flags["under_voltage"]


def test_throttling_unavailable(tmp_path):
    assert throttling(failing(FileNotFoundError("vcgencmd")), tmp_path) is None
    assert throttling(failing(subprocess.CalledProcessError(1, "vcgencmd")), tmp_path) is None
    assert throttling(lambda args: "error=1 error_msg=\"Command not registered\"", tmp_path) is None
    assert throttling(lambda args: "nothing useful", tmp_path) is None


ROUTES = """Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
wlan0\t0000320A\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0
eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
"""


def test_default_route_names_the_uplink(tmp_path):
    table = tmp_path / "route"
    table.write_text(ROUTES)
    assert default_route_interface(table) == "eth0"
    table.write_text(ROUTES.splitlines()[0] + "\n" + ROUTES.splitlines()[1] + "\n")
    assert default_route_interface(table) is None
    assert default_route_interface(tmp_path / "absent") is None


def test_host_status_bundles_the_readings(tmp_path):
    make_zone(tmp_path / "thermal", 0, "cpu-thermal", "40000")
    (tmp_path / "route").write_text(ROUTES)
    report = host_status(tmp_path, thermal_root=tmp_path / "thermal", route_table=tmp_path / "route",
                         platform_root=tmp_path / "platform", run=failing(FileNotFoundError("vcgencmd")))
    assert report["cpu_temperature_c"] == 40.0
    assert report["disk_free_bytes"] > 0
    assert report["throttling"] is None
    assert report["uplink_interface"] == "eth0"
