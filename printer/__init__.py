"""venuekit's printer: slip layouts -> 1-bit images -> ESC/POS bytes -> a printer device.

A leaf package: it imports neither ``webapp`` nor ``pi``. The web app calls
``render_job`` / ``to_escpos`` / ``open_printer`` and runs a ``Spooler`` over its own
implementation of ``JobStore``.

The names below load on first use: the spooler waiting for its first job, and the web app
reading printer settings, need neither Pillow, python-escpos nor the fonts.
"""
from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "PrinterConfig": "config", "parse_config": "config",
    "CapturePrinter": "devices", "PreviewPrinter": "devices", "PrinterDevice": "devices",
    "PrinterStatus": "devices", "open_printer": "devices",
    "JobPayloadError": "errors", "LayoutError": "errors", "PaperOutError": "errors",
    "PrinterConfigError": "errors", "PrinterConnectionLostError": "errors", "PrinterError": "errors",
    "PrinterOfflineError": "errors", "PrinterRefusedError": "errors", "PrinterTimeoutError": "errors",
    "to_escpos": "escpos_raster",
    "KINDS": "jobs", "parse_payload": "jobs",
    "LABELS": "layouts", "render_job": "layouts",
    "wifi_uri": "qr",
    "Job": "spooler", "JobStore": "spooler", "MemoryJobStore": "spooler", "Outcome": "spooler",
    "Spooler": "spooler",
}

__all__ = [
    "CapturePrinter", "Job", "JobPayloadError", "JobStore", "KINDS", "LABELS", "LayoutError",
    "MemoryJobStore", "Outcome", "PaperOutError", "PreviewPrinter", "PrinterConfig",
    "PrinterConfigError", "PrinterConnectionLostError", "PrinterDevice", "PrinterError",
    "PrinterOfflineError", "PrinterRefusedError", "PrinterStatus", "PrinterTimeoutError", "Spooler",
    "open_printer", "parse_config", "parse_payload", "render_job", "to_escpos", "wifi_uri"
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
