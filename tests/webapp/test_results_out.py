"""The organiser's *Getting results out* page: uplinks and sync bundles, with a fake NetworkManager,
a pretend /sys tree and a pretend USB stick (all chosen by the `uplinks` setting)."""
from __future__ import annotations

import gzip
import json
import os
import threading

import pytest

from pi.netmanager import FAKE_STATE, JOINED_PROFILE
from pi.uplink import Route, check_uplink
from tests.conftest import csrf_from
from webapp.app import create_app
from webapp.sync import bundle, identity
from webapp.sync import state as sync_state
from webapp.sync.signing import KitKeys
from webapp.sync.uplink_watch import watch

PAGE = "/organiser/results-out/"


def make_sysfs(root, interfaces: dict[str, dict]):
    """root/sys/class/net/<name> with a driver link, a carrier file and, for radios, 'wireless'."""
    for name, spec in interfaces.items():
        base = root / "sys/class/net" / name
        base.mkdir(parents=True, exist_ok=True)
        if spec.get("wireless"):
            (base / "wireless").mkdir(exist_ok=True)
        if "carrier" in spec:
            (base / "carrier").write_text("1\n" if spec["carrier"] else "0\n")
        if spec.get("driver"):
            driver = root / "sys/bus/usb/drivers" / spec["driver"]
            driver.mkdir(parents=True, exist_ok=True)
            (base / "device").mkdir(exist_ok=True)
            link = base / "device/driver"
            if link.is_symlink():
                link.unlink()
            os.symlink(driver, link)


def fake_nm(data_dir, radios: list[str], networks: dict | None = None):
    state = {"radios": [{"device": r, "state": "disconnected"} for r in radios], "networks": networks or {}}
    (data_dir / FAKE_STATE).write_text(json.dumps(state))
    return data_dir / FAKE_STATE


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "root"
    make_sysfs(root, {"wlan0": {"wireless": True}, "eth0": {"carrier": False}})
    return root


@pytest.fixture
def mode():
    return "onboard"


@pytest.fixture
def app(tmp_path, root, mode):
    return create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True, "NETWORK_MODE": mode,
                       "UPLINKS": {"manager": "fake", "root": str(root)}})


def page_text(client) -> str:
    response = client.get(PAGE)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_page_needs_the_organiser(app):
    assert app.test_client().get(PAGE).status_code == 302


def test_with_only_the_onboard_radio_the_page_says_it_cannot_join(app, organiser, tmp_path):
    fake_nm(tmp_path / "data", ["wlan0"])
    text = page_text(organiser)
    assert "only Wi-Fi radio (wlan0) is serving the phones" in text
    assert 'action="/organiser/results-out/wifi/join"' not in text
    assert "<script" not in text
    assert "Nothing is plugged into eth0" in text and "No phone is sharing its internet" in text


def test_a_usb_radio_scans_and_joins_the_venues_wifi(app, organiser, tmp_path, root):
    make_sysfs(root, {"wlan1": {"wireless": True}})
    state = fake_nm(tmp_path / "data", ["wlan0", "wlan1"], {
        "wlan1": [{"ssid": "Town Hall Guest", "signal": 80, "security": "WPA2", "password": "guest-password"},
                  {"ssid": "Library", "signal": 40, "security": ""}],
        "wlan0": [{"ssid": "Should not show", "signal": 99}],
    })
    text = page_text(organiser)
    assert "Radio wlan1" in text and "Radio wlan0" not in text
    assert "Town Hall Guest" in text and "Should not show" not in text
    token = csrf_from(text)
    organiser.post("/organiser/results-out/wifi/scan", data={"csrf_token": token})
    assert "2 networks found" in page_text(organiser)
    organiser.post("/organiser/results-out/wifi/join", data={
        "csrf_token": token, "device": "wlan1", "ssid": "Town Hall Guest", "password": "not-the-password"})
    assert "could not join" in page_text(organiser)
    response = organiser.post("/organiser/results-out/wifi/join", data={
        "csrf_token": token, "device": "wlan1", "ssid": "Town Hall Guest", "password": "guest-password"})
    assert response.status_code == 303
    text = page_text(organiser)
    assert "The kit joined “Town Hall Guest”" in text and f"connected to {JOINED_PROFILE}" in text
    calls = json.loads(state.read_text())["calls"]
    assert ["scan", "wlan1"] in calls and calls[-1] == ["join", "wlan1", "Town Hall Guest"]


def test_the_radio_serving_phones_is_never_used_to_join(app, organiser, tmp_path):
    state = fake_nm(tmp_path / "data", ["wlan0"], {"wlan0": [{"ssid": "Venue", "security": ""}]})
    token = csrf_from(page_text(organiser))
    organiser.post("/organiser/results-out/wifi/join", data={"csrf_token": token, "device": "wlan0", "ssid": "Venue"})
    assert "cut every phone off the kit" in page_text(organiser)
    assert "calls" not in json.loads(state.read_text())


def test_a_form_without_its_token_is_refused(app, organiser, tmp_path):
    fake_nm(tmp_path / "data", ["wlan0", "wlan1"], {"wlan1": [{"ssid": "Venue", "security": ""}]})
    response = organiser.post("/organiser/results-out/wifi/join", data={"device": "wlan1", "ssid": "Venue"})
    assert response.status_code == 400
    assert organiser.post("/organiser/results-out/bundle", data={}).status_code == 400


@pytest.mark.parametrize("mode", ["ethernet"])
def test_in_ethernet_mode_the_port_serves_phones_and_the_onboard_radio_is_free(app, organiser, tmp_path, root):
    make_sysfs(root, {"eth0": {"carrier": True}})
    fake_nm(tmp_path / "data", ["wlan0"], {"wlan0": [{"ssid": "Venue", "signal": 50}]})
    text = page_text(organiser)
    assert "eth0 is the phones' network" in text
    assert "Radio wlan0" in text and "Venue" in text


def test_a_tethered_phone_is_detected_and_explained(app, organiser, tmp_path, root):
    fake_nm(tmp_path / "data", ["wlan0"])
    make_sysfs(root, {"usb0": {"driver": "rndis_host", "carrier": False}})
    text = page_text(organiser)
    assert "A phone is plugged in (usb0) but is not sharing yet" in text
    assert "USB tethering" in text and "Personal Hotspot" in text
    make_sysfs(root, {"usb0": {"driver": "rndis_host", "carrier": True}, "eth0": {"carrier": True},
                      "enx0a1b2c3d4e5f": {"driver": "ipheth", "carrier": True}})
    text = page_text(organiser)
    assert "A phone is sharing its internet on usb0" in text
    assert "A phone is sharing its internet on enx0a1b2c3d4e5f" in text
    assert "A cable is plugged into eth0" in text


def test_sync_starts_by_itself_when_a_phone_starts_sharing(tmp_path, root, store):
    """The uplink watch reads the same sysfs: a tethered phone's route wakes the sync worker."""
    make_sysfs(root, {"usb0": {"driver": "cdc_ether", "carrier": True}})
    routes: list[Route] = []
    stop, wake = threading.Event(), threading.Event()
    check = lambda settings: check_uplink(venue_interface="wlan0", routes=lambda: list(routes),  # noqa: E731
                                          sysfs=root / "sys/class/net")
    thread = threading.Thread(target=watch, args=(store, {}, stop, wake), kwargs={"every_s": 0.05, "check": check})
    thread.start()
    try:
        assert not wake.wait(0.3)
        routes.append(Route("usb0", "192.168.42.129", 100))
        assert wake.wait(5), "sync was not woken when the phone started sharing"
        reason = store.scalar("SELECT value FROM settings WHERE name = 'uplink.reason'")
        assert reason.endswith("usb0 (tether); no hub to check")
    finally:
        stop.set()
        thread.join(5)


def enrol_by_hand(store):
    sync_state.save(store, hub_url="http://hub.test", kit_id="kit-0123456789abcdef")


def test_the_bundle_downloads_signed_with_the_kits_key(app, organiser, store):
    token = csrf_from(page_text(organiser))
    organiser.post("/organiser/results-out/bundle", data={"csrf_token": token})
    assert "not enrolled with a hub yet" in page_text(organiser)
    enrol_by_hand(store)
    response = organiser.post("/organiser/results-out/bundle", data={"csrf_token": token, "scope": "all"})
    assert response.status_code == 200 and response.mimetype == "application/gzip"
    assert 'filename="venuekit-bundle-kit-0123456789abcdef-0-' in response.headers["Content-Disposition"]
    keys = lambda kit_id: KitKeys(identity.public_key(store)) if kit_id == "kit-0123456789abcdef" else None  # noqa
    found = bundle.read(response.get_data(), keys)
    assert found.after == 0 and found.records and found.upto == store.scalar("SELECT max(seq) FROM outbox")
    assert "Last bundle made" in page_text(organiser)


def test_the_bundle_is_written_to_a_usb_stick(app, organiser, store, root):
    assert "Plug a USB stick into the kit" in page_text(organiser)
    (root / "proc/self").mkdir(parents=True)
    (root / "proc/self/mounts").write_text("/dev/sda1 /media/venuekit/KITSTICK vfat rw,flush 0 0\n")
    (root / "media/venuekit/KITSTICK").mkdir(parents=True)
    enrol_by_hand(store)
    text = page_text(organiser)
    assert "Write the sync bundle to the USB stick “KITSTICK”" in text
    token = csrf_from(text)
    organiser.post("/organiser/results-out/bundle/usb", data={"csrf_token": token, "mount_point": "/media/elsewhere"})
    assert "not there any more" in page_text(organiser)
    organiser.post("/organiser/results-out/bundle/usb", data={"csrf_token": token,
                                                              "mount_point": "/media/venuekit/KITSTICK"})
    assert "You can unplug it now" in page_text(organiser)
    written = list((root / "media/venuekit/KITSTICK").glob("venuekit-bundle-*.json.gz"))
    assert len(written) == 1
    assert json.loads(gzip.decompress(written[0].read_bytes()))["kit_id"] == "kit-0123456789abcdef"


def test_with_the_real_nmcli_and_no_networkmanager_the_page_says_why(tmp_path, root):
    """A typo in [uplinks] falls back to the real nmcli; with no NetworkManager running the page says so."""
    app = create_app({"DATA_DIR": str(tmp_path / "plain"), "TESTING": True,
                      "UPLINKS": {"manager": "no such thing", "root": str(root)}})
    from webapp.services import auth

    client = app.test_client()
    page = client.get("/organiser/signin").get_data(as_text=True)
    client.post("/organiser/signin", data={"csrf_token": csrf_from(page), "passphrase": "correct horse",
                                           "setup_code": auth.setup_code(app.extensions["venuekit"].store)})
    text = page_text(client)
    assert "NetworkManager says:" in text
    assert "no Wi-Fi radio free" in text
