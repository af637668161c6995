"""Where python-escpos keeps its parsed printer-capabilities cache.

Left alone, python-escpos makes a new temporary folder on every import (it calls `mkdtemp()`
even when told a folder to use) and never removes it, then parses its whole capabilities file
again: on a kit that restarts its spooler for weeks, a folder per start piles up in /tmp, and
every start pays the parse. Here its capabilities module is imported once, told one private
folder (made by this user, mode 0700) and handed that folder instead of a new temporary one.
The cache is a pickle, so a folder anyone else could write to would let them run code in the
spooler: such a folder is refused, and python-escpos keeps its old habit.
"""
from __future__ import annotations

import importlib
import os
import stat
import sys
import tempfile
import threading
from pathlib import Path

VARIABLE = "ESCPOS_CAPABILITIES_PICKLE_DIR"


def cache_dir() -> Path:
    """This user's private cache folder for python-escpos (created if missing)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "venuekit" / "escpos"


def _private(folder: Path) -> bool:
    info = folder.stat()
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


_lock = threading.Lock()


def prepare() -> None:
    """Import python-escpos's capabilities with the private cache (call before any other
    python-escpos import); if no private folder can be had, python-escpos does as it always did."""
    with _lock:
        if "escpos.capabilities" in sys.modules:
            return
        folder = Path(os.environ[VARIABLE]) if VARIABLE in os.environ else cache_dir()
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            private = _private(folder)
        except OSError:
            private = False
        if not private:
            importlib.import_module("escpos.capabilities")
            return
        os.environ[VARIABLE] = str(folder)
        real = tempfile.mkdtemp
        # Bound by python-escpos at import (`from tempfile import mkdtemp`) and called once then.
        tempfile.mkdtemp = lambda *args, **kwargs: str(folder)
        try:
            importlib.import_module("escpos.capabilities")
        finally:
            tempfile.mkdtemp = real
