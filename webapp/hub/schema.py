"""The hub's own database (hub.db): enrolled kits (public keys only), their records, conflicts and nonces."""
from __future__ import annotations

import sqlite_utils

from webapp.storage.migrations import Migration, migration

HUB_DB = "hub.db"
HUB_MIGRATIONS: list[tuple[str, Migration]] = []


@migration("0001_hub", into=HUB_MIGRATIONS)
def _hub(db: sqlite_utils.Database) -> None:
    db["enrol_codes"].create(
        {"code_hash": str, "created_at": str, "used_at": str, "kit_id": str}, pk="code_hash"
    )
    db["kits"].create(
        {"kit_id": str, "name": str, "key": str, "assembly_id": str, "enrolled_at": str,
         "last_contact": str, "checkpoint": int},
        pk="kit_id", not_null={"key", "checkpoint"}, defaults={"checkpoint": 0},
    )
    db["nonces"].create({"kit_id": str, "nonce": str, "ts": int}, pk=("kit_id", "nonce"))
    db["nonces"].create_index(["ts"])
    db["records"].create(
        {"record_type": str, "record_id": str, "kit_id": str, "version": int, "op": str, "body": str,
         "received_at": str},
        pk=("record_type", "record_id"), not_null={"kit_id", "version", "op", "body"},
    )
    db["records"].create_index(["kit_id", "record_type"])
    db["conflicts"].create(
        {"id": int, "kit_id": str, "record_type": str, "record_id": str, "version": int,
         "body": str, "existing_body": str, "existing_kit": str, "at": str},
        pk="id",
    )


@migration("0002_hub_public_keys", into=HUB_MIGRATIONS)
def _public_keys(db: sqlite_utils.Database) -> None:
    # Kits now sign with their own Ed25519 key and the hub keeps only the public half. The old
    # shared secret is kept (renamed legacy_key) only for kits enrolled before, until each one
    # registers a public key on its next sync; then it is erased.
    db["kits"].transform(rename={"key": "legacy_key"}, not_null={"key": False})
    db["kits"].add_column("public_key", str)


@migration("0003_hub_unique_public_keys", into=HUB_MIGRATIONS)
def _unique_public_keys(db: sqlite_utils.Database) -> None:
    # A signature names its kit, and one key belongs to one kit: else a kit enrolled with another
    # kit's public key could pass as it. Should two kits share a key already, the one enrolled
    # first keeps it; the other must enrol again.
    db.execute("""UPDATE kits SET public_key = NULL WHERE public_key IS NOT NULL AND rowid NOT IN (
                    SELECT min(rowid) FROM kits WHERE public_key IS NOT NULL GROUP BY public_key)""")
    db["kits"].create_index(["public_key"], unique=True)
