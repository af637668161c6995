"""The field scenario, part 1: an image flashed onto two cards, booted, rebooted, its file edited.

Every kit starts as a root tree made by `provisioning/install.sh --root` (the image as built)
and boots with `venuekit boot --root` (what venuekit-boot.service runs).
"""
from __future__ import annotations

import shutil

import pytest

from tests.network.test_netconfig import keyfile, nmcli_offline

from .kit import (BOOT_FILE, DATA, applied, boot, installed_tree, network_files, printed, queued, secrets,
                  write_boot_file)


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    """The image as built: no secrets, no network files yet."""
    return installed_tree(tmp_path_factory.mktemp("image") / "root")


def flash(image, tmp_path, name="card"):
    card = tmp_path / name
    shutil.copytree(image, card, symlinks=True)
    return card


def wifi_qr(ssid: str, password: str) -> str:
    return f"WIFI:T:WPA;S:{ssid};P:{password};;"


def test_first_boot_makes_the_secrets_and_raises_a_unique_protected_network(image, tmp_path):
    assert not (image / DATA / "venuekit.db").exists()  # the image carries none
    card = flash(image, tmp_path)
    first = boot(card, "boot-1")
    assert first.code == 0, first.out
    assert "error" not in first.out, first.out
    assert "Wi-Fi password" in first.line("first-boot secrets made") and "sync signing key" in first.out
    made = secrets(card)
    assert set(made) == {"kit.wifi_password", "kit.install_id", "kit.signing_key", "secret_key", "setup_code"}

    live = applied(card)
    assert live["ssid"] == f"venuekit-{made['kit.install_id'][:4]}"  # unique per kit
    assert live["password"] == made["kit.wifi_password"] and 8 <= len(live["password"]) <= 63
    assert (live["mode"], live["country"], live["address"], live["source"]) == ("onboard", "GB", "10.42.0.1", "file")
    assert live["applied_at"]
    files = network_files(card)
    profile = nmcli_offline(files["profile"])
    assert profile["wifi"]["ssid"] == live["ssid"] and profile["wifi-security"]["psk"] == live["password"]
    assert "address=/#/10.42.0.1" in files["dnsmasq"] and 'iifname "wlan0"' in files["nft"]
    assert "ieee80211_regdom=GB" in files["country"]

    (slip,) = queued(card, "kit_ready")
    assert slip["setup_code"] and slip["ssid"] == live["ssid"]
    (paper,) = [p for p in printed(card) if p.kind == "kit_ready"]
    assert wifi_qr(live["ssid"], live["password"]) in paper.qr
    assert "http://10.42.0.1/organiser/signin" in paper.qr


def test_two_cards_from_one_image_never_share_secrets(image, tmp_path):
    one, two = flash(image, tmp_path, "one"), flash(image, tmp_path, "two")
    assert boot(one, "a").code == 0 and boot(two, "b").code == 0
    first, second = secrets(one), secrets(two)
    assert all(first[name] != second[name] for name in first), (first, second)
    assert applied(one)["ssid"] != applied(two)["ssid"]
    assert applied(one)["password"] != applied(two)["password"]
    assert network_files(one)["profile"] != network_files(two)["profile"]


def test_every_boot_prints_the_kit_ready_slip_once_and_keeps_the_secrets(image, tmp_path):
    card = flash(image, tmp_path)
    boot(card, "boot-1")
    made, live = secrets(card), applied(card)
    assert [p.kind for p in printed(card)] == ["kit_ready"]
    assert boot(card, "boot-1").code == 0  # the unit run again in the same boot: no second slip
    assert printed(card) == []
    again = boot(card, "boot-2")
    assert "already made" in again.line("first-boot secrets")
    assert secrets(card) == made and applied(card)["password"] == live["password"]
    assert "network files written: 0" in again.out
    assert [p.kind for p in printed(card)] == ["kit_ready"]


@pytest.mark.parametrize("mode, interface", [("onboard", "wlan0"), ("usb", "wlan1"), ("ethernet", "eth0")])
def test_an_edited_file_reaches_the_network_and_the_slips(image, tmp_path, mode, interface):
    card = flash(image, tmp_path)
    boot(card, "boot-1")
    printed(card)
    write_boot_file(card, f'wifi_ssid = "Town Hall"\nwifi_password = "open sesame 42"\n'
                          f'wifi_country = "FR"\nnetwork_mode = "{mode}"\n')
    # Not applied until the next boot: what prints now is still what is live.
    before = applied(card)
    done = boot(card, "boot-2")
    assert done.code == 0 and "error" not in done.out, done.out
    live = applied(card)
    assert (live["ssid"], live["password"], live["country"], live["mode"]) == (
        "Town Hall", "open sesame 42", "FR", mode)
    assert live != before
    files = network_files(card)
    profile = keyfile(files["profile"])
    assert profile["connection"]["interface-name"] == interface
    if mode == "ethernet":
        assert profile["connection"]["type"] == "ethernet" and "dhcp-lease-max=" in files["dnsmasq"]
    else:
        assert profile["wifi"]["ssid"] == "Town Hall" and profile["wifi-security"]["psk"] == "open sesame 42"
    assert f'iifname "{interface}" tcp dport 80 redirect' in files["nft"]
    assert "ieee80211_regdom=FR" in files["country"]
    assert "address=/#/10.42.0.1" in files["dnsmasq"]
    (paper,) = [p for p in printed(card) if p.kind == "kit_ready"]
    assert wifi_qr("Town Hall", "open sesame 42") in paper.qr


def test_what_prints_between_an_edit_and_the_next_boot_is_what_is_live(image, tmp_path, monkeypatch):
    from webapp.cli import main

    card = flash(image, tmp_path)
    boot(card, "boot-1")
    printed(card)
    write_boot_file(card, 'wifi_ssid = "Not Yet"\nwifi_password = "not live yet"\n')
    monkeypatch.setenv("VENUEKIT_CONFIG", str(card / BOOT_FILE))
    assert main(["--data", str(card / DATA), "print-kit-ready", "--always"]) == 0
    (paper,) = printed(card)
    live = applied(card)
    assert wifi_qr(live["ssid"], live["password"]) in paper.qr
    assert not any("Not Yet" in code for code in paper.qr)


def test_overlayroot_data_partition_holds_the_settings_and_secrets(tmp_path):
    from tests.provisioning.test_install import run_install

    root = tmp_path / "root"
    root.mkdir()
    run_install(root, "--overlayroot", "--data-device", "/dev/sda3")
    mount = (root / "etc/systemd/system/var-lib-venuekit.mount").read_text()
    assert "Where=/var/lib/venuekit" in mount
    # At boot the data partition is mounted over /var/lib/venuekit: whatever the image had
    # there is hidden. A fresh, empty partition:
    shutil.rmtree(root / DATA)
    (root / DATA).mkdir()
    done = boot(root, "boot-1")
    assert done.code == 0 and "error" not in done.out, done.out
    live = applied(root)
    assert live["password"] and live["address"] == "10.42.0.1"  # never an open network, never 127.0.0.1
    assert nmcli_offline(network_files(root)["profile"])["wifi-security"]["psk"] == live["password"]
    assert set(secrets(root)) >= {"kit.wifi_password", "kit.signing_key", "secret_key"}
    (paper,) = [p for p in printed(root) if p.kind == "kit_ready"]
    assert wifi_qr(live["ssid"], live["password"]) in paper.qr and "http://10.42.0.1/organiser/signin" in paper.qr
