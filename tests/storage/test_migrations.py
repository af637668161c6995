import sqlite3

from webapp.storage import open_store
from webapp.storage.migrations import MIGRATIONS, migrate


def test_fresh_store_has_every_table_and_records_its_migrations(tmp_path):
    store = open_store(tmp_path)
    tables = set(store.db.table_names())
    assert {"settings", "assembly", "groups", "ideas", "ballot_codes", "ballots", "staff_codes", "api_tokens"} <= tables
    recorded = [r["name"] for r in store.query("SELECT name FROM _migrations ORDER BY rowid")]
    assert recorded == [name for name, _ in MIGRATIONS]


def test_migrating_again_applies_nothing_and_keeps_data(tmp_path):
    store = open_store(tmp_path)
    with store.write() as db:
        db["settings"].insert({"name": "x", "value": "kept"})
    store.close()
    again = open_store(tmp_path)
    with again.write() as db:
        assert migrate(db) == []
    assert again.scalar("SELECT value FROM settings WHERE name = 'x'") == "kept"


def test_wal_and_full_sync_are_on(tmp_path):
    store = open_store(tmp_path)
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("PRAGMA synchronous") == 2  # FULL


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    store = open_store(tmp_path)
    try:
        with store.write() as db:
            db["settings"].insert({"name": "half", "value": "written"})
            raise RuntimeError("crash mid-transaction")
    except RuntimeError:
        pass
    assert store.scalar("SELECT count(*) FROM settings WHERE name = 'half'") == 0


def test_no_migration_drops_a_table():
    import inspect

    for name, fn in MIGRATIONS:
        source = inspect.getsource(fn).upper()
        assert "DROP TABLE" not in source and ".DROP(" not in source, name


def test_other_processes_see_committed_writes(tmp_path):
    store = open_store(tmp_path)
    with store.write() as db:
        db["settings"].insert({"name": "seen", "value": "yes"})
    conn = sqlite3.connect(tmp_path / "venuekit.db")
    assert conn.execute("SELECT value FROM settings WHERE name = 'seen'").fetchone() == ("yes",)


def test_outbox_logs_every_upstream_change_in_the_same_transaction(tmp_path):
    import json

    from tests.conftest import make_assembly
    from webapp.services import ballots

    store = open_store(tmp_path)
    made = make_assembly(store)
    before = store.scalar("SELECT max(seq) FROM outbox")
    ballots.cast(store, made["codes"][0], {made["ideas"][0]["id"]: 1})
    rows = store.query("SELECT * FROM outbox WHERE seq > ?", [before])
    assert [(r["record_type"], r["op"]) for r in rows] == [("ballot", "upsert")]
    body = json.loads(rows[0]["body"])
    assert body["choices"] == {made["ideas"][0]["id"]: 1} and body["revision"] == 1
    dump = " ".join(r["body"] for r in store.query("SELECT body FROM outbox"))
    for code in made["codes"]:
        assert code not in dump
    for group in made["groups"]:
        assert group["code"] not in dump
    # A failed write logs nothing.
    try:
        with store.write() as db:
            db["groups"].update(made["groups"][0]["id"], {"name": "renamed"})
            raise RuntimeError("power cut")
    except RuntimeError:
        pass
    assert store.scalar("SELECT max(seq) FROM outbox WHERE seq > ?", [before]) == before + 1
