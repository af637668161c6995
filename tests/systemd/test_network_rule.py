"""The polkit rule that lets the organiser page join the venue's Wi-Fi through NetworkManager."""
from __future__ import annotations

from .conftest import SYSTEMD_DIR, polkit_answers

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
    assert polkit_answers(RULE, [c for c, _ in CASES], tmp_path) == [answer for _, answer in CASES]
