"""Enrolment, batching, checkpoints and idempotent ingestion, through the hub's real HTTP app."""
import gzip
import json

import pytest

from tests.conftest import make_assembly
from tests.sync.conftest import hub_operator, HUB_URL, make_kit
from webapp.hub import ingest
from webapp.hub.results import combined
from webapp.services import ballots, results
from webapp.sync import identity
from webapp.sync import state as sync_state
from webapp.sync.client import HubClient, SyncError
from webapp.sync.signing import new_private_key, public_key, sign


def push_all(client):
    while client.push_once(batch_size=50).remaining:
        pass


def hub_ballots(hub_store):
    return hub_store.scalar("SELECT count(*) FROM records WHERE record_type = 'ballot'")


def test_enrolment_code_works_once(tmp_path, hub_store, transport):
    code = ingest.create_enrol_code(hub_store)
    store = make_kit(tmp_path, "first", hub_store, transport)[0]
    assert sync_state.load(store).enrolled
    other = HubClient(make_kit(tmp_path, "second", hub_store, transport)[0], request=transport)
    other.enrol(HUB_URL, code, "third")  # unused code from above still works once
    with pytest.raises(SyncError) as info:
        other.enrol(HUB_URL, code, "fourth")
    assert "already used" in str(info.value)


def test_the_public_key_is_sent_only_at_enrolment(kit, transport):
    store, client = kit
    make_assembly(store)
    push_all(client)
    key = identity.public_key(store)
    assert key in transport.requests[0][3].decode()
    after_enrolment = [r for r in transport.requests if not r[1].endswith("/enrol")]
    assert len(after_enrolment) >= 2, "nothing was sent after enrolment"
    for method, url, headers, body in after_enrolment:
        assert key not in json.dumps(headers)
        if body:
            assert key.encode() not in gzip.decompress(body)


def test_batches_resume_from_the_checkpoint_and_store_everything_once(kit, hub_store):
    store, client = kit
    made = make_assembly(store, voters=120)
    for n, code in enumerate(made["codes"]):
        ballots.cast(store, code, {made["ideas"][n % 6]["id"]: 1})
    first = client.push_once(batch_size=50)
    assert first.sent == 50 and first.remaining > 0
    push_all(client)
    assert sync_state.waiting(store) == 0
    assert hub_ballots(hub_store) == 120
    assert hub_store.scalar("SELECT count(*) FROM conflicts") == 0
    assert sync_state.load(store).checkpoint == store.scalar("SELECT max(seq) FROM outbox")
    from webapp.hub.results import records_export

    exported = records_export(hub_store, "ballot")
    assert len(exported) == 120 and {b["venue"] for b in exported} == {"kit-a"}
    assert not any(code in json.dumps(exported) for code in made["codes"])


def test_a_lost_acknowledgement_is_resent_without_duplicates(kit, hub_store):
    store, client = kit
    made = make_assembly(store, voters=10)
    for code in made["codes"]:
        ballots.cast(store, code, {made["ideas"][0]["id"]: 1})
    push_all(client)
    # The kit forgets the hub's answer (power cut after sending): it resends from an old checkpoint.
    sync_state.save(store, checkpoint=0)
    result = client.push_once()
    assert result.sent == 0 and result.checkpoint == store.scalar("SELECT max(seq) FROM outbox")
    push_all(client)
    assert hub_ballots(hub_store) == 10


def test_newer_versions_replace_and_changed_votes_arrive(kit, hub_store):
    store, client = kit
    made = make_assembly(store, voters=2)
    code = made["codes"][0]
    ballots.cast(store, code, {made["ideas"][0]["id"]: 1})
    push_all(client)
    ballots.cast(store, code, {made["ideas"][1]["id"]: 1})
    push_all(client)
    row = hub_store.one("SELECT body FROM records WHERE record_type = 'ballot'")
    assert json.loads(row["body"])["choices"] == {made["ideas"][1]["id"]: 1}


def test_conflict_rule(hub_store, kit):
    store, _client = kit
    kit_id = sync_state.load(store).kit_id
    assembly_id = store.scalar("SELECT id FROM assembly")
    rec = {"type": "idea", "id": "idea-1", "op": "upsert", "body": {"id": "idea-1", "title": "A"}}
    base = ingest.checkpoint(hub_store, kit_id)
    r1 = ingest.ingest(hub_store, kit_id, {"assembly_id": assembly_id, "after": base, "records": [dict(rec, seq=base + 1)]})
    assert r1.stored == 1
    # Same id and version, same body: no-op (the kit resends after a lost answer).
    hub_store.db.execute("UPDATE kits SET checkpoint = ? WHERE kit_id = ?", [base, kit_id])
    r2 = ingest.ingest(hub_store, kit_id, {"assembly_id": assembly_id, "after": base, "records": [dict(rec, seq=base + 1)]})
    assert (r2.stored, r2.unchanged, r2.conflicts) == (0, 1, [])
    # Same id and version, different body: conflict, logged, existing body kept.
    hub_store.db.execute("UPDATE kits SET checkpoint = ? WHERE kit_id = ?", [base, kit_id])
    changed = dict(rec, seq=base + 1, body={"id": "idea-1", "title": "B"})
    r3 = ingest.ingest(hub_store, kit_id, {"assembly_id": assembly_id, "after": base, "records": [changed]})
    assert r3.conflicts == [{"type": "idea", "id": "idea-1", "version": base + 1}]
    assert json.loads(hub_store.scalar("SELECT body FROM records WHERE record_id = 'idea-1'"))["title"] == "A"
    assert hub_store.scalar("SELECT count(*) FROM conflicts") == 1
    # An older version is ignored.
    newer = dict(rec, seq=base + 5, body={"id": "idea-1", "title": "C"})
    r4 = ingest.ingest(hub_store, kit_id, {"assembly_id": assembly_id, "after": base + 1, "records": [newer]})
    assert r4.stored == 1
    hub_store.db.execute("UPDATE kits SET checkpoint = ? WHERE kit_id = ?", [base + 2, kit_id])
    older = dict(rec, seq=base + 3, body={"id": "idea-1", "title": "old"})
    r5 = ingest.ingest(hub_store, kit_id, {"assembly_id": assembly_id, "after": base + 2, "records": [older]})
    assert r5.stale == 1
    assert json.loads(hub_store.scalar("SELECT body FROM records WHERE record_id = 'idea-1'"))["title"] == "C"


def test_another_kit_cannot_overwrite_a_record(tmp_path, hub_store, transport, kit):
    store, client = kit
    make_assembly(store)
    push_all(client)
    other_store, other = make_kit(tmp_path, "kit-b", hub_store, transport)
    other_id = sync_state.load(other_store).kit_id
    idea_id = store.scalar("SELECT id FROM ideas LIMIT 1")
    result = ingest.ingest(hub_store, other_id, {
        "assembly_id": other_store.scalar("SELECT id FROM assembly"), "after": 0,
        "records": [{"seq": 1, "type": "idea", "id": idea_id, "op": "upsert", "body": {"id": idea_id, "title": "hijack"}}],
    })
    assert result.conflicts and result.stored == 0
    assert "hijack" not in hub_store.scalar("SELECT body FROM records WHERE record_id = ?", [idea_id])


def test_signed_endpoints_refuse_forged_replayed_and_wrong_kit_requests(kit, hub_app, transport):
    store, client = kit
    st = sync_state.load(store)
    key = identity.signing_key(store)
    http = hub_app.test_client()
    assert http.get("/hub/v1/checkpoint").status_code == 401
    headers = sign(key, st.kit_id, "GET", "/hub/v1/checkpoint", b"")
    assert http.get("/hub/v1/checkpoint", headers=headers).status_code == 200
    replay = http.get("/hub/v1/checkpoint", headers=headers)
    assert replay.status_code == 401 and replay.get_json()["error"]["code"] == "replayed"
    forged = sign(new_private_key(), st.kit_id, "GET", "/hub/v1/checkpoint", b"")
    assert http.get("/hub/v1/checkpoint", headers=forged).get_json()["error"]["code"] == "bad_signature"
    body = gzip.compress(b'{"after": 0, "records": []}')
    signed = sign(key, st.kit_id, "POST", "/hub/v1/batches", body)
    altered = gzip.compress(b'{"after": 0, "records": [1]}')
    response = http.post("/hub/v1/batches", data=altered, headers={**signed, "Content-Encoding": "gzip"})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "bad_signature"


def test_link_cuts_only_delay_sync(kit, hub_store, transport):
    store, client = kit
    made = make_assembly(store, voters=30)
    for n, code in enumerate(made["codes"]):
        if n % 10 == 0:
            transport.down = not transport.down
            try:
                client.push_once(batch_size=7)
            except SyncError:
                pass
        ballots.cast(store, code, {made["ideas"][n % 6]["id"]: 1})
    transport.down = False
    push_all(client)
    assert hub_ballots(hub_store) == 30


def test_combined_results_equal_the_sum_of_two_kits(tmp_path, hub_store, transport, hub_app):
    from webapp.services import assembly as room_assembly

    for method, limits in (("approval", {"max_choices": 3}), ("dot", {"points": 6, "max_per_idea": 3}),
                           ("ranked", {"max_choices": 3})):
        hub_dir = tmp_path / f"hub-{method}"
        from webapp.app import create_app
        from tests.sync.conftest import Transport

        app = create_app({"DATA_DIR": str(hub_dir), "TESTING": True, "HUB": True})
        hub = app.extensions["venuekit_hub"]
        link = Transport(app)
        room = app.extensions["venuekit"].store
        room_assembly.update_settings(room, {"method": method, **limits})
        totals: dict[str, int] = {}
        for index in range(2):
            store, client = make_kit(tmp_path / method, f"kit{index}", hub, link)
            made = make_assembly(store, method=method, voters=12, **limits)
            ids = [i["id"] for i in made["ideas"]]
            for n, code in enumerate(made["codes"]):
                if method == "approval":
                    choice = {ids[n % 6]: 1, ids[(n + index) % 6]: 1}
                elif method == "dot":
                    choice = {ids[n % 6]: 3, ids[(n * 5 + index) % 6]: 2} if n % 6 != (n * 5 + index) % 6 else {ids[n % 6]: 3}
                else:
                    choice = {ids[n % 6]: 1, ids[(n + 1 + index) % 6]: 2}
                ballots.cast(store, code, choice)
            push_all(client)
            for row in results.current_tally(store).rows:
                totals[row.idea_id] = row.score
        result = combined(hub, room)
        assert result["method"] == method
        assert result["ballots"] == 24
        assert {r["idea_id"]: r["score"] for r in result["rows"]} == totals
        assert [v["ballots"] for v in result["venues"]] == [12, 12]


def test_online_room_votes_on_venue_ideas_and_counts_in_the_combined_tally(kit, hub_app, hub_store):
    import re

    from tests.conftest import csrf_from
    from webapp.services import assembly as room_assembly

    store, client = kit
    made = make_assembly(store, voters=3)
    for code in made["codes"]:
        ballots.cast(store, code, {made["ideas"][0]["id"]: 1})
    push_all(client)
    room = hub_app.extensions["venuekit"].store
    from webapp.hub.results import import_ideas

    assert import_ideas(hub_store, room) == 6
    assert import_ideas(hub_store, room) == 0  # again: nothing new
    room_assembly.set_phase(room, "submission")
    room_assembly.set_phase(room, "voting")
    online = ballots.issue_codes(room, 2)
    web = hub_app.test_client()
    for code in online:
        page = web.get(f"/b/{code}").get_data(as_text=True)
        assert made["ideas"][1]["title"] in page
        number = re.search(r'name="idea" value="(\d+)"[^>]*><span><span class="num">#\1</span> <strong>' +
                           re.escape(made["ideas"][1]["title"]), page)
        assert number, "the venue's idea is on the online ballot"
        response = web.post(f"/b/{code}", data={"csrf_token": csrf_from(page), "idea": [number.group(1)]})
        assert response.status_code == 303
    result = combined(hub_store, room)
    scores = {r["idea_id"]: r["score"] for r in result["rows"]}
    assert result["ballots"] == 5
    assert scores[made["ideas"][0]["id"]] == 3 and scores[made["ideas"][1]["id"]] == 2
    assert [v["venue"] for v in result["venues"]] == ["kit-a", "Online"]
    with pytest.raises(Exception) as info:
        import_ideas(hub_store, room)
    assert getattr(info.value, "code", "") == "wrong_phase"


def test_hub_pages_need_the_operator(hub_app):
    web = hub_app.test_client()
    assert web.get("/hub/").status_code == 302
    assert web.get("/hub/export/combined.csv").status_code == 302


def test_hub_operator_pages(kit, hub_app, hub_store):
    from tests.conftest import csrf_from
    from webapp.services import ideas as kit_ideas

    store, client = kit
    made = make_assembly(store, phase="submission", voters=2)
    kit_ideas.save_for_group(store, made["groups"][0]["id"], [("=EVIL()", "")])
    push_all(client)
    web = hub_operator(hub_app)
    overview = web.get("/hub/").get_data(as_text=True)
    assert "kit-a" in overview and "Import ideas from all venues" in overview
    response = web.post("/hub/import-ideas", data={"csrf_token": csrf_from(overview)})
    assert response.status_code == 303
    assert "ideas imported" in web.get("/hub/").get_data(as_text=True)
    exported = web.get("/hub/export/combined.csv").get_data(as_text=True)
    assert "'=EVIL()" in exported and "\n=EVIL()" not in exported
    ideas_csv = web.get("/hub/export/ideas.csv").get_data(as_text=True)
    assert "'=EVIL()" in ideas_csv and "kit-a" in ideas_csv
    assert web.get("/hub/export/ballots.json").get_json() == []  # submission phase: no ballots yet


@pytest.mark.parametrize("code", [123, ["x"], {"a": 1}, None, True])
def test_an_enrolment_code_that_is_not_text_is_refused_clearly(hub_app, hub_store, code):
    public = public_key(new_private_key())
    response = hub_app.test_client().post("/hub/v1/enrol", json={
        "code": code, "kit_name": "k", "public_key": public, "assembly_id": "a"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_enrol_code"
    assert hub_store.scalar("SELECT count(*) FROM kits") == 0


def test_no_enrolment_code_starts_with_a_dash(tmp_path, monkeypatch):
    """A code typed after `venuekit enrol --code` must not look like an option."""
    import secrets as secrets_module

    from webapp.hub import ingest

    hub = ingest.open_hub(tmp_path)
    made = iter(["-starts-with-dash", "_fine-code"])
    monkeypatch.setattr(secrets_module, "token_urlsafe", lambda n: next(made))
    assert ingest.create_enrol_code(hub) == "_fine-code"
