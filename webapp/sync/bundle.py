"""Signed sync bundles: the outbox in a file, for a venue with no internet at all.

The kit writes the outbox records its hub has not acknowledged yet (or, with `all_records`, every
record) into one gzip-compressed JSON file, signed with the kit's own Ed25519 key. The organiser
carries it to the hub (on a phone or a USB stick) and the hub's operator uploads it; the hub
applies it exactly as it applies a live batch (webapp/hub/bundle_upload.py).

The file is an envelope around the signed text, so the signature covers exact bytes:

    {"format": "venuekit-sync-bundle", "version": 1, "kit_id": "kit-…",
     "content": "<JSON text: kit_id, assembly_id, kit_name, hub_url, made_at, after, upto, records>",
     "signature": "ed25519:<base64 of the signature over CONTEXT + content>"}

A bundle carries no time check and no nonce: applying one is idempotent (records are upserted
by id and version, and those at or below the hub's checkpoint are skipped), so the same bundle
uploaded twice, or an old one after a newer sync, changes nothing. The kit's clock plays no part.
"""
from __future__ import annotations

import base64
import binascii
import gzip
import json
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from pi import removable

from webapp.services import assembly, kit_language
from webapp.services.common import now
from webapp.storage import Store

from . import identity
from . import state as sync_state

if TYPE_CHECKING:
    from .signing import KitKeys

# cryptography (through .signing) loads when a bundle is made or read, not with the web
# worker that imports this module for the results page's drive export.

FORMAT = "venuekit-sync-bundle"
VERSION = 1
# Signed with the bundle: a signature over a live request can never pass as a bundle's.
CONTEXT = b"venuekit-sync-bundle/1\n"
# Larger than any assembly's outbox; a gzip bomb stops here instead of filling memory.
MAX_BYTES = 256 * 1024 * 1024
LAST_MADE = "bundle.last_made"


class BundleError(ValueError):
    """A bundle that cannot be made or must be refused; `code` is stable (for logs and tests)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Bundle:
    """A bundle whose signature checked out."""

    kit_id: str
    assembly_id: str
    kit_name: str
    made_at: str
    after: int
    upto: int
    records: list[dict]


def _outbox(store: Store, after: int) -> list[dict]:
    rows = store.query("SELECT seq, record_type, record_id, op, body FROM outbox WHERE seq > ? ORDER BY seq", [after])
    # The same record shape as a live batch (client.push_once), so the hub applies both alike.
    named = kit_language.translator(kit_language.default_language(store))
    return [{"seq": r["seq"], "type": r["record_type"], "id": r["record_id"], "op": r["op"],
             "body": kit_language.group_record_for_upstream(r["record_type"], json.loads(r["body"]), named)}
            for r in rows]


def make(store: Store, *, all_records: bool = False, configured_name: str = "") -> tuple[bytes, dict]:
    """The bundle file's bytes and a summary (kit_id, records, after, upto, filename).

    BundleError when the kit is not enrolled: the hub only takes bundles from kits it knows.
    """
    st = sync_state.load(store)
    if not st.enrolled:
        raise BundleError("not_enrolled", "this kit is not enrolled with a hub: enrol it first (the hub must be "
                                          "reached once, e.g. before the event), then make a bundle")
    if st.key:
        raise BundleError("no_public_key", "this kit still signs with an old shared secret: sync it live once "
                                           "so the hub learns its key, then make a bundle")
    after = 0 if all_records else (st.checkpoint or 0)
    records = _outbox(store, after)
    upto = records[-1]["seq"] if records else after
    content = json.dumps({
        "kit_id": st.kit_id, "assembly_id": assembly.get(store)["id"], "hub_url": st.hub_url,
        "kit_name": identity.kit_name(store, configured_name), "made_at": now(),
        "after": after, "upto": upto, "records": records,
    }, ensure_ascii=False, separators=(",", ":"))
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from .signing import ED25519_PREFIX

    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(identity.signing_key(store)))
    signature = key.sign(CONTEXT + content.encode("utf-8"))
    envelope = {"format": FORMAT, "version": VERSION, "kit_id": st.kit_id, "content": content,
                "signature": ED25519_PREFIX + base64.b64encode(signature).decode()}
    data = gzip.compress(json.dumps(envelope, ensure_ascii=False).encode("utf-8"), 6)
    with store.write() as db:
        db["settings"].upsert({"name": LAST_MADE, "value": json.dumps({"at": now(), "upto": upto})}, pk="name")
    summary = {"kit_id": st.kit_id, "records": len(records), "after": after, "upto": upto,
               "filename": filename(st.kit_id, after, upto)}
    return data, summary


def filename(kit_id: str, after: int, upto: int) -> str:
    """Names that sort by what they hold, and never clash on a stick shared by several kits."""
    return f"venuekit-bundle-{kit_id}-{after}-{upto}.json.gz"


def last_made(store: Store) -> dict | None:
    """When the last bundle was made and up to which record ({"at", "upto"}), or None."""
    text = store.scalar("SELECT value FROM settings WHERE name = ?", [LAST_MADE])
    return json.loads(text) if text else None


def _decompress(data: bytes) -> bytes:
    try:
        out = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, MAX_BYTES + 1)
    except zlib.error as exc:
        raise BundleError("bad_file", "this is not a venuekit sync bundle (not gzip)") from exc
    if len(out) > MAX_BYTES:
        raise BundleError("too_large", "the bundle is too large")
    return out


def read(data: bytes, keys_for: Callable[[str], KitKeys | None]) -> Bundle:
    """Check a bundle's format, kit and signature; BundleError for anything else."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from .signing import ED25519_PREFIX

    try:
        envelope = json.loads(_decompress(data))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BundleError("bad_file", "this is not a venuekit sync bundle (not JSON)") from exc
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise BundleError("bad_file", "this is not a venuekit sync bundle")
    if envelope.get("version") != VERSION:
        raise BundleError("bad_version", "this bundle was made by another version of venuekit")
    kit_id, content, signature = (envelope.get(k) for k in ("kit_id", "content", "signature"))
    if not (isinstance(kit_id, str) and isinstance(content, str) and isinstance(signature, str)):
        raise BundleError("bad_file", "the bundle is incomplete")
    keys = keys_for(kit_id)
    if keys is None:
        raise BundleError("unknown_kit", "no kit is enrolled here with that id: was the bundle made for another hub?")
    if not keys.public_key:
        raise BundleError("no_public_key", "the hub has no key for this kit yet: sync it live once first")
    if not signature.startswith(ED25519_PREFIX):
        raise BundleError("bad_signature", "the bundle's signature does not match")
    try:
        raw = base64.b64decode(signature[len(ED25519_PREFIX):], validate=True)
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(keys.public_key)).verify(
            raw, CONTEXT + content.encode("utf-8", "surrogatepass"))
    except (InvalidSignature, ValueError, binascii.Error) as exc:
        raise BundleError("bad_signature", "the bundle's signature does not match: it was altered or made "
                                           "by another kit") from exc
    try:
        body = json.loads(content)
    except ValueError as exc:
        raise BundleError("bad_file", "the bundle's content is not JSON") from exc
    if not isinstance(body, dict) or body.get("kit_id") != kit_id:
        raise BundleError("bad_file", "the bundle's kit does not match its content")
    after, upto, records = body.get("after"), body.get("upto"), body.get("records")
    if not (isinstance(after, int) and isinstance(upto, int) and isinstance(records, list)):
        raise BundleError("bad_file", "the bundle is incomplete")
    return Bundle(kit_id=kit_id, assembly_id=str(body.get("assembly_id", "")), kit_name=str(body.get("kit_name", "")),
                  made_at=str(body.get("made_at", "")), after=after, upto=upto, records=records)


def write_from_cli(store: Store, data_dir: Path, out: Path, *, all_records: bool = False) -> int:
    """`venuekit sync-bundle --out FILE`: write the bundle; a folder gets a file named after the kit."""
    from webapp.config import load

    try:
        data, summary = make(store, all_records=all_records, configured_name=load(data_dir)["KIT_NAME"])
    except BundleError as exc:
        print(f"venuekit: no bundle: {exc}", file=sys.stderr)
        return 1
    try:
        if out.is_dir():
            target = removable.write_file(out, summary["filename"], data)
        else:
            target = removable.write_file(out.parent, out.name, data)
    except OSError as exc:
        print(f"venuekit: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {target}: {summary['records']} records (after {summary['after']}, up to {summary['upto']}) "
          f"for kit {summary['kit_id']}")
    return 0


def write_to_drive(store: Store, drive: removable.Drive, *, all_records: bool = False,
                   configured_name: str = "") -> tuple[Path, dict]:
    """Make a bundle and write it to a mounted USB stick, flushed; BundleError or OSError on failure."""
    data, summary = make(store, all_records=all_records, configured_name=configured_name)
    return removable.write_file(drive.path, summary["filename"], data), summary
