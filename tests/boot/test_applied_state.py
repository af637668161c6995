"""What is printed is what is live: slips and pages read the applied state, not the file."""
from __future__ import annotations

import json

from webapp.boot import applied
from webapp.config import load
from webapp.printing import queue
from webapp.storage import open_store


def test_settings_show_the_applied_network_not_the_edited_file(tmp_path, monkeypatch):
    boot_file = tmp_path / "venuekit.toml"
    boot_file.write_text('wifi_ssid = "Edited"\nwifi_password = "not-yet-live"\nportal_host = "10.9.0.1"\n')
    monkeypatch.setenv("VENUEKIT_CONFIG", str(boot_file))
    applied.write(tmp_path, {"ssid": "Live", "password": "live-pass-1", "country": "FR", "mode": "onboard",
                             "address": "10.42.0.1", "source": "file"})
    settings = load(tmp_path)
    assert (settings["WIFI_SSID"], settings["WIFI_PASSWORD"], settings["PORTAL_HOST"]) == \
        ("Live", "live-pass-1", "10.42.0.1")
    store = open_store(tmp_path)
    queue.kit_ready(store, queue.KitInfo.from_config(settings, queue.kit_url(settings)))
    payload = json.loads(store.scalar("SELECT payload FROM print_jobs WHERE kind = 'kit_ready'"))
    assert (payload["ssid"], payload["password"], payload["url"]) == ("Live", "live-pass-1", "http://10.42.0.1/")


def test_laptop_mode_without_a_boot_step_uses_the_settings(tmp_path, monkeypatch):
    boot_file = tmp_path / "venuekit.toml"
    boot_file.write_text('wifi_ssid = "Laptop"\n')
    monkeypatch.setenv("VENUEKIT_CONFIG", str(boot_file))
    assert applied.read(tmp_path) is None
    settings = load(tmp_path)
    assert settings["WIFI_SSID"] == "Laptop" and settings["PORTAL_HOST"] == ""


def test_an_unreadable_state_file_is_ignored(tmp_path):
    applied.path(tmp_path).write_text("{not json")
    assert applied.read(tmp_path) is None
    assert load(tmp_path)["WIFI_SSID"] == "venuekit"
    assert oct(applied.path(applied.write(tmp_path, {"ssid": "a", "password": "", "country": "GB", "mode": "usb",
                                                     "address": "10.42.0.1"}) and tmp_path).stat().st_mode)[-3:] == "640"
