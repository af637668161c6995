"""venuekit-boot.service: the boot step, before the kit's network and every venuekit service."""
from __future__ import annotations

from .conftest import BOOT_UNIT, INSTALLED_BINARY, SYSTEMD_DIR, UNITS, parse_unit


def boot_unit() -> dict:
    return parse_unit((SYSTEMD_DIR / BOOT_UNIT).read_text())


def words(unit: dict, section: str, key: str) -> list[str]:
    return " ".join(unit.get(section, {}).get(key, [])).split()


def test_runs_the_boot_step_once_as_root():
    unit = boot_unit()
    assert unit["Service"]["ExecStart"] == [f"{INSTALLED_BINARY} boot --root /"]
    assert unit["Service"]["Type"] == ["oneshot"]
    assert "User" not in unit["Service"]  # it writes /etc/NetworkManager and chowns the data partition
    assert "Restart" not in unit["Service"]
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]


def test_runs_before_the_network_and_every_venuekit_service():
    before = set(words(boot_unit(), "Unit", "Before"))
    assert {"NetworkManager.service", *UNITS} <= before


def test_waits_for_the_data_partition():
    # --overlayroot --data-device: settings and secrets are on the data partition, mounted first.
    assert words(boot_unit(), "Unit", "RequiresMountsFor") == ["/var/lib/venuekit"]


def test_no_service_depends_on_the_boot_step_succeeding():
    # A bad settings file must never stop a service, the buttons service least of all.
    for name in UNITS:
        unit = parse_unit((SYSTEMD_DIR / name).read_text())
        for key in ("Requires", "BindsTo", "Requisite", "PartOf"):
            assert BOOT_UNIT not in words(unit, "Unit", key), (name, key)


def test_can_write_only_what_it_writes():
    unit = boot_unit()
    assert unit["Service"]["ProtectSystem"] == ["strict"]
    assert set(words(unit, "Service", "ReadWritePaths")) == {
        "/var/lib/venuekit", "/etc/NetworkManager", "/etc/nftables.d", "/etc/modprobe.d"}
    assert set(words(unit, "Service", "CapabilityBoundingSet")) == {
        "CAP_CHOWN", "CAP_FOWNER", "CAP_DAC_OVERRIDE", "CAP_NET_ADMIN"}
    assert set(words(unit, "Service", "RestrictAddressFamilies")) == {"AF_UNIX", "AF_NETLINK"}
    assert unit["Service"]["IPAddressDeny"] == ["any"]


def test_the_kit_ready_unit_can_tell_one_boot_from_the_next():
    # Once per boot: it reads /proc/sys/kernel/random/boot_id, which ProcSubset=pid would hide
    # (the boot step has then queued the slip already, and a second would print).
    unit = parse_unit((SYSTEMD_DIR / "venuekit-kit-ready.service").read_text())
    assert unit["Service"].get("ProcSubset", ["all"])[-1] != "pid"
    assert "ProcSubset" not in boot_unit()["Service"]
