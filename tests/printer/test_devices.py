"""Printer devices: preview files, and the ways network, USB and device-file printers fail."""
from __future__ import annotations

import errno
import os
from types import SimpleNamespace

import pytest
import usb.core
from escpos.exceptions import DeviceNotFoundError, USBNotFoundError
from escpos.printer import File, Usb
from PIL import Image, ImageChops

from printer import (
    PaperOutError,
    PrinterConnectionLostError,
    PrinterOfflineError,
    PrinterRefusedError,
    PrinterTimeoutError,
    open_printer,
    render_job,
    to_escpos,
)
from printer.escpos_devices import find_receipt_printer

from . import escpos_decode, samples
from .fake_network_printer import refused_port


@pytest.fixture(scope="module")
def card():
    """A group card for 80 mm paper and its bytes (tens of kilobytes: bigger than one TCP segment)."""
    images = render_job("group_card", samples.GROUP_CARD, 576)
    return images, to_escpos(images)


# --- preview ---------------------------------------------------------------------------

def test_preview_writes_one_png_per_slip(tmp_path):
    images = render_job("ballot_slip", samples.BALLOT_SLIPS, 384)
    device = open_printer({"kind": "preview", "dir": str(tmp_path / "prints"), "width": 384})
    device.print_images(images, label="ballots for table 7")
    assert [p.name.split("-", 2)[2] for p in device.files] == [
        "0001-ballots-for-table-7-1.png", "0002-ballots-for-table-7-2.png"]
    for path, image in zip(device.files, images):
        saved = Image.open(path).convert("L")
        assert ImageChops.difference(saved, image.convert("L")).getbbox() is None
    assert device.status().state == "ready"


def test_preview_folder_that_cannot_be_made_is_offline(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    device = open_printer({"kind": "preview", "dir": str(blocker / "prints")})
    with pytest.raises(PrinterOfflineError):
        device.send(to_escpos(render_job("ballot_slip", samples.BALLOT_SLIPS, 576)))


# --- network ---------------------------------------------------------------------------

def test_refused_connection(card):
    port = refused_port()
    device = open_printer({"kind": "network", "host": "127.0.0.1", "port": port, "timeout": 2})
    with pytest.raises(PrinterRefusedError) as caught:
        device.send(card[1])
    assert f"127.0.0.1:{port}" in caught.value.message
    assert not caught.value.partial  # nothing reached a printer: no torn slip
    assert device.status().state == "offline"


def test_connection_dropped_mid_job_is_an_error_then_the_retry_prints(card, fake_network_printer):
    server = fake_network_printer(drop_after=4000, drops=1)
    device = open_printer(server.config)
    with pytest.raises(PrinterConnectionLostError) as caught:
        device.send(card[1])
    assert caught.value.partial, "part of the slip may be on paper"
    assert server.printed_jobs() == []
    assert server.connections[0].dropped
    device.send(card[1])  # reconnects by itself
    assert server.printed_jobs() == [card[1]]


def test_slow_printer_still_gets_the_whole_job(card, fake_network_printer):
    server = fake_network_printer(accept_delay=0.2, read_delay=0.005)
    with open_printer(server.config) as device:
        device.send(card[1])
    assert server.printed_jobs() == [card[1]]
    assert escpos_decode.slips(server.printed_jobs()[0])[0].size == card[0][0].size


def test_stalled_printer_times_out(card, fake_network_printer):
    server = fake_network_printer(stall=True)
    device = open_printer({**server.config, "timeout": 0.3})
    with pytest.raises(PrinterTimeoutError) as caught:
        device.send(card[1])
    assert "0.3 s" in caught.value.message


def test_paper_out_refuses_the_job_before_sending_it(card, fake_network_printer):
    server = fake_network_printer(paper_out=True)
    device = open_printer(server.config)
    with pytest.raises(PaperOutError) as caught:
        device.send(card[1])
    assert not caught.value.partial
    assert server.printed_jobs() == []
    status = device.status()
    assert (status.state, status.paper) == ("paper_out", "out")


def test_network_status_when_ready(fake_network_printer):
    server = fake_network_printer()
    with open_printer(server.config) as device:
        status = device.status()
    assert (status.state, status.paper) == ("ready", "ok")


def test_without_confirm_no_status_requests_are_sent(card, fake_network_printer):
    server = fake_network_printer()
    with open_printer({**server.config, "confirm": False}) as device:
        device.send(card[1])
    # Nothing came back to wait on, so wait (boundedly) for the server to read it all.
    assert server.wait_for(lambda: server.printed_jobs() == [card[1]])
    assert bytes(server.connections[0].received) == card[1]


# --- USB -------------------------------------------------------------------------------

class FakeHandle:
    """A device handle; python-escpos's own close() may still be called on it after the test."""

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self._ctx = SimpleNamespace(dispose=lambda device: None)


class FakeUsbBus:
    """Stands in for the USB bus under python-escpos's Usb class: plug, unplug, replug."""

    def __init__(self) -> None:
        self.plugged = True
        self.generation = 1  # a replugged printer is a new device handle
        self.received: list[bytes] = []
        self.opened_with: list[dict] = []

    def unplug(self) -> None:
        self.plugged = False

    def replug(self) -> None:
        self.plugged = True
        self.generation += 1


@pytest.fixture
def usb_bus(monkeypatch):
    bus = FakeUsbBus()

    def fake_open(self, raise_not_found=True):
        bus.opened_with.append(dict(self.usb_args))
        if not bus.plugged:
            # What python-escpos raises when usb.core.find() finds nothing.
            raise DeviceNotFoundError("Unable to open USB printer") from USBNotFoundError("not found")
        self.device = FakeHandle(bus.generation)

    def fake_raw(self, msg):
        if not bus.plugged or self.device.generation != bus.generation:
            raise usb.core.USBError("No such device (it may have been disconnected)", errno.ENODEV)
        bus.received.append(msg)

    def fake_close(self):
        self._device = False

    monkeypatch.setattr(Usb, "open", fake_open)
    monkeypatch.setattr(Usb, "_raw", fake_raw)
    monkeypatch.setattr(Usb, "close", fake_close)
    return bus


def test_usb_printer_unplugged_and_plugged_back(usb_bus, card):
    device = open_printer({"kind": "usb", "vendor_id": "0x04b8", "product_id": "0x0e15"})
    device.send(card[1])
    assert usb_bus.received == [card[1]]
    assert usb_bus.opened_with[0] == {"idVendor": 0x04B8, "idProduct": 0x0E15}

    usb_bus.unplug()
    with pytest.raises(PrinterConnectionLostError):
        device.send(card[1])
    with pytest.raises(PrinterOfflineError) as caught:
        device.send(card[1])
    assert "plugged in" in caught.value.message
    assert device.status().state == "offline"

    usb_bus.replug()
    device.send(card[1])
    assert usb_bus.received == [card[1], card[1]]


def test_usb_write_timeout(monkeypatch, usb_bus, card):
    def slow_raw(self, msg):
        raise usb.core.USBTimeoutError("Operation timed out", errno.ETIMEDOUT)

    monkeypatch.setattr(Usb, "_raw", slow_raw)
    device = open_printer({"kind": "usb", "vendor_id": 0x04B8, "timeout": 3})
    with pytest.raises(PrinterTimeoutError):
        device.send(card[1])


class FakeInterface:
    def __init__(self, cls: int) -> None:
        self.bInterfaceClass = cls


class FakeUsbDevice:
    def __init__(self, vendor: int, product: int, interface_class: int) -> None:
        self.idVendor, self.idProduct = vendor, product
        self._configurations = [[FakeInterface(interface_class)]]

    def __iter__(self):
        return iter(self._configurations)


def test_usb_autodetect_picks_the_first_receipt_printer(monkeypatch, usb_bus, card):
    devices = [
        FakeUsbDevice(0x046D, 0xC52B, 3),  # a keyboard receiver
        FakeUsbDevice(0x0483, 0x5740, 2),  # a serial gadget on a chip vendor's id: not a printer
        FakeUsbDevice(0x0416, 0x5011, 7),  # a cheap 58 mm printer (printer class)
        FakeUsbDevice(0x04B8, 0x0E15, 7),
    ]
    monkeypatch.setattr(usb.core, "find", lambda find_all=False, **kw: iter(devices))
    assert find_receipt_printer() == (0x0416, 0x5011)
    device = open_printer({"kind": "usb"})
    device.send(card[1])
    assert usb_bus.opened_with[-1] == {"idVendor": 0x0416, "idProduct": 0x5011}
    assert device.description == "USB printer 0416:5011"


def test_usb_autodetect_with_no_printer_is_offline(monkeypatch):
    monkeypatch.setattr(usb.core, "find", lambda find_all=False, **kw: iter([FakeUsbDevice(0x046D, 1, 3)]))
    with pytest.raises(PrinterOfflineError) as caught:
        open_printer({"kind": "usb"}).send(b"\x1b@")
    assert "No USB receipt printer" in caught.value.message


# --- device file -----------------------------------------------------------------------

def test_file_printer_writes_the_exact_bytes(tmp_path, card):
    target = tmp_path / "lp0"
    with open_printer({"kind": "file", "path": str(target)}) as device:
        device.send(card[1])
    assert target.read_bytes() == card[1]


def test_missing_device_node_is_offline_and_not_created(card):
    path = "/dev/usb/venuekit-test-lp9"
    with pytest.raises(PrinterOfflineError) as caught:
        open_printer({"kind": "file", "path": path}).send(card[1])
    assert path in caught.value.message
    assert not os.path.exists(path)


def test_device_file_that_is_not_a_device_is_refused(card):
    with pytest.raises(PrinterOfflineError):
        open_printer({"kind": "file", "path": "/dev/shm"}).send(card[1])


def test_device_file_vanishing_mid_job(monkeypatch, tmp_path, card):
    def gone(self, msg):
        raise OSError(errno.ENODEV, "No such device")

    monkeypatch.setattr(File, "_raw", gone)
    device = open_printer({"kind": "file", "path": str(tmp_path / "lp0")})
    with pytest.raises(PrinterConnectionLostError):
        device.send(card[1])
