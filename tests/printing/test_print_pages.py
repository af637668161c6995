"""Printing from the steward page, the JSON API and the command line (laptop previews)."""
import html as htmllib
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image
from pyzbar.pyzbar import decode

from tests.conftest import csrf_from, make_assembly
from webapp.app import create_app
from webapp.services import auth, kit_status


def act(client, **data):
    page = client.get("/steward/print/").get_data(as_text=True)
    return client.post("/steward/print/", data={"csrf_token": csrf_from(page), **data})


def test_steward_prints_cards_slips_and_sees_the_queue(organiser, store):
    make_assembly(store, phase="setup", groups=3)
    response = act(organiser, action="group_cards", slips="2")
    assert response.status_code == 303
    page = htmllib.unescape(organiser.get("/steward/print/").get_data(as_text=True))
    assert "Done: the printer will work through the queue." in page
    assert "9 waiting" in page and "Batch: 0 of 9 printed" in page and "Group card 3" in page
    act(organiser, action="ballot_slips", count="4")
    assert store.scalar("SELECT count(*) FROM print_jobs") == 13
    bad = act(organiser, action="ballot_slips", count="lots")
    assert "must be a whole number" in htmllib.unescape(organiser.get(bad.headers["Location"]).get_data(as_text=True))
    job = store.scalar("SELECT id FROM print_jobs ORDER BY seq DESC LIMIT 1")
    act(organiser, action="cancel", job=job)
    assert store.scalar("SELECT status FROM print_jobs WHERE id = ?", [job]) == "cancelled"
    act(organiser, action="cancel_all")
    assert store.scalar("SELECT count(*) FROM print_jobs WHERE status = 'queued'") == 0
    fragment = organiser.get("/steward/print/fragment").get_data(as_text=True)
    assert "0 waiting" in fragment


def test_printing_pages_need_a_steward(client):
    assert client.get("/steward/print/").status_code == 302
    assert client.post("/steward/print/", data={"action": "kit_ready"}).status_code in (302, 400)


def test_bad_printer_settings_show_a_clear_message(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "TESTING": True, "PRINTER": {"kind": "usb", "widht": 576}})
    store = app.extensions["venuekit"].store
    client = app.test_client()
    page = client.get("/organiser/signin").get_data(as_text=True)
    client.post("/organiser/signin", data={"csrf_token": csrf_from(page), "setup_code": auth.setup_code(store),
                                           "passphrase": "long enough"})
    response = client.get("/steward/print/")
    assert response.status_code == 200
    text = htmllib.unescape(response.get_data(as_text=True))
    assert "The printer settings are wrong" in text and "widht" in text


def test_printer_state_reported_by_the_spooler_is_shown(organiser, store):
    kit_status.report(store, "printer", state="paper_out", error="The printer is out of paper.")
    text = organiser.get("/steward/print/fragment").get_data(as_text=True)
    assert "out of paper" in text and "The printer is out of paper." in text


def test_print_api(client, store):
    make_assembly(store, phase="setup", groups=2)
    steward = {"Authorization": f"Bearer {auth.create_token(store, 'steward')}"}
    response = client.post("/api/v1/print/group-cards", json={"slips_per_group": 1}, headers=steward)
    assert response.status_code == 202 and response.get_json()["queued"] == 4
    response = client.post("/api/v1/print/ballot-slips", json={"count": 0}, headers=steward)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "out_of_range"
    status = client.get("/api/v1/print/status", headers=steward).get_json()
    assert status["queued"] == 4 and len(status["jobs"]) == 4
    job = status["jobs"][0]["id"]
    assert client.post(f"/api/v1/print/jobs/{job}/cancel", headers=steward).status_code == 200
    assert client.post(f"/api/v1/print/jobs/{job}/reprint", headers=steward).status_code == 202
    assert client.post("/api/v1/print/kit-ready", headers=steward).status_code == 403
    assert client.post("/api/v1/print/results-slip", headers=steward).get_json()["error"]["code"] == "not_revealed"


def test_laptop_spooler_writes_png_previews_with_readable_qr_codes(tmp_path):
    from webapp.printing import queue
    from webapp.storage import open_store

    store = open_store(tmp_path)
    make_assembly(store, phase="setup", groups=1)
    kit = queue.KitInfo("Laptop", "venuekit", "", "http://127.0.0.1:8000/")
    queue.group_cards(store, kit, 1)
    exe = str(Path(sys.executable).with_name("venuekit"))
    proc = subprocess.Popen([exe, "--data", str(tmp_path), "print-spooler"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and store.scalar(
                "SELECT count(*) FROM print_jobs WHERE status = 'printed'") < 2:
            time.sleep(0.2)
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0].decode()
    assert store.scalar("SELECT count(*) FROM print_jobs WHERE status = 'printed'") == 2, out
    pngs = sorted((tmp_path / "prints").glob("*.png"))
    assert len(pngs) == 2
    found = set()
    for png in pngs:
        found |= {d.data.decode() for d in decode(Image.open(png).convert("L"))}
    group = store.one("SELECT code FROM groups")["code"]
    assert f"http://127.0.0.1:8000/g/{group}" in found and "WIFI:T:nopass;S:venuekit;;" in found
    assert kit_status.printer_state(store)["state"] == "ok"
