"""python-escpos keeps its capabilities cache in one private folder, not a new /tmp folder per start."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = ("import printer.escpos_raster, escpos.capabilities as c, os; "
         "print(os.path.dirname(c.pickle_path) if os.environ.get('ESCPOS_CAPABILITIES_PICKLE_DIR') else '')")


def _start(home: Path, tmp: Path) -> str:
    env = {**os.environ, "XDG_CACHE_HOME": str(home), "TMPDIR": str(tmp)}
    env.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_many_starts_leave_no_temporary_folders_and_share_one_cache(tmp_path):
    home, tmp = tmp_path / "cache", tmp_path / "tmp"
    tmp.mkdir()
    used = {_start(home, tmp) for _ in range(3)}
    assert used == {str(home / "venuekit" / "escpos")}
    assert list(tmp.iterdir()) == []  # python-escpos made no folder of its own
    assert (home / "venuekit" / "escpos").stat().st_mode & 0o777 == 0o700
    assert any(p.name.endswith(".capabilities.pickle") for p in (home / "venuekit" / "escpos").iterdir())


def test_a_cache_folder_others_can_write_is_not_used(tmp_path):
    home, tmp = tmp_path / "cache", tmp_path / "tmp"
    tmp.mkdir()
    shared = home / "venuekit" / "escpos"
    shared.mkdir(parents=True)
    shared.chmod(0o777)
    assert _start(home, tmp) == ""  # not used: python-escpos keeps its own temporary folder
    assert not any(p.name.endswith(".pickle") for p in shared.iterdir())
