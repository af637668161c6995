"""Every layout, at 58 mm and 80 mm: the exact ESC/POS bytes, read back and scanned like a phone would."""
from __future__ import annotations

import pytest
from PIL import ImageChops
from pyzbar.pyzbar import decode

from printer import open_printer, render_job, to_escpos

from . import escpos_decode, samples

WIDTHS = (384, 576)
KINDS = sorted(samples.PAYLOADS)


def scan(image) -> set[str]:
    return {symbol.data.decode("utf-8") for symbol in decode(image) if symbol.type == "QRCODE"}


@pytest.fixture(scope="module")
def rendered():
    """Render each (kind, width) once for the module: layouts are deterministic."""
    cache = {}

    def get(kind: str, width: int):
        if (kind, width) not in cache:
            images = render_job(kind, samples.PAYLOADS[kind], width)
            cache[kind, width] = (images, to_escpos(images))
        return cache[kind, width]

    return get


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", KINDS)
def test_bytes_decode_to_the_layout_and_its_qr_codes(rendered, kind, width):
    images, data = rendered(kind, width)
    commands = escpos_decode.commands(data)
    assert commands[0].name == "init"
    assert commands[-1].name == "cut"
    assert sum(c.name == "cut" for c in commands) == len(images)
    assert all(c.raster.width == width for c in commands if c.name == "raster")

    slips = escpos_decode.slips(data)
    assert len(slips) == len(samples.EXPECTED_QR[kind])
    for image, slip, expected in zip(images, slips, samples.EXPECTED_QR[kind]):
        assert slip.size == image.size == (width, image.height)
        # The raster the printer gets is dot for dot the slip that was laid out.
        assert ImageChops.difference(slip, image.convert("L")).getbbox() is None
        assert scan(slip) == expected


def test_tall_slips_are_split_into_several_raster_blocks_and_stacked_back(rendered):
    images, data = rendered("kit_ready", 576)
    assert images[0].height > 960, "the kit-ready slip is expected to be taller than one block"
    blocks = [c for c in escpos_decode.commands(data) if c.name == "raster"]
    assert len(blocks) >= 2
    assert sum(b.raster.height for b in blocks) == images[0].height
    assert escpos_decode.slips(data)[0].size == images[0].size


def test_without_cut_the_job_feeds_instead(rendered):
    images, _ = rendered("ballot_slip", 384)
    names = [c.name for c in escpos_decode.commands(to_escpos(images, cut=False))]
    assert "cut" not in names
    assert names.count("feed") == len(images)


def test_capture_printer_receives_exactly_the_encoded_bytes(rendered, capture_printer):
    images, data = rendered("group_card", 384)
    capture_printer.print_images(images, label="card")
    assert capture_printer.jobs == [("card", data)]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", KINDS)
def test_network_printer_receives_the_exact_job(rendered, fake_network_printer, kind, width):
    images, data = rendered(kind, width)
    server = fake_network_printer()
    with open_printer({**server.config, "width": width}) as device:
        device.send(data, label=kind)
    assert server.printed_jobs() == [data]
    slips = escpos_decode.slips(server.printed_jobs()[0])
    assert [scan(s) for s in slips] == samples.EXPECTED_QR[kind]


def test_qr_modules_are_at_least_four_dots_with_a_quiet_zone(rendered):
    from printer.qr import MIN_MODULE_DOTS, QUIET_ZONE_MODULES, qr_image, qr_matrix

    uri = samples.TRICKY_WIFI_URI
    image = qr_image(uri, 384)
    modules = len(qr_matrix(uri))
    assert image.width % modules == 0 and image.width // modules >= MIN_MODULE_DOTS
    quiet = QUIET_ZONE_MODULES * (image.width // modules)
    border = image.crop((0, 0, image.width, quiet))
    assert border.getextrema() == (255, 255), "the quiet zone must be blank"
    assert scan(image) == {uri}


def test_group_card_qr_codes_too_big_to_sit_side_by_side_are_stacked():
    url = "http://venue.kit/g/K7QF9M?lang=cy&table=" + "7" * 90
    payload = {**samples.GROUP_CARD, "url": url, "password": "a much longer Wi-Fi password, with commas"}
    images = render_job("group_card", payload, 384)
    slip = escpos_decode.slips(to_escpos(images))[0]
    wifi = "WIFI:T:WPA;S:venuekit-7;P:a much longer Wi-Fi password\\, with commas;;"
    assert scan(slip) == {wifi, url}
    narrow = render_job("group_card", samples.GROUP_CARD, 384)[0]
    assert slip.height > narrow.height + 100, "stacked codes make the card taller"
