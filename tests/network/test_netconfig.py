"""The generated network files, per mode, and their validation by the real tools
(nft -c for the rules, nmcli --offline for the NetworkManager profiles)."""
from __future__ import annotations

import ipaddress
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pi import netconfig
from pi.netconfig import (COUNTRY_PATH, DISPATCHER_PATH, DNSMASQ_PATH, NFT_PATH, NM_CONF_PATH, PROFILE_PATH,
                          UPLINK_PROFILE_PATH, NetConfigError, resolve)
from pi.netfiles import render, write_files

from .conftest import tool

ROOT = Path(__file__).resolve().parents[2]


class KeyFile(dict):
    """A keyfile read by GKeyFile's rules: [section] headers, key=value lines, # comments;
    whitespace around the key and before the value is ignored, the rest of the value is kept."""

    def has_section(self, name: str) -> bool:
        return name in self

    def has_option(self, section: str, key: str) -> bool:
        return key in self.get(section, {})

    def sections(self) -> list[str]:
        return list(self)


def keyfile(text: str) -> KeyFile:
    parsed, section = KeyFile(), None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            section = parsed.setdefault(stripped[1:-1], {})
            continue
        assert section is not None and "=" in line, f"not a keyfile line: {line!r}"
        key, _, value = line.partition("=")
        section[key.strip()] = value.lstrip(" \t")
    return parsed


def keyfile_unescape(value: str) -> str:
    """GKeyFile string escapes (what NetworkManager's reader undoes)."""
    out, i = [], 0
    table = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value) and value[i + 1] in table:
            out.append(table[value[i + 1]])
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def ssid_bytes(value: str) -> bytes:
    """An SSID as NetworkManager reads it: a list of byte values ending in ';', else a string."""
    if value.endswith(";") and all(p.isdigit() for p in value[:-1].split(";")):
        return bytes(int(p) for p in value[:-1].split(";"))
    return keyfile_unescape(value).replace("\\;", ";").encode()


def dnsmasq_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


# -- the files, per mode -----------------------------------------------------------------------
def test_the_wifi_country_reaches_the_wireless_stack():
    assert render({"country": "DE"})[COUNTRY_PATH].splitlines()[-1] == "options cfg80211 ieee80211_regdom=DE"
    assert "ieee80211_regdom=GB" in render({})[COUNTRY_PATH]


def test_onboard_defaults_make_an_open_access_point_on_wlan0():
    files = render({})
    assert set(files) == {PROFILE_PATH, DNSMASQ_PATH, NFT_PATH, DISPATCHER_PATH, NM_CONF_PATH, COUNTRY_PATH}
    profile = keyfile(files[PROFILE_PATH])
    assert profile["connection"]["type"] == "wifi"
    assert profile["connection"]["interface-name"] == "wlan0"
    assert profile["wifi"]["mode"] == "ap"
    assert profile["wifi"]["ssid"] == "venuekit"
    assert (profile["wifi"]["band"], profile["wifi"]["channel"]) == ("bg", "6")
    assert not profile.has_section("wifi-security"), "an empty password means an open network"
    assert profile["ipv4"]["method"] == "shared"
    assert profile["ipv4"]["address1"] == "10.42.0.1/24"
    assert profile["ipv6"]["method"] == "disabled"


def test_password_makes_wpa2_psk():
    profile = keyfile(render({"password": "correct horse"})[PROFILE_PATH])
    security = profile["wifi-security"]
    assert security["key-mgmt"] == "wpa-psk"
    assert security["proto"] == "rsn" and security["pairwise"] == "ccmp"
    assert security["psk"] == "correct horse"


def option_114_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("dhcp-option") and "114" in line.split(",")[0]]


def test_dnsmasq_lines_resolve_everything_to_the_kit_and_leave_option_114_off():
    text = render({})[DNSMASQ_PATH]
    lines = dnsmasq_lines(text)
    assert "address=/#/10.42.0.1" in lines
    assert option_114_lines(lines) == [], "option 114 is off unless captive_api_url is set"
    assert "captive_api_url" in text, "the file says why option 114 is not sent"
    assert "no-resolv" in lines, "no upstream resolvers: every name is the kit"
    assert "local=/#/" in lines, "nothing is ever forwarded upstream"
    assert "dhcp-host=*:*:*:*:*:*,1h" in lines
    assert not any(line.startswith("dhcp-range=") for line in lines), "a /24 is NetworkManager's own range"


def test_a_different_address_moves_everything():
    files = render({"address": "192.168.77.1"})
    assert keyfile(files[PROFILE_PATH])["ipv4"]["address1"] == "192.168.77.1/24"
    lines = dnsmasq_lines(files[DNSMASQ_PATH])
    assert "address=/#/192.168.77.1" in lines
    assert option_114_lines(lines) == []
    assert "ip daddr 192.168.77.0/24" in files[NFT_PATH]


def test_option_114_is_sent_only_when_set_and_only_over_https():
    url = "https://kit.example.org/api/captive"
    lines = dnsmasq_lines(render({"captive_api_url": url})[DNSMASQ_PATH])
    assert option_114_lines(lines) == [f"dhcp-option-force=114,{url}"]
    assert option_114_lines(dnsmasq_lines(render({"captive_api_url": ""})[DNSMASQ_PATH])) == []


def test_ethernet_mode_is_a_shared_wired_port_with_a_thousand_leases():
    files = render({"mode": "ethernet"})
    profile = keyfile(files[PROFILE_PATH])
    assert profile["connection"]["type"] == "ethernet"
    assert profile["connection"]["interface-name"] == "eth0"
    assert not profile.has_section("wifi")
    assert profile["ipv4"]["method"] == "shared"
    assert profile["ipv4"]["address1"] == "10.42.0.1/22"
    lines = dnsmasq_lines(files[DNSMASQ_PATH])
    ranges = [line.split("=", 1)[1].split(",") for line in lines if line.startswith("dhcp-range=")]
    assert ranges == [["10.42.1.1", "10.42.3.254", "255.255.252.0", "15m"]]
    # NetworkManager's own range (one /24 beside the kit's address) plus ours.
    addresses = set()
    nm_first, nm_last = netconfig.nm_range(ipaddress.IPv4Interface("10.42.0.1/22"))
    for first, last, *_ in [(nm_first, nm_last), *ranges]:
        addresses.update(range(int(ipaddress.IPv4Address(first)), int(ipaddress.IPv4Address(last)) + 1))
    assert len(addresses) >= 1000
    lease_max = int(next(line for line in lines if line.startswith("dhcp-lease-max=")).split("=")[1])
    assert lease_max >= len(addresses) >= 1000
    assert "dhcp-host=*:*:*:*:*:*,15m" in lines, "short leases in ethernet mode"
    assert 'iifname "eth0" tcp dport 80 redirect to :8000' in files[NFT_PATH]


def test_ethernet_mode_refuses_a_pool_too_small_for_a_hall():
    with pytest.raises(NetConfigError, match="1,000"):
        resolve({"mode": "ethernet", "prefix": 24})
    with pytest.raises(NetConfigError, match="1,000"):
        resolve({"mode": "ethernet", "lease_max": 500})


def test_usb_mode_is_the_access_point_on_a_second_radio():
    files = render({"mode": "usb", "password": "12345678"})
    profile = keyfile(files[PROFILE_PATH])
    assert profile["connection"]["interface-name"] == "wlan1"
    assert profile["wifi"]["mode"] == "ap"
    assert 'iifname "wlan1" tcp dport 80 redirect to :8000' in files[NFT_PATH]
    assert '$1" = "wlan1"' in files[DISPATCHER_PATH]


def test_the_firewall_redirects_port_80_only_and_forwards_nothing():
    rules = render({"app_port": 8080})[NFT_PATH]
    assert 'iifname "wlan0" tcp dport 80 redirect to :8080' in rules
    rule_lines = [line for line in rules.splitlines() if not line.strip().startswith("#")]
    assert not any("443" in line for line in rule_lines), "port 443 is never intercepted"
    assert 'iifname "wlan0" meta l4proto tcp reject with tcp reset' in rules
    assert 'oifname "wlan0" drop' in rules
    assert "delete table inet venuekit" in rules, "loading it again replaces only our table"
    assert "flush ruleset" not in rules


def test_networkmanager_is_told_to_leave_the_firewall_alone():
    conf = keyfile(render({})[NM_CONF_PATH])
    assert conf["main"]["firewall-backend"] == "none"


def test_uplink_wifi_profile_only_where_a_radio_is_free():
    files = render({"mode": "ethernet", "uplink_ssid": "Venue Guest", "uplink_password": "guestpass1"})
    uplink = keyfile(files[UPLINK_PROFILE_PATH])
    assert uplink["connection"]["interface-name"] == "wlan0"
    assert uplink["wifi"]["mode"] == "infrastructure"
    assert uplink["ipv4"]["method"] == "auto"
    with pytest.raises(NetConfigError, match="onboard"):
        render({"mode": "onboard", "uplink_ssid": "Venue Guest"})


@pytest.mark.parametrize("config, message", [
    ({"mode": "mesh"}, "mode"),
    ({"password": "short"}, "8 to 63"),
    ({"password": "x" * 64}, "8 to 63"),
    ({"ssid": ""}, "ssid"),
    ({"ssid": "x" * 33}, "ssid"),
    ({"country": "uk"}, "country"),
    ({"address": "8.8.8.8"}, "private"),
    ({"address": "10.42.0.0"}, "private host"),
    ({"app_port": 80}, "unprivileged"),
    ({"venue_interface": "eth0; rm -rf /"}, "interface"),
    ({"dhcp_range": "10.42.0.1,10.42.0.99"}, "own address"),
    ({"dhcp_range": "10.43.0.10,10.43.0.99"}, "inside"),
    ({"wifi": "x"}, "unknown"),
    ({"captive_api_url": "http://10.42.0.1/api/captive"}, "captive_api_url must be an https://"),
    ({"captive_api_url": "http://kit.example.org/api/captive"}, "https://"),
    ({"captive_api_url": "https://10.42.0.1/api/captive"}, "name, not an IP address"),
    ({"captive_api_url": "https://[fd00::1]/api/captive"}, "name, not an IP address"),
    ({"captive_api_url": "https://kit.example.org/a,b"}, "captive_api_url must be"),
    ({"captive_api_url": "https:///api/captive"}, "captive_api_url must be"),
    ({"captive_api_url": True}, "captive_api_url must be"),
])
def test_bad_configs_are_refused_with_a_reason(config, message):
    with pytest.raises(NetConfigError, match=message):
        render(config)


@pytest.mark.parametrize("address, prefix, first, last", [
    # NetworkManager's own test vectors (src/core/dnsmasq/tests/test-dnsmasq-utils.c).
    ("192.168.0.1", 24, "192.168.0.10", "192.168.0.254"),
    ("192.168.0.99", 24, "192.168.0.108", "192.168.0.254"),
    ("192.168.0.254", 24, "192.168.0.1", "192.168.0.245"),
    ("1.2.3.1", 30, "1.2.3.2", "1.2.3.2"),
    ("10.42.0.1", 22, "10.42.0.10", "10.42.0.254"),
])
def test_networkmanagers_own_dhcp_range(address, prefix, first, last):
    assert netconfig.nm_range(ipaddress.IPv4Interface(f"{address}/{prefix}")) == (first, last)


# -- the real validators -------------------------------------------------------------------------
MODES = [
    {"mode": "onboard"},
    {"mode": "onboard", "password": "correct horse", "ssid": "Town Hall"},
    {"mode": "ethernet"},
    {"mode": "usb", "password": r" back\slash;semi#hash ", "ssid": "Café; Room 1"},
    {"mode": "usb", "ssid": "12345", "band": "a", "channel": 36},
]


@pytest.mark.parametrize("config", MODES, ids=lambda c: "-".join(str(v) for v in c.values()))
def test_nft_accepts_the_rules(config, tmp_path, netns_factory):
    path = tmp_path / "venuekit.nft"
    path.write_text(render(config)[NFT_PATH])
    # Checked (-c: nothing is committed) inside a namespace of its own, never against the host.
    done = netns_factory("chk").run(tool("nft"), "-c", "-f", str(path), check=False)
    assert done.returncode == 0, done.stderr


def test_nft_catches_a_broken_rule(tmp_path, netns_factory):
    path = tmp_path / "broken.nft"
    path.write_text(render({})[NFT_PATH].replace("redirect to :8000", "redirect to :eighty"))
    done = netns_factory("chk").run(tool("nft"), "-c", "-f", str(path), check=False)
    assert done.returncode != 0, "the check must catch a bad rule, or it proves nothing"


def nmcli_offline(text: str) -> KeyFile:
    """NetworkManager's own reader and checker: `nmcli --offline` reads a keyfile on stdin,
    normalizes and verifies the profile, and writes it back (an invalid one is an error)."""
    done = subprocess.run([tool("nmcli"), "--offline", "connection", "modify", "connection.autoconnect", "yes"],
                          input=text, capture_output=True, text=True)
    assert done.returncode == 0, f"NetworkManager refuses the profile: {done.stderr}\n{text}"
    return keyfile(done.stdout)


def assert_nm_reads_it_as_written(ours: KeyFile, nm: KeyFile):
    nm_defaults = {("connection", "autoconnect"): "true", ("wifi", "hidden"): "false"}
    for section in ours.sections():
        for key, value in ours[section].items():
            if (section, key) in nm_defaults and value == nm_defaults[section, key]:
                continue  # NetworkManager leaves defaults out
            assert nm.has_option(section, key), f"NetworkManager dropped {section}.{key}"
            theirs = nm[section][key]
            if key == "ssid":
                assert ssid_bytes(theirs) == ssid_bytes(value)
            elif key in ("psk",):
                assert keyfile_unescape(theirs) == keyfile_unescape(value)
            else:
                assert theirs.rstrip(";") == value.rstrip(";"), f"{section}.{key}: {theirs!r} != {value!r}"


@pytest.mark.parametrize("config", MODES, ids=lambda c: "-".join(str(v) for v in c.values()))
def test_networkmanager_accepts_the_profile(config):
    text = render(config)[PROFILE_PATH]
    ours = keyfile(text)
    nm = nmcli_offline(text)
    assert_nm_reads_it_as_written(ours, nm)
    assert ssid_bytes(nm["wifi"]["ssid"]) == resolve(config)["ssid"].encode() if nm.has_section("wifi") else True
    if "password" in config:
        assert keyfile_unescape(nm["wifi-security"]["psk"]) == config["password"]


def test_networkmanager_accepts_the_uplink_profile():
    config = {"mode": "usb", "uplink_interface": "wlan0", "uplink_ssid": "Venue Guest",
              "uplink_password": "guestpass1"}
    text = render(config)[UPLINK_PROFILE_PATH]
    assert_nm_reads_it_as_written(keyfile(text), nmcli_offline(text))


def test_networkmanager_rejects_a_broken_profile():
    broken = render({})[PROFILE_PATH].replace("type=wifi", "type=wifi\n").replace("mode=ap", "mode=spaceship")
    done = subprocess.run([tool("nmcli"), "--offline", "connection", "modify", "connection.autoconnect", "yes"],
                          input=broken, capture_output=True, text=True)
    assert done.returncode != 0, "the validator must catch a bad profile, or it proves nothing"


# -- writing under a root ------------------------------------------------------------------------
def test_the_profile_keeps_its_uuid_unless_its_type_changes():
    uuid_of = lambda config: keyfile(render(config)[PROFILE_PATH])["connection"]["uuid"]  # noqa: E731
    assert uuid_of({"mode": "onboard"}) == uuid_of({"mode": "usb", "ssid": "Hall B"})
    assert uuid_of({"mode": "onboard"}) != uuid_of({"mode": "ethernet"})


def test_write_files_installs_with_modes_and_then_changes_nothing(tmp_path):
    config = {"mode": "onboard", "password": "correct horse"}
    written = write_files(config, tmp_path)
    assert sorted(written) == sorted(tmp_path / p.lstrip("/") for p in render(config))
    profile = tmp_path / PROFILE_PATH.lstrip("/")
    assert stat.S_IMODE(profile.stat().st_mode) == 0o600, "the profile holds the Wi-Fi password"
    assert stat.S_IMODE((tmp_path / DISPATCHER_PATH.lstrip("/")).stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / NFT_PATH.lstrip("/")).stat().st_mode) == 0o644
    before = profile.stat().st_mtime_ns
    assert write_files(config, tmp_path) == []
    assert profile.stat().st_mtime_ns == before
    # A changed setting rewrites only the files it touches.
    assert write_files({**config, "ssid": "Hall B"}, tmp_path) == [profile]
    # A mode that drifted is put back.
    profile.chmod(0o644)
    assert write_files({**config, "ssid": "Hall B"}, tmp_path) == [profile]
    assert stat.S_IMODE(profile.stat().st_mode) == 0o600


def test_uplink_profile_is_removed_when_no_longer_configured(tmp_path):
    config = {"mode": "ethernet", "uplink_ssid": "Venue Guest"}
    write_files(config, tmp_path)
    uplink = tmp_path / UPLINK_PROFILE_PATH.lstrip("/")
    assert uplink.exists()
    assert write_files({"mode": "ethernet"}, tmp_path) == [uplink]
    assert not uplink.exists()


def test_cli_reads_venuekit_toml_files_in_order(tmp_path):
    kit = tmp_path / "kit.toml"
    kit.write_text('wifi_password = "generated1"\nportal_host = "10.42.0.1"\n')
    boot = tmp_path / "boot.toml"
    boot.write_text('wifi_ssid = "Town Hall"\nnetwork_mode = "usb"\nkit_name = "ignored"\n'
                    '[printer]\nkind = "usb"\n[network]\nchannel = 11\n')
    root = tmp_path / "root"
    args = ["-m", "pi.netconfig", "--root", str(root), "--settings", str(kit), "--settings", str(boot),
            "--settings", str(tmp_path / "missing.toml")]
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.split()) == 6
    profile = keyfile((root / PROFILE_PATH.lstrip("/")).read_text())
    assert profile["connection"]["interface-name"] == "wlan1"
    assert profile["wifi"]["ssid"] == "Town Hall"
    assert profile["wifi"]["channel"] == "11"
    assert profile["wifi-security"]["psk"] == "generated1"
    again = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 0 and again.stdout == "", "a second run changes nothing"


def test_cli_reports_a_bad_setting(tmp_path):
    bad = tmp_path / "venuekit.toml"
    bad.write_text('wifi_password = "short"\n')
    done = subprocess.run([sys.executable, "-m", "pi.netconfig", "--root", str(tmp_path / "r"),
                           "--settings", str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert "password" in done.stderr
    assert not (tmp_path / "r").exists()


def test_cli_refuses_an_http_captive_api_url(tmp_path):
    settings = tmp_path / "venuekit.toml"
    settings.write_text('[network]\ncaptive_api_url = "http://10.42.0.1/api/captive"\n')
    done = subprocess.run([sys.executable, "-m", "pi.netconfig", "--print", "--settings", str(settings)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and done.stdout == ""
    assert "captive_api_url must be an https://" in done.stderr
    assert "RFC 8908" in done.stderr


def test_every_network_setting_is_documented():
    readme = (ROOT / "README.md").read_text()
    for key in netconfig.KEYS:
        if key in ("mode", "ssid", "password", "country"):
            continue  # the main settings network_mode, wifi_*
        assert f"`{key}`" in readme, f"{key} is not documented in the README"
    for mode in netconfig.MODES:
        assert f"`{mode}`" in readme


def test_a_settings_file_saved_by_notepad_is_read(tmp_path):
    """A byte-order mark and CRLF line ends, as Windows Notepad saves them."""
    from pi import netconfig

    path = tmp_path / "venuekit.toml"
    path.write_bytes("\ufeffwifi_ssid = \"Neuadd\"\r\nwifi_country = \"GB\"\r\n".encode("utf-8"))
    assert netconfig.load_settings([path]) == {"wifi_ssid": "Neuadd", "wifi_country": "GB"}
