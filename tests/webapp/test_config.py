import pytest

from webapp.app import create_app
from webapp.config import SETTINGS, load

from pathlib import Path

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_defaults_without_a_file(tmp_path):
    values = load(tmp_path)
    assert values["PORTAL_HOST"] == "" and values["PRINTER"]["kind"] == "preview"


def test_file_in_the_data_dir_is_read(tmp_path):
    (tmp_path / "venuekit.toml").write_text('kit_name = "Town hall kit"\nportal_host = "10.42.0.1"\n')
    app = create_app({"DATA_DIR": str(tmp_path)})
    assert app.config["KIT_NAME"] == "Town hall kit" and app.config["PORTAL_HOST"] == "10.42.0.1"


@pytest.mark.parametrize("text", ["kit_name = ", "colour = 'red'", "portal_release_hours = 'x'", "\x00\x01"])
def test_a_bad_file_never_stops_a_service(tmp_path, text, monkeypatch):
    """A typo used to stop every service, the buttons included: now the bad part falls back."""
    boot = tmp_path / "boot.toml"
    boot.write_text(text)
    monkeypatch.setenv("VENUEKIT_CONFIG", str(boot))
    values = load(tmp_path)
    assert values["PORTAL_RELEASE_HOURS"] == 3.0 and values["WIFI_SSID"] == "venuekit"


def test_a_bad_buttons_table_falls_back_so_the_buttons_service_starts(tmp_path, monkeypatch):
    from pi.config import PiConfig

    boot = tmp_path / "boot.toml"
    boot.write_text("[buttons]\nprint_pinn = 5\n")
    monkeypatch.setenv("VENUEKIT_CONFIG", str(boot))
    assert PiConfig.from_mapping(load(tmp_path)["BUTTONS"]).print_pin == 17


def test_the_web_app_uses_the_last_good_value_for_a_bad_one(tmp_path, monkeypatch):
    (tmp_path / "settings.last-good.json").write_text('{"values": {"wifi_country": "IE"}}')
    boot = tmp_path / "boot.toml"
    boot.write_text('wifi_country = "Q1"\nkit_name = "Library"\n')
    monkeypatch.setenv("VENUEKIT_CONFIG", str(boot))
    values = load(tmp_path)
    assert values["WIFI_COUNTRY"] == "IE" and values["KIT_NAME"] == "Library"


def test_every_setting_is_documented():
    for name in SETTINGS:
        assert f"`{name}`" in README, name


def test_boot_file_overrides_the_data_dir_file_and_tables_merge(tmp_path, monkeypatch):
    (tmp_path / "venuekit.toml").write_text('wifi_password = "generated-on-kit"\nkit_name = "A"\n')
    boot = tmp_path / "boot.toml"
    boot.write_text('kit_name = "Library"\n[printer]\nwidth = 384\n')
    monkeypatch.setenv("VENUEKIT_CONFIG", str(boot))
    values = load(tmp_path)
    assert values["KIT_NAME"] == "Library" and values["WIFI_PASSWORD"] == "generated-on-kit"
    assert values["PRINTER"] == {"kind": "preview", "width": 384}
