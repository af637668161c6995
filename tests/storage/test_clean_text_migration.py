"""Migration 0005_clean_text: text stored before the boundary existed is cleaned in place."""
import json
from collections import Counter
import sqlite3
import unicodedata

from webapp.storage import open_store
from webapp.storage.migrations import MIGRATIONS

NAME = "0005_clean_text"
ESC = "\x1b"


def before_cleaning(tmp_path):
    """A database migrated up to (not including) 0005_clean_text."""
    names = [name for name, _ in MIGRATIONS]
    assert NAME in names
    open_store(tmp_path, migrations=MIGRATIONS[: names.index(NAME)]).close()
    conn = sqlite3.connect(tmp_path / "venuekit.db")
    assert NAME not in {row[0] for row in conn.execute("SELECT name FROM _migrations")}
    return conn


def test_stored_text_is_cleaned_by_the_migration(tmp_path):
    conn = before_cleaning(tmp_path)
    stamp = "2026-01-01T00:00:00.000+00:00"
    with conn:
        conn.execute(
            "INSERT INTO assembly (id, question, briefing, phase, num_groups, ideas_per_group, rules, revealed, "
            "created_at, updated_at) VALUES ('a1', ?, ?, 'submission', 2, 3, '{\"method\": \"approval\"}', 0, ?, ?)",
            [f"How{ESC}[1m might we?\n", "One\r\nTwo\x07\rThree", stamp, stamp])
        # A name holding bytes that are not UTF-8 (as another tool could have written them).
        conn.execute("INSERT INTO groups (id, number, name, code, created_at) "
                     "VALUES ('g1', 1, CAST(X'5461626C6520EDA080FF' AS TEXT), 'CODE1', ?)",
                     [stamp])
        conn.execute("INSERT INTO groups (id, number, name, code, created_at) VALUES ('g2', 2, ?, 'CODE2', ?)",
                     [f"{ESC}\x00", stamp])
        conn.execute("INSERT INTO ideas (id, number, group_id, slot, title, detail, hidden, created_at, updated_at) "
                     "VALUES ('i1', 1, 'g1', 1, ?, ?, 0, ?, ?)",
                     ["Cafe\u0301 for all\x9b", "Line\x1b one\r\nline two", stamp, stamp])
        conn.execute("INSERT INTO ideas (id, number, group_id, slot, title, detail, hidden, created_at, updated_at) "
                     "VALUES ('i2', 2, 'g2', 1, 'Already clean', '', 0, ?, ?)", [stamp, stamp])
        conn.execute("INSERT INTO staff_codes (code_hash, role, label, created_at, revoked) "
                     "VALUES ('h1', 'steward', ?, ?, 0)", [f"Door{ESC}", stamp])
        conn.execute("INSERT INTO api_tokens (token_hash, role, label, created_at) VALUES ('t1', 'organiser', ?, ?)",
                     ["Script\x7f", stamp])
        conn.execute("INSERT INTO print_jobs (id, kind, payload, label, status, created_at, updated_at) "
                     "VALUES ('p1', 'paper_ballot', ?, ?, 'queued', ?, ?)",
                     [json.dumps({"question": f"Q{ESC}?", "ideas": [{"number": 1, "title": f"Bus{ESC}es\ud800"}]}),
                      f"Paper ballot{ESC}", stamp, stamp])
    outbox_before = conn.execute("SELECT max(seq) FROM outbox").fetchone()[0] or 0
    conn.close()

    store = open_store(tmp_path)
    recorded = [r["name"] for r in store.query("SELECT name FROM _migrations ORDER BY rowid")]
    assert NAME in recorded

    row = store.one("SELECT question, briefing FROM assembly WHERE id = 'a1'")
    assert (row["question"], row["briefing"]) == ("How[1m might we?", "One\nTwo\nThree")
    names = {r["id"]: r["name"] for r in store.query("SELECT id, name FROM groups")}
    assert names["g1"].startswith("Table ") and "\ufffd" in names["g1"]
    assert names["g2"] == ""  # nothing left: the default name, made when shown (0011)
    idea = store.one("SELECT title, detail FROM ideas WHERE id = 'i1'")
    assert (idea["title"], idea["detail"]) == ("Caf\u00e9 for all", "Line one\nline two")
    assert unicodedata.is_normalized("NFC", idea["title"])
    assert store.scalar("SELECT label FROM staff_codes") == "Door"
    assert store.scalar("SELECT label FROM api_tokens") == "Script"
    job = store.one("SELECT payload, label FROM print_jobs WHERE id = 'p1'")
    assert job["label"] == "Paper ballot"
    assert json.loads(job["payload"]) == {"question": "Q?", "ideas": [{"number": 1, "title": "Buses\ufffd"}]}

    # Nothing anywhere still holds a control character other than a line break.
    dump = json.dumps([dict(r) for t in ("assembly", "groups", "ideas", "staff_codes", "api_tokens")
                       for r in store.query(f"SELECT * FROM {t}")], ensure_ascii=False)
    assert not set(dump) & ({chr(c) for c in range(0x20)} | {chr(c) for c in range(0x7F, 0xA0)})
    # Cleaned records go upstream again; the untouched idea does not (every idea goes once more,
    # with its round, from migration 0012_rounds).
    logged = Counter((r["record_type"], r["record_id"]) for r in store.query(
        "SELECT record_type, record_id FROM outbox WHERE seq > ?", [outbox_before]))
    assert {key for key in logged if key[0] == "group"} == {("group", "g1"), ("group", "g2")}
    assert ("assembly", "a1") in logged
    assert logged[("idea", "i1")] > logged[("idea", "i2")] == 1
    store.close()
