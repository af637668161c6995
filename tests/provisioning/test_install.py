"""provisioning/install.sh: shellcheck-clean, writes every file into a temporary root, idempotent."""
from __future__ import annotations

import hashlib
import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.network.test_netconfig import nmcli_offline

ROOT = Path(__file__).resolve().parents[2]
INSTALL = ROOT / "provisioning" / "install.sh"


def shellcheck() -> str:
    found = shutil.which("shellcheck")
    assert found, "shellcheck is missing: `make test` installs it (Debian package shellcheck)"
    return found


def run_install(root: Path, *extra: str) -> subprocess.CompletedProcess:
    done = subprocess.run(["bash", str(INSTALL), "--root", str(root), "--python", sys.executable,
                           "--config", "/boot/firmware/venuekit.toml", *extra],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def boot_step(root: Path) -> str:
    """The kit's first boot on this root tree: `venuekit boot --root`."""
    done = subprocess.run([sys.executable, "-m", "webapp.cli", "boot", "--root", str(root)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0 and "error" not in done.stdout, done.stdout + done.stderr
    return done.stdout


def snapshot(root: Path) -> dict[str, tuple[str, int, int]]:
    """Every file under root: content hash, mode and modification time."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            info = path.stat()
            found[str(path.relative_to(root))] = (hashlib.sha256(path.read_bytes()).hexdigest(),
                                                  stat.S_IMODE(info.st_mode), info.st_mtime_ns)
    return found


@pytest.mark.parametrize("script", ["provisioning/install.sh",
                                    "provisioning/pi-gen/stage-venuekit/prerun.sh",
                                    "provisioning/pi-gen/stage-venuekit/00-install/00-run.sh",
                                    "provisioning/pi-gen/stage-venuekit/EXPORT_IMAGE",
                                    "scripts/test-deps.sh", ".ci/run"])
def test_scripts_are_shellcheck_clean(script):
    done = subprocess.run([shellcheck(), "--severity=style", str(ROOT / script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def test_install_writes_every_file_into_the_root(tmp_path):
    done = run_install(tmp_path)
    files = snapshot(tmp_path)
    for unit in ("venuekit-web", "venuekit-live", "venuekit-front", "venuekit-printer", "venuekit-sync",
                 "venuekit-buttons", "venuekit-kit-ready"):
        path = tmp_path / "etc/systemd/system" / f"{unit}.service"
        assert path.read_text() == (ROOT / "systemd" / f"{unit}.service").read_text()
    assert (tmp_path / "etc/polkit-1/rules.d/50-venuekit-poweroff.rules").exists()
    assert (tmp_path / "usr/lib/sysusers.d/venuekit.conf").read_text().count("u venuekit") == 1
    udev = (tmp_path / "etc/udev/rules.d/60-venuekit-printer.rules").read_text()
    assert 'ATTR{idVendor}=="04b8"' in udev and 'GROUP="lp"' in udev
    boot = (tmp_path / "boot/firmware/venuekit.toml").read_text()
    assert 'network_mode = "onboard"' in boot
    boot_step(tmp_path)  # the network files and the Wi-Fi password come from the first boot
    files = snapshot(tmp_path)
    kit = json.loads((tmp_path / "var/lib/venuekit/applied.json").read_text())
    assert kit["address"] == "10.42.0.1"
    password = kit["password"]
    assert len(password) == 14 and password.replace("-", "").isalnum()
    assert files["var/lib/venuekit/applied.json"][1] == 0o640
    profile = tmp_path / "etc/NetworkManager/system-connections/venuekit-venue.nmconnection"
    assert files[str(profile.relative_to(tmp_path))][1] == 0o600
    text = profile.read_text()
    assert "mode=ap" in text and "method=shared" in text and password in text
    nm = nmcli_offline(text)
    assert nm["wifi"]["ssid"] == kit["ssid"] and kit["ssid"].startswith("venuekit-")
    dnsmasq = (tmp_path / "etc/NetworkManager/dnsmasq-shared.d/venuekit.conf").read_text()
    assert "address=/#/10.42.0.1" in dnsmasq and "dhcp-option-force=114" not in dnsmasq
    nft = tmp_path / "etc/nftables.d/venuekit.nft"
    assert "redirect to :8000" in nft.read_text()
    assert "skip (--root): env DEBIAN_FRONTEND=noninteractive apt-get install" in done.stdout
    assert "skip (--root): systemctl enable venuekit-web.service venuekit-live.service venuekit-front.service" \
        in done.stdout
    # The front: nginx from Debian, its own unit with the configuration the app renders; Debian's
    # default nginx (a site on port 80) is switched off.
    assert "nginx" in done.stdout.split("apt-get install", 1)[1].splitlines()[0]
    assert "skip (--root): systemctl disable --now nginx.service" in done.stdout
    from webapp import front

    assert (tmp_path / "etc/venuekit/nginx.conf").read_text() == front.render(front.pi_config())


def test_the_image_build_leaves_no_secrets_and_enables_the_boot_step(tmp_path):
    # Every kit flashed from one image makes its own at first boot (`venuekit boot`).
    done = run_install(tmp_path)
    assert not (tmp_path / "var/lib/venuekit/venuekit.toml").exists()
    assert not (tmp_path / "etc/NetworkManager/system-connections/venuekit-venue.nmconnection").exists()
    leftovers = [p for p in (tmp_path / "var/lib/venuekit").rglob("*") if not p.name.startswith(".install-")]
    assert leftovers == []
    assert (tmp_path / "etc/systemd/system/venuekit-boot.service").exists()
    assert "systemctl enable venuekit-web.service" in done.stdout and "venuekit-boot.service" in done.stdout


def test_running_again_changes_nothing(tmp_path):
    run_install(tmp_path)
    before = snapshot(tmp_path)
    again = run_install(tmp_path)
    assert snapshot(tmp_path) == before
    assert "nothing changed" in again.stdout
    assert "skip (--root): env DEBIAN_FRONTEND" not in again.stdout  # install-once steps stay done


def test_the_boot_file_decides_the_network_and_keeps_its_own_password(tmp_path):
    boot = tmp_path / "boot/firmware/venuekit.toml"
    boot.parent.mkdir(parents=True)
    boot.write_text('network_mode = "ethernet"\nwifi_password = ""\n')
    run_install(tmp_path)
    boot_step(tmp_path)
    assert boot.read_text() == 'network_mode = "ethernet"\nwifi_password = ""\n'  # never overwritten
    profile = (tmp_path / "etc/NetworkManager/system-connections/venuekit-venue.nmconnection").read_text()
    assert "type=ethernet" in profile and "interface-name=eth0" in profile
    dnsmasq = (tmp_path / "etc/NetworkManager/dnsmasq-shared.d/venuekit.conf").read_text()
    assert "dhcp-lease-max=1011" in dnsmasq
    nmcli_offline(profile)


def test_overlayroot_needs_a_data_partition(tmp_path):
    done = subprocess.run(["bash", str(INSTALL), "--root", str(tmp_path), "--overlayroot"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "--data-device" in done.stderr
    run_install(tmp_path, "--overlayroot", "--data-device", "/dev/sda1")
    mount = (tmp_path / "etc/systemd/system/var-lib-venuekit.mount").read_text()
    assert "What=/dev/sda1" in mount and "Where=/var/lib/venuekit" in mount
    assert 'overlayroot="tmpfs' in (tmp_path / "etc/overlayroot.local.conf").read_text()


def test_unknown_option_is_refused():
    done = subprocess.run(["bash", str(INSTALL), "--colour", "red"], capture_output=True, text=True)
    assert done.returncode == 2 and "unknown option --colour" in done.stderr
