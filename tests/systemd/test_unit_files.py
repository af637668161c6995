"""What every venuekit unit must say, and what each one needs for its own job."""
from __future__ import annotations

import pytest

from .conftest import ALL_UNITS, INSTALLED_BINARY, SYSTEMD_DIR, UNITS

COMMANDS = {
    "venuekit-web.service": "serve --behind-front --host 127.0.0.1 --port 8001 --workers 2",
    "venuekit-printer.service": "print-spooler",
    "venuekit-sync.service": "sync",
    "venuekit-buttons.service": "buttons",
    "venuekit-kit-ready.service": "print-kit-ready",
    "venuekit-live.service": "live --host 127.0.0.1 --port 8002",
}
WITH_DEVICES = {"venuekit-printer.service", "venuekit-buttons.service"}
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes",
    "ProtectClock": "yes",
    "ProtectHostname": "yes",
    "RestrictNamespaces": "yes",
    "RestrictRealtime": "yes",
    "RestrictSUIDSGID": "yes",
    "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes",
    "SystemCallArchitectures": "native",
    "CapabilityBoundingSet": "",
}


def last(unit, section: str, key: str) -> str | None:
    values = unit.get(section, {}).get(key)
    return values[-1] if values else None


def words(unit, section: str, key: str) -> list[str]:
    return " ".join(unit.get(section, {}).get(key, [])).split()


def test_the_units_are_all_there():
    assert sorted(p.name for p in SYSTEMD_DIR.glob("*.service")) == sorted(ALL_UNITS)


@pytest.mark.parametrize("name", UNITS)
def test_runs_the_right_command_as_the_service_user(units, name):
    unit = units[name]
    assert last(unit, "Service", "ExecStart") == f"{INSTALLED_BINARY} --data /var/lib/venuekit {COMMANDS[name]}"
    assert last(unit, "Service", "User") == "venuekit"
    assert last(unit, "Service", "Group") == "venuekit"
    assert last(unit, "Service", "Restart") == "on-failure"
    assert last(unit, "Service", "StateDirectory") == "venuekit"
    assert last(unit, "Install", "WantedBy") == "multi-user.target"


@pytest.mark.parametrize("name", UNITS)
def test_is_hardened(units, name):
    unit = units[name]
    for key, value in HARDENING.items():
        assert last(unit, "Service", key) == value, key
    assert words(unit, "Service", "SystemCallFilter")[:1] == ["@system-service"]
    assert not set(words(unit, "Service", "RestrictAddressFamilies")) - {
        "AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK"}
    # StateDirectory= is the only writable place; nothing else is opened up (but the web app's
    # USB sticks under /media, for the organiser's sync bundle).
    assert words(unit, "Service", "ReadWritePaths") == (["-/media"] if name == "venuekit-web.service" else [])
    assert not last(unit, "Service", "AmbientCapabilities")


@pytest.mark.parametrize("name", sorted(set(UNITS) - WITH_DEVICES))
def test_services_without_hardware_see_no_devices(units, name):
    assert last(units[name], "Service", "PrivateDevices") == "yes"


def test_printer_reaches_printers_and_nothing_else(units):
    unit = units["venuekit-printer.service"]
    assert last(unit, "Service", "PrivateDevices") == "no"
    assert last(unit, "Service", "DevicePolicy") == "closed"
    assert unit["Service"]["DeviceAllow"] == [
        "char-usb rw", "char-usb_device rw", "char-ttyUSB rw", "char-ttyACM rw"]
    assert words(unit, "Service", "SupplementaryGroups") == ["lp", "dialout", "plugdev"]


def test_buttons_reach_gpio_and_only_the_local_web_app(units):
    unit = units["venuekit-buttons.service"]
    assert last(unit, "Service", "PrivateDevices") == "no"
    assert last(unit, "Service", "DevicePolicy") == "closed"
    assert unit["Service"]["DeviceAllow"] == ["char-gpiochip rw"]
    assert words(unit, "Service", "SupplementaryGroups") == ["gpio"]
    assert last(unit, "Service", "IPAddressDeny") == "any"
    assert last(unit, "Service", "IPAddressAllow") == "localhost"
    # lgpio writes its FIFO into the working directory, which must be writable.
    assert last(unit, "Service", "WorkingDirectory") == "/run/venuekit-buttons"
    assert last(unit, "Service", "RuntimeDirectory") == "venuekit-buttons"
    # It must never need the web app to be up: the lights have to show a crash.
    assert "Requires" not in unit["Unit"] and "BindsTo" not in unit["Unit"]


def test_only_the_sync_worker_waits_for_the_uplink(units):
    for name, unit in units.items():
        waits = "network-online.target" in words(unit, "Unit", "After")
        assert waits == (name == "venuekit-sync.service"), name
    sync = units["venuekit-sync.service"]
    assert "network-online.target" in words(sync, "Unit", "Wants")
    assert "Requires" not in sync["Unit"]


def test_helpers_start_after_the_web_app(units):
    for name in set(UNITS) - {"venuekit-web.service"}:
        assert "venuekit-web.service" in words(units[name], "Unit", "After"), name


def test_kit_ready_slip_is_a_oneshot_after_the_spooler(units):
    unit = units["venuekit-kit-ready.service"]
    assert last(unit, "Service", "Type") == "oneshot"
    assert "venuekit-printer.service" in words(unit, "Unit", "After")
    assert "venuekit-printer.service" in words(unit, "Unit", "Wants")
