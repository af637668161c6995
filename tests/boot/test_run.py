"""`venuekit boot` on its own: upgrades from an installer that made secrets, and bad network tables."""
from __future__ import annotations

from webapp.boot import applied
from webapp.boot.run import BOOT_FILE, DATA_DIR, boot
from webapp.storage import open_store


def test_a_password_an_old_installer_wrote_into_the_image_is_retired(tmp_path):
    data = tmp_path / DATA_DIR
    data.mkdir(parents=True)
    (data / "venuekit.toml").write_text('# Written by provisioning/install.sh on this kit. Settings in '
                                        '/boot/firmware/venuekit.toml win over these.\n'
                                        'wifi_password = "sharedbyall"\nportal_host = "10.42.0.1"\n')
    report = boot(tmp_path)
    assert report.errors == []
    state = applied.read(data)
    assert state["password"] != "sharedbyall" and state["address"] == "10.42.0.1"
    assert not (data / "venuekit.toml").exists() and (data / "venuekit.toml.installer-old").exists()


def test_network_settings_that_cannot_work_together_keep_the_last_working_network(tmp_path, monkeypatch):
    (tmp_path / BOOT_FILE).parent.mkdir(parents=True)
    (tmp_path / BOOT_FILE).write_text('wifi_ssid = "First"\nwifi_password = "first pass 1"\n')
    assert boot(tmp_path).errors == []
    # The settings file's checks pass each value; should netconfig still refuse the whole
    # (a combination no check foresaw), the last working network stays up.
    (tmp_path / BOOT_FILE).write_text('wifi_ssid = "Second"\n')
    from webapp.boot import network

    real = network.network_config
    monkeypatch.setattr(network, "network_config",
                        lambda *a, **k: {**real(*a, **k), "venue_interface": "eth0", "uplink_interface": "eth0"})
    report = boot(tmp_path)
    state = applied.read(tmp_path / DATA_DIR)
    assert (state["ssid"], state["source"]) == ("First", "last_good")
    assert [p.setting for p in report.problems] == ["network"] and report.errors == []
    store = open_store(tmp_path / DATA_DIR)
    assert store.scalar("SELECT value FROM settings WHERE name = 'settings.state'") == "problem"
    assert store.scalar("SELECT count(*) FROM print_jobs WHERE kind = 'settings_problem'") == 1


def test_choose_falls_back_to_the_defaults_with_the_kits_own_name_and_password():
    from webapp.boot.network import choose

    config, values, problem = choose({"mode": "ethernet", "prefix": 24}, None, kit_ssid="venuekit-ABCD",
                                     kit_password="abcd-efgh-jkmn")
    assert problem and "1,000 leases" in problem
    assert (values["mode"], values["ssid"], values["password"]) == ("onboard", "venuekit-ABCD", "abcd-efgh-jkmn")
