"""USB sticks the kit can write to: file systems mounted under /media.

Raspberry Pi OS mounts a plugged-in stick at /media/<user>/<label> (udisks2) or, on a kit set up
for it, /media/<label>. The mount table says which directories there really are mounted drives
(an empty /media/usb folder is not a stick). Everything is read under a root directory, so tests
fake a mount table and a /media tree instead of plugging anything in.

A leaf module: standard library only.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .files import write_atomic

MEDIA = "/media/"


@dataclass(frozen=True)
class Drive:
    device: str        # e.g. /dev/sda1
    mount_point: str   # as the kit sees it, e.g. /media/venuekit/STICK
    path: Path         # the same under the root directory (what to write to)
    label: str         # the last part of the mount point, for the page
    writable: bool


def _unescape(field: str) -> str:
    # The mount table writes space, tab, newline and backslash as octal escapes (\040 ...).
    out, i = [], 0
    while i < len(field):
        code = field[i + 1:i + 4]
        if field[i] == "\\" and len(code) == 3 and all(c in "01234567" for c in code):
            out.append(chr(int(code, 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def mounted_drives(root: Path = Path("/")) -> list[Drive]:
    """Drives mounted under /media, from the mount table under `root` (proc/self/mounts)."""
    root = Path(root)
    table = root / "proc/self/mounts"
    if not table.exists():
        table = root / "proc/mounts"
    try:
        lines = table.read_text(errors="replace").splitlines()
    except OSError:
        return []
    drives = []
    for line in lines:
        fields = line.split()
        if len(fields) < 4:
            continue
        device, mount_point, options = _unescape(fields[0]), _unescape(fields[1]), fields[3].split(",")
        if not mount_point.startswith(MEDIA):
            continue
        path = root / mount_point.lstrip("/")
        if not path.is_dir():
            continue
        writable = "rw" in options and os.access(path, os.W_OK)
        drives.append(Drive(device, mount_point, path, Path(mount_point).name, writable))
    return drives


def write_file(directory: Path, name: str, data: bytes) -> Path:
    """Write `data` to directory/name and flush it to the drive, so pulling the stick out right
    after loses nothing (a temporary name first: a half-written file never has the real name)."""
    return write_atomic(Path(directory) / name, data, make_parents=False)
