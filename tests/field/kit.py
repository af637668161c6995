"""A kit as the field sees it, on a root tree made by `provisioning/install.sh --root`.

    root = installed_tree(tmp_path / "kit")         # the image, as built
    boot(root, "boot-1")                             # `venuekit boot --root` at one boot
    printed(root)                                    # the slips it queued, printed and read back

Each boot gets its own kernel boot id (ROOT/proc/sys/kernel/random/boot_id), as on a Pi.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from printer import Spooler, open_printer
from pyzbar.pyzbar import decode

from tests.printer.escpos_decode import slips
from tests.provisioning.test_install import run_install
from webapp.printing.jobstore import SqliteJobStore
from webapp.storage import open_store

REPO = Path(__file__).resolve().parents[2]
BOOT_FILE = Path("boot/firmware/venuekit.toml")
DATA = Path("var/lib/venuekit")
PROFILE = Path("etc/NetworkManager/system-connections/venuekit-venue.nmconnection")
DNSMASQ = Path("etc/NetworkManager/dnsmasq-shared.d/venuekit.conf")
NFT = Path("etc/nftables.d/venuekit.nft")
COUNTRY = Path("etc/modprobe.d/venuekit-wifi-country.conf")
BOOT_ID = Path("proc/sys/kernel/random/boot_id")


def installed_tree(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    run_install(root)
    return root


def env_without_settings() -> dict:
    env = dict(os.environ)
    env.pop("VENUEKIT_CONFIG", None)
    env.pop("VENUEKIT_DATA", None)
    return env


@dataclass
class Booted:
    code: int
    out: str

    def line(self, start: str) -> str:
        return next(line for line in self.out.splitlines() if line.startswith(f"venuekit boot: {start}"))


def boot(root: Path, boot_id: str) -> Booted:
    """One boot of the kit: a new kernel boot id, then the boot unit's command."""
    (root / BOOT_ID).parent.mkdir(parents=True, exist_ok=True)
    (root / BOOT_ID).write_text(boot_id + "\n")
    done = subprocess.run([sys.executable, "-m", "webapp.cli", "boot", "--root", str(root)],
                          capture_output=True, text=True, timeout=120, cwd=REPO, env=env_without_settings())
    return Booted(done.returncode, done.stdout + done.stderr)


def write_boot_file(root: Path, content: str | bytes) -> None:
    path = root / BOOT_FILE
    path.write_bytes(content if isinstance(content, bytes) else content.encode())


def applied(root: Path) -> dict:
    return json.loads((root / DATA / "applied.json").read_text())


def network_files(root: Path) -> dict[str, str]:
    return {name: (root / path).read_text() for name, path in
            (("profile", PROFILE), ("dnsmasq", DNSMASQ), ("nft", NFT), ("country", COUNTRY))}


def store(root: Path):
    return open_store(root / DATA)


def secrets(root: Path) -> dict[str, str]:
    """Every first-boot secret the kit holds (its database is on the data partition)."""
    rows = {r["name"]: r["value"] for r in store(root).query(
        "SELECT name, value FROM settings WHERE name IN "
        "('kit.wifi_password', 'kit.install_id', 'kit.signing_key', 'secret_key', 'setup_code')")}
    return rows


def queued(root: Path, kind: str) -> list[dict]:
    return [json.loads(r["payload"]) for r in store(root).query(
        "SELECT payload FROM print_jobs WHERE kind = ? AND status = 'queued' ORDER BY seq", [kind])]


@dataclass
class Printed:
    kind: str
    qr: list[str]       # every QR code on the slip, decoded from the printed bytes
    raw: bytes


def printed(root: Path) -> list[Printed]:
    """Print every queued job on a dummy printer; decode the ESC/POS bytes the kit sent."""
    kit = store(root)
    device = open_printer({"kind": "dummy", "width": 576})
    spooler = Spooler(SqliteJobStore(kit), device)
    for _ in range(100):
        if spooler.run_once() is None:
            break
    out = []
    for label, data in device.jobs:
        images = slips(data)
        codes = sorted(d.data.decode() for image in images for d in decode(image.convert("L")))
        out.append(Printed(label.split("-", 1)[0], codes, data))
    return out
