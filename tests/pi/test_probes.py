"""Hardware probes against fake sysfs trees and a loopback TCP listener."""
from __future__ import annotations

import socket

import pytest

from pi.probes import path_writable, pi_model, tcp_answers, usb_devices, usb_printer_present


def write(root, relative: str, text: str | bytes) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)


def usb_device(root, name: str, vendor: str, product: str, classes: tuple[str, ...] = ()) -> None:
    write(root, f"sys/bus/usb/devices/{name}/idVendor", vendor + "\n")
    write(root, f"sys/bus/usb/devices/{name}/idProduct", product + "\n")
    for number, cls in enumerate(classes):
        write(root, f"sys/bus/usb/devices/{name}:1.{number}/bInterfaceClass", cls + "\n")


def test_pi_model_from_the_device_tree(tmp_path):
    assert pi_model(tmp_path) is None
    write(tmp_path, "proc/device-tree/model", b"Raspberry Pi 4 Model B Rev 1.4\x00")
    assert pi_model(tmp_path) == "Raspberry Pi 4 Model B Rev 1.4"
    write(tmp_path, "proc/device-tree/model", b"Some Other Board\x00")
    assert pi_model(tmp_path) is None
    sysfs_only = tmp_path / "other"
    write(sysfs_only, "sys/firmware/devicetree/base/model", b"Raspberry Pi 5 Model B Rev 1.0\x00")
    assert pi_model(sysfs_only) == "Raspberry Pi 5 Model B Rev 1.0"


def test_usb_printer_by_configured_ids(tmp_path):
    usb_device(tmp_path, "usb1", "1d6b", "0002", ("09",))  # the root hub
    assert "04b8:0202 is not plugged in" in usb_printer_present(0x04B8, 0x0202, root=tmp_path)
    usb_device(tmp_path, "1-1.3", "04b8", "0e15", ("07",))
    # The same maker with another product is not the configured printer.
    assert usb_printer_present(0x04B8, 0x0202, root=tmp_path) is not None
    assert usb_printer_present(0x04B8, None, root=tmp_path) is None
    usb_device(tmp_path, "1-1.4", "04b8", "0202")
    assert usb_printer_present(0x04B8, 0x0202, root=tmp_path) is None


def test_usb_printer_without_ids_needs_a_printer_class_or_known_maker(tmp_path):
    usb_device(tmp_path, "1-1", "046d", "c52b", ("03",))  # a keyboard receiver
    assert "No USB receipt printer" in usb_printer_present(None, None, root=tmp_path)
    assert usb_printer_present(None, None, root=tmp_path, known_vendors={0x0519}) is not None
    usb_device(tmp_path, "1-2", "0519", "0003", ("ff",))
    assert usb_printer_present(None, None, root=tmp_path, known_vendors={0x0519}) is None
    usb_device(tmp_path, "1-3", "0416", "5011", ("07",))
    assert usb_printer_present(None, None, root=tmp_path) is None
    assert {d["name"] for d in usb_devices(tmp_path)} == {"1-1", "1-2", "1-3"}


def test_usb_probe_without_sysfs(tmp_path):
    assert usb_devices(tmp_path / "missing") == []
    assert usb_printer_present(0x04B8, None, root=tmp_path / "missing") is not None


@pytest.fixture
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    yield server.getsockname()[1]
    server.close()


def test_tcp_probe_against_a_loopback_listener(listener):
    assert tcp_answers("127.0.0.1", listener, timeout=1.0) is None


def test_tcp_probe_with_nothing_listening():
    spare = socket.socket()
    spare.bind(("127.0.0.1", 0))
    port = spare.getsockname()[1]
    spare.close()  # nothing listens on this port now
    problem = tcp_answers("127.0.0.1", port, timeout=1.0)
    assert problem is not None and f"127.0.0.1:{port}" in problem and "does not answer" in problem


def test_writable_paths(tmp_path):
    target = tmp_path / "lp0"
    assert "There is no" in path_writable(target)
    target.write_bytes(b"")
    assert path_writable(target) is None
    # A device path must be a character device, not an ordinary file.
    assert "not a printer device" in path_writable(target, device=True)
    assert path_writable("/dev/null", device=True) is None
    # A preview folder not made yet: its parent must be writable.
    assert path_writable(tmp_path / "prints" / "today", create=True) is None
    assert "not a folder" in path_writable(target / "prints", create=True)
