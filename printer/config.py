"""Printer settings: a plain dict (as stored by the web app) checked into a PrinterConfig.

Every problem becomes a PrinterConfigError whose message names the setting and says
what would be accepted, so the organiser page can show it as it is.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Mapping

from .errors import N_, PrinterConfigError

KINDS = ("preview", "usb", "network", "file", "dummy")
DEFAULTS: dict[str, Any] = {
    "kind": "preview",
    "width": 576,
    "cut": True,
    "profile": None,
    "host": None,
    "port": 9100,
    "timeout": 10.0,
    "confirm": True,
    "path": "/dev/usb/lp0",
    "vendor_id": None,
    "product_id": None,
    "in_ep": None,
    "out_ep": None,
    "dir": "var/prints",
}
HELP = {
    "kind": "which printer: preview (PNG files), usb, network, file (a device file) or dummy (tests)",
    "width": "dots across the paper: 384 for 58 mm, 576 for 80 mm",
    "cut": "cut the paper after each slip (printers without a cutter ignore it)",
    "profile": "python-escpos printer profile name, e.g. TM-T20II (optional)",
    "host": "network printer's address (kind network)",
    "port": "network printer's TCP port, usually 9100",
    "timeout": "seconds to wait for a network or USB printer before giving up",
    "confirm": "network printers: ask for status before and after each job (paper out, delivery)",
    "path": "device file for kind file, usually /dev/usb/lp0",
    "vendor_id": "USB vendor id, e.g. 0x04b8 (unset: the first known receipt printer)",
    "product_id": "USB product id, e.g. 0x0202",
    "in_ep": "USB input endpoint (default 0x82)",
    "out_ep": "USB output endpoint (default 0x01)",
    "dir": "folder for preview PNG files",
}


@dataclass(frozen=True)
class PrinterConfig:
    kind: str = "preview"
    width: int = 576
    cut: bool = True
    profile: str | None = None
    host: str | None = None
    port: int = 9100
    timeout: float = 10.0
    confirm: bool = True
    path: str = "/dev/usb/lp0"
    vendor_id: int | None = None
    product_id: int | None = None
    in_ep: int | None = None
    out_ep: int | None = None
    dir: str = "var/prints"


def _int(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, str):
        try:
            value = int(value.strip(), 0)  # accepts "0x04b8" as well as "1208"
        except ValueError:
            raise PrinterConfigError(N_("Printer setting %(name)s should be a number, not %(value)s."),
                                     name=repr(name), value=repr(value)) from None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PrinterConfigError(N_("Printer setting %(name)s should be a whole number from %(low)s to %(high)s, "
                                    "not %(value)s."), name=repr(name), low=str(low), high=str(high), value=repr(value))
    return value


def _bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        return value.strip().lower() in ("1", "true", "yes", "on")
    raise PrinterConfigError(N_("Printer setting %(name)s should be true or false, not %(value)s."),
                             name=repr(name), value=repr(value))


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PrinterConfigError(N_("Printer setting %(name)s should be non-empty text, not %(value)s."),
                                 name=repr(name), value=repr(value))
    return value.strip()


def parse_config(config: Mapping[str, Any] | None, *, check_profile: bool = True) -> PrinterConfig:
    """Check a settings dict; missing keys take DEFAULTS, unknown keys are refused."""
    if config is None:
        config = {}
    if not isinstance(config, Mapping):
        raise PrinterConfigError(N_("Printer settings should be a set of name = value pairs."))
    for key in config:
        if key not in DEFAULTS:
            close = difflib.get_close_matches(str(key), list(DEFAULTS), n=1)
            if close:
                raise PrinterConfigError(N_("Unknown printer setting %(key)s. Did you mean %(close)s?"),
                                         key=repr(key), close=repr(close[0]))
            raise PrinterConfigError(N_("Unknown printer setting %(key)s. Known settings: %(known)s."),
                                     key=repr(key), known=", ".join(DEFAULTS))
    merged = {**DEFAULTS, **{k: v for k, v in config.items() if v is not None}}
    kind = merged["kind"]
    if kind not in KINDS:
        raise PrinterConfigError(N_("Printer kind %(kind)s is not one of: %(kinds)s."),
                                 kind=repr(kind), kinds=", ".join(KINDS))
    width = _int("width", merged["width"], 128, 2048)
    if width % 8:
        raise PrinterConfigError(N_("Printer setting 'width' should be a multiple of 8 dots (384 or 576), not "
                                    "%(width)s."), width=str(width))
    timeout = merged["timeout"]
    if isinstance(timeout, str):
        try:
            timeout = float(timeout)
        except ValueError:
            raise PrinterConfigError(N_("Printer setting 'timeout' should be seconds, not %(value)s."),
                                     value=repr(timeout)) from None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 600:
        raise PrinterConfigError(N_("Printer setting 'timeout' should be seconds from 0 to 600, not %(value)s."),
                                 value=repr(timeout))
    profile = merged["profile"]
    if profile is not None:
        profile = _text("profile", profile)
    # The profile's name is looked up in python-escpos's capabilities table (several MB): a
    # process that only watches the queue leaves that to the one that prints.
    if profile is not None and check_profile:
        from .escpos_cache import prepare

        prepare()
        from escpos.capabilities import get_profile

        try:
            get_profile(profile)
        except KeyError:
            raise PrinterConfigError(N_("Unknown python-escpos printer profile %(profile)s."),
                                     profile=repr(profile)) from None
    host = merged["host"]
    if kind == "network":
        if host is None:
            raise PrinterConfigError(N_("A network printer needs its address: set 'host' (e.g. 192.168.1.50)."))
        host = _text("host", host)

    def optional_id(name: str, high: int) -> int | None:
        return None if merged[name] is None else _int(name, merged[name], 0, high)

    vendor_id, product_id = optional_id("vendor_id", 0xFFFF), optional_id("product_id", 0xFFFF)
    if product_id is not None and vendor_id is None:
        raise PrinterConfigError(N_("A USB 'product_id' needs its 'vendor_id' too."))
    return PrinterConfig(
        kind=kind,
        width=width,
        cut=_bool("cut", merged["cut"]),
        profile=profile,
        host=host,
        port=_int("port", merged["port"], 1, 65535),
        timeout=float(timeout),
        confirm=_bool("confirm", merged["confirm"]),
        path=_text("path", merged["path"]),
        vendor_id=vendor_id,
        product_id=product_id,
        in_ep=optional_id("in_ep", 0xFF),
        out_ep=optional_id("out_ep", 0xFF),
        dir=_text("dir", merged["dir"]),
    )
