"""The printer interface, the PNG preview and capture printers, and ``open_printer(config)``.

A device takes finished ESC/POS bytes: ``send(data)`` returns only once the printer has
taken the whole job, otherwise it raises a PrinterError subclass. Devices connect lazily
on the first send and reconnect on the next send after a failure, because USB printers
come back with a new handle and network printers after a power cycle (network printers
get a fresh connection for every job).
"""
from __future__ import annotations

import abc
import re
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from .config import PrinterConfig, parse_config
from .errors import PrinterError, PrinterOfflineError

if TYPE_CHECKING:
    from PIL import Image

# python-escpos (its printer capabilities table alone is several MB), Pillow and the slip
# layouts load on the first job, not with this module: a spooler that has printed nothing
# yet, and every process that only reads the printer's settings, stay small.


@dataclass(frozen=True)
class PrinterStatus:
    """What the steward page shows about the printer."""

    state: str  # "ready", "offline", "paper_out" or "unknown"
    message: str
    paper: str = "unknown"  # "ok", "low", "out" or "unknown": many printers never say

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


class PrinterDevice(abc.ABC):
    """One printer. Not thread-safe: one spooler thread owns it."""

    kind = "abstract"

    def __init__(self, config: PrinterConfig) -> None:
        self.config = config
        self.width = config.width

    @property
    def description(self) -> str:
        return f"{self.kind} printer"

    def open(self) -> None:
        """Connect now (sending connects anyway); raises PrinterError if the printer is not there."""

    @abc.abstractmethod
    def send(self, data: bytes, label: str = "") -> None:
        """Hand a whole job to the printer; ``label`` names it where that shows (preview files)."""

    def close(self) -> None:
        """Let go of the connection; the next send connects again."""

    @abc.abstractmethod
    def status(self) -> PrinterStatus:
        """The printer's state as far as it can tell; never raises."""

    def print_images(self, images: Iterable[Image.Image], label: str = "") -> None:
        """Encode slip images for this printer (cut, profile) and send them."""
        from .escpos_raster import to_escpos

        self.send(to_escpos(images, cut=self.config.cut, profile=self.config.profile), label)

    def __enter__(self) -> "PrinterDevice":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class PreviewPrinter(PrinterDevice):
    """Laptop mode: every slip of a job becomes a PNG file in ``dir``."""

    kind = "preview"

    def __init__(self, config: PrinterConfig) -> None:
        super().__init__(config)
        self.folder = Path(config.dir)
        self.files: list[Path] = []  # every file written, oldest first
        # Says why previews must wait (e.g. the disk is nearly full), or None: the job stays queued.
        self.paused: Callable[[], str | None] = lambda: None
        self._counter = 0
        self._lock = threading.Lock()

    @property
    def description(self) -> str:
        return f"preview printer saving PNG files in {self.folder}"

    def send(self, data: bytes, label: str = "") -> None:
        reason = self.paused()
        if reason:
            raise PrinterOfflineError(reason)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PrinterOfflineError(f"Cannot save print previews in {self.folder}: {exc.strerror}.") from exc
        from .escpos_raster import pages

        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", label).strip("-") or "job"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for number, image in enumerate(pages(data), start=1):
            with self._lock:
                self._counter += 1
                counter = self._counter
            path = self.folder / f"{stamp}-{counter:04d}-{slug}-{number}.png"
            try:
                image.save(path)
            except OSError as exc:
                raise PrinterOfflineError(f"Cannot save print preview {path}: {exc.strerror}.") from exc
            self.files.append(path)

    def status(self) -> PrinterStatus:
        return PrinterStatus("ready", f"Previews are saved as PNG files in {self.folder}.", "ok")


class CapturePrinter(PrinterDevice):
    """Keeps every job's bytes (through python-escpos's Dummy) and can be told to fail; for tests."""

    kind = "dummy"

    def __init__(self, config: PrinterConfig) -> None:
        from .escpos_cache import prepare

        prepare()
        from escpos.printer import Dummy

        super().__init__(config)
        self._dummy = Dummy()
        self.jobs: list[tuple[str, bytes]] = []  # (label, bytes) of each completed send
        self.failures: list[PrinterError] = []  # raised, in order, by the next sends
        self.before_send: Callable[[str, bytes], None] | None = None

    def fail_next(self, *errors: PrinterError) -> None:
        self.failures.extend(errors)

    def send(self, data: bytes, label: str = "") -> None:
        if self.before_send is not None:
            self.before_send(label, data)
        if self.failures:
            raise self.failures.pop(0)
        self._dummy.clear()
        self._dummy._raw(data)
        self.jobs.append((label, self._dummy.output))

    def status(self) -> PrinterStatus:
        if self.failures:
            return PrinterStatus("offline", self.failures[0].message)
        return PrinterStatus("ready", "Test printer.", "ok")


def open_printer(config: Mapping[str, Any] | None) -> PrinterDevice:
    """The printer device the settings describe (not yet connected).

    Raises PrinterConfigError when the settings are missing, misspelt or out of range.
    """
    parsed = parse_config(config)
    if parsed.kind == "preview":
        return PreviewPrinter(parsed)
    if parsed.kind == "dummy":
        return CapturePrinter(parsed)
    from . import escpos_devices

    return {
        "network": escpos_devices.NetworkPrinter,
        "usb": escpos_devices.UsbPrinter,
        "file": escpos_devices.FilePrinter,
    }[parsed.kind](parsed)
