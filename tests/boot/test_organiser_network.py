"""The organiser page shows the network phones can join now: the applied one, not the file's."""
from __future__ import annotations

from tests.conftest import csrf_from
from webapp.app import create_app
from webapp.boot import applied
from webapp.services import auth

KIT = "http://10.42.0.1"


def signed_in(app):
    store = app.extensions["venuekit"].store
    client = app.test_client()
    page = client.get("/organiser/signin", base_url=KIT).get_data(as_text=True)
    done = client.post("/organiser/signin", base_url=KIT, data={
        "csrf_token": csrf_from(page), "setup_code": auth.setup_code(store), "passphrase": "correct horse"})
    assert done.status_code == 303
    return client


def test_overview_shows_the_applied_wifi_and_address(tmp_path, monkeypatch):
    boot_file = tmp_path / "venuekit.toml"
    boot_file.write_text('wifi_ssid = "Edited Later"\nwifi_password = "edited password"\n')
    monkeypatch.setenv("VENUEKIT_CONFIG", str(boot_file))
    data = tmp_path / "data"
    applied.write(data, {"ssid": "Live Hall", "password": "live-pass-9", "country": "GB", "mode": "onboard",
                         "address": "10.42.0.1", "source": "file"})
    app = create_app({"DATA_DIR": str(data), "TESTING": True})
    page = signed_in(app).get("/organiser/", base_url=KIT).get_data(as_text=True)
    assert 'id="kit-network"' in page
    assert "Live Hall" in page and "live-pass-9" in page and "http://10.42.0.1/" in page
    assert "Edited Later" not in page and "edited password" not in page


def test_laptop_mode_shows_the_settings(tmp_path, monkeypatch):
    boot_file = tmp_path / "venuekit.toml"
    boot_file.write_text('wifi_ssid = "Laptop Hall"\nwifi_password = "laptop pass"\n')
    monkeypatch.setenv("VENUEKIT_CONFIG", str(boot_file))
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True})
    page = signed_in(app).get("/organiser/", base_url=KIT).get_data(as_text=True)
    assert "Laptop Hall" in page and "laptop pass" in page
