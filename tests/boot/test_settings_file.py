"""The boot partition's venuekit.toml: what editors do is tolerated, every mistake is refused
with its line and falls back to the last good settings, and the outcome reaches the database,
the *settings problem* slip and the organiser page."""
from __future__ import annotations

import codecs
import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pi import files
from printer import render_job
from webapp.boot import settings_file
from webapp.boot.settings_file import LAST_GOOD, load_boot_settings, read_settings
from webapp.printing import queue
from webapp.services import kit_status
from webapp.storage import open_store

GOOD = 'wifi_ssid = "Town Hall"\nwifi_password = "correct-horse"\nwifi_country = "IE"\nnetwork_mode = "ethernet"\n'


@pytest.fixture
def kit(tmp_path):
    """A data partition and a boot partition, booted once with a good file."""
    data, boot = tmp_path / "data", tmp_path / "boot" / "venuekit.toml"
    data.mkdir()
    boot.parent.mkdir()
    boot.write_text(GOOD)
    store = open_store(data)
    first = load_boot_settings(boot, data, store=store)
    assert first.problems == [] and first.source == "file"
    return data, boot, store


def boot_with(kit, raw: bytes):
    data, boot, store = kit
    boot.write_bytes(raw)
    return load_boot_settings(boot, data, store=store)


# -- tolerated silently ----------------------------------------------------------------------
@pytest.mark.parametrize("raw", [
    codecs.BOM_UTF8 + GOOD.encode(),  # Windows Notepad, UTF-8
    GOOD.replace("\n", "\r\n").encode(),  # Windows line ends
    GOOD.replace("\n", "\r").encode(),  # classic Mac line ends
    GOOD.replace("\n", "\r\n").encode("utf-16"),  # Notepad's "Unicode" (UTF-16 with BOM)
    GOOD.replace(" = ", "\t=\t").replace("wifi", "\twifi").encode(),  # tabs
    GOOD.replace('"', "\u201c", 1).replace('Hall"', "Hall\u201d").encode(),  # TextEdit's smart quotes
    GOOD.replace('"Town Hall"', "\u201cTown Hall\u201d").replace('"IE"', "\u2018IE\u2019").encode(),
    GOOD.replace("\n", "   \n").replace("Hall", "Hall  ").encode(),  # trailing spaces
    GOOD.replace(" = ", "\u00a0=\u00a0").encode(),  # no-break spaces from a copy and paste
    GOOD.replace("IE", "ie").encode(),  # a country code in lower case
    GOOD.encode("cp1252"),  # Notepad's "ANSI"
])
def test_what_editors_do_is_tolerated_silently(kit, raw):
    result = boot_with(kit, raw)
    assert result.problems == []
    assert result.source == "file"
    assert (result.values["wifi_ssid"], result.values["wifi_password"]) == ("Town Hall", "correct-horse")
    assert (result.values["wifi_country"], result.values["network_mode"]) == ("IE", "ethernet")


def test_smart_quotes_inside_a_straight_quoted_value_are_kept(kit):
    result = boot_with(kit, 'wifi_ssid = "The \u201cHall\u201d"\nkit_name = \u201cJo\u2019s kit\u201d\n'.encode())
    assert result.problems == []
    assert result.values["wifi_ssid"] == "The \u201cHall\u201d" and result.values["kit_name"] == "Jo\u2019s kit"


def test_an_ansi_file_keeps_its_accents(kit):
    result = boot_with(kit, 'wifi_ssid = "Caf\u00e9"\n'.encode("cp1252"))
    assert result.problems == [] and result.values["wifi_ssid"] == "Caf\u00e9"


# -- refused: one problem with the right line, the last good value kept ----------------------
BAD_VALUES = [
    # (line 3 of the file, the setting, a word of the message, what is kept)
    ('wifi_pasword = "correct-horse"', "wifi_pasword", "wifi_password", None),
    ('network_mode = 3', "network_mode", "should be", ("network_mode", "ethernet")),
    ('web_port = "8000"', "web_port", "whole number", ("web_port", 8000)),
    ('network_mode = "mesh"', "network_mode", "not a network mode", ("network_mode", "ethernet")),
    ('wifi_country = "XX"', "wifi_country", "country code", ("wifi_country", "IE")),
    ('wifi_country = "UK"', "wifi_country", "GB", ("wifi_country", "IE")),
    ('wifi_password = "short"', "wifi_password", "8 to 63", ("wifi_password", "correct-horse")),
    ('wifi_password = "' + "x" * 64 + '"', "wifi_password", "8 to 63", ("wifi_password", "correct-horse")),
    ('wifi_password = "caf\u00e9-au-lait"', "wifi_password", "English keyboard", ("wifi_password", "correct-horse")),
    ('wifi_ssid = "' + "\u00e9" * 17 + '"', "wifi_ssid", "34 bytes", ("wifi_ssid", "Town Hall")),
    ('wifi_ssid = ""', "wifi_ssid", "empty", ("wifi_ssid", "Town Hall")),
    ('printer = { kynd = "usb" }', "printer", "kind", ("printer", {"kind": "preview", "width": 576})),
    ('buttons = { print_pin = 17, power_pin = 17 }', "buttons", "used twice", ("buttons", {})),
    ('network = { channel = "six" }', "network", "channel", ("network", {})),
    ('storage_reserve_mb = 999999', "storage_reserve_mb", "4096", ("storage_reserve_mb", 64)),
]


@pytest.mark.parametrize("line,setting,words,kept", BAD_VALUES)
def test_a_bad_value_is_refused_on_its_line_and_the_last_good_value_kept(kit, line, setting, words, kept):
    data, _boot, store = kit
    text = f'# my kit\nkit_name = "Library"\n{line}\nslips_per_group = 4\n'
    result = boot_with(kit, text.encode())
    assert [(p.line, p.setting) for p in result.problems] == [(3, setting)]
    problem = result.problems[0]
    assert words in problem.text()
    assert result.source == "file"
    # The rest of the file still applies.
    assert result.values["kit_name"] == "Library" and result.values["slips_per_group"] == 4
    if kept:
        name, value = kept
        assert result.values[name] == value
        assert problem.used.startswith(f"{name} = ")
    # Recorded for the lights, the health page and the organiser page.
    assert store.scalar("SELECT value FROM settings WHERE name = 'settings.state'") == "problem"
    assert "line 3" in store.scalar("SELECT value FROM settings WHERE name = 'settings.error'")
    assert settings_file.recorded_problems(store) == result.problems


def test_a_bad_key_in_a_table_is_refused_on_its_own_line(kit):
    result = boot_with(kit, b'kit_name = "Library"\n\n[printer]\nwidth = 384\nkynd = "usb"\n')
    assert [(p.line, p.setting) for p in result.problems] == [(5, "printer")]
    assert "Did you mean 'kind'?" in result.problems[0].text()
    assert result.values["printer"] == {"kind": "preview", "width": 576}


def test_a_misspelt_key_suggests_the_nearest_setting(kit):
    result = boot_with(kit, b'Wifi-SSID = "Hall"\n')
    assert "Did you mean \u201cwifi_ssid\u201d?" in result.problems[0].text()


def test_the_first_boot_falls_back_to_the_defaults(tmp_path):
    boot = tmp_path / "venuekit.toml"
    boot.write_text('wifi_country = "XX"\n')
    result = load_boot_settings(boot, tmp_path, store=open_store(tmp_path))
    assert result.values["wifi_country"] == "GB" and result.problems[0].used == 'wifi_country = "GB"'


WHOLE_FILE = [
    (b"", None, "empty"),
    (codecs.BOM_UTF8 + b"  \r\n\r\n", None, "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", None, "not text"),
    (b'kit_name = "Library"\nwifi_ssid = Town Hall\n', 2, "Invalid value"),
    (b'kit_name = "Library"\n\nwifi_ssid = "Town Hall\n', 3, "Illegal character"),
    (b'wifi_ssid = "a"\nwifi_ssid = "b"\n', 2, "Cannot overwrite"),
    (b"buttons = " + b"[" * 5000 + b"]" * 5000 + b"\n", 1, "nested too deeply"),
]


@pytest.mark.parametrize("raw,line,words", WHOLE_FILE)
def test_a_file_that_cannot_be_read_falls_back_wholly_to_the_last_good_settings(kit, raw, line, words):
    data, _boot, store = kit
    result = boot_with(kit, raw)
    assert result.source == "last_good"
    assert [(p.line, p.setting, p.used) for p in result.problems] == [(line, None, "last_good")]
    assert words in result.problems[0].text()
    assert (result.values["wifi_ssid"], result.values["wifi_country"]) == ("Town Hall", "IE")
    # The fallback does not become the last good settings: the file's values still are.
    assert json.loads((data / LAST_GOOD).read_text())["values"]["wifi_ssid"] == "Town Hall"


def test_an_unreadable_file_on_first_boot_uses_the_defaults(tmp_path):
    boot = tmp_path / "venuekit.toml"
    boot.write_bytes(b"\x00\x01\x02")
    result = load_boot_settings(boot, tmp_path, store=open_store(tmp_path))
    assert result.source == "defaults" and result.values["wifi_ssid"] == "venuekit"
    assert not (tmp_path / LAST_GOOD).exists()


def test_a_good_file_again_clears_the_problem(kit):
    boot_with(kit, b'wifi_country = "XX"\n')
    result = boot_with(kit, GOOD.encode())
    assert result.problems == []
    assert kit_status._setting(kit[2], "settings.state") == "ok"
    assert kit_status._setting(kit[2], "settings.error") is None


def test_the_last_good_file_is_replaced_atomically(kit, monkeypatch):
    data, boot, store = kit
    before = (data / LAST_GOOD).read_text()

    def power_cut(*args):
        raise OSError("power cut")

    monkeypatch.setattr(files.os, "replace", power_cut)
    with pytest.raises(OSError):
        boot_with(kit, b'wifi_ssid = "Library"\n')
    assert (data / LAST_GOOD).read_text() == before
    assert [p.name for p in data.iterdir() if p.name.startswith(f".{LAST_GOOD}.")] == []


# -- never raises ----------------------------------------------------------------------------
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(
    st.binary(max_size=400),
    st.text(max_size=300).map(lambda t: t.encode("utf-8")),
    st.lists(st.sampled_from([b"wifi_ssid", b" = ", b'"', b"\xe2\x80\x9c", b"\r\n", b"[printer]", b"[network]",
                              b"kind", b"\t", b"42", b"'", b"wifi_country", b"\xef\xbb\xbf", b"#", b"\\",
                              b"channel", b"true", b"[", b"]", b"{", b"}", b",", b"."]), max_size=40).map(b"".join),
))
def test_arbitrary_bytes_never_raise(tmp_path, raw):
    boot = tmp_path / "fuzz.toml"
    boot.write_bytes(raw)
    result = read_settings([boot], {"wifi_ssid": "Last good"})
    assert set(result.values) == set(settings_file.defaults())
    for problem in result.problems:
        assert problem.text() and problem.used_text() is not None
        assert problem.line is None or problem.line >= 1


# -- the slip and the organiser page ---------------------------------------------------------
def test_the_problem_slip_prints_file_line_what_and_what_was_used(kit):
    data, boot, store = kit
    result = boot_with(kit, b'kit_name = "Library"\n\nwifi_country = "XX"\n')
    info = queue.KitInfo("Library", "Town Hall", "correct-horse", "http://10.42.0.1/")
    job = queue.settings_problem(store, info, result.problems)
    row = store.one("SELECT kind, payload FROM print_jobs WHERE id = ?", [job])
    payload = json.loads(row["payload"])
    assert row["kind"] == "settings_problem"
    assert payload["file"] == str(boot)
    assert payload["problems"] == [{"where": "Line 3 \u00b7 wifi_country",
                                    "what": "\u201cXX\u201d is not a two-letter country code such as GB, IE or FR.",
                                    "used": 'wifi_country = "IE"'}]
    images = render_job("settings_problem", payload, 384)
    assert len(images) == 1 and images[0].width == 384
    # Queued once, not again for the same problems while it waits.
    assert queue.settings_problem(store, info, result.problems) is None
    assert queue.settings_problem(store, info, []) is None


def test_the_slip_is_worded_in_the_language_given():
    problem = settings_file.SettingsProblem(2, "wifi_ssid", "The Wi-Fi name is empty.", {}, 'wifi_ssid = "x"', "f")
    welsh = {"The Wi-Fi name is empty.": "Mae enw'r Wi-Fi yn wag.", "Line %(line)d": "Llinell %(line)d",
             "Settings problem": "Problem gosodiadau"}
    payload = settings_file.slip_payload("Kit", [problem], lambda s: welsh.get(s, s))
    assert payload["problems"][0] == {"where": "Llinell 2 \u00b7 wifi_ssid", "what": "Mae enw'r Wi-Fi yn wag.",
                                      "used": 'wifi_ssid = "x"'}
    assert payload["labels"]["settings_title"] == "Problem gosodiadau"
    # A translation with a broken placeholder still prints, in English.
    broken = settings_file.slip_payload("Kit", [problem], lambda s: s.upper())
    assert broken["problems"][0]["where"] == "Line 2 \u00b7 wifi_ssid"


def test_the_organiser_page_shows_the_same_problems(organiser, store, tmp_path):
    boot = tmp_path / "boot.toml"
    boot.write_text('kit_name = "Library"\nwifi_password = "short"\n')
    settings_file.record(store, read_settings([boot]))
    page = organiser.get("/organiser/").get_data(as_text=True)
    assert "Line 2 \u00b7 <code>wifi_password</code>" in page
    assert "The Wi-Fi password has 5 characters" in page
    assert "Used instead: wifi_password = &#34;&#34;" in page


def test_the_organiser_page_is_quiet_without_problems(organiser, store):
    assert "settings-problems" not in organiser.get("/organiser/").get_data(as_text=True)
