"""A small, size-limited file system for disk-full tests (and the field scenario in tests/field/).

`small_filesystem(size_mb)` mounts a tmpfs of that size (the tests run as root) and always unmounts
it; `fill(path, leave)` grows a ballast file until only `leave` bytes stay free.

    from tests.storage.small_fs import small_filesystem, fill, free_bytes

    with small_filesystem(16) as disk:
        data = disk / "data"          # a kit's data directory on the small disk
        ...
        fill(disk, leave=0)           # the card is full
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

BALLAST = "ballast"


def free_bytes(path: Path) -> int:
    """Bytes an unprivileged writer may still use on the file system holding `path`."""
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


@contextmanager
def small_filesystem(size_mb: int, at: Path | None = None) -> Iterator[Path]:
    """A fresh tmpfs of `size_mb` MB, unmounted afterwards even if the test fails.

    `at`: mount over this existing directory (e.g. a root tree's var/lib/venuekit) with a copy of
    its files on the small disk; what lies underneath is untouched and back after the unmount.
    Mounting needs root (CI runs as root); where it is impossible the test fails with the reason.
    """
    where = Path(at) if at is not None else Path(tempfile.mkdtemp(prefix="venuekit-smallfs-"))
    original = None
    if at is not None:
        original = Path(tempfile.mkdtemp(prefix="venuekit-smallfs-copy-"))
        shutil.copytree(where, original, dirs_exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0755", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        if at is None:
            where.rmdir()
        pytest.fail(f"cannot mount a {size_mb} MB tmpfs for the disk-full test (it needs root): "
                    f"{done.stderr.strip() or done.returncode}", pytrace=False)
    try:
        if original is not None:
            shutil.copytree(original, where, dirs_exist_ok=True)
        yield where
    finally:
        # SQLite handles left open by a failed test must not keep the mount alive: lazy unmount.
        if subprocess.run(["umount", str(where)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(where)], check=True)
        if at is None:
            where.rmdir()
        if original is not None:
            shutil.rmtree(original, ignore_errors=True)


def fill(disk: Path, leave: int, name: str = BALLAST) -> Path:
    """Grow (or shrink) the ballast file on `disk` until `leave` bytes stay free; returns its path."""
    ballast = disk / name
    current = ballast.stat().st_size if ballast.exists() else 0
    target = max(0, current + free_bytes(disk) - leave)
    with open(ballast, "ab") as handle:
        handle.truncate(target)
        while target > current:
            try:
                os.posix_fallocate(handle.fileno(), current, target - current)
                break
            except OSError:
                target -= 4096  # a block short of exact: the file system keeps some for itself
                handle.truncate(max(target, current))
        handle.flush()
        os.fsync(handle.fileno())
    return ballast


def empty(disk: Path, name: str = BALLAST) -> None:
    """Remove the ballast: the card has room again."""
    (disk / name).unlink(missing_ok=True)
