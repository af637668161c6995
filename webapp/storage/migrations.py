"""Recorded schema migrations: each runs once, in order, and is remembered in `_migrations`.

Never edit or remove a migration that has shipped; add a new one. Never drop a table with data.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(name: str, into: list[tuple[str, Migration]] = MIGRATIONS) -> Callable[[Migration], Migration]:
    """Register a migration (for the kit's schema unless `into` names another list)."""

    def register(fn: Migration) -> Migration:
        into.append((name, fn))
        return fn

    return register


@migration("0001_initial")
def _initial(db: sqlite_utils.Database) -> None:
    db["settings"].create({"name": str, "value": str}, pk="name")
    db["assembly"].create(
        {
            "id": str,
            "question": str,
            "briefing": str,
            "phase": str,
            "num_groups": int,
            "ideas_per_group": int,
            "rules": str,
            "revealed": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"question", "phase", "rules"},
        defaults={"briefing": "", "revealed": 0, "num_groups": 0, "ideas_per_group": 3},
    )
    db["groups"].create(
        {"id": str, "number": int, "name": str, "code": str, "created_at": str},
        pk="id",
        not_null={"number", "name", "code"},
    )
    db["groups"].create_index(["number"], unique=True)
    db["groups"].create_index(["code"], unique=True)
    db["ideas"].create(
        {
            "id": str,
            "number": int,
            "group_id": str,
            "slot": int,
            "title": str,
            "detail": str,
            "hidden": int,
            "merged_into": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"number", "group_id", "slot", "title"},
        defaults={"detail": "", "hidden": 0},
        foreign_keys=[("group_id", "groups", "id"), ("merged_into", "ideas", "id")],
    )
    db["ideas"].create_index(["number"], unique=True)
    db["ideas"].create_index(["group_id", "slot"], unique=True)
    db["ballot_codes"].create(
        {"code": str, "ballot_id": str, "batch": int, "issued_at": str},
        pk="code",
        not_null={"ballot_id", "batch"},
    )
    db["ballot_codes"].create_index(["ballot_id"], unique=True)
    db["ballots"].create(
        {"ballot_id": str, "choices": str, "source": str, "revision": int, "cast_at": str},
        pk="ballot_id",
        not_null={"choices", "source", "revision"},
        foreign_keys=[("ballot_id", "ballot_codes", "ballot_id")],
    )
    db["staff_codes"].create(
        {"code_hash": str, "role": str, "label": str, "created_at": str, "revoked": int},
        pk="code_hash",
        defaults={"revoked": 0},
    )
    db["api_tokens"].create(
        {"token_hash": str, "role": str, "label": str, "created_at": str},
        pk="token_hash",
    )


@migration("0002_portal_clients")
def _portal_clients(db: sqlite_utils.Database) -> None:
    # One row per phone address: whether its OS should be told "captive" or "online".
    db["portal_clients"].create(
        {"address": str, "state": str, "reason": str, "updated_at": str, "expires_at": str},
        pk="address",
        not_null={"state", "expires_at"},
    )


# What goes upstream, per table: (record type, id column, columns sent). Codes never leave the kit.
OUTBOX_TABLES = {
    "assembly": ("assembly", "id", ["id", "question", "briefing", "phase", "num_groups",
                                    "ideas_per_group", "rules", "revealed"]),
    "groups": ("group", "id", ["id", "number", "name"]),
    "ideas": ("idea", "id", ["id", "number", "group_id", "slot", "title", "detail", "hidden", "merged_into"]),
    "ballots": ("ballot", "ballot_id", ["ballot_id", "choices", "source", "revision"]),
}
# `drawn_from` (rounds) names the earlier round a run-off took its ideas from.
JSON_COLUMNS = {"rules", "choices", "drawn_from"}


def _json_of(prefix: str, columns: list[str]) -> str:
    parts = []
    for col in columns:
        value = f"json({prefix}.{col})" if col in JSON_COLUMNS else f"{prefix}.{col}"
        parts.append(f"'{col}', {value}")
    return "json_object(" + ", ".join(parts) + ")"


@migration("0003_outbox")
def _outbox(db: sqlite_utils.Database) -> None:
    """Every change to an upstream record is logged by trigger, in the same transaction."""
    db.execute(
        """CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            record_type TEXT NOT NULL,
            record_id TEXT NOT NULL,
            op TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at TEXT NOT NULL
        )"""
    )
    stamp = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    for table, (record_type, id_col, columns) in OUTBOX_TABLES.items():
        for event, prefix, op in (("INSERT", "NEW", "upsert"), ("UPDATE", "NEW", "upsert"), ("DELETE", "OLD", "delete")):
            body = _json_of(prefix, columns) if op == "upsert" else f"json_object('{id_col}', OLD.{id_col})"
            db.execute(
                f"""CREATE TRIGGER outbox_{table}_{event.lower()} AFTER {event} ON {table}
                BEGIN
                    INSERT INTO outbox (record_type, record_id, op, body, created_at)
                    VALUES ('{record_type}', {prefix}.{id_col}, '{op}', {body}, {stamp});
                END"""
            )
    # Rows that existed before this migration are logged once, so the hub gets them too.
    for table, (record_type, id_col, columns) in OUTBOX_TABLES.items():
        db.execute(
            f"""INSERT INTO outbox (record_type, record_id, op, body, created_at)
                SELECT '{record_type}', {id_col}, 'upsert', {_json_of(table, columns)}, {stamp} FROM {table}"""
        )


@migration("0004_print_jobs")
def _print_jobs(db: sqlite_utils.Database) -> None:
    """Durable print jobs: a request to print survives crashes, unplugged printers and restarts."""
    db.execute(
        """CREATE TABLE print_jobs (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            label TEXT NOT NULL DEFAULT '',
            batch TEXT,
            status TEXT NOT NULL DEFAULT 'queued',
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            next_attempt_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            printed_at TEXT
        )"""
    )
    db.execute("CREATE INDEX print_jobs_status ON print_jobs (status, seq)")
    db.execute("CREATE INDEX print_jobs_batch ON print_jobs (batch)")


def migrate(db: sqlite_utils.Database, migrations: list[tuple[str, Migration]] = MIGRATIONS) -> list[str]:
    """Apply every migration not yet recorded; return the names applied now."""
    if "_migrations" not in db.table_names():
        db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    done = {row["name"] for row in db["_migrations"].rows}
    applied = []
    for name, fn in migrations:
        if name in done:
            continue
        fn(db)
        db["_migrations"].insert(
            {"name": name, "applied_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        )
        applied.append(name)
    return applied



# Text columns people typed, as (table, column, multi-line, what a value left empty becomes).
CLEAN_TEXT_COLUMNS = [
    ("assembly", "question", False, "{question}"),
    ("assembly", "briefing", True, ""),
    ("groups", "name", False, "Group {number}"),
    ("ideas", "title", False, "Idea {number}"),
    ("ideas", "detail", True, ""),
    ("staff_codes", "label", False, "Steward"),
    ("api_tokens", "label", False, ""),
    ("print_jobs", "label", False, ""),
]


@migration("0005_clean_text")
def _clean_text(db: sqlite_utils.Database) -> None:
    """Text stored before the text boundary existed gets what it does now: NFC, no control
    characters, and U+FFFD for bytes that are not UTF-8 (a lone surrogate among them)."""
    import json

    # Imported here: the services import this package, so a module-level import would be circular.
    from webapp.domain.text import repair, repair_json
    from webapp.services.assembly import DEFAULT_QUESTION

    for table, column, multiline, fallback in CLEAN_TEXT_COLUMNS:
        number = "number" if table in ("groups", "ideas") else "NULL"
        # As bytes: text that is not UTF-8 cannot even be read back as a Python str.
        rows = db.execute(f"SELECT rowid, CAST({column} AS BLOB), {number} FROM {table} WHERE {column} IS NOT NULL")
        for rowid, raw, n in rows.fetchall():
            cleaned = repair(raw, multiline=multiline) or fallback.format(number=n, question=DEFAULT_QUESTION)
            if cleaned.encode() != raw:
                # An UPDATE, so the outbox triggers send the cleaned record upstream too.
                db.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", [cleaned, rowid])

    for rowid, raw in db.execute("SELECT rowid, CAST(payload AS BLOB) FROM print_jobs").fetchall():
        try:
            payload = json.loads(raw.decode("utf-8", "replace"))
        except ValueError:
            continue  # not JSON: the printer refuses it as it always did
        # Wi-Fi credentials must match the access point byte for byte, so they are left alone.
        cleaned = repair_json(payload, keep=frozenset({"ssid", "password"}))
        if cleaned != payload:
            text = json.dumps(cleaned, ensure_ascii=False)
            db.execute("UPDATE print_jobs SET payload = ? WHERE rowid = ?", [text, rowid])


@migration("0006_sessions_tokens")
def _sessions_tokens(db: sqlite_utils.Database) -> None:
    """Staff sessions become records that can be ended; API tokens get an id, expiry and revoke.

    Tokens made before expiry existed get 30 days from this migration (on the kit's own clock),
    so nothing in use stops at once, and nothing lives for ever.
    """
    db.execute(
        """CREATE TABLE staff_sessions (
            id TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            credential TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            revoked INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute("CREATE INDEX staff_sessions_credential ON staff_sessions (credential)")
    for column in ("id TEXT", "expires_at TEXT", "revoked INTEGER NOT NULL DEFAULT 0", "last_used_at TEXT"):
        db.execute(f"ALTER TABLE api_tokens ADD COLUMN {column}")
    expires = (datetime.now(timezone.utc) + timedelta(days=30)).isoformat(timespec="milliseconds")
    db.execute("UPDATE api_tokens SET id = substr(token_hash, 1, 12), expires_at = ?", [expires])
    db.execute("CREATE UNIQUE INDEX api_tokens_id ON api_tokens (id)")


@migration("0008_print_job_reprint")
def _print_job_reprint(db: sqlite_utils.Database) -> None:
    """A job cut off part-way prints again marked REPRINT (`reprint`); a steward may instead void
    the ballot code on it and print a fresh one (`replaced_by`, `ballot_codes.voided_at`)."""
    db.execute("ALTER TABLE print_jobs ADD COLUMN reprint INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE print_jobs ADD COLUMN replaced_by TEXT")
    db.execute("ALTER TABLE ballot_codes ADD COLUMN voided_at TEXT")


# Tables whose rows a ballot page shows (the question, the rules and phase, ideas, group names):
# any change to them moves `content_version`, so every process's cache of them knows it is old.
CONTENT_TABLES = ("assembly", "groups", "ideas")  # and `rounds`, from 0012


@migration("0009_content_version")
def _content_version(db: sqlite_utils.Database) -> None:
    """One counter bumped by trigger in the same transaction as any change to what a ballot
    shows, however the change is made (pages, API, CLI, sync, another worker process)."""
    db.execute("CREATE TABLE versions (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID")
    db.execute("INSERT INTO versions (name, value) VALUES ('content', 1)")
    for table in CONTENT_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            db.execute(
                f"""CREATE TRIGGER content_version_{table}_{event.lower()} AFTER {event} ON {table}
                BEGIN
                    UPDATE versions SET value = value + 1 WHERE name = 'content';
                END"""
            )


@migration("0010_guess_buckets")
def _guess_buckets(db: sqlite_utils.Database) -> None:
    """Wrong-code counts shared by every worker process (see webapp/guesses.py); written only
    when a code is wrong. `stamp` is the system's monotonic clock, the same in every process."""
    db.execute(
        """CREATE TABLE guess_buckets (
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            tokens REAL NOT NULL,
            stamp REAL NOT NULL,
            PRIMARY KEY (kind, key)
        ) WITHOUT ROWID"""
    )
    # Moved by every wrong code counted: processes re-read the buckets they hold only then.
    db.execute("INSERT INTO versions (name, value) VALUES ('guesses', 1)")


@migration("0011_default_group_names")
def _default_group_names(db: sqlite_utils.Database) -> None:
    """A group still called by its default English name ("Group 3" for group 3) gets an empty
    name: the default is now made when shown, in the reader's language (webapp.services.
    assembly.group_name). Names an organiser typed, even "Group 7" on group 2, stay."""
    # An UPDATE, so the outbox triggers send the change upstream as for any rename.
    db.execute("UPDATE groups SET name = '' WHERE name = 'Group ' || number")


# A ballot is upstream as one record per round: its record id names the round, so the same slip
# voting in two rounds is two records at the hub.
BALLOT_RECORD_ID = "{p}.round_id || ':' || {p}.ballot_id"
ROUND_COLUMNS = ["id", "number", "round_key", "kind", "question", "briefing", "phase", "rules", "revealed",
                 "ideas_per_group", "seats", "drawn_from"]
IDEA_COLUMNS = ["id", "round_id", "origin_id", "number", "group_id", "slot", "title", "detail", "hidden",
                "merged_into"]
BALLOT_COLUMNS = ["round_id", "ballot_id", "choices", "source", "revision"]


def _outbox_triggers(db: sqlite_utils.Database, table: str, record_type: str, record_id: str,
                     columns: list[str]) -> None:
    stamp = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    for event, prefix, op in (("INSERT", "NEW", "upsert"), ("UPDATE", "NEW", "upsert"), ("DELETE", "OLD", "delete")):
        db.execute(f"DROP TRIGGER IF EXISTS outbox_{table}_{event.lower()}")
        rid = record_id.format(p=prefix)
        body = _json_of(prefix, columns) if op == "upsert" else f"json_object('id', {rid})"
        db.execute(
            f"""CREATE TRIGGER outbox_{table}_{event.lower()} AFTER {event} ON {table}
            BEGIN
                INSERT INTO outbox (record_type, record_id, op, body, created_at)
                VALUES ('{record_type}', {rid}, '{op}', {body}, {stamp});
            END"""
        )


@migration("0012_rounds")
def _rounds(db: sqlite_utils.Database) -> None:
    """An event of rounds: each round has its own question, phase, voting rules, ideas and
    ballots; groups and ballot codes stay for the whole event. What the kit held becomes round 1,
    unchanged. A ballot is now one per code per round, so the ballots table is rebuilt with the
    round in its key (rows copied, not lost), and every idea and ballot is logged upstream again
    with its round (the ballot records under their new ids, the old ids deleted at the hub)."""
    import json
    import uuid

    db.execute(
        """CREATE TABLE rounds (
            id TEXT PRIMARY KEY,
            number INTEGER NOT NULL UNIQUE,
            round_key TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'ideas',
            question TEXT NOT NULL,
            briefing TEXT NOT NULL DEFAULT '',
            phase TEXT NOT NULL,
            rules TEXT NOT NULL,
            revealed INTEGER NOT NULL DEFAULT 0,
            ideas_per_group INTEGER NOT NULL DEFAULT 3,
            seats INTEGER NOT NULL DEFAULT 1,
            drawn_from TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute("ALTER TABLE assembly ADD COLUMN current_round TEXT")
    db.execute("ALTER TABLE ideas ADD COLUMN round_id TEXT REFERENCES rounds(id)")
    db.execute("ALTER TABLE ideas ADD COLUMN origin_id TEXT")
    for table in ("assembly", "ideas", "ballots"):
        for event in ("insert", "update", "delete"):
            db.execute(f"DROP TRIGGER IF EXISTS outbox_{table}_{event}")
    _outbox_triggers(db, "rounds", "round", "{p}.id", ROUND_COLUMNS)
    for event in ("INSERT", "UPDATE", "DELETE"):
        db.execute(f"""CREATE TRIGGER content_version_rounds_{event.lower()} AFTER {event} ON rounds
                       BEGIN UPDATE versions SET value = value + 1 WHERE name = 'content'; END""")

    first = None
    row = db.execute("SELECT id, question, briefing, phase, rules, revealed, ideas_per_group, created_at "
                     "FROM assembly LIMIT 1").fetchone()
    if row is not None:
        first = uuid.uuid4().hex
        stamp = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        db.execute(
            """INSERT INTO rounds (id, number, round_key, kind, question, briefing, phase, rules, revealed,
                                   ideas_per_group, seats, drawn_from, created_at, updated_at)
               VALUES (?, 1, 'round-1', 'ideas', ?, ?, ?, ?, ?, ?, 1, NULL, ?, ?)""",
            [first, row[1], row[2] or "", row[3], row[4] or json.dumps({"method": "approval"}), row[5] or 0,
             row[6] or 3, row[7] or stamp, stamp],
        )
        db.execute("UPDATE assembly SET current_round = ?", [first])
    # The assembly's record upstream names its current round; the round carries the rest.
    _outbox_triggers(db, "assembly", "assembly", "{p}.id", ["id", "num_groups", "current_round"])

    # Numbers and slots are per round now.
    for name, columns in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ideas'"
                                    ).fetchall():
        if columns and "UNIQUE" in columns.upper():
            db.execute(f"DROP INDEX {name}")
    db.execute("CREATE UNIQUE INDEX ideas_round_number ON ideas (round_id, number)")
    db.execute("CREATE UNIQUE INDEX ideas_round_group_slot ON ideas (round_id, group_id, slot)")
    _outbox_triggers(db, "ideas", "idea", "{p}.id", IDEA_COLUMNS)
    if first is not None:
        db.execute("UPDATE ideas SET round_id = ?", [first])  # logged upstream by the new trigger

    db.execute(
        """CREATE TABLE ballots_by_round (
            round_id TEXT NOT NULL REFERENCES rounds(id),
            ballot_id TEXT NOT NULL REFERENCES ballot_codes(ballot_id),
            choices TEXT NOT NULL,
            source TEXT NOT NULL,
            revision INTEGER NOT NULL,
            cast_at TEXT,
            PRIMARY KEY (round_id, ballot_id)
        )"""
    )
    db.execute("CREATE INDEX ballots_by_round_ballot ON ballots_by_round (ballot_id)")
    stamp = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    if first is not None:
        db.execute("""INSERT INTO ballots_by_round (round_id, ballot_id, choices, source, revision, cast_at)
                      SELECT ?, ballot_id, choices, source, revision, cast_at FROM ballots""", [first])
        db.execute(f"""INSERT INTO outbox (record_type, record_id, op, body, created_at)
                       SELECT 'ballot', ballot_id, 'delete', json_object('id', ballot_id), {stamp} FROM ballots""")
    # The old table keeps its rows (a copy, never dropped) under another name; nothing reads it.
    db.execute("ALTER TABLE ballots RENAME TO ballots_before_rounds")
    db.execute("ALTER TABLE ballots_by_round RENAME TO ballots")
    _outbox_triggers(db, "ballots", "ballot", BALLOT_RECORD_ID, BALLOT_COLUMNS)
    db.execute(f"""INSERT INTO outbox (record_type, record_id, op, body, created_at)
                   SELECT 'ballot', round_id || ':' || ballot_id, 'upsert', {_json_of('ballots', BALLOT_COLUMNS)},
                          {stamp} FROM ballots""")
    db.execute("INSERT INTO outbox (record_type, record_id, op, body, created_at) "
               f"SELECT 'assembly', id, 'upsert', {_json_of('assembly', ['id', 'num_groups', 'current_round'])}, "
               f"{stamp} FROM assembly")


CANDIDATE_COLUMNS = ["id", "round_id", "number", "name", "consent", "added_by", "withdrawn"]


@migration("0013_candidates")
def _candidates(db: sqlite_utils.Database) -> None:
    """Delegate elections: the candidates of a delegates round, and the event's mandate (the
    rounds whose passed ideas it carries, and what was published). A candidate stands only with
    their consent, so a row without it cannot exist. The consent note stays on the kit: the hub
    needs names, not how consent was given."""
    db.execute(
        """CREATE TABLE candidates (
            id TEXT PRIMARY KEY,
            round_id TEXT NOT NULL REFERENCES rounds(id),
            number INTEGER NOT NULL,
            name TEXT NOT NULL,
            consent_note TEXT NOT NULL DEFAULT '',
            consent INTEGER NOT NULL CHECK (consent = 1),
            added_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            withdrawn INTEGER NOT NULL DEFAULT 0,
            UNIQUE (round_id, number)
        )"""
    )
    _outbox_triggers(db, "candidates", "candidate", "{p}.id", CANDIDATE_COLUMNS)
    # Candidates are a delegates round's ballot: a change must reach every cached ballot page.
    for event in ("INSERT", "UPDATE", "DELETE"):
        db.execute(f"""CREATE TRIGGER content_version_candidates_{event.lower()} AFTER {event} ON candidates
                       BEGIN UPDATE versions SET value = value + 1 WHERE name = 'content'; END""")
    db.execute(
        """CREATE TABLE mandates (
            id TEXT PRIMARY KEY,
            rounds TEXT NOT NULL,
            body TEXT NOT NULL,
            published_at TEXT NOT NULL
        )"""
    )
    # The published mandate goes upstream whole, its JSON as JSON (not a string inside it).
    stamp = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    for event, prefix, op in (("INSERT", "NEW", "upsert"), ("UPDATE", "NEW", "upsert"), ("DELETE", "OLD", "delete")):
        body = (f"json_object('id', {prefix}.id, 'rounds', json({prefix}.rounds), 'body', json({prefix}.body), "
                f"'published_at', {prefix}.published_at)" if op == "upsert" else f"json_object('id', {prefix}.id)")
        db.execute(
            f"""CREATE TRIGGER outbox_mandates_{event.lower()} AFTER {event} ON mandates
            BEGIN
                INSERT INTO outbox (record_type, record_id, op, body, created_at)
                VALUES ('mandate', {prefix}.id, '{op}', {body}, {stamp});
            END"""
        )
