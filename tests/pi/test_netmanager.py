"""NetworkManager behind a small interface: nmcli's terse output, its argument lists, the fake."""
from __future__ import annotations

import subprocess

import pytest

from pi.netmanager import (
    JOINED_PROFILE, FakeNetworkManager, Nmcli, NmError, Radio, WifiNetwork, manager_for, split_terse,
)


class Recorder:
    """Stands in for subprocess.run: records argv lists and answers from a table."""

    def __init__(self, answers: dict[str, tuple[int, str, str]]):
        self.answers = answers
        self.calls: list[list[str]] = []

    def __call__(self, argv, timeout):
        assert isinstance(argv, list) and all(isinstance(a, str) for a in argv)  # never a shell string
        self.calls.append(argv)
        key = next((k for k in self.answers if k in " ".join(argv)), None)
        code, out, err = self.answers.get(key, (0, "", ""))
        return subprocess.CompletedProcess(argv, code, out, err)


def test_terse_fields_keep_escaped_colons_and_backslashes():
    assert split_terse(r"*:Caf\: Guest\\5G:72:WPA2") == ["*", "Caf: Guest\\5G", "72", "WPA2"]
    assert split_terse("wlan0:wifi:connected:") == ["wlan0", "wifi", "connected", ""]


def test_radios_are_the_wifi_devices_only():
    run = Recorder({"device status": (0, "wlan0:wifi:connected:venuekit-venue\neth0:ethernet:unavailable:--\n"
                                         "p2p-dev-wlan0:wifi-p2p:disconnected:--\nwlan1:wifi:disconnected:--\n", "")})
    assert Nmcli(run=run).wifi_radios() == [Radio("wlan0", "connected", "venuekit-venue"),
                                            Radio("wlan1", "disconnected", "")]
    assert run.calls == [["nmcli", "-t", "-f", "DEVICE,TYPE,STATE,CONNECTION", "device", "status"]]


def test_scan_lists_each_name_once_strongest_first_without_hidden_networks():
    out = (" :Town Hall Guest:40:WPA2\n :Town Hall Guest:81:WPA2\n*:Library:55:\n :::90:WPA2\n"
           r" :Caf\: Wi-Fi:60:WPA1 WPA2" "\n")
    run = Recorder({"wifi list": (0, out, "")})
    found = Nmcli(run=run).networks("wlan1", rescan=True)
    assert found == [WifiNetwork("Library", 55, "", True), WifiNetwork("Town Hall Guest", 81, "WPA2", False),
                     WifiNetwork("Caf: Wi-Fi", 60, "WPA1 WPA2", False)]
    assert run.calls[0][-4:] == ["ifname", "wlan1", "--rescan", "yes"]


def test_join_replaces_the_kits_venue_profile_and_passes_arguments_as_a_list():
    run = Recorder({"connection delete": (10, "", "Error: unknown connection 'venuekit-venue-wifi'.")})
    Nmcli(run=run).join("wlan1", "Town Hall; rm -rf /", "pass word$")
    assert run.calls[0] == ["nmcli", "connection", "delete", "id", JOINED_PROFILE]
    assert run.calls[1] == ["nmcli", "--wait", "45", "device", "wifi", "connect", "Town Hall; rm -rf /",
                            "password", "pass word$", "ifname", "wlan1", "name", JOINED_PROFILE]


def test_nmclis_reason_is_the_error():
    run = Recorder({"wifi connect": (4, "", "Error: Connection activation failed: Secrets were required, "
                                            "but not provided.\n")})
    with pytest.raises(NmError, match="^Connection activation failed: Secrets were required"):
        Nmcli(run=run).join("wlan1", "Hall", "wrong-password")


def test_the_real_nmcli_without_networkmanager_says_so():
    # This machine has nmcli but no NetworkManager running: the real program, the real failure.
    with pytest.raises(NmError) as info:
        Nmcli().wifi_radios()
    assert str(info.value)
    with pytest.raises(NmError, match="not installed"):
        Nmcli(binary="/nonexistent/nmcli").wifi_radios()


def test_the_fake_is_chosen_by_settings_and_checks_passwords(tmp_path):
    assert isinstance(manager_for({}, tmp_path), Nmcli)
    assert isinstance(manager_for({"manager": "nmcli"}, tmp_path), Nmcli)
    with pytest.raises(ValueError):
        manager_for({"manager": "shell"}, tmp_path)
    fake = manager_for({"manager": "fake"}, tmp_path)
    assert isinstance(fake, FakeNetworkManager) and fake.wifi_radios() == []
    fake.path.write_text('{"radios": [{"device": "wlan1"}], "networks": {"wlan1": '
                         '[{"ssid": "Hall", "signal": 70, "security": "WPA2", "password": "hall-pass"}]}}')
    assert fake.networks("wlan1", rescan=True) == [WifiNetwork("Hall", 70, "WPA2", False)]
    with pytest.raises(NmError):
        fake.join("wlan1", "Hall", "nope-nope")
    fake.join("wlan1", "Hall", "hall-pass")
    assert fake.networks("wlan1")[0].in_use
    assert fake.wifi_radios() == [Radio("wlan1", "connected", JOINED_PROFILE)]
