"""The hub's HTTP side for kits (/hub/v1): enrol, checkpoint, batches, combined results.

Every route but enrol needs a request signed by an enrolled kit (see webapp/sync/signing.py).
"""
from __future__ import annotations

import gzip
import json
import time
import zlib

from flask import Blueprint, current_app, jsonify, request

from webapp.security import store as room_store
from webapp.sync.signing import SignatureError, verify

from . import ingest
from .results import combined

bp = Blueprint("hub_api", __name__, url_prefix="/hub/v1")
MAX_BATCH_BYTES = 32 * 1024 * 1024


@bp.before_request
def allow_large_batches() -> None:
    # Kit batches are far larger than any form; the rest of the app keeps its small limit.
    request.max_content_length = MAX_BATCH_BYTES


def hub():
    return current_app.extensions["venuekit_hub"]


def fail(status: int, code: str, message: str, **extra):
    response = jsonify({"error": {"code": code, "message": message}, **extra})
    response.status_code = status
    return response


def signed_kit(schemes: tuple[str, ...] = ("ed25519", "hmac")) -> str:
    """The kit that signed this request; SignatureError for anything forged, altered or replayed."""
    held: dict = {}

    def keys_for(kit_id: str):
        held["keys"] = ingest.keys_for(hub(), kit_id)
        return held["keys"]

    kit_id, scheme = verify(
        request.headers, request.method, request.path, request.get_data(cache=True),
        keys_for=keys_for,
        remember_nonce=lambda kit_id, nonce, ts: ingest.remember_nonce(hub(), kit_id, nonce, ts),
    )
    if scheme not in schemes:
        raise SignatureError("wrong_scheme", "this request must be signed with the kit's shared secret")
    if scheme == "ed25519" and held["keys"].legacy_key:
        ingest.forget_legacy_key(hub(), kit_id)
    return kit_id


@bp.errorhandler(SignatureError)
def refused(exc: SignatureError):
    if exc.code == "stale":
        # The kit's clock may be days off (a Pi has no RTC): tell it ours, so it signs its retry
        # in the hub's time. Nothing here is trusted by the hub; a forged value only fails again.
        return fail(401, exc.code, str(exc), hub_time=int(time.time()))
    return fail(401, exc.code, str(exc))


@bp.errorhandler(ingest.IngestError)
def bad_batch(exc: ingest.IngestError):
    status = 409 if exc.code == "checkpoint_mismatch" else 400
    return fail(status, exc.code, str(exc), **exc.extra)


@bp.post("/enrol")
def enrol():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return fail(400, "bad_json", "send a JSON object")
    kit_id = ingest.enrol(hub(), body.get("code", ""), body.get("kit_name", "kit"), body.get("public_key", ""),
                          body.get("assembly_id", ""))
    return jsonify({"kit_id": kit_id, "assembly": current_app.config.get("HUB_NAME", "assembly")})


@bp.post("/key")
def register_key():
    """A kit enrolled with a shared secret (before key pairs) registers its public key."""
    kit_id = signed_kit(schemes=("hmac",))
    body = request.get_json(silent=True)
    ingest.register_public_key(hub(), kit_id, body.get("public_key") if isinstance(body, dict) else None)
    return jsonify({"kit_id": kit_id})


@bp.get("/checkpoint")
def checkpoint():
    kit_id = signed_kit()
    return jsonify({"checkpoint": ingest.checkpoint(hub(), kit_id)})


@bp.post("/batches")
def batches():
    kit_id = signed_kit()
    raw = request.get_data(cache=True)
    if request.headers.get("Content-Encoding") == "gzip":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error):
            return fail(400, "bad_gzip", "the body is not valid gzip")
    if len(raw) > MAX_BATCH_BYTES:
        return fail(413, "too_large", "the batch is too large")
    try:
        batch = json.loads(raw)
    except ValueError:
        return fail(400, "bad_json", "the batch is not valid JSON")
    if not isinstance(batch, dict):
        return fail(400, "bad_json", "the batch must be a JSON object")
    result = ingest.ingest(hub(), kit_id, batch)
    if result.conflicts:
        current_app.logger.warning("kit %s sent %d conflicting records", kit_id, len(result.conflicts))
    return jsonify({"checkpoint": result.checkpoint, "stored": result.stored, "unchanged": result.unchanged,
                    "stale": result.stale, "conflicts": result.conflicts})


@bp.get("/results")
@bp.get("/results/<round_key>")
def results(round_key: str | None = None):
    """Combined results of one round key (in the path, so the signature covers it)."""
    signed_kit()
    return jsonify(combined(hub(), room_store(), round_key=round_key))
