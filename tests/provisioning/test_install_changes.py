"""Re-running install.sh notices a change to any file it installs and to any setting it applies,
and a run with nothing changed reports nothing."""
from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A copy of the source (as the installer copies it), so the test can edit its files."""
    copy = tmp_path_factory.mktemp("checkout") / "venuekit"
    excludes = (ROOT / "provisioning/source-excludes.txt").read_text().split()
    names = [e for e in excludes if not e.startswith("/")]
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*names))
    for anchored in (e.lstrip("/") for e in excludes if e.startswith("/")):
        shutil.rmtree(copy / anchored, ignore_errors=True)
    mo = copy / "webapp/translations/cy/LC_MESSAGES/messages.mo"
    if not mo.exists():  # built by `make`, not kept in git
        mo.write_bytes(b"\xde\x12\x04\x95")
    return copy


def install(checkout: Path, root: Path) -> str:
    done = subprocess.run(["bash", str(checkout / "provisioning/install.sh"), "--root", str(root),
                           "--python", sys.executable, "--config", "/boot/firmware/venuekit.toml"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def assert_quiet(output: str) -> None:
    assert "nothing changed" in output, output
    assert "changed:" not in output and "skip (--root): rsync" not in output, output
    assert "skip (--root): raspi-config" not in output, output


def append(path: Path, text: bytes) -> None:
    path.write_bytes(path.read_bytes() + text)


FILES = {
    "python": ("webapp/app.py", b"\n# edited\n"),
    "javascript": ("webapp/static/live.js", b"\n// edited\n"),
    "translation (compiled)": ("webapp/translations/cy/LC_MESSAGES/messages.mo", b"\x00"),
    "translation (source)": ("webapp/translations/cy/LC_MESSAGES/messages.po", b"\n"),
    "template": ("webapp/templates/_live.html", b"\n"),
    "static file": ("webapp/static/favicon.ico", b"\x00"),
    "project file": ("pyproject.toml", b"\n"),
    "printer code": ("printer/layouts.py", b"\n"),
    "systemd unit": ("systemd/venuekit-web.service", b"\n"),
    "udev rule": ("provisioning/files/60-venuekit-printer.rules", b"\n"),
}


@pytest.mark.parametrize("kind", sorted(FILES))
def test_a_changed_installed_file_is_reported(checkout, tmp_path, kind):
    install(checkout, tmp_path)
    assert_quiet(install(checkout, tmp_path))
    name, extra = FILES[kind]
    original = (checkout / name).read_bytes()
    append(checkout / name, extra)
    try:
        output = install(checkout, tmp_path)
        assert "nothing changed" not in output, output
        assert name in output, output  # the change is named
        assert_quiet(install(checkout, tmp_path))
    finally:
        (checkout / name).write_bytes(original)


def test_a_new_or_removed_file_is_reported(checkout, tmp_path):
    install(checkout, tmp_path)
    added = checkout / "webapp/static/extra.css"
    added.write_text("body {}\n")
    try:
        assert "webapp/static/extra.css" in install(checkout, tmp_path)
    finally:
        added.unlink()
    assert "webapp/static/extra.css" in install(checkout, tmp_path)
    assert_quiet(install(checkout, tmp_path))


def test_wifi_country_alone_is_applied(checkout, tmp_path):
    first = install(checkout, tmp_path)
    assert "skip (--root): raspi-config nonint do_wifi_country GB" in first
    boot = tmp_path / "boot/firmware/venuekit.toml"
    boot.write_text(boot.read_text() + '\nwifi_country = "DE"\n')
    output = install(checkout, tmp_path)
    assert "nothing changed" not in output
    assert "wifi_country" in output and "skip (--root): raspi-config nonint do_wifi_country DE" in output
    assert_quiet(install(checkout, tmp_path))


def test_a_new_package_in_the_list_is_installed(checkout, tmp_path):
    install(checkout, tmp_path)
    script = checkout / "provisioning/install.sh"
    original = script.read_text()
    script.write_text(original.replace("APT_PACKAGES=(python3-venv", "APT_PACKAGES=(python3-venv jq", 1))
    try:
        output = install(checkout, tmp_path)
        assert "apt-get install -y --no-install-recommends python3-venv jq" in output, output
    finally:
        script.write_text(original)
    install(checkout, tmp_path)
    assert_quiet(install(checkout, tmp_path))


def test_the_journal_is_capped(checkout, tmp_path):
    """A full SD card must never come from logs: journald gets a size cap drop-in."""
    install(checkout, tmp_path)
    dropins = sorted((tmp_path / "etc/systemd/journald.conf.d").glob("*.conf"))
    assert [p.name for p in dropins] == ["60-venuekit.conf"]
    journal = configparser.ConfigParser()
    journal.read_string(dropins[0].read_text())
    units = {"K": 2**10, "M": 2**20, "G": 2**30}
    size = journal["Journal"]["SystemMaxUse"]
    assert int(size[:-1]) * units[size[-1]] <= 50 * 2**20
    assert "RuntimeMaxUse" in journal["Journal"]  # the RAM journal too (under a read-only root)
