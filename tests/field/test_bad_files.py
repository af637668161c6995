"""The field scenario, part 2: every kind of bad settings file an organiser's laptop can leave.

The kit always boots (exit 0) on the last good settings, queues a *settings problem* slip naming
the line, and its buttons service still starts on the same file.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from .kit import BOOT_FILE, DATA, PROFILE, REPO, applied, boot, env_without_settings, installed_tree, printed, queued, store
from .kit import write_boot_file

GOOD = 'wifi_ssid = "Good Hall"\nwifi_password = "good password 1"\nwifi_country = "DE"\n'
GOOD_LIVE = ("Good Hall", "good password 1", "DE", "onboard")

# name -> (file bytes, the line the slip must name, or None for a file that cannot be read at all)
BAD = {
    "unknown key": (GOOD + 'colour = "red"\n', 4),
    "misspelt key": (GOOD + 'wifi_pasword = "another one 2"\n', 4),
    "wrong type": (GOOD + 'web_port = "8000"\n', 4),
    "unknown mode": (GOOD + 'network_mode = "mesh"\n', 4),
    "invalid country": ('wifi_ssid = "Good Hall"\nwifi_password = "good password 1"\nwifi_country = "UK"\n', 3),
    "password too short": ('wifi_ssid = "Good Hall"\nwifi_password = "short"\nwifi_country = "DE"\n', 2),
    "password too long": ('wifi_ssid = "Good Hall"\nwifi_password = "' + "x" * 64 + '"\nwifi_country = "DE"\n', 2),
    "ssid over 32 bytes": ('wifi_ssid = "' + "é" * 17 + '"\nwifi_password = "good password 1"\n'
                           'wifi_country = "DE"\n', 1),
    "not toml": (GOOD + "network_mode = ethernet\n", 4),
    "empty file": (b"", None),
    "binary file": (bytes(range(256)) * 4, None),
}

# What Notepad and TextEdit do: tolerated silently, the file applies as meant.
TOLERATED = {
    "BOM and CRLF": b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode(),
    "tabs": GOOD.replace(" = ", "\t=\t").encode(),
    "smart quotes": GOOD.replace('"', "\u201c", 1).replace('Hall"', "Hall\u201d").encode(),
}


@pytest.fixture(scope="module")
def good_kit(tmp_path_factory):
    """A kit that booted once on a good file (so there are last good settings)."""
    root = installed_tree(tmp_path_factory.mktemp("good") / "root")
    write_boot_file(root, GOOD)
    done = boot(root, "boot-1")
    assert done.code == 0 and "error" not in done.out, done.out
    assert live(root) == GOOD_LIVE
    printed(root)
    return root


def live(root) -> tuple:
    state = applied(root)
    return state["ssid"], state["password"], state["country"], state["mode"]


def copy_of(good_kit, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(good_kit, root, symlinks=True)
    return root


def buttons_start(root) -> None:
    """`venuekit buttons` as its unit runs it, on the same settings file: it must keep running."""
    env = dict(env_without_settings(), VENUEKIT_CONFIG=str(root / BOOT_FILE))
    proc = subprocess.Popen([sys.executable, "-m", "webapp.cli", "--data", str(root / DATA), "buttons"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        time.sleep(2.0)
        assert proc.poll() is None, proc.stdout.read().decode()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out.decode()


@pytest.mark.parametrize("name", BAD)
def test_a_bad_file_boots_on_the_last_good_settings_with_a_problem_slip(good_kit, tmp_path, name):
    root = copy_of(good_kit, tmp_path)
    content, line = BAD[name]
    write_boot_file(root, content)
    done = boot(root, "boot-2")
    assert done.code == 0, done.out
    assert "settings problem" in done.out and "Traceback" not in done.out, done.out
    assert live(root) == GOOD_LIVE  # the last good network stays up
    (slip,) = queued(root, "settings_problem")
    wheres = [p["where"] for p in slip["problems"]]
    if line is None:
        assert slip["problems"] and not any(w.startswith("Line") for w in wheres)
    else:
        assert any(w.startswith(f"Line {line}") for w in wheres), wheres
    assert all(p["used"] for p in slip["problems"])
    health = {r["name"]: r["value"] for r in store(root).query(
        "SELECT name, value FROM settings WHERE name LIKE 'settings.%'")}
    assert health["settings.state"] == "problem"
    kinds = [p.kind for p in printed(root)]
    assert "settings_problem" in kinds and "kit_ready" in kinds  # both print, and the kit still greets
    buttons_start(root)


@pytest.mark.parametrize("name", TOLERATED)
def test_what_editors_do_is_tolerated_silently(good_kit, tmp_path, name):
    root = copy_of(good_kit, tmp_path)
    write_boot_file(root, TOLERATED[name].replace(b"Good Hall", b"Edited Hall"))
    done = boot(root, "boot-2")
    assert done.code == 0 and "problem" not in done.out, done.out
    assert live(root) == ("Edited Hall", *GOOD_LIVE[1:])
    assert queued(root, "settings_problem") == []


def test_a_good_file_again_clears_the_problem(good_kit, tmp_path):
    root = copy_of(good_kit, tmp_path)
    write_boot_file(root, BAD["unknown mode"][0])
    boot(root, "boot-2")
    write_boot_file(root, GOOD.replace("DE", "NL"))
    done = boot(root, "boot-3")
    assert "problem" not in done.out and live(root) == ("Good Hall", "good password 1", "NL", "onboard")
    state = json.loads(json.dumps(store(root).scalar("SELECT value FROM settings WHERE name = 'settings.state'")))
    assert state == "ok"
    buttons_start(root)


def test_the_boot_survives_an_unwritable_data_partition(good_kit, tmp_path):
    # Whatever happens, the unit exits 0 with a report, so the boot goes on.
    # With overlayroot, /etc starts empty at every boot: the network must still come up.
    root = copy_of(good_kit, tmp_path)
    (root / DATA / "venuekit.db").unlink()
    (root / DATA / "venuekit.db").mkdir()  # a database that cannot be opened
    shutil.rmtree(root / "etc/NetworkManager")
    done = boot(root, "boot-2")
    assert done.code == 0 and "venuekit boot: error" in done.out, done.out
    assert live(root) == GOOD_LIVE
    profile = (root / PROFILE).read_text()
    assert "ssid=Good Hall" in profile and "psk=good password 1" in profile
    os.rmdir(root / DATA / "venuekit.db")
