"""Idempotent ingestion of kit batches: upsert by id and version, conflicts kept, never overwritten.

The rule (as ODK Central's): the same id and version again is a no-op; the same id and version
with a different body is a conflict, logged and reported; a newer version replaces the older.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field

from webapp.domain.text import repair, repair_json
from webapp.services.common import now
from webapp.storage import Store
from webapp.sync.signing import KitKeys, is_public_key

from .schema import HUB_DB, HUB_MIGRATIONS

NONCE_KEEP_S = 900
RECORD_TYPES = ("assembly", "round", "group", "idea", "ballot", "candidate", "mandate")


class IngestError(ValueError):
    """A batch the hub refuses as a whole; `code` is stable."""

    def __init__(self, code: str, message: str, **extra):
        super().__init__(message)
        self.code = code
        self.extra = extra


@dataclass
class IngestResult:
    checkpoint: int
    stored: int = 0
    unchanged: int = 0
    stale: int = 0
    conflicts: list[dict] = field(default_factory=list)


def open_hub(data_dir) -> Store:
    from webapp.storage import open_store

    return open_store(data_dir, HUB_DB, HUB_MIGRATIONS)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def create_enrol_code(hub: Store) -> str:
    """A one-time enrolment code for one kit (only its hash is stored)."""
    code = secrets.token_urlsafe(12)
    while code.startswith("-"):  # `venuekit enrol --code -abc` would read it as an option
        code = secrets.token_urlsafe(12)
    with hub.write() as db:
        db["enrol_codes"].insert({"code_hash": _digest(code), "created_at": now(), "used_at": None, "kit_id": None})
    return code


def enrol(hub: Store, code: object, kit_name: str, public_key: str, assembly_id: str) -> str:
    """Use a one-time code to enrol a kit with the public key it made; return the kit's id."""
    if not is_public_key(public_key):
        raise IngestError("bad_key", "the kit sent no valid Ed25519 public key: update the kit's software, "
                                     "then enrol again")
    if not isinstance(code, str):
        code = ""  # JSON may carry a number or a list: no code at all, refused below
    with hub.write() as db:
        row = db.execute("SELECT used_at FROM enrol_codes WHERE code_hash = ?", [_digest(code)]).fetchone()
        if row is None or row[0] is not None:
            raise IngestError("bad_enrol_code", "that enrolment code is unknown or already used")
        # One key, one kit: else a kit enrolled with another's (public) key could pass as it.
        if db.execute("SELECT 1 FROM kits WHERE public_key = ?", [public_key]).fetchone():
            raise IngestError("key_taken", "another kit is enrolled with that public key: "
                                           "each kit must enrol with the key it made")
        kit_id = "kit-" + secrets.token_hex(8)
        db["kits"].insert({"kit_id": kit_id, "name": repair(str(kit_name))[:80] or "kit", "public_key": public_key,
                           "assembly_id": repair(str(assembly_id)), "enrolled_at": now(), "last_contact": now(),
                           "checkpoint": 0})
        db.execute("UPDATE enrol_codes SET used_at = ?, kit_id = ? WHERE code_hash = ?", [now(), kit_id, _digest(code)])
    return kit_id


def keys_for(hub: Store, kit_id: str) -> KitKeys | None:
    """What the hub checks a kit's signatures with (None for an unknown kit)."""
    row = hub.one("SELECT public_key, legacy_key FROM kits WHERE kit_id = ?", [kit_id])
    return KitKeys(row["public_key"], row["legacy_key"]) if row else None


def register_public_key(hub: Store, kit_id: str, public_key: object) -> None:
    """Record the public key a kit enrolled with a shared secret now signs with.

    The secret stays until the first request signed with the new key (`forget_legacy_key`), so
    a kit that never heard this answer can register again with it; but the same key only. The
    first key registered stays: someone holding a leaked secret cannot replace it.
    """
    if not is_public_key(public_key):
        raise IngestError("bad_key", "that is not a valid Ed25519 public key")
    with hub.write() as db:
        if db.execute("SELECT 1 FROM kits WHERE public_key = ? AND kit_id != ?", [public_key, kit_id]).fetchone():
            raise IngestError("key_taken", "another kit is enrolled with that public key")
        changed = db.execute(
            """UPDATE kits SET public_key = ? WHERE kit_id = ? AND legacy_key IS NOT NULL
               AND (public_key IS NULL OR public_key = ?)""", [public_key, kit_id, public_key]).rowcount
        if not changed:
            raise IngestError("key_registered", "this kit has registered a different public key already")


def forget_legacy_key(hub: Store, kit_id: str) -> None:
    """The kit has signed with its own key: erase the shared secret the hub held for it."""
    with hub.write() as db:
        db.execute("UPDATE kits SET legacy_key = NULL WHERE kit_id = ? AND public_key IS NOT NULL", [kit_id])


def remember_nonce(hub: Store, kit_id: str, nonce: str, ts: int) -> bool:
    """Store a request's nonce; False if it was seen before (a replay)."""
    with hub.write() as db:
        db.execute("DELETE FROM nonces WHERE ts < ?", [ts - NONCE_KEEP_S])
        try:
            db.execute("INSERT INTO nonces (kit_id, nonce, ts) VALUES (?, ?, ?)", [kit_id, nonce, ts])
        except Exception:  # sqlite3.IntegrityError: the primary key says we have seen it
            return False
    return True


def checkpoint(hub: Store, kit_id: str) -> int:
    with hub.write() as db:
        db.execute("UPDATE kits SET last_contact = ? WHERE kit_id = ?", [now(), kit_id])
    return hub.scalar("SELECT checkpoint FROM kits WHERE kit_id = ?", [kit_id]) or 0


def ingest(hub: Store, kit_id: str, batch: dict) -> IngestResult:
    """Store one batch atomically and move the kit's checkpoint past it."""
    records = batch.get("records")
    after = batch.get("after")
    if not isinstance(records, list) or not isinstance(after, int):
        raise IngestError("bad_batch", "a batch needs 'after' and a list of 'records'")
    with hub.write() as db:
        current = db.execute("SELECT checkpoint, assembly_id FROM kits WHERE kit_id = ?", [kit_id]).fetchone()
        if current[0] != after:
            raise IngestError("checkpoint_mismatch", "the batch does not follow the hub's checkpoint",
                              checkpoint=current[0])
        if batch.get("assembly_id") != current[1]:
            raise IngestError("wrong_assembly", "the batch is for another assembly than the kit enrolled with")
        result = IngestResult(checkpoint=after)
        last = after
        for record in records:
            # Kits clean text before storing it; this keeps an old or faulty kit's text from the
            # hub's pages too (and lone surrogates from its database).
            record = repair_json(record) if isinstance(record, dict) else {}
            seq, rtype, rid, op, body = (record.get(k) for k in ("seq", "type", "id", "op", "body"))
            if not (isinstance(seq, int) and seq > last and rtype in RECORD_TYPES and isinstance(rid, str)
                    and op in ("upsert", "delete") and isinstance(body, dict)):
                raise IngestError("bad_record", f"record after seq {last} is malformed or out of order")
            last = seq
            text = json.dumps(body, sort_keys=True, separators=(",", ":"))
            existing = db.execute(
                "SELECT kit_id, version, op, body FROM records WHERE record_type = ? AND record_id = ?", [rtype, rid]
            ).fetchone()
            if existing is None:
                db["records"].insert({"record_type": rtype, "record_id": rid, "kit_id": kit_id, "version": seq,
                                      "op": op, "body": text, "received_at": now()})
                result.stored += 1
            elif existing[0] != kit_id or (existing[1] == seq and (existing[2], existing[3]) != (op, text)):
                db["conflicts"].insert({"kit_id": kit_id, "record_type": rtype, "record_id": rid, "version": seq,
                                        "body": text, "existing_body": existing[3], "existing_kit": existing[0],
                                        "at": now()})
                result.conflicts.append({"type": rtype, "id": rid, "version": seq})
            elif existing[1] == seq:
                result.unchanged += 1
            elif seq > existing[1]:
                db.execute(
                    "UPDATE records SET version = ?, op = ?, body = ?, received_at = ? WHERE record_type = ? AND record_id = ?",
                    [seq, op, text, now(), rtype, rid],
                )
                result.stored += 1
            else:
                result.stale += 1
        db.execute("UPDATE kits SET checkpoint = ?, last_contact = ? WHERE kit_id = ?", [last, now(), kit_id])
        result.checkpoint = last
    return result


def kits(hub: Store) -> list[dict]:
    return hub.query(
        """SELECT kits.kit_id, kits.name, kits.enrolled_at, kits.last_contact, kits.checkpoint,
                  kits.legacy_key IS NOT NULL AS shared_secret,
                  (SELECT count(*) FROM records WHERE records.kit_id = kits.kit_id) AS records,
                  (SELECT count(*) FROM conflicts WHERE conflicts.kit_id = kits.kit_id) AS conflicts
           FROM kits ORDER BY enrolled_at"""
    )
