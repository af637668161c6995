"""venuekit-clock.service: restores the saved time before everything, holds only CAP_SYS_TIME."""
from __future__ import annotations

from .conftest import BOOT_UNIT, CLOCK_UNIT, INSTALLED_BINARY, SYSTEMD_DIR, UNITS, parse_unit


def clock_unit() -> dict:
    return parse_unit((SYSTEMD_DIR / CLOCK_UNIT).read_text())


def words(unit: dict, section: str, key: str) -> list[str]:
    return " ".join(unit.get(section, {}).get(key, [])).split()


def test_restores_first_then_watches_as_the_service_user():
    service = clock_unit()["Service"]
    assert service["ExecStartPre"] == [f"{INSTALLED_BINARY} --data /var/lib/venuekit clock restore"]
    assert service["ExecStart"] == [f"{INSTALLED_BINARY} --data /var/lib/venuekit clock watch"]
    assert service["User"] == ["venuekit"] and service["Restart"] == ["on-failure"]
    assert clock_unit()["Install"]["WantedBy"] == ["multi-user.target"]


def test_runs_before_the_boot_step_and_every_service_on_the_data_partition():
    unit = clock_unit()
    assert {BOOT_UNIT, *UNITS} <= set(words(unit, "Unit", "Before"))
    assert words(unit, "Unit", "RequiresMountsFor") == ["/var/lib/venuekit"]


def test_its_only_privilege_is_setting_the_clock():
    service = clock_unit()["Service"]
    assert service["AmbientCapabilities"] == ["CAP_SYS_TIME"]
    assert service["CapabilityBoundingSet"] == ["CAP_SYS_TIME"]
    assert words(clock_unit(), "Service", "SystemCallFilter")[:2] == ["@system-service", "@clock"]
    # A capability inside a user namespace cannot set the machine's clock.
    assert "PrivateUsers" not in service and "ProtectClock" not in service
    assert service["NoNewPrivileges"] == ["yes"] and service["ProtectSystem"] == ["strict"]
    assert service["IPAddressDeny"] == ["any"] and service["RestrictAddressFamilies"] == ["AF_UNIX"]
    assert "ReadWritePaths" not in service


def test_every_other_unit_keeps_the_clock_protected():
    for name in (*UNITS, BOOT_UNIT):
        assert parse_unit((SYSTEMD_DIR / name).read_text())["Service"]["ProtectClock"] == ["yes"], name
