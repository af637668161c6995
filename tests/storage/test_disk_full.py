"""A full SD card: the reserve, the warnings, optional writes stopped, ballots still accepted,
and when a write really fails a clear page, a consistent database and nothing acknowledged lost.

Every test runs on a small tmpfs the test mounts (tests/storage/small_fs.py)."""
from __future__ import annotations

import errno

import pytest

from webapp.app import create_app
from webapp.storage import open_store
from webapp.storage.space import MB, RESERVE_NAME, StorageFull, watch

from .disk_scenario import REFUSED_TEXT, RESERVE_MB, disk_full_scenario, kit_app, storage_record, text
from .small_fs import empty, fill, free_bytes, small_filesystem


def test_a_write_that_finds_the_disk_full_is_rolled_back_and_the_store_goes_on(tmp_path):
    with small_filesystem(8) as disk:
        store = open_store(disk / "data")
        watch(store, disk / "data", reserve_mb=0)  # no reserve: the very next page fails
        with store.write() as db:
            db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
            db.execute("INSERT INTO t (body) VALUES (zeroblob(1000))")
        fill(disk, leave=0)
        with pytest.raises(StorageFull) as caught:
            with store.write() as db:
                db.execute("INSERT INTO t (body) VALUES (zeroblob(?))", [2 * MB])
        assert caught.value.code == "storage_full" and caught.value.status == 507
        # The failed transaction is gone: no half-open transaction blocks the next writer.
        assert not store.db.conn.in_transaction
        assert store.scalar("PRAGMA integrity_check") == "ok"
        assert store.scalar("SELECT count(*) FROM t") == 1
        empty(disk)
        with store.write() as db:
            db.execute("INSERT INTO t (body) VALUES (zeroblob(10))")
        assert store.scalar("SELECT count(*) FROM t") == 2
        store.close()




# --- the kit on a small card: to the reserve, into it, past it ---------------------------------

def test_the_reserve_is_held_at_start_with_real_blocks():
    with small_filesystem(16) as disk:
        app = kit_app(disk / "data")
        store = app.extensions["venuekit"].store
        try:
            reserve = disk / "data" / RESERVE_NAME
            assert reserve.stat().st_size == RESERVE_MB * MB
            assert reserve.stat().st_blocks * 512 >= RESERVE_MB * MB, "a sparse file would hold nothing back"
            assert free_bytes(disk) <= 16 * MB - RESERVE_MB * MB
            assert store.guard.look(fresh=True).state == "ok"
            assert storage_record(store) == ("ok", None)
        finally:
            store.close()


def test_no_room_for_the_reserve_at_start_is_reported_not_fatal():
    with small_filesystem(16) as disk:
        (disk / "data").mkdir()
        fill(disk, leave=RESERVE_MB * MB)
        app = create_app({"DATA_DIR": str(disk / "data"), "TESTING": True, "STORAGE_RESERVE_MB": RESERVE_MB})
        store = app.extensions["venuekit"].store
        try:
            assert not store.guard.make_reserve()
            assert not (disk / "data" / RESERVE_NAME).exists()
            assert store.guard.look(fresh=True).state in ("low", "full")
        finally:
            store.close()


def test_filling_the_card_to_the_reserve_then_past_it():
    with small_filesystem(16) as disk:
        summary = disk_full_scenario(disk, disk / "data")
    assert summary["refused_status"] == 507


def test_a_disk_full_error_outside_a_transaction_gets_the_storage_full_page():
    with small_filesystem(8) as disk:
        app = kit_app(disk / "data", reserve_mb=1)

        def writes_a_file():
            raise OSError(errno.ENOSPC, "No space left on device")

        app.add_url_rule("/writes-a-file", "writes_a_file", writes_a_file)
        app.add_url_rule("/api/v1/writes-a-file", "api_writes_a_file", writes_a_file)
        try:
            page = app.test_client().get("/writes-a-file")
            assert page.status_code == 507
            assert REFUSED_TEXT in text(page)
            welsh = app.test_client().get("/writes-a-file?lang=cy")
            assert welsh.status_code == 507
            api = app.test_client().get("/api/v1/writes-a-file")
            assert api.status_code == 507 and api.get_json()["error"]["code"] == "storage_full"
        finally:
            app.extensions["venuekit"].store.close()


def test_the_api_document_lists_storage_full_on_every_write(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True})
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    put = document["paths"]["/api/v1/ballot-codes/{code}/ballot"]["put"]
    assert "507" in put["responses"]
    assert "507" not in document["paths"]["/api/v1/ballot-codes/{code}"]["get"]["responses"]
    writes = [op for path in document["paths"].values() for method, op in path.items() if method != "get"]
    assert writes and all("507" in op["responses"] for op in writes)


def test_venuekit_serve_holds_the_reserve_and_notices_a_card_filled_by_others():
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    from tests.servers import free_port, wait_until_up

    with small_filesystem(16) as disk:
        data = disk / "data"
        data.mkdir()
        (data / "venuekit.toml").write_text("storage_reserve_mb = 3\n")
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "webapp.cli", "--data", str(data), "serve",
                                   "--host", "127.0.0.1", "--port", str(port), "--threads", "2"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  env={**os.environ, "VENUEKIT_CONFIG": ""})
        try:
            assert wait_until_up(f"http://127.0.0.1:{port}/"), "the server never answered"
            assert (data / RESERVE_NAME).stat().st_size == 3 * MB
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/assembly") as answer:
                assert answer.status == 200
            # The card fills with no write of the kit's own: the next request has the kit notice.
            fill(disk, leave=MB)
            time.sleep(1.1)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/assembly") as answer:
                assert answer.status == 200
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and storage_record(again := open_store(data))[0] != "low":
                again.close()
                time.sleep(0.2)
            assert storage_record(again)[0] == "low"
            again.close()
        finally:
            server.terminate()
            server.wait(20)


def test_only_the_server_holds_a_reserve_an_app_or_a_cli_store_never_makes_one(tmp_path):
    # Tests, the CLI and the spooler open the kit's store too: none of them may take 64 MB.
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True})
    store = app.extensions["venuekit"].store
    with store.write() as db:
        db.execute("SELECT 1")
    assert store.guard.look(fresh=True).state == "ok"
    assert not (tmp_path / "data" / RESERVE_NAME).exists()
    store.close()


def test_the_small_disk_can_be_mounted_over_a_kits_data_directory(tmp_path):
    data = tmp_path / "var" / "lib" / "venuekit"
    data.mkdir(parents=True)
    (data / "venuekit.toml").write_text('wifi_ssid = "hall"\n')
    with small_filesystem(8, at=data) as disk:
        assert disk == data
        assert (data / "venuekit.toml").read_text() == 'wifi_ssid = "hall"\n'
        fill(disk, leave=0)
        assert free_bytes(data) < 64 * 1024
        (data / "venuekit.toml").write_text("changed on the small disk\n")
    assert (data / "venuekit.toml").read_text() == 'wifi_ssid = "hall"\n'
    assert not (data / "ballast").exists()
