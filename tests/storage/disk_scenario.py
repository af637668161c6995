"""The disk-full scenario as one callable, for tests/storage and the field scenario (tests/field/).

    from tests.storage.disk_scenario import disk_full_scenario
    from tests.storage.small_fs import small_filesystem

    with small_filesystem(16) as disk:
        summary = disk_full_scenario(disk, disk / "data")   # asserts every step

The kit's data directory must be on `disk` (a small file system made by small_fs). Steps: room to
spare; filled to the reserve (warning on organiser and steward pages, kit_status "storage" low,
print previews and access-log lines stop, ballots still saved); nothing left besides the reserve
(the reserve is released, ballots go on into its room, state "full"); the reserve's room used up
(the participant gets the 507 "storage is full, tell a steward" page, the API `storage_full`, the
database consistent, every acknowledged ballot there after reopening); the card cleared (the
reserve is held again, the waiting preview prints).
"""
from __future__ import annotations

import html as htmllib
import threading
import time
from pathlib import Path

from gunicorn.glogging import Logger

from tests.conftest import csrf_from, make_assembly
from webapp.app import create_app
from webapp.printing import queue
from webapp.printing.service import PREVIEWS_PAUSED, run_spooler
from webapp.server import KitServer
from webapp.services import auth, ballots
from webapp.storage import open_store
from webapp.storage.space import MB, RESERVE_NAME

from .small_fs import empty, fill

RESERVE_MB = 2
LOW_TEXT = "The kit's storage is nearly full"
FULL_TEXT = "The kit's storage is full."
REFUSED_TEXT = "The kit's storage is full, so this was not saved. Please tell a steward."


def kit_app(data: Path, reserve_mb: int = RESERVE_MB, **config):
    """The web app over `data`, holding its reserve as `venuekit serve` does at start."""
    app = create_app({"DATA_DIR": str(data), "TESTING": True, "STORAGE_RESERVE_MB": reserve_mb, **config})
    assert app.extensions["venuekit"].store.guard.make_reserve(), "no room to hold the reserve at start"
    return app


def signed_in(app, role: str):
    """A test client signed in as the organiser or a steward."""
    store = app.extensions["venuekit"].store
    client = app.test_client()
    if role == "organiser":
        page = client.get("/organiser/signin").get_data(as_text=True)
        form = {"setup_code": auth.setup_code(store), "passphrase": "correct horse"}
        assert client.post("/organiser/signin", data={"csrf_token": csrf_from(page), **form}).status_code == 303
    else:
        page = client.get("/steward/signin").get_data(as_text=True)
        form = {"code": auth.create_steward_code(store, "Door")}
        assert client.post("/steward/signin", data={"csrf_token": csrf_from(page), **form}).status_code == 303
    return client


def vote(client, code: str, number: int):
    page = client.get(f"/b/{code}")
    assert page.status_code == 200
    return client.post(f"/b/{code}", data={"csrf_token": csrf_from(page.get_data(as_text=True)), "idea": [str(number)]})


def text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def storage_record(store) -> tuple[str | None, str | None]:
    """What the kit recorded for the lights: kit_status component "storage"."""
    return (store.scalar("SELECT value FROM settings WHERE name = 'storage.state'"),
            store.scalar("SELECT value FROM settings WHERE name = 'storage.error'"))


def spool_until(store, data: Path, done, seconds: float = 60.0) -> None:
    """Run the laptop-mode spooler (PNG previews in DATA/prints) until `done()` (each batch
    starts a child process, so this waits for an outcome rather than for a fixed time)."""
    stop = threading.Event()
    worker = threading.Thread(target=run_spooler, args=(store, {"kind": "preview", "dir": str(data / "prints")}, stop),
                              kwargs={"log_line": lambda line: None})
    worker.start()
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        stop.wait(0.05)
    stop.set()
    worker.join(30)
    assert not worker.is_alive()


def previews(data: Path) -> list[Path]:
    return sorted((data / "prints").glob("*.png")) if (data / "prints").exists() else []


def access_lines(app) -> list:
    """What the server's access log writes for one request now (gunicorn's writer is stubbed)."""
    written: list = []
    original = Logger.access
    Logger.access = lambda self, *args: written.append(args)
    try:
        server = KitServer(app, host="127.0.0.1", port=0, access_log=True)
        server.cfg.logger_class(server.cfg).access(None, None, {}, 0.01)
    finally:
        Logger.access = original
    return written


def disk_full_scenario(disk: Path, data: Path, reserve_mb: int = RESERVE_MB) -> dict:
    """Fill the card to the reserve, into it and past it, then clear it; asserts each step."""
    app = kit_app(data, reserve_mb)
    store = app.extensions["venuekit"].store
    try:
        return _run(app, store, disk, data, reserve_mb)
    finally:
        store.close()


def _run(app, store, disk: Path, data: Path, reserve_mb: int) -> dict:
    guard = store.guard
    organiser, steward = signed_in(app, "organiser"), signed_in(app, "steward")
    made = make_assembly(store, voters=400)
    codes = iter(made["codes"])
    acknowledged: dict[str, int] = {}

    def cast(number: int = 1):
        code = next(codes)
        response = vote(app.test_client(), code, number)
        if response.status_code == 303:
            acknowledged[code] = number
        return response

    # Room to spare: no warning, the access log writes.
    assert guard.look(fresh=True).state == "ok"
    assert storage_record(store) == ("ok", None)
    assert "storage-notice" not in text(organiser.get("/organiser/"))
    assert cast().status_code == 303
    assert len(access_lines(app)) == 1

    # 1. Down to the reserve: a warning everywhere, optional writes stop, ballots still saved.
    fill(disk, leave=reserve_mb * MB // 2)
    assert guard.look(fresh=True).state == "low"
    for _ in range(5):
        assert cast().status_code == 303
    state, error = storage_record(store)
    assert state == "low" and "storage low" in error
    assert LOW_TEXT in text(organiser.get("/organiser/"))
    assert LOW_TEXT in text(steward.get("/steward/"))
    assert access_lines(app) == []
    queue.kit_ready(store, queue.KitInfo.from_config(app.config, "http://10.42.0.1/"))
    spool_until(store, data, lambda: queue.jobs(store)[0]["last_error"] is not None)
    assert previews(data) == []
    job = queue.jobs(store)[0]
    assert job["status"] == "queued" and job["last_error"] == PREVIEWS_PAUSED
    assert (data / RESERVE_NAME).exists()

    # 2. Nothing left besides the reserve: it is released and ballots go on into its room.
    fill(disk, leave=0)
    for _ in range(5):
        assert cast().status_code == 303
    assert not (data / RESERVE_NAME).exists()
    assert guard.look(fresh=True).state == "full"
    assert storage_record(store)[0] == "full"
    assert FULL_TEXT in text(organiser.get("/organiser/"))
    assert FULL_TEXT in text(steward.get("/steward/"))

    # 3. The reserve's room used up too: the participant is told plainly, nothing half-saved.
    fill(disk, leave=0)
    refused = None
    for _ in range(300):
        response = cast()
        if response.status_code != 303:
            refused = response
            break
    assert refused is not None, "the card never filled up"
    assert refused.status_code == 507
    assert REFUSED_TEXT in text(refused)
    api = app.test_client().put(f"/api/v1/ballot-codes/{next(codes)}/ballot",
                                json={"choices": {made["ideas"][0]["id"]: 1}})
    assert api.status_code == 507
    assert api.get_json()["error"]["code"] == "storage_full"
    assert not store.db.conn.in_transaction
    assert store.scalar("PRAGMA integrity_check") == "ok"
    assert guard.look(fresh=True).state == "full"

    # Every acknowledged ballot is there after the database is opened again.
    store.close()
    again = open_store(data)
    try:
        assert again.scalar("PRAGMA integrity_check") == "ok"
        by_number = {idea["number"]: idea["id"] for idea in made["ideas"]}
        for code, number in acknowledged.items():
            stored = ballots.current(again, ballots.lookup(again, code)["ballot_id"])
            assert stored is not None and stored["choices"] == {by_number[number]: 1}, code
        assert again.scalar("SELECT count(*) FROM ballots") == len(acknowledged)
    finally:
        again.close()
    assert len(acknowledged) >= 11

    # Room again (the card is cleared): the reserve is held once more, the waiting preview prints.
    empty(disk)
    assert guard.look(fresh=True).state == "ok"
    assert (data / RESERVE_NAME).stat().st_size == reserve_mb * MB
    assert cast().status_code == 303
    assert storage_record(store)[0] == "ok"
    assert "storage-notice" not in text(organiser.get("/organiser/"))
    spool_until(store, data, lambda: bool(previews(data)))
    assert previews(data), "the waiting preview printed once there was room"
    return {"acknowledged": len(acknowledged), "refused_status": refused.status_code}
