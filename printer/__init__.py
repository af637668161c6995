"""venuekit's printer: slip layouts -> 1-bit images -> ESC/POS bytes -> a printer device.

A leaf package: it imports neither ``webapp`` nor ``pi``. The web app calls
``render_job`` / ``to_escpos`` / ``open_printer`` and runs a ``Spooler`` over its own
implementation of ``JobStore``.
"""
from __future__ import annotations

from .config import PrinterConfig, parse_config
from .devices import CapturePrinter, PreviewPrinter, PrinterDevice, PrinterStatus, open_printer
from .errors import (
    JobPayloadError,
    LayoutError,
    PaperOutError,
    PrinterConfigError,
    PrinterConnectionLostError,
    PrinterError,
    PrinterOfflineError,
    PrinterRefusedError,
    PrinterTimeoutError,
)
from .escpos_raster import to_escpos
from .jobs import KINDS, parse_payload
from .layouts import LABELS, render_job
from .qr import wifi_uri
from .spooler import Job, JobStore, MemoryJobStore, Outcome, Spooler

__all__ = [
    "CapturePrinter", "Job", "JobPayloadError", "JobStore", "KINDS", "LABELS", "LayoutError",
    "MemoryJobStore", "Outcome", "PaperOutError", "PreviewPrinter", "PrinterConfig",
    "PrinterConfigError", "PrinterConnectionLostError", "PrinterDevice", "PrinterError",
    "PrinterOfflineError", "PrinterRefusedError", "PrinterStatus", "PrinterTimeoutError",
    "Spooler", "open_printer", "parse_config", "parse_payload", "render_job", "to_escpos",
    "wifi_uri",
]
