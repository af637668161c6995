"""Kits sign with their own Ed25519 key; the hub keeps public keys only, so its database forges nothing."""
import gzip
import json
import shutil
import sqlite3

import pytest

from tests.conftest import make_assembly
from tests.sync.conftest import HUB_URL, Transport
from webapp.app import create_app
from webapp.hub import ingest
from webapp.hub.schema import HUB_DB, HUB_MIGRATIONS
from webapp.storage import open_store
from webapp.sync import identity, signing
from webapp.sync import state as sync_state
from webapp.sync.client import HubClient, SyncError

from .test_hub_ingest import push_all


def hub_copy(hub_store, tmp_path) -> dict[str, list]:
    """Everything in a copy of the hub's database, as an attacker holding the file would have it."""
    copy = tmp_path / "stolen-hub.db"
    hub_store.db.conn.execute("PRAGMA wal_checkpoint(FULL)")
    shutil.copy(hub_store.path, copy)
    conn = sqlite3.connect(copy)
    tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    found = {table: conn.execute(f"SELECT * FROM [{table}]").fetchall() for table in tables}
    conn.close()
    return {"bytes": [copy.read_bytes()], **found}


def candidate_secrets(stolen: dict) -> set[str]:
    return {value for table, rows in stolen.items() if table != "bytes"
            for row in rows for value in row if isinstance(value, str) and len(value) >= 32}


def try_with(http, kit_id: str, secret: str) -> list[int]:
    """Sign a checkpoint request every way a stolen value could be used; the statuses the hub gives."""
    statuses = []
    attempts = [signing.sign_hmac(secret, kit_id, "GET", "/hub/v1/checkpoint", b"")]
    try:
        attempts.append(signing.sign(secret, kit_id, "GET", "/hub/v1/checkpoint", b""))
    except ValueError:
        pass  # not usable as a private key at all
    for headers in attempts:
        statuses.append(http.get("/hub/v1/checkpoint", headers=headers).status_code)
    return statuses


def test_a_copy_of_the_hub_database_cannot_sign_for_a_kit(kit, hub_app, hub_store, tmp_path):
    store, client = kit
    make_assembly(store)
    push_all(client)
    kit_id = sync_state.load(store).kit_id
    private = identity.signing_key(store)
    stolen = hub_copy(hub_store, tmp_path)
    assert private.encode() not in stolen["bytes"][0] and bytes.fromhex(private) not in stolen["bytes"][0]
    kit_row = hub_store.one("SELECT * FROM kits WHERE kit_id = ?", [kit_id])
    assert kit_row["public_key"] == signing.public_key(private)
    assert kit_row["legacy_key"] is None
    secrets = candidate_secrets(stolen)
    assert signing.public_key(private) in secrets
    http = hub_app.test_client()
    for secret in secrets:
        assert set(try_with(http, kit_id, secret)) == {401}, secret
    # The kit itself still gets in.
    headers = signing.sign(private, kit_id, "GET", "/hub/v1/checkpoint", b"")
    assert http.get("/hub/v1/checkpoint", headers=headers).status_code == 200


def test_the_private_key_never_leaves_the_kit(kit, transport):
    store, client = kit
    make_assembly(store)
    push_all(client)
    private = identity.signing_key(store)
    assert len(transport.requests) >= 3
    for _method, _url, headers, body in transport.requests:
        sent = json.dumps(headers).encode() + (body or b"")
        if body and body[:2] == b"\x1f\x8b":
            sent += gzip.decompress(body)
        assert private.encode() not in sent and bytes.fromhex(private) not in sent
    enrol_body = json.loads(transport.requests[0][3])
    assert enrol_body["public_key"] == signing.public_key(private) and "key" not in enrol_body


def test_wrong_key_and_replay_are_refused(kit, hub_app):
    store, _client = kit
    kit_id = sync_state.load(store).kit_id
    http = hub_app.test_client()
    intruder = signing.new_private_key()
    forged = signing.sign(intruder, kit_id, "GET", "/hub/v1/checkpoint", b"")
    response = http.get("/hub/v1/checkpoint", headers=forged)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "bad_signature"
    good = signing.sign(identity.signing_key(store), kit_id, "GET", "/hub/v1/checkpoint", b"")
    assert http.get("/hub/v1/checkpoint", headers=good).status_code == 200
    replay = http.get("/hub/v1/checkpoint", headers=good)
    assert replay.status_code == 401 and replay.get_json()["error"]["code"] == "replayed"


def test_the_hub_refuses_to_enrol_with_a_shared_secret(hub_app, hub_store):
    response = hub_app.test_client().post("/hub/v1/enrol", json={
        "code": ingest.create_enrol_code(hub_store), "kit_name": "old", "key": "k" * 64, "assembly_id": "a"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_key"
    assert hub_store.scalar("SELECT count(*) FROM kits") == 0


def old_hub_with_a_kit(tmp_path, kit_store) -> tuple[str, str]:
    """A hub database made before public keys, holding one kit enrolled with a shared secret."""
    old = open_store(tmp_path / "hub", HUB_DB, HUB_MIGRATIONS[:1])
    secret = "s" * 64
    with old.write() as db:
        db["kits"].insert({"kit_id": "kit-old", "name": "Old kit", "key": secret,
                           "assembly_id": kit_store.scalar("SELECT id FROM assembly"), "enrolled_at": "2026-01-01",
                           "last_contact": "2026-01-01", "checkpoint": 0})
    old.close()
    sync_state.save(kit_store, hub_url=HUB_URL, kit_id="kit-old", key=secret)
    return "kit-old", secret


def test_a_kit_enrolled_with_a_shared_secret_syncs_and_moves_to_its_own_key(tmp_path):
    kit_store = open_store(tmp_path / "kit")
    make_assembly(kit_store, voters=5)
    kit_id, secret = old_hub_with_a_kit(tmp_path, kit_store)
    app = create_app({"DATA_DIR": str(tmp_path / "hub"), "TESTING": True, "HUB": True})
    hub_store = app.extensions["venuekit_hub"]
    http = app.test_client()
    # Until the kit next syncs, its shared secret still works (nothing breaks on upgrade).
    assert http.get("/hub/v1/checkpoint",
                    headers=signing.sign_hmac(secret, kit_id, "GET", "/hub/v1/checkpoint", b"")).status_code == 200
    assert [k["shared_secret"] for k in ingest.kits(hub_store)] == [1]  # `venuekit hub kits` says so
    client = HubClient(kit_store, request=Transport(app))
    push_all(client)
    assert sync_state.waiting(kit_store) == 0
    assert [k["shared_secret"] for k in ingest.kits(hub_store)] == [0]
    assert hub_store.scalar("SELECT count(*) FROM records WHERE kit_id = ?", [kit_id]) > 0
    row = hub_store.one("SELECT public_key, legacy_key FROM kits WHERE kit_id = ?", [kit_id])
    assert row == {"public_key": signing.public_key(identity.signing_key(kit_store)), "legacy_key": None}
    assert sync_state.load(kit_store).key is None
    stolen = hub_copy(hub_store, tmp_path)
    assert secret.encode() not in stolen["bytes"][0]
    refused = http.get("/hub/v1/checkpoint", headers=signing.sign_hmac(secret, kit_id, "GET", "/hub/v1/checkpoint", b""))
    assert refused.status_code == 401


def test_a_lost_answer_to_the_key_upgrade_does_not_lock_the_kit_out(tmp_path):
    kit_store = open_store(tmp_path / "kit")
    make_assembly(kit_store, voters=2)
    kit_id, _secret = old_hub_with_a_kit(tmp_path, kit_store)
    app = create_app({"DATA_DIR": str(tmp_path / "hub"), "TESTING": True, "HUB": True})
    link = Transport(app)

    def lose_the_first_key_answer(url, method, body, headers):
        status, payload = link(url, method, body, headers)
        if url.endswith("/hub/v1/key") and not getattr(lose_the_first_key_answer, "lost", False):
            lose_the_first_key_answer.lost = True
            raise SyncError("cannot reach the hub: connection reset")
        return status, payload

    client = HubClient(kit_store, request=lose_the_first_key_answer)
    with pytest.raises(SyncError):
        client.push_once()
    push_all(client)
    assert sync_state.waiting(kit_store) == 0 and sync_state.load(kit_store).key is None


def test_a_leaked_shared_secret_cannot_replace_a_registered_public_key(tmp_path):
    kit_store = open_store(tmp_path / "kit")
    make_assembly(kit_store, voters=2)
    kit_id, secret = old_hub_with_a_kit(tmp_path, kit_store)
    app = create_app({"DATA_DIR": str(tmp_path / "hub"), "TESTING": True, "HUB": True})
    hub_store = app.extensions["venuekit_hub"]
    http = app.test_client()
    client = HubClient(kit_store, request=Transport(app))
    # The kit registers its key, but its next (Ed25519) request never arrives: the secret is still held.
    assert client._register_public_key(sync_state.load(kit_store))
    mine = signing.public_key(identity.signing_key(kit_store))
    assert hub_store.one("SELECT public_key, legacy_key FROM kits") == {"public_key": mine, "legacy_key": secret}
    attacker = signing.new_private_key()
    body = json.dumps({"public_key": signing.public_key(attacker)}).encode()
    headers = signing.sign_hmac(secret, kit_id, "POST", "/hub/v1/key", body)
    response = http.post("/hub/v1/key", data=body, headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "key_registered"
    assert hub_store.scalar("SELECT public_key FROM kits") == mine
    forged = signing.sign(attacker, kit_id, "GET", "/hub/v1/checkpoint", b"")
    assert http.get("/hub/v1/checkpoint", headers=forged).status_code == 401
    # The real kit registering the same key again (it never heard the answer) is fine, and it syncs on.
    body = json.dumps({"public_key": mine}).encode()
    headers = signing.sign_hmac(secret, kit_id, "POST", "/hub/v1/key", body)
    again = http.post("/hub/v1/key", data=body, headers={**headers, "Content-Type": "application/json"})
    assert again.status_code == 200
    push_all(client)
    assert sync_state.waiting(kit_store) == 0


def test_non_ascii_signature_for_a_shared_secret_kit_gets_401(tmp_path):
    kit_store = open_store(tmp_path / "kit")
    kit_id, _secret = old_hub_with_a_kit(tmp_path, kit_store)
    app = create_app({"DATA_DIR": str(tmp_path / "hub"), "TESTING": True, "HUB": True})
    headers = {"X-Venuekit-Kit": kit_id, "X-Venuekit-Timestamp": str(int(__import__("time").time())),
               "X-Venuekit-Nonce": "n1", "X-Venuekit-Signature": "\u00e9"}
    response = app.test_client().get("/hub/v1/checkpoint", headers=headers)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "bad_signature"


def test_no_two_kits_enrol_with_one_public_key(kit, hub_app, hub_store):
    store, _client = kit
    victim = sync_state.load(store).kit_id
    http = hub_app.test_client()
    response = http.post("/hub/v1/enrol", json={"code": ingest.create_enrol_code(hub_store), "kit_name": "rogue",
                                                "public_key": identity.public_key(store), "assembly_id": "a"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "key_taken"
    assert hub_store.scalar("SELECT count(*) FROM kits") == 1
    with pytest.raises(sqlite3.IntegrityError), hub_store.write() as db:
        db["kits"].insert({"kit_id": "kit-rogue", "name": "r", "public_key": identity.public_key(store),
                           "assembly_id": "a", "enrolled_at": "x", "last_contact": "x", "checkpoint": 0})
    headers = signing.sign(identity.signing_key(store), victim, "GET", "/hub/v1/checkpoint", b"")
    assert http.get("/hub/v1/checkpoint", headers=headers).status_code == 200
