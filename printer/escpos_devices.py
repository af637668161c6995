"""Real printers over python-escpos: network (TCP 9100), USB and a device file.

Each class turns python-escpos's and the OS's exceptions into PrinterError subclasses
with a message a steward can act on, and drops its connection after any failure so the
next job reconnects from scratch.
"""
from __future__ import annotations

import errno
import os
import select
import socket
import stat
from typing import TYPE_CHECKING, Any

from .config import PrinterConfig
from .devices import PrinterDevice, PrinterStatus
from .errors import (
    PaperOutError,
    PrinterConnectionLostError,
    PrinterError,
    PrinterOfflineError,
    PrinterRefusedError,
    PrinterTimeoutError,
)

from .escpos_cache import prepare

if TYPE_CHECKING:
    from escpos.printer import File, Network, Usb

# python-escpos loads when a printer is first opened, not with this module: reading
# RECEIPT_VENDORS (the printer probe of the spooler and the health page) must not load it.

STATUS_ONLINE = b"\x10\x04\x01"  # DLE EOT 1: printer status
STATUS_PAPER = b"\x10\x04\x04"  # DLE EOT 4: roll paper sensor status
PAPER_END_BITS = 0x60
PAPER_NEAR_END_BITS = 0x0C

# Makers of receipt printers, and the chip vendors whose ids cheap printers ship with.
RECEIPT_VENDORS = {
    0x04B8: "Epson",
    0x0519: "Star Micronics",
    0x1504: "Bixolon",
    0x1D90: "Citizen",
    0x0DD4: "Custom",
    0x154F: "SNBC",
    0x0FE6: "ICS Advent (Rongta, Xprinter)",
    0x0416: "Winbond (many 58 mm printers)",
    0x0483: "STMicroelectronics (many 58 mm printers)",
    0x1FC9: "NXP (Xprinter)",
    0x28E9: "GigaDevice (many 80 mm printers)",
}
# Chip vendors also make other gadgets: only trust their devices if they say "printer".
_CHIP_VENDORS = {0x0FE6, 0x0416, 0x0483, 0x1FC9, 0x28E9}
USB_PRINTER_CLASS = 7


def _cause(exc: BaseException) -> BaseException:
    """python-escpos wraps OS errors in DeviceNotFoundError; the wrapped one says more."""
    return exc.__cause__ or exc.__context__ or exc


def paper_state(reply: bytes) -> str:
    """Read a DLE EOT 4 reply: "ok", "low", "out" or "unknown" (no reply)."""
    if not reply:
        return "unknown"
    if reply[-1] & PAPER_END_BITS == PAPER_END_BITS:
        return "out"
    if reply[-1] & PAPER_NEAR_END_BITS == PAPER_NEAR_END_BITS:
        return "low"
    return "ok"


class EscposPrinter(PrinterDevice):
    """Shared open/send/close over a python-escpos printer object."""

    def __init__(self, config: PrinterConfig) -> None:
        super().__init__(config)
        self._printer: Any = None

    def _make(self) -> Any:
        raise NotImplementedError

    def _translate(self, exc: BaseException, during: str) -> PrinterError:
        raise NotImplementedError

    def open(self) -> None:
        if self._printer is not None:
            return
        printer = self._make()
        try:
            printer.open()
        except PrinterError:
            raise
        except Exception as exc:
            raise self._translate(exc, "open") from exc
        self._printer = printer

    def send(self, data: bytes, label: str = "") -> None:
        self.open()
        started = False  # once bytes go out, a failure may leave a torn slip
        try:
            self._before_job()
            started = True
            self._printer._raw(data)
            self._after_job()
        except PrinterError as exc:
            self.close()
            exc.partial = exc.partial or started
            raise
        except Exception as exc:
            self.close()
            error = self._translate(exc, "send")
            error.partial = started
            raise error from exc

    def _before_job(self) -> None:
        """Hook: refuse a job before sending any of it (paper out)."""

    def _after_job(self) -> None:
        """Hook: make sure the job arrived."""

    def close(self) -> None:
        printer, self._printer = self._printer, None
        if printer is not None:
            try:
                printer.close()
            except Exception:
                pass  # the device is often already gone; there is nothing left to release

    def status(self) -> PrinterStatus:
        try:
            self.open()
        except PrinterError as exc:
            return PrinterStatus("offline", exc.message)
        return PrinterStatus("ready", f"The {self.description} is connected.")


class NetworkPrinter(EscposPrinter):
    kind = "network"

    @property
    def description(self) -> str:
        return f"network printer at {self.config.host}:{self.config.port}"

    def _make(self) -> Network:
        prepare()
        from escpos.printer import Network

        return Network(self.config.host, port=self.config.port, timeout=self.config.timeout,
                       profile=self.config.profile)

    def _translate(self, exc: BaseException, during: str) -> PrinterError:
        cause = _cause(exc)
        where = self.description
        if isinstance(cause, ConnectionRefusedError):
            return PrinterRefusedError(f"The {where} refused the connection: check the port, "
                                       "and that no other computer is printing to it.")
        if isinstance(cause, (socket.timeout, TimeoutError)):
            if during == "open":
                return PrinterTimeoutError(f"No answer from the {where} within {self.config.timeout:g} s: "
                                           "is it switched on and on this network?")
            return PrinterTimeoutError(f"The {where} stopped taking the job for {self.config.timeout:g} s.")
        if during == "send" and isinstance(cause, OSError):
            return PrinterConnectionLostError(f"The connection to the {where} dropped during the job "
                                              "(switched off or cable pulled?). It will be printed again.")
        detail = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(cause)
        return PrinterOfflineError(f"Cannot reach the {where}: {detail}.")

    def send(self, data: bytes, label: str = "") -> None:
        # One connection per job: printers drop idle connections (and many serve only one
        # client at a time), and a connection the printer closed while idle would swallow
        # the next job's first bytes.
        try:
            super().send(data, label)
        finally:
            self.close()

    def _socket(self) -> socket.socket:
        return self._printer.device

    def _query(self, request: bytes) -> bytes:
        """Send a real-time status request and wait (up to the timeout) for its one-byte reply."""
        sock = self._socket()
        # Throw away anything unread (automatic status replies) so the reply is ours.
        while select.select([sock], [], [], 0)[0]:
            if not sock.recv(64):
                raise PrinterConnectionLostError(f"The {self.description} closed the connection.")
        sock.sendall(request)
        reply = sock.recv(1)
        if not reply:
            raise PrinterConnectionLostError(f"The {self.description} closed the connection before "
                                             "confirming the job. It will be printed again.")
        return reply

    def _before_job(self) -> None:
        if self.config.confirm and paper_state(self._query(STATUS_PAPER)) == "out":
            raise PaperOutError(f"The {self.description} is out of paper.")

    def _after_job(self) -> None:
        # A reply to a status request sent after the job means every byte before it arrived:
        # without it, a job sent just as the printer powers off vanishes unnoticed.
        if self.config.confirm:
            self._query(STATUS_ONLINE)

    def status(self) -> PrinterStatus:
        try:
            self.open()
            paper = paper_state(self._query(STATUS_PAPER)) if self.config.confirm else "unknown"
        except PrinterError as exc:
            return PrinterStatus("offline", exc.message)
        except Exception as exc:
            return PrinterStatus("offline", self._translate(exc, "send").message)
        finally:
            self.close()
        if paper == "out":
            return PrinterStatus("paper_out", f"The {self.description} is out of paper.", paper)
        return PrinterStatus("ready", f"The {self.description} is connected.", paper)


class UsbPrinter(EscposPrinter):
    kind = "usb"

    def __init__(self, config: PrinterConfig) -> None:
        super().__init__(config)
        self.found: tuple[int, int] | None = None  # (vendor, product) of the last device opened

    @property
    def description(self) -> str:
        ids = self.found or (self.config.vendor_id, self.config.product_id)
        if ids[0] is None:
            return "USB printer"
        return f"USB printer {ids[0]:04x}:{ids[1] or 0:04x}"

    def _make(self) -> Usb:
        prepare()
        from escpos.printer import Usb

        vendor, product = self.config.vendor_id, self.config.product_id
        if vendor is None:
            vendor, product = find_receipt_printer()
        self.found = (vendor, product or 0)
        kwargs: dict[str, Any] = {"timeout": int(self.config.timeout * 1000), "profile": self.config.profile}
        if self.config.in_ep is not None:
            kwargs["in_ep"] = self.config.in_ep
        if self.config.out_ep is not None:
            kwargs["out_ep"] = self.config.out_ep
        return Usb(vendor, product, **kwargs)

    def _translate(self, exc: BaseException, during: str) -> PrinterError:
        cause = _cause(exc)
        where = self.description
        name = type(cause).__name__
        if isinstance(exc, RuntimeError) and "usb library" in str(exc):
            return PrinterOfflineError("USB printing needs the pyusb package and libusb-1.0 installed.")
        if "Timeout" in name or getattr(cause, "errno", None) == errno.ETIMEDOUT:
            return PrinterTimeoutError(f"The {where} stopped taking data for {self.config.timeout:g} s.")
        if getattr(cause, "errno", None) == errno.EACCES:
            return PrinterOfflineError(f"Permission denied opening the {where}: the kit's user needs "
                                       "access to it (a udev rule or the lp group).")
        from escpos.exceptions import DeviceNotFoundError

        if during == "open" or isinstance(exc, DeviceNotFoundError):
            return PrinterOfflineError(f"The {where} is not connected: is it plugged in and switched on?")
        return PrinterConnectionLostError(f"The {where} disappeared during the job (unplugged or "
                                          "switched off?). It will be printed again.")

    def status(self) -> PrinterStatus:
        try:
            self.open()
            paper = {2: "ok", 1: "low", 0: "out"}.get(self._printer.paper_status(), "unknown")
        except PrinterError as exc:
            return PrinterStatus("offline", exc.message)
        except Exception:
            # Many USB printers never answer status requests; being open is all we know.
            return PrinterStatus("ready", f"The {self.description} is connected.")
        state = "paper_out" if paper == "out" else "ready"
        return PrinterStatus(state, f"The {self.description} is connected.", paper)


def find_receipt_printer() -> tuple[int, int]:
    """(vendor, product) of the first plugged-in receipt printer; PrinterOfflineError if none."""
    try:
        import usb.core
    except ImportError:
        raise PrinterOfflineError("USB printing needs the pyusb package and libusb-1.0 installed.") from None
    try:
        devices = list(usb.core.find(find_all=True))
    except Exception as exc:  # no libusb backend, or the bus cannot be read
        raise PrinterOfflineError(f"Cannot look for USB printers: {exc}.") from exc
    for device in devices:
        vendor = device.idVendor
        if vendor not in RECEIPT_VENDORS:
            continue
        if vendor in _CHIP_VENDORS and not _is_printer_class(device):
            continue
        return vendor, device.idProduct
    raise PrinterOfflineError("No USB receipt printer found: is it plugged in and switched on?")


def _is_printer_class(device: Any) -> bool:
    try:
        return any(interface.bInterfaceClass == USB_PRINTER_CLASS
                   for configuration in device for interface in configuration)
    except Exception:
        return False


class FilePrinter(EscposPrinter):
    """A printer behind a device file such as /dev/usb/lp0 (the kernel's usblp driver)."""

    kind = "file"

    @property
    def description(self) -> str:
        return f"printer at {self.config.path}"

    def _make(self) -> File:
        path = self.config.path
        # Opening a missing /dev node for writing would create an ordinary file there and
        # every job would "print" into it; a device path must already be a device.
        if path.startswith("/dev/"):
            try:
                mode = os.stat(path).st_mode
            except OSError:
                raise PrinterOfflineError(f"There is no {path}: is the printer plugged in and switched on?") from None
            if not stat.S_ISCHR(mode):
                raise PrinterOfflineError(f"{path} is not a printer device.")
        prepare()
        from escpos.printer import File

        return File(path, profile=self.config.profile)

    def _translate(self, exc: BaseException, during: str) -> PrinterError:
        cause = _cause(exc)
        code = getattr(cause, "errno", None)
        path = self.config.path
        if code == errno.EACCES:
            return PrinterOfflineError(f"Permission denied writing to {path}: the kit's user needs to be in the lp group.")
        if during == "open":
            detail = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(cause)
            return PrinterOfflineError(f"Cannot open the printer at {path}: {detail}.")
        return PrinterConnectionLostError(f"The printer at {path} went away during the job "
                                          "(unplugged or switched off?). It will be printed again.")
