"""Acceptance: a bundle carried to a real hub process gives the hub what live sync gives.

One kit's database is copied (the same records, ids and outbox); copy A syncs live to one hub,
copy B writes a bundle that the operator uploads on another hub's page. Both hubs must then show
the same combined results and exports; a second upload changes nothing; a tampered one is refused.
"""
from __future__ import annotations

import gzip
import http.cookiejar
import json
import re
import secrets
import sqlite3
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

from tests.conftest import make_assembly
from tests.servers import VENUEKIT, free_port
from tests.sync.test_processes import Hub, enrol
from webapp.hub import ingest
from webapp.services import assembly, ballots
from webapp.storage import open_store
from webapp.sync import identity


class Operator:
    """The hub operator's browser: signs in with the hub's setup code, keeps the session cookie."""

    def __init__(self, hub: Hub, hub_dir: Path):
        self.url = hub.url
        self.web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        code = subprocess.run([VENUEKIT, "--data", str(hub_dir), "setup-code"], check=True, capture_output=True,
                              text=True, timeout=30).stdout.strip()
        page = self.get("/organiser/signin")
        self.post("/organiser/signin", {"csrf_token": self.csrf(page), "setup_code": code,
                                        "passphrase": "hub operator " + secrets.token_hex(4)})
        self.token = self.csrf(self.get("/hub/"))

    @staticmethod
    def csrf(page: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def get(self, path: str) -> str:
        with self.web.open(self.url + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, fields: dict, files: dict | None = None) -> str:
        if files:
            boundary = "vk" + secrets.token_hex(12)
            parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                     for k, v in fields.items()]
            for name, (filename, data) in files.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"'
                             f'\r\nContent-Type: application/gzip\r\n\r\n'.encode() + data + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            ctype = f"multipart/form-data; boundary={boundary}"
        else:
            body, ctype = urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.url + path, data=body, headers={"Content-Type": ctype})
        with self.web.open(request, timeout=60) as response:  # follows the 303 back to /hub/
            return response.read().decode()

    def upload(self, data: bytes) -> str:
        return self.post("/hub/bundles", {"csrf_token": self.token}, {"bundle": ("bundle.json.gz", data)})

    def exports(self) -> dict:
        return {name: without_kit_ids(json.loads(self.get(f"/hub/export/{name}.json")))
                for name in ("combined", "ideas", "ballots")}


def without_kit_ids(value):
    """The exports with the hub's own id for the kit left out (each hub gives its own at enrolment)."""
    if isinstance(value, dict):
        return {k: without_kit_ids(v) for k, v in value.items() if k != "kit_id"}
    if isinstance(value, list):
        return [without_kit_ids(v) for v in value]
    return value


def hub_tables(hub_dir: Path) -> dict:
    hub = ingest.open_hub(hub_dir)
    return {
        "records": hub.query("SELECT record_type, record_id, version, op, body FROM records ORDER BY 1, 2"),
        "conflicts": hub.scalar("SELECT count(*) FROM conflicts"),
        "kits": hub.query("SELECT checkpoint, last_contact FROM kits"),
    }


def test_a_bundle_uploaded_to_a_real_hub_equals_live_sync(tmp_path):
    for name in ("live", "bundle"):
        (tmp_path / name).mkdir()
    hubs = [Hub(tmp_path / name / "hub", free_port()) for name in ("live", "bundle")]
    try:
        for hub in hubs:
            hub.start()
        kit_a = open_store(tmp_path / "kit-a")
        made = make_assembly(kit_a, voters=400, phase="voting")
        ideas = [i["id"] for i in made["ideas"]]
        for n, code in enumerate(made["codes"]):
            ballots.cast(kit_a, code, {ideas[n % 6]: 1, ideas[(n * 5 + 1) % 6]: 1})
        for code in made["codes"][:40]:  # changed votes: newer versions of the same ballots
            ballots.cast(kit_a, code, {ideas[2]: 1})
        assembly.set_phase(kit_a, "results")
        identity.signing_key(kit_a), identity.install_id(kit_a)  # made before the copy: one kit, twice
        kit_b = open_store(tmp_path / "kit-b")
        sqlite3.connect(kit_a.path).backup(sqlite3.connect(kit_b.path))
        enrol(tmp_path / "kit-a", hubs[0])
        enrol(tmp_path / "kit-b", hubs[1])

        subprocess.run([VENUEKIT, "--data", str(tmp_path / "kit-a"), "sync", "--once"], check=True,
                       capture_output=True, timeout=120)
        bundle_file = tmp_path / "stick" / "results.json.gz"
        bundle_file.parent.mkdir()
        subprocess.run([VENUEKIT, "--data", str(tmp_path / "kit-b"), "sync-bundle", "--out", str(bundle_file)],
                       check=True, capture_output=True, timeout=120)
        data = bundle_file.read_bytes()

        live, carried = Operator(hubs[0], tmp_path / "live" / "hub"), Operator(hubs[1], tmp_path / "bundle" / "hub")
        page = carried.upload(data)
        assert "new records" in page and "refused" not in page
        expected = live.exports()
        assert expected["combined"]["ballots"] == 400 and expected["ballots"]
        assert carried.exports() == expected
        live_tables, bundle_tables = hub_tables(tmp_path / "live" / "hub"), hub_tables(tmp_path / "bundle" / "hub")
        assert bundle_tables["records"] == live_tables["records"] and bundle_tables["conflicts"] == 0
        assert bundle_tables["kits"][0]["checkpoint"] == live_tables["kits"][0]["checkpoint"]

        page = carried.upload(data)
        assert "nothing changed" in page
        assert hub_tables(tmp_path / "bundle" / "hub") == bundle_tables
        assert carried.exports() == expected

        envelope = json.loads(gzip.decompress(data))
        content = json.loads(envelope["content"])
        ballot = next(r for r in content["records"] if r["type"] == "ballot")
        ballot["body"]["source"] = "paper" if ballot["body"].get("source") != "paper" else "phone"
        envelope["content"] = json.dumps(content, separators=(",", ":"))
        page = carried.upload(gzip.compress(json.dumps(envelope).encode()))
        assert "refused" in page and "signature does not match" in page
        assert hub_tables(tmp_path / "bundle" / "hub") == bundle_tables

        # The command line does the same against the running hub's data directory.
        done = subprocess.run([VENUEKIT, "--data", str(tmp_path / "bundle" / "hub"), "hub", "import-bundle",
                               str(bundle_file)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and ", 0 new to the hub" in done.stdout
        assert hub_tables(tmp_path / "bundle" / "hub") == bundle_tables
    finally:
        for hub in hubs:
            hub.stop()
