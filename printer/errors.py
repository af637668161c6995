"""Errors the printer package raises, each carrying a message a steward can read.

The web app shows ``str(error)`` on the steward page as it is, so every message here is
a plain sentence about the printer, never a Python repr or a traceback.
"""
from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for the kit's catalogue (`make messages` reads printer/ too). printer/ has
    no gettext of its own: the web app translates an error's `template` where it shows it."""
    return message


class PrinterConfigError(ValueError):
    """The printer settings are missing, misspelt or out of range.

    `template` has %(name)s placeholders filled from `params` (text only, so a recorded problem
    stays JSON), so the web app can word it in its reader's language; str() is the English.
    """

    def __init__(self, template: str, **params: str):
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)


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
