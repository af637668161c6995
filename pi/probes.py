"""Hardware probes for the kit's health: is this a Pi, does the printer answer, is a path writable.

Every probe reads under a `root` directory (default /) so tests run them against a fake
sysfs; each returns a plain value and never raises for a missing or unreadable file.
"""
from __future__ import annotations

import os
import socket
import stat
from pathlib import Path
from typing import Iterable

USB_PRINTER_CLASS = "07"
# /proc/device-tree links to the firmware's tree in sysfs; a unit with ProcSubset=pid sees only the latter.
DEVICE_TREE_MODELS = ("proc/device-tree/model", "sys/firmware/devicetree/base/model")
USB_DEVICES = "sys/bus/usb/devices"


def _read(path: Path) -> str | None:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return None


def pi_model(root: Path | str = "/") -> str | None:
    """The Raspberry Pi's model ("Raspberry Pi 5 Model B Rev 1.0"), or None on any other computer."""
    for relative in DEVICE_TREE_MODELS:
        text = _read(Path(root) / relative)
        if text is not None:
            model = text.replace("\x00", "").strip()  # the device tree ends the string with a NUL
            return model if model.startswith("Raspberry Pi") else None
    return None


def usb_devices(root: Path | str = "/") -> list[dict]:
    """USB devices from sysfs: vendor and product ids and their interface classes."""
    base = Path(root) / USB_DEVICES
    found = []
    try:
        entries = sorted(base.iterdir())
    except OSError:
        return []
    for entry in entries:
        vendor, product = _read(entry / "idVendor"), _read(entry / "idProduct")
        if vendor is None or product is None:
            continue  # an interface ("1-1:1.0") or a hub's port, not a device
        try:
            ids = int(vendor.strip(), 16), int(product.strip(), 16)
        except ValueError:
            continue
        classes = set()
        for interface in entry.parent.glob(f"{entry.name}:*"):
            value = _read(interface / "bInterfaceClass")
            if value is not None:
                classes.add(value.strip())
        found.append({"vendor": ids[0], "product": ids[1], "classes": classes, "name": entry.name})
    return found


def usb_printer_present(vendor: int | None, product: int | None, *, root: Path | str = "/",
                        known_vendors: Iterable[int] = ()) -> str | None:
    """None when the configured USB printer is plugged in, else why not (for people).

    With no vendor configured, any device with a printer-class interface, or from one of
    `known_vendors`, counts.
    """
    devices = usb_devices(root)
    known = set(known_vendors)
    for device in devices:
        if vendor is not None:
            if device["vendor"] == vendor and (product is None or device["product"] == product):
                return None
        elif USB_PRINTER_CLASS in device["classes"] or device["vendor"] in known:
            return None
    if vendor is None:
        return "No USB receipt printer is plugged in: is it connected and switched on?"
    ids = f"{vendor:04x}" + (f":{product:04x}" if product is not None else "")
    return f"The USB printer {ids} is not plugged in: is it connected and switched on?"


def tcp_answers(host: str, port: int, timeout: float = 1.5) -> str | None:
    """None when something accepts a TCP connection at host:port within `timeout`, else why not."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except socket.timeout:
        return f"The network printer at {host}:{port} did not answer within {timeout:g} s."
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return f"The network printer at {host}:{port} does not answer: {reason}."


def path_writable(path: Path | str, *, device: bool = False, create: bool = False) -> str | None:
    """None when `path` can be written (a device file when `device`, a folder when `create`)."""
    target = Path(path)
    if create:
        # A preview folder is made on the first print: its nearest existing parent must be writable.
        probe = target
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if not probe.is_dir():
            return f"{target} is not a folder."
        return None if os.access(probe, os.W_OK | os.X_OK) else f"{target} cannot be written."
    try:
        mode = target.stat().st_mode
    except OSError:
        return f"There is no {target}: is the printer plugged in and switched on?"
    if device and not stat.S_ISCHR(mode):
        return f"{target} is not a printer device."
    return None if os.access(target, os.W_OK) else f"Permission denied writing to {target}."
