"""Writing a file so that a power cut leaves the old or the new content, never half of it."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(target: Path | str, data: bytes, *, mode: int | None = None, make_parents: bool = True) -> Path:
    """Write `data` to `target` through a temporary file in the same folder: flushed to disk,
    renamed over the target, and the folder synced so the new name itself survives a power cut.
    `mode` sets the permissions before any byte is written (for files holding secrets);
    without `make_parents` a missing folder is an error (a mistyped path on a USB stick)."""
    target = Path(target)
    if make_parents:
        target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        if mode is not None:
            os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return target
