"""Errors the printer package raises, each carrying a message a steward can read.

The web app shows ``str(error)`` on the steward page as it is, so every message here is
a plain sentence about the printer, never a Python repr or a traceback.
"""
from __future__ import annotations


class PrinterConfigError(ValueError):
    """The printer settings are missing, misspelt or out of range."""


class JobPayloadError(ValueError):
    """A print job's stored payload lacks a field or has one of the wrong type.

    Retrying cannot fix it, so the spooler gives such a job up instead of retrying it.
    """


class LayoutError(ValueError):
    """The content cannot be laid out at this paper width (e.g. a QR code too big to scan)."""


class PrinterError(Exception):
    """A printer could not take a job. Subclasses say why; retrying later may succeed."""

    #: short machine-readable reason, stored with the job next to the human message
    reason = "error"

    def __init__(self, message: str, *, partial: bool = False) -> None:
        super().__init__(message)
        self.message = message
        #: True when part of the job may have reached the printer before it failed, so a
        #: torn slip may exist and the job's next print is marked as a reprint
        self.partial = partial


class PrinterOfflineError(PrinterError):
    """No printer answered: unplugged, switched off, wrong address or device file."""

    reason = "offline"


class PrinterRefusedError(PrinterError):
    """The network printer's address answered but refused the connection."""

    reason = "refused"


class PrinterTimeoutError(PrinterError):
    """The printer stopped taking data or did not answer in time."""

    reason = "timeout"


class PrinterConnectionLostError(PrinterError):
    """The connection dropped part-way through a job (cable pulled, printer restarted)."""

    reason = "connection_lost"


class PaperOutError(PrinterError):
    """The printer reported that it has no paper."""

    reason = "paper_out"
