"""The kit-ready slip: at every boot, once per boot; a Print hold reprints it; the setup code
only before the organiser signs up."""
from __future__ import annotations

import json

from webapp.boot import run as ready
from webapp.cli import main
from webapp.config import load
from webapp.kit_buttons import callbacks
from webapp.printing import queue
from webapp.services import auth
from webapp.storage import open_store

KIT = queue.KitInfo("", "venuekit-TEST", "abcd-efgh-jkmn", "http://10.42.0.1/")


def boot_root(tmp_path, boot_id: str):
    root = tmp_path / "root"
    path = root / ready.BOOT_ID
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(boot_id + "\n")
    return root


def print_all(store) -> None:
    with store.write() as db:
        db.execute("UPDATE print_jobs SET status = 'printed'")


def kit_ready_jobs(store) -> list[dict]:
    return [json.loads(r["payload"]) for r in store.query(
        "SELECT payload FROM print_jobs WHERE kind = 'kit_ready' ORDER BY created_at, rowid")]


def sign_up(store) -> None:
    auth.use_setup_code(store, auth.setup_code(store), "a long organiser passphrase")


def test_once_per_boot_and_again_at_the_next_boot_after_sign_up_without_the_code(tmp_path):
    store = open_store(tmp_path / "data")
    first = boot_root(tmp_path, "11111111-aaaa")
    assert ready.queue_once_per_boot(store, KIT, first)
    print_all(store)
    assert ready.queue_once_per_boot(store, KIT, first) is None  # same boot: once
    sign_up(store)
    second = boot_root(tmp_path, "22222222-bbbb")
    assert ready.queue_once_per_boot(store, KIT, second)  # a new boot, organiser signed up: still
    before, after = kit_ready_jobs(store)
    assert "setup_code" in before and "setup_code" not in after
    assert after["ssid"] == "venuekit-TEST" and after["password"] == "abcd-efgh-jkmn"


def test_print_kit_ready_command_prints_after_sign_up_too(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("VENUEKIT_CONFIG", raising=False)
    sign_up(open_store(tmp_path))
    assert main(["--data", str(tmp_path), "print-kit-ready"]) == 0
    assert "queued" in capsys.readouterr().out
    (job,) = kit_ready_jobs(open_store(tmp_path))
    assert "setup_code" not in job


def test_a_print_hold_reprints_it_in_the_same_boot(tmp_path, monkeypatch):
    monkeypatch.delenv("VENUEKIT_CONFIG", raising=False)
    store = open_store(tmp_path)
    root = boot_root(tmp_path, "33333333-cccc")
    assert ready.queue_once_per_boot(store, KIT, root)
    print_all(store)
    calls = callbacks(store, load(tmp_path))
    assert calls["on_print_kit_ready"]()  # the 2 s hold
    assert len(kit_ready_jobs(store)) == 2
