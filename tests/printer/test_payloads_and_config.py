"""Stored payloads and printer settings: bad input gives a plain message, never a crash."""
from __future__ import annotations

import pytest

from printer import (
    CapturePrinter,
    JobPayloadError,
    LayoutError,
    PreviewPrinter,
    PrinterConfigError,
    open_printer,
    parse_config,
    parse_payload,
    render_job,
    wifi_uri,
)
from printer.escpos_devices import FilePrinter, NetworkPrinter, UsbPrinter
from printer.jobs import address_of, display_code

from . import samples


def test_wifi_uri_escapes_reserved_characters():
    assert wifi_uri(samples.TRICKY_SSID, samples.TRICKY_PASSWORD) == samples.TRICKY_WIFI_URI
    assert wifi_uri("Hall", None) == "WIFI:T:nopass;S:Hall;;"
    assert wifi_uri("Hall", "") == "WIFI:T:nopass;S:Hall;;"
    assert wifi_uri("Neuadd Gŵyr", "pw") == "WIFI:T:WPA;S:Neuadd Gŵyr;P:pw;;"


@pytest.mark.parametrize("ssid, password, uri", [
    # Phones read an unquoted all-hex name or password as hex bytes: the format quotes it.
    ("CAFE1234", "DEADBEEF00", 'WIFI:T:WPA;S:"CAFE1234";P:"DEADBEEF00";;'),
    ("0123", None, 'WIFI:T:nopass;S:"0123";;'),
    ("cafe", "pass word", 'WIFI:T:WPA;S:"cafe";P:pass word;;'),
    ("CAFE-1234", "GHIJ", "WIFI:T:WPA;S:CAFE-1234;P:GHIJ;;"),
])
def test_wifi_uri_quotes_hex_looking_names_and_passwords(ssid, password, uri):
    assert wifi_uri(ssid, password) == uri


def test_a_hex_wifi_name_is_quoted_in_the_printed_qr():
    from pyzbar.pyzbar import decode

    payload = {**samples.KIT_READY, "ssid": "CAFE1234", "password": "0badc0de"}
    found = {d.data.decode() for d in decode(render_job("kit_ready", payload, 576)[0].convert("L"))}
    assert 'WIFI:T:WPA;S:"CAFE1234";P:"0badc0de";;' in found


@pytest.mark.parametrize("raw, shown", [("k7qf9m2xt", "K7Q-F9M-2XT"), ("K7QF-9M2", "K7QF-9M2"),
                                        ("K7Q F9M", "K7Q-F9M"), ("AB12", "AB12")])
def test_codes_are_printed_grouped(raw, shown):
    assert display_code(raw) == shown


def test_address_is_what_people_type():
    assert address_of("http://venue.kit/g/K7QF9M") == "venue.kit"
    assert parse_payload("group_card", samples.GROUP_CARD).address == "venue.kit"


@pytest.mark.parametrize("kind", sorted(samples.PAYLOADS))
def test_every_sample_payload_parses(kind):
    assert parse_payload(kind, samples.PAYLOADS[kind]) is not None


@pytest.mark.parametrize(
    "kind, payload, words",
    [
        ("group_card", {**samples.GROUP_CARD, "code": None}, "'code'"),
        ("group_card", {k: v for k, v in samples.GROUP_CARD.items() if k not in ("group_name", "group_number")},
         "group_name"),
        ("kit_ready", {**samples.KIT_READY, "password": 1234}, "'password'"),
        ("ballot_slip", {"ballots": [], "ssid": "x"}, "empty"),
        ("ballot_slip", {"ballots": ["K7Q"]}, "object"),
        ("paper_ballot", {**samples.PAPER_BALLOT, "method": "borda"}, "approval"),
        ("paper_ballot", {**samples.PAPER_BALLOT, "max_choices": 0}, "'max_choices'"),
        ("paper_ballot", {**samples.PAPER_BALLOT, "ideas": "one, two"}, "list"),
        ("results_slip", {**samples.RESULTS_SLIP, "ballots_cast": "many"}, "'ballots_cast'"),
        ("raffle_ticket", {}, "Unknown kind"),
        ("group_card", ["not", "a", "dict"], "object"),
    ],
)
def test_bad_payloads_say_what_is_wrong(kind, payload, words):
    with pytest.raises(JobPayloadError) as caught:
        render_job(kind, payload, 384)
    assert words in str(caught.value)


def test_labels_replace_the_fixed_wording():
    english = render_job("ballot_slip", samples.BALLOT_SLIPS, 384)[0]
    welsh = render_job("ballot_slip", {**samples.BALLOT_SLIPS, "labels": {
        "keep_slip": "Cadwch y slip hwn: dyma eich pleidlais",
        "how_to_vote_wifi": "Ymunwch â'r Wi-Fi \u201c{ssid}\u201d, agorwch {address} a theipiwch y cod.",
    }}, 384)[0]
    assert english.tobytes() != welsh.tobytes()


def test_a_label_with_a_broken_placeholder_falls_back_to_english():
    record = parse_payload("ballot_slip", {**samples.BALLOT_SLIPS, "labels": {"how_to_vote": "Open {adress}"}})
    assert record.labels.get("how_to_vote", "Open {address}", address="venue.kit") == "Open venue.kit"


@pytest.mark.parametrize("length", [1500, 5000])
def test_a_url_too_long_for_a_scannable_qr_is_a_layout_error(length):
    payload = {"ballots": [{"code": "K7Q", "url": "http://venue.kit/b/" + "x" * length}]}
    with pytest.raises(LayoutError) as caught:
        render_job("ballot_slip", payload, 384)
    assert "QR" in str(caught.value)


def test_defaults_to_the_preview_printer_at_80mm():
    device = open_printer({})
    assert isinstance(device, PreviewPrinter)
    assert device.width == 576
    assert isinstance(open_printer(None), PreviewPrinter)


def test_each_kind_gets_its_device():
    assert isinstance(open_printer({"kind": "dummy"}), CapturePrinter)
    assert isinstance(open_printer({"kind": "network", "host": "127.0.0.1"}), NetworkPrinter)
    assert isinstance(open_printer({"kind": "usb"}), UsbPrinter)
    assert isinstance(open_printer({"kind": "file", "path": "/dev/usb/lp0"}), FilePrinter)


def test_usb_ids_accept_hex_text():
    config = parse_config({"kind": "usb", "vendor_id": "0x04b8", "product_id": "0x0202"})
    assert (config.vendor_id, config.product_id) == (0x04B8, 0x0202)


@pytest.mark.parametrize(
    "config, words",
    [
        ({"kind": "bluetooth"}, "not one of"),
        ({"hots": "10.0.0.5"}, "Did you mean 'host'"),
        ({"kind": "network"}, "set 'host'"),
        ({"kind": "network", "host": "  "}, "'host'"),
        ({"width": 500}, "multiple of 8"),
        ({"width": "wide"}, "'width'"),
        ({"port": 70000}, "'port'"),
        ({"timeout": 0}, "'timeout'"),
        ({"cut": "sometimes"}, "true or false"),
        ({"kind": "usb", "product_id": "0x0202"}, "'vendor_id'"),
        ({"kind": "usb", "vendor_id": "epson"}, "'vendor_id'"),
        ({"profile": "NoSuchPrinter"}, "profile"),
        ("usb", "name = value"),
    ],
)
def test_bad_settings_raise_a_config_error_with_a_message(config, words):
    with pytest.raises(PrinterConfigError) as caught:
        open_printer(config)
    assert words in str(caught.value)
    assert "Traceback" not in str(caught.value)
