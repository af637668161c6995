"""Printing from the steward page, the JSON API and the command line (laptop previews)."""
import html as htmllib
import json
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image
from printer import Spooler, open_printer
from pyzbar.pyzbar import decode

from tests.conftest import csrf_from, make_assembly
from tests.printer import text_spy
from tests.printer.escpos_decode import slips
from webapp.app import create_app
from webapp.printing import paper
from webapp.printing.jobstore import SqliteJobStore
from webapp.services import auth, kit_status


def act(client, **data):
    page = client.get("/steward/print/").get_data(as_text=True)
    return client.post("/steward/print/", data={"csrf_token": csrf_from(page), **data})


def test_steward_prints_cards_slips_and_sees_the_queue(organiser, store):
    make_assembly(store, phase="setup", groups=3)
    response = act(organiser, action="group_cards", slips="2")
    assert response.status_code == 303
    page = htmllib.unescape(organiser.get(response.headers["Location"]).get_data(as_text=True))
    assert "Done: the printer will work through the queue." in page
    assert "9 waiting" in page and "Batch: 0 of 9 printed" in page and "Group card 3" in page
    act(organiser, action="ballot_slips", count="4")
    assert store.scalar("SELECT count(*) FROM print_jobs") == 13
    bad = act(organiser, action="ballot_slips", count="lots")
    assert bad.status_code == 400 and "must be a whole number" in htmllib.unescape(bad.get_data(as_text=True))
    job = store.scalar("SELECT id FROM print_jobs ORDER BY seq DESC LIMIT 1")
    act(organiser, action="cancel", job=job)
    assert store.scalar("SELECT status FROM print_jobs WHERE id = ?", [job]) == "cancelled"
    act(organiser, action="cancel_all")
    assert store.scalar("SELECT count(*) FROM print_jobs WHERE status = 'queued'") == 0
    fragment = organiser.get("/steward/print/fragment").get_data(as_text=True)
    assert "0 waiting" in fragment


def test_printing_from_the_welsh_page_in_welsh_and_large_print(organiser, store, monkeypatch):
    """The organiser chose Welsh paper; a steward on the Welsh page asks for large print."""
    made = make_assembly(store, phase="voting", groups=2)
    organiser.post("/organiser/paper-language", data={"csrf_token": organiser.csrf, "paper_language": "cy"})
    page = organiser.get("/steward/print/?lang=cy").get_data(as_text=True)
    assert '<html lang="cy"' in page and 'name="large_print"' in page
    for data in ({"action": "group_cards", "slips": "1"}, {"action": "paper_ballots", "count": "1"}):
        response = organiser.post("/steward/print/?lang=cy", data={"csrf_token": csrf_from(page), "large_print": "1",
                                                                  **data})
        assert response.status_code == 303 and "lang=cy" in response.headers["Location"]
    gettext = paper.catalogue("cy").gettext
    rows = store.query("SELECT kind, payload FROM print_jobs ORDER BY seq")
    for row in rows:
        payload = json.loads(row["payload"])
        assert payload["large_print"] is True and payload["paper_language"] == "cy"
        assert payload["labels"]["reprint"] == gettext("REPRINT")
        assert all(text == gettext(paper.SLIP_LABELS[key]) for key, text in payload["labels"].items()
                   if key in paper.SLIP_LABELS)
    card = json.loads(rows[0]["payload"])
    assert card["url"] == f"http://localhost/g/{made['groups'][0]['code']}?lang=cy"
    drawn = text_spy.spy(monkeypatch)
    device = open_printer({"kind": "dummy", "width": 576})
    spooler = Spooler(SqliteJobStore(store), device)
    while spooler.run_once() is not None:
        pass
    printed = [image for _label, data in device.jobs for image in slips(data)]
    assert "Papur pleidleisio" in drawn.joined()  # the real Welsh catalogue's wording
    found = {d.data.decode() for d in decode(printed[0].convert("L"))}
    assert card["url"] in found


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


def failed_slip(store, partial=False):
    """One ballot slip whose printer failed (cut off part-way when `partial`)."""
    from printer import PrinterConnectionLostError, PrinterOfflineError, Spooler, open_printer

    from webapp.printing import queue
    from webapp.printing.jobstore import SqliteJobStore

    queue.ballot_slips(store, queue.KitInfo("Hall", "venuekit", "pw", "http://10.42.0.1/"), 1)
    device = open_printer({"kind": "dummy", "width": 384})
    device.fail_next(PrinterConnectionLostError("The cable was pulled.", partial=True) if partial
                     else PrinterOfflineError("The printer is unplugged."))
    Spooler(SqliteJobStore(store), device).run_once()
    return store.scalar("SELECT id FROM print_jobs ORDER BY seq DESC LIMIT 1")


def test_the_page_shows_attempts_error_and_next_try_and_try_now_resets_it(organiser, store):
    make_assembly(store, phase="setup", groups=1)
    job = failed_slip(store)
    page = htmllib.unescape(organiser.get("/steward/print/").get_data(as_text=True))
    assert "The printer is unplugged." in page and "tried 1 time" in page
    assert "next try in 2 s" in page or "next try in 1 s" in page
    assert "Try now" in page
    assert act(organiser, action="retry", job=job).status_code == 303
    assert store.scalar("SELECT next_attempt_at FROM print_jobs WHERE id = ?", [job]) is None
    page = htmllib.unescape(organiser.get("/steward/print/").get_data(as_text=True))
    assert "next try in" not in page
    # Without the form's CSRF token nothing changes.
    assert organiser.post("/steward/print/", data={"action": "retry", "job": job}).status_code == 400


def test_a_torn_slip_warns_the_steward_who_can_void_its_code_and_print_a_new_one(organiser, store):
    make_assembly(store, phase="voting", groups=1, voters=0)
    job = failed_slip(store, partial=True)
    page = htmllib.unescape(organiser.get("/steward/print/").get_data(as_text=True))
    assert "REPRINT" in page and "destroy" in page
    assert "Void the code and print a new slip" in page
    assert act(organiser, action="void_replace", job=job).status_code == 303
    row = store.one("SELECT status, replaced_by FROM print_jobs WHERE id = ?", [job])
    assert row["status"] == "cancelled" and row["replaced_by"]
    assert store.scalar("SELECT count(*) FROM ballot_codes WHERE voided_at IS NOT NULL") == 1
    page = htmllib.unescape(organiser.get("/steward/print/").get_data(as_text=True))
    assert "Void the code and print a new slip" not in page and "(replaces " in page


def test_print_api_retry_and_void(client, store):
    make_assembly(store, phase="voting", groups=1, voters=0)
    steward = {"Authorization": f"Bearer {auth.create_token(store, 'steward')}"}
    job = failed_slip(store)
    listed = client.get("/api/v1/print/status", headers=steward).get_json()["jobs"][0]
    assert (listed["attempts"], listed["last_error"], listed["reprint"]) == (1, "The printer is unplugged.", False)
    assert 0 <= listed["next_try_in_s"] <= 2
    response = client.post(f"/api/v1/print/jobs/{job}/retry", headers=steward)
    assert response.status_code == 200 and response.get_json()["queued"] == 1
    assert client.get("/api/v1/print/status", headers=steward).get_json()["jobs"][0]["next_try_in_s"] is None
    assert client.post(f"/api/v1/print/jobs/{job}/void-and-replace", headers=steward).status_code == 409
    assert client.post(f"/api/v1/print/jobs/{job}/cancel", headers=steward).status_code == 200
    torn = failed_slip(store, partial=True)
    assert client.get("/api/v1/print/status", headers=steward).get_json()["jobs"][0]["reprint"] is True
    response = client.post(f"/api/v1/print/jobs/{torn}/void-and-replace", headers=steward)
    assert response.status_code == 202
    assert client.post("/api/v1/print/jobs/nope/retry", headers=steward).status_code == 409
    assert client.post(f"/api/v1/print/jobs/{job}/retry").status_code == 401


def kit_ready_payloads(store) -> list[dict]:
    import json

    rows = store.query("SELECT payload FROM print_jobs WHERE kind = 'kit_ready' ORDER BY seq")
    return [json.loads(r["payload"]) for r in rows]


def test_the_kit_ready_slip_carries_a_setup_code_only_before_the_organiser_signs_up(app, store):
    from printer import render_job

    from webapp.printing import queue

    kit = queue.KitInfo("Hall", "venuekit", "pw", "http://10.42.0.1/")
    queue.kit_ready(store, kit)
    [before] = kit_ready_payloads(store)
    assert before["setup_code"] and before["setup_url"]
    auth.use_setup_code(store, auth.setup_code(store), "correct horse")
    queue.cancel_all(store)
    # Whoever asks after sign-up (the kit's button, an organiser, the command line): no code.
    queue.kit_ready(store, kit)
    after = kit_ready_payloads(store)[-1]
    assert "setup_code" not in after and "setup_url" not in after
    assert auth.setup_code(store) not in str(after)
    [image] = render_job("kit_ready", after, 384)
    found = {d.data.decode() for d in decode(image.convert("L"))}
    assert found == {"WIFI:T:WPA;S:venuekit;P:pw;;"}


def test_a_steward_can_neither_print_nor_reprint_a_setup_code(app, store):
    from tests.webapp.test_sessions import steward_client

    from webapp.printing import queue

    kit = queue.KitInfo("Hall", "venuekit", "pw", "http://10.42.0.1/")
    queue.kit_ready(store, kit)  # printed at first start, before sign-up: it carries the code
    old_job = store.scalar("SELECT id FROM print_jobs WHERE kind = 'kit_ready'")
    organiser = app.test_client()
    page = organiser.get("/organiser/signin").get_data(as_text=True)
    organiser.post("/organiser/signin", data={"csrf_token": csrf_from(page), "setup_code": auth.setup_code(store),
                                              "passphrase": "correct horse"})
    steward = steward_client(app, store)
    page = steward.get("/steward/print/").get_data(as_text=True)
    assert "Print the kit-ready slip" not in page
    assert act(steward, action="kit_ready").status_code in (400, 403)
    assert act(steward, action="reprint", job=old_job).status_code == 403
    assert len(kit_ready_payloads(store)) == 1
    steward_api = {"Authorization": f"Bearer {auth.create_token(store, 'steward')}"}
    response = app.test_client().post(f"/api/v1/print/jobs/{old_job}/reprint", headers=steward_api)
    assert response.status_code == 403
    assert len(kit_ready_payloads(store)) == 1
    # The organiser may reprint it, but a reprint after sign-up carries no code either.
    assert "Print the kit-ready slip" in organiser.get("/steward/print/").get_data(as_text=True)
    assert act(organiser, action="reprint", job=old_job).status_code == 303
    queue.cancel_all(store)  # (a kit-ready slip already waiting is not queued twice)
    assert act(organiser, action="kit_ready").status_code == 303
    payloads = kit_ready_payloads(store)
    assert len(payloads) == 3 and all("setup_code" not in p for p in payloads[1:])
    organiser_api = {"Authorization": f"Bearer {auth.create_token(store, 'organiser')}"}
    assert app.test_client().post(f"/api/v1/print/jobs/{old_job}/reprint", headers=organiser_api).status_code == 202
    assert "setup_code" not in kit_ready_payloads(store)[-1]
