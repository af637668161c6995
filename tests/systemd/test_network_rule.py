"""The polkit rule that lets the organiser page join the venue's Wi-Fi through NetworkManager."""
from __future__ import annotations

import json
import shutil
import subprocess

from .conftest import SYSTEMD_DIR
from .test_poweroff_and_user import HARNESS

RULE = SYSTEMD_DIR / "50-venuekit-network.rules"
NM = "org.freedesktop.NetworkManager."

CASES = [
    ((NM + "wifi.scan", "venuekit"), "yes"),
    ((NM + "network-control", "venuekit"), "yes"),
    ((NM + "settings.modify.system", "venuekit"), "yes"),
    ((NM + "enable-disable-network", "venuekit"), None),
    ((NM + "enable-disable-wifi", "venuekit"), None),
    ((NM + "sleep-wake", "venuekit"), None),
    ((NM + "settings.modify.hostname", "venuekit"), None),
    ((NM + "settings.modify.global-dns", "venuekit"), None),
    ((NM + "reload", "venuekit"), None),
    ((NM + "network-control", "pi"), None),
    ((NM + "settings.modify.system", "venuekit2"), None),
    (("org.freedesktop.login1.power-off", "venuekit"), None),
]


def test_polkit_rule_allows_joining_wifi_for_venuekit_only(tmp_path):
    duk = shutil.which("duk")
    assert duk, "duk is missing: `make test-deps` installs the duktape package"
    script = tmp_path / "harness.js"
    script.write_text(HARNESS % {"rule": RULE.read_text(), "cases": json.dumps([c for c, _ in CASES])})
    done = subprocess.run([duk, str(script)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [answer for _, answer in CASES]
