"""The udev rule that mounts a USB stick for the organiser's sync bundle, and its place in the kit."""
from __future__ import annotations

from pathlib import Path

from tests.provisioning.test_install import run_install

ROOT = Path(__file__).resolve().parents[2]
RULE = ROOT / "provisioning/files/61-venuekit-usb-stick.rules"


def rule_lines() -> list[str]:
    return [line for line in RULE.read_text().splitlines() if line and not line.startswith("#")]


def test_only_usb_file_systems_are_mounted_for_the_service_user_without_blocking_udev():
    lines = rule_lines()
    guards = [line for line in lines if "GOTO=" in line]
    assert {g.split(",")[0] for g in guards} == {'ACTION!="add"', 'SUBSYSTEM!="block"', 'ENV{ID_BUS}!="usb"',
                                                'ENV{ID_FS_USAGE}!="filesystem"'}
    mounts = [line for line in lines if "RUN{program}" in line]
    assert {m.split(",")[0] for m in mounts} == {'ENV{ID_FS_TYPE}=="vfat"', 'ENV{ID_FS_TYPE}=="exfat"'}
    for line in mounts:
        command = line.split('+="', 1)[1].rstrip('"').split()
        assert command[0] == "/usr/bin/systemd-mount"
        assert {"--no-block", "--collect", "--owner=venuekit"} <= set(command)
        options = next(c for c in command if c.startswith("--options=")).split("=", 1)[1].split(",")
        assert {"nosuid", "nodev", "noexec"} <= set(options)
        assert command[-2:] == ["$devnode", "/media/venuekit-%k"]
    assert lines[-1] == 'LABEL="venuekit_usb_stick_end"'
    assert all(g.endswith('GOTO="venuekit_usb_stick_end"') for g in guards)


def test_the_installer_puts_the_stick_and_network_rules_in_place(tmp_path):
    run_install(tmp_path)
    assert (tmp_path / "etc/udev/rules.d/61-venuekit-usb-stick.rules").read_text() == RULE.read_text()
    assert (tmp_path / "etc/polkit-1/rules.d/50-venuekit-network.rules").read_text() == \
        (ROOT / "systemd/50-venuekit-network.rules").read_text()
