"""The hub's own database (hub.db): enrolled kits, their records, conflicts and nonces."""
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
