import pytest

from webapp.app import create_app
from webapp.config import SETTINGS, ConfigError, load

from pathlib import Path

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_defaults_without_a_file(tmp_path):
    values = load(tmp_path)
    assert values["PORTAL_HOST"] == "" and values["PRINTER"]["kind"] == "preview"


def test_file_in_the_data_dir_is_read(tmp_path):
    (tmp_path / "venuekit.toml").write_text('kit_name = "Town hall kit"\nportal_host = "10.42.0.1"\n')
    app = create_app({"DATA_DIR": str(tmp_path)})
    assert app.config["KIT_NAME"] == "Town hall kit" and app.config["PORTAL_HOST"] == "10.42.0.1"


@pytest.mark.parametrize("text,message", [
    ("kit_name = ", "cannot read"), ("colour = 'red'", "unknown settings"), ("portal_release_hours = 'x'", "must be a float"),
])
def test_bad_files_give_a_clear_error(tmp_path, text, message):
    (tmp_path / "venuekit.toml").write_text(text)
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    assert message in str(info.value)


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
