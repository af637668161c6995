"""Request signing between a kit and its hub: HMAC-SHA256 over the request, with replay guards.

The kit signs METHOD, path, timestamp, a fresh nonce and the SHA-256 of the body with its own
key. The hub recomputes the signature, refuses timestamps outside a small window, and refuses
a nonce it has seen from that kit, so a captured request cannot be altered or sent again.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Callable, Mapping

MAX_SKEW_S = 300
HEADER_KIT = "X-Venuekit-Kit"
HEADER_TIME = "X-Venuekit-Timestamp"
HEADER_NONCE = "X-Venuekit-Nonce"
HEADER_SIGNATURE = "X-Venuekit-Signature"


class SignatureError(Exception):
    """A request the hub must refuse; `code` says why (stable, for logs and tests)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def canonical(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join([method.upper(), path, timestamp, nonce, digest]).encode()


def sign(key: str, kit_id: str, method: str, path: str, body: bytes, *,
         now: float | None = None, nonce: str | None = None) -> dict[str, str]:
    """The headers that authenticate one request from a kit."""
    timestamp = str(int(now if now is not None else time.time()))
    nonce = nonce or secrets.token_hex(16)
    mac = hmac.new(key.encode(), canonical(method, path, timestamp, nonce, body), hashlib.sha256)
    return {HEADER_KIT: kit_id, HEADER_TIME: timestamp, HEADER_NONCE: nonce, HEADER_SIGNATURE: mac.hexdigest()}


def verify(headers: Mapping[str, str], method: str, path: str, body: bytes, *,
           key_for: Callable[[str], str | None], remember_nonce: Callable[[str, str, int], bool],
           now: float | None = None) -> str:
    """Return the kit id of a correctly signed, fresh request, or raise SignatureError.

    `key_for(kit_id)` gives the kit's key (None if unknown); `remember_nonce(kit_id, nonce, ts)`
    stores the nonce and returns False if it was already there.
    """
    kit_id = headers.get(HEADER_KIT, "")
    timestamp = headers.get(HEADER_TIME, "")
    nonce = headers.get(HEADER_NONCE, "")
    signature = headers.get(HEADER_SIGNATURE, "")
    if not (kit_id and timestamp and nonce and signature):
        raise SignatureError("unsigned", "the request is not signed")
    key = key_for(kit_id)
    if key is None:
        raise SignatureError("unknown_kit", "no kit is enrolled with that id")
    if not timestamp.isdigit() or abs(int(timestamp) - (now if now is not None else time.time())) > MAX_SKEW_S:
        raise SignatureError("stale", "the request's time is too far from the hub's clock")
    expected = hmac.new(key.encode(), canonical(method, path, timestamp, nonce, body), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise SignatureError("bad_signature", "the signature does not match")
    if not remember_nonce(kit_id, nonce, int(timestamp)):
        raise SignatureError("replayed", "this request was already received")
    return kit_id
