"""The polkit rule that lets the Power button switch the kit off, and the service account."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from .conftest import SYSTEMD_DIR, polkit_answers

RULE = SYSTEMD_DIR / "50-venuekit-poweroff.rules"

CASES = [
    (("org.freedesktop.login1.power-off", "venuekit"), "yes"),
    (("org.freedesktop.login1.power-off-multiple-sessions", "venuekit"), "yes"),
    (("org.freedesktop.login1.reboot", "venuekit"), None),
    (("org.freedesktop.login1.power-off-ignore-inhibit", "venuekit"), None),
    (("org.freedesktop.login1.suspend", "venuekit"), None),
    (("org.freedesktop.systemd1.manage-units", "venuekit"), None),
    (("org.freedesktop.login1.power-off", "pi"), None),
    (("org.freedesktop.login1.power-off", "venuekit2"), None),
]


def test_polkit_rule_allows_poweroff_for_venuekit_only(tmp_path):
    assert polkit_answers(RULE, [c for c, _ in CASES], tmp_path) == [answer for _, answer in CASES]


@pytest.fixture
def sysusers():
    found = shutil.which("systemd-sysusers")
    assert found, "systemd-sysusers is missing: `make test-deps` installs the systemd package"
    return found


def test_sysusers_creates_an_unprivileged_service_account(sysusers, tmp_path):
    (tmp_path / "etc").mkdir()
    done = subprocess.run([sysusers, f"--root={tmp_path}", str(SYSTEMD_DIR / "venuekit.sysusers.conf")],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    users = {line.split(":")[0]: line.split(":") for line in (tmp_path / "etc/passwd").read_text().splitlines()}
    name, _, uid, gid, _, home, shell = users["venuekit"]
    assert 0 < int(uid) < 1000, "a system account, never root"
    assert (home, shell) == ("/var/lib/venuekit", "/usr/sbin/nologin")
    groups = {line.split(":")[0] for line in (tmp_path / "etc/group").read_text().splitlines()}
    assert {"venuekit", "gpio"} <= groups
