"""The print spooler (and the web app) load only what they use: the kit's memory budget.

Each check runs in a fresh interpreter, so what other tests imported does not count.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Several MB each: python-escpos's capabilities table, gpiozero, cryptography, fontTools, Pillow.
HEAVY = ["escpos", "escpos.capabilities", "gpiozero", "cryptography", "fontTools", "PIL"]

SPOOLER = """
import json, sys, threading
from pathlib import Path

from webapp import cli
from webapp.config import load
from webapp.printing.service import run_spooler
from webapp.services.health import probe_printer
from webapp.storage import open_store

data = Path(sys.argv[1])
store = open_store(data)
stop = threading.Event()
threading.Timer(0.5, stop.set).start()
# The spooler as `venuekit print-spooler` runs it, waiting for a job (it probes the printer at once).
code = run_spooler(store, cli.printer_settings(load(data), data), stop, log_line=lambda line: None)
probe_printer({"kind": "usb"}, root=data)  # the Pi's printer, probed every few seconds
print(json.dumps({"code": code, "loaded": [m for m in HEAVY if m in sys.modules]}))
"""

PRINTS = """
import json, sys
from printer import PreviewPrinter, Spooler, MemoryJobStore, parse_config

device = PreviewPrinter(parse_config({"kind": "preview", "dir": sys.argv[1]}))
jobs = MemoryJobStore()
jobs.add("ballot_slip", {"code": "K7QF9M001", "url": "http://venue.kit/b/K7QF9M001"})
outcome = Spooler(jobs, device).run_once()
print(json.dumps({"state": outcome.state, "files": len(device.files), "escpos": "escpos" in sys.modules}))
"""


def _run(script: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{script}", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_waiting_spooler_loads_no_printing_or_signing_library(tmp_path):
    found = _run(SPOOLER, str(tmp_path))
    assert found == {"code": 0, "loaded": []}


def test_the_web_app_loads_neither_escpos_gpiozero_nor_cryptography(tmp_path):
    script = ("import json, sys\nfrom webapp.app import create_app\n"
              "create_app({'DATA_DIR': sys.argv[1], 'BEHIND_FRONT': True})\n"
              "print(json.dumps([m for m in HEAVY if m in sys.modules and m != 'PIL']))")
    # Pillow stays: the projector's QR code is drawn by qrcode, which needs it.
    done = subprocess.run([sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{script}", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_the_first_job_still_loads_what_printing_needs(tmp_path):
    found = _run(PRINTS, str(tmp_path / "prints"))
    assert found == {"state": "printed", "files": 1, "escpos": True}


def test_every_name_the_packages_offer_still_loads():
    import pi
    import printer

    for package in (printer, pi):
        assert package.__all__ == sorted(package._HOMES)
        for name in package.__all__:
            assert getattr(package, name) is not None
