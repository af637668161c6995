"""Signed sync bundles: made on the kit, checked and applied by the hub like a live batch."""
from __future__ import annotations

import gzip
import io
import json
import sqlite3

import pytest

from tests.conftest import csrf_from, make_assembly
from tests.sync.conftest import HUB_URL, hub_operator, make_kit
from webapp.cli import main
from webapp.hub import ingest
from webapp.hub.bundle_upload import import_bundle
from webapp.services import ballots
from webapp.storage import open_store
from webapp.sync import bundle
from webapp.sync import state as sync_state
from webapp.sync.client import HubClient


def vote(store, voters: int = 30) -> dict:
    made = make_assembly(store, voters=voters)
    for n, code in enumerate(made["codes"]):
        ballots.cast(store, code, {made["ideas"][n % 6]["id"]: 1})
    return made


def hub_state(hub_store) -> dict:
    """Everything a bundle may change on the hub (received_at aside: when it arrived)."""
    return {
        "records": hub_store.query("SELECT record_type, record_id, kit_id, version, op, body FROM records "
                                   "ORDER BY record_type, record_id"),
        "conflicts": hub_store.query("SELECT kit_id, record_type, record_id, version, body FROM conflicts ORDER BY id"),
        "kits": hub_store.query("SELECT kit_id, checkpoint, last_contact FROM kits ORDER BY kit_id"),
    }


def repack(data: bytes, change) -> bytes:
    envelope = json.loads(gzip.decompress(data))
    change(envelope)
    return gzip.compress(json.dumps(envelope).encode())


def test_a_bundle_gives_the_hub_what_live_sync_gives(tmp_path, kit, hub_store):
    store, client = kit
    vote(store)
    data, summary = bundle.make(store)
    assert summary["records"] == store.scalar("SELECT count(*) FROM outbox") and summary["after"] == 0
    result = import_bundle(hub_store, data)
    assert result.new == result.stored == summary["records"] and result.conflicts == 0
    by_bundle = hub_state(hub_store)["records"]
    # The same kit's records sent live to a fresh hub.
    from webapp.app import create_app
    from tests.sync.conftest import Transport

    live_hub = create_app({"DATA_DIR": str(tmp_path / "hub2"), "TESTING": True, "HUB": True})
    live_store = live_hub.extensions["venuekit_hub"]
    twin = open_store(tmp_path / "twin")
    sqlite3.connect(store.path).backup(sqlite3.connect(twin.path))
    twin_client = HubClient(twin, request=Transport(live_hub))
    twin_client.enrol(HUB_URL, ingest.create_enrol_code(live_store), "twin")
    while twin_client.push_once().remaining:
        pass
    by_live = hub_state(live_store)["records"]
    strip = lambda rows: [{k: v for k, v in r.items() if k != "kit_id"} for r in rows]  # noqa: E731
    assert strip(by_bundle) == strip(by_live)
    assert hub_store.scalar("SELECT checkpoint FROM kits") == live_store.scalar("SELECT checkpoint FROM kits")


def test_uploading_twice_changes_nothing(kit, hub_store):
    store, _client = kit
    vote(store)
    data, _summary = bundle.make(store)
    import_bundle(hub_store, data)
    before = hub_state(hub_store)
    again = import_bundle(hub_store, data)
    assert again.new == 0 and again.stored == 0
    assert hub_state(hub_store) == before


def test_a_bundle_after_a_partial_live_sync_adds_only_the_rest(kit, hub_store):
    store, client = kit
    made = vote(store, voters=40)
    client.push_once(batch_size=25)
    for code in made["codes"][:10]:  # changed votes: newer versions of ballots the hub has
        ballots.cast(store, code, {made["ideas"][5]["id"]: 1})
    data, summary = bundle.make(store)
    assert summary["after"] == 25
    everything, _ = bundle.make(store, all_records=True)
    result = import_bundle(hub_store, everything)
    assert result.new == result.received - 25 and result.conflicts == 0
    assert import_bundle(hub_store, data).new == 0  # the smaller bundle is now old news
    assert hub_store.scalar("SELECT checkpoint FROM kits") == store.scalar("SELECT max(seq) FROM outbox")
    # Live sync picks up from the hub's checkpoint with nothing left to send.
    assert client.push_once().sent == 0
    assert sync_state.waiting(store) == 0


def test_a_bundle_that_skips_records_the_hub_lacks_is_refused(kit, hub_store):
    store, client = kit
    vote(store)
    client.push_once(batch_size=20)
    sync_state.save(store, checkpoint=30)  # as if the hub had acknowledged more than it now holds
    data, _ = bundle.make(store)
    with pytest.raises(bundle.BundleError) as info:
        import_bundle(hub_store, data)
    assert info.value.code == "gap"
    assert import_bundle(hub_store, bundle.make(store, all_records=True)[0]).conflicts == 0


@pytest.mark.parametrize("tamper", [
    "vote", "kit_id", "signature", "not_gzip", "not_json", "format",
])
def test_a_tampered_bundle_is_refused_and_changes_nothing(kit, hub_store, tamper):
    store, _client = kit
    made = vote(store)
    data, _ = bundle.make(store)
    before = hub_state(hub_store)

    def change_vote(envelope):
        other = made["ideas"][1]["id"]
        content = json.loads(envelope["content"])
        ballot = next(r for r in content["records"] if r["type"] == "ballot")
        ballot["body"]["choices"] = json.dumps({other: 1}) if isinstance(ballot["body"].get("choices"), str) \
            else {other: 1}
        envelope["content"] = json.dumps(content, separators=(",", ":"))

    changes = {
        "vote": lambda: repack(data, change_vote),
        "kit_id": lambda: repack(data, lambda e: e.update(kit_id="kit-0000000000000000")),
        "signature": lambda: repack(data, lambda e: e.update(signature=e["signature"][:-6] + "AAAAA=")),
        "not_gzip": lambda: gzip.decompress(data),
        "not_json": lambda: gzip.compress(b"\x00\x01 not json"),
        "format": lambda: repack(data, lambda e: e.update(format="something else")),
    }
    with pytest.raises(bundle.BundleError) as info:
        import_bundle(hub_store, changes[tamper]())
    expected = {"vote": "bad_signature", "kit_id": "unknown_kit", "signature": "bad_signature"}
    assert info.value.code == expected.get(tamper, "bad_file")
    assert hub_state(hub_store) == before


def test_a_bundle_from_an_unknown_kit_is_refused(tmp_path, kit, hub_store, transport):
    from webapp.app import create_app
    from tests.sync.conftest import Transport

    other_hub = create_app({"DATA_DIR": str(tmp_path / "other-hub"), "TESTING": True, "HUB": True})
    stranger = open_store(tmp_path / "stranger")
    vote(stranger)
    HubClient(stranger, request=Transport(other_hub)).enrol(
        HUB_URL, ingest.create_enrol_code(other_hub.extensions["venuekit_hub"]), "stranger")
    with pytest.raises(bundle.BundleError) as info:
        import_bundle(hub_store, bundle.make(stranger)[0])
    assert info.value.code == "unknown_kit"


def test_a_kit_posing_as_another_enrolled_kit_is_refused(tmp_path, kit, hub_store, transport):
    store, _client = kit
    vote(store)
    other, _ = make_kit(tmp_path, "kit-b", hub_store, transport)
    data = repack(bundle.make(store)[0], lambda e: e.update(kit_id=sync_state.load(other).kit_id))
    with pytest.raises(bundle.BundleError) as info:
        import_bundle(hub_store, data)
    assert info.value.code == "bad_signature"


def test_the_same_record_ids_from_another_kit_are_conflicts_never_applied(tmp_path, kit, hub_store, transport):
    store, client = kit
    vote(store)
    while client.push_once().remaining:
        pass
    before = hub_state(hub_store)["records"]
    copy = open_store(tmp_path / "copy")
    sqlite3.connect(store.path).backup(sqlite3.connect(copy.path))
    sync_state.save(copy, hub_url=None, kit_id=None, checkpoint=None)
    with copy.write() as db:  # another kit: its own key
        db.execute("DELETE FROM settings WHERE name = 'kit.signing_key'")
    HubClient(copy, request=transport).enrol(HUB_URL, ingest.create_enrol_code(hub_store), "copy")
    result = import_bundle(hub_store, bundle.make(copy)[0])
    assert result.stored == 0 and result.conflicts == result.new > 0
    assert hub_state(hub_store)["records"] == before


def test_an_unenrolled_kit_makes_no_bundle(tmp_path):
    store = open_store(tmp_path / "lonely")
    with pytest.raises(bundle.BundleError) as info:
        bundle.make(store)
    assert info.value.code == "not_enrolled"


def test_the_command_line_writes_and_imports_a_bundle(tmp_path, kit, hub_store, capsys):
    store, _client = kit
    vote(store)
    kit_dir, hub_dir = store.path.parent, hub_store.path.parent
    out = tmp_path / "out.json.gz"
    assert main(["--data", str(kit_dir), "sync-bundle", "--out", str(out)]) == 0
    assert "records" in capsys.readouterr().out
    folder = tmp_path / "stick"
    folder.mkdir()
    assert main(["--data", str(kit_dir), "sync-bundle", "--out", str(folder), "--all"]) == 0
    assert len(list(folder.glob("venuekit-bundle-kit-*-0-*.json.gz"))) == 1
    assert main(["--data", str(hub_dir), "hub", "import-bundle", str(out)]) == 0
    first = capsys.readouterr().out
    assert "0 conflicts" in first and "new to the hub" in first
    assert main(["--data", str(hub_dir), "hub", "import-bundle", str(out)]) == 0
    assert ", 0 new to the hub" in capsys.readouterr().out
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(repack(out.read_bytes(), lambda e: e.update(content=e["content"].replace("1", "2", 1))))
    assert main(["--data", str(hub_dir), "hub", "import-bundle", str(bad)]) == 1
    assert "bad_signature" in capsys.readouterr().err
    assert main(["--data", str(tmp_path / "nobody"), "sync-bundle", "--out", str(out)]) == 1
    assert main(["--data", str(kit_dir), "sync-bundle", "--out", str(tmp_path / "no/such/dir/b.gz")]) == 1
    assert "cannot write" in capsys.readouterr().err


def signed_in_operator(hub_app):
    web = hub_operator(hub_app)
    return web, csrf_from(web.get("/hub/").get_data(as_text=True))


def test_the_operator_uploads_a_bundle_larger_than_any_form(kit, hub_app, hub_store):
    store, _client = kit
    vote(store, voters=2200)
    data, summary = bundle.make(store)
    assert len(data) > 64 * 1024, "the bundle should be larger than the app's form limit"
    web, csrf = signed_in_operator(hub_app)
    assert "Upload a sync bundle" in web.get("/hub/").get_data(as_text=True)

    def upload(payload: bytes, token: str = csrf):
        return web.post("/hub/bundles", data={"csrf_token": token, "bundle": (io.BytesIO(payload), "b.json.gz")},
                        content_type="multipart/form-data")

    assert upload(data, token="wrong").status_code == 400
    assert hub_store.scalar("SELECT count(*) FROM records") == 0
    response = upload(data)
    assert response.status_code == 303
    page = web.get("/hub/").get_data(as_text=True)
    assert f"{summary['records']} new records" in page
    assert hub_store.scalar("SELECT count(*) FROM records") == store.scalar(
        "SELECT count(DISTINCT record_type || record_id) FROM outbox")
    upload(data)
    assert "nothing changed" in web.get("/hub/").get_data(as_text=True)
    upload(repack(data, lambda e: e.update(content=e["content"].replace('"op":"upsert"', '"op":"delete"', 1))))
    assert "signature does not match" in web.get("/hub/").get_data(as_text=True)


def test_uploading_needs_the_operator(hub_app):
    response = hub_app.test_client().post("/hub/bundles", data={}, content_type="multipart/form-data")
    assert response.status_code in (302, 400)
