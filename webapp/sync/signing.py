"""Request signing between a kit and its hub: Ed25519 over the request, with replay guards.

Each kit makes its own Ed25519 key pair; the private key stays in the kit's database and the hub
keeps only the public key, so nothing the hub holds can sign for a kit. The kit signs its kit id,
METHOD, path, timestamp, a fresh nonce and the SHA-256 of the body (the kit id, so a request
signed for one kit never counts as another's). The hub checks the signature with the
kit's public key, refuses timestamps outside a small window, and refuses a nonce it has seen from
that kit, so a captured request cannot be altered or sent again.

Kits enrolled before kits had key pairs signed with HMAC-SHA256 and a secret the hub also held.
`sign_hmac` and the HMAC branch of `verify` remain only so such a kit can sync until it has
registered a public key (which its first sync does); then the hub forgets the secret.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Callable, Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

MAX_SKEW_S = 300
HEADER_KIT = "X-Venuekit-Kit"
HEADER_TIME = "X-Venuekit-Timestamp"
HEADER_NONCE = "X-Venuekit-Nonce"
HEADER_SIGNATURE = "X-Venuekit-Signature"
ED25519_PREFIX = "ed25519:"


class SignatureError(Exception):
    """A request the hub must refuse; `code` says why (stable, for logs and tests)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class KitKeys:
    """What the hub holds to check one kit's requests: its public key, and (only for a kit
    enrolled before key pairs, until it registers one) the old shared secret."""

    public_key: str | None
    legacy_key: str | None = None


def new_private_key() -> str:
    """A fresh Ed25519 private key, as 64 hex digits (the 32-byte seed)."""
    return secrets.token_hex(32)


def _private(private_key: str) -> Ed25519PrivateKey:
    try:
        return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(private_key))
    except (ValueError, TypeError) as exc:
        raise ValueError("not an Ed25519 private key") from exc


def public_key(private_key: str) -> str:
    """The public half of a private key, as 64 hex digits (what the hub stores)."""
    return _private(private_key).public_key().public_bytes_raw().hex()


def is_public_key(text: object) -> bool:
    """True for 64 hex digits that decode to a valid Ed25519 public key."""
    if not (isinstance(text, str) and len(text) == 64):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))
    except ValueError:
        return False
    return True


def canonical(method: str, path: str, timestamp: str, nonce: str, body: bytes, kit_id: str | None = None) -> bytes:
    """The signed message. Ed25519 signatures cover the kit id too; the old HMAC format has none."""
    digest = hashlib.sha256(body).hexdigest()
    fields = [method.upper(), path, timestamp, nonce, digest]
    return "\n".join(fields if kit_id is None else [kit_id, *fields]).encode("utf-8", "surrogatepass")


def _fresh(now: float | None, nonce: str | None) -> tuple[str, str]:
    return str(int(now if now is not None else time.time())), nonce or secrets.token_hex(16)


def sign(private_key: str, kit_id: str, method: str, path: str, body: bytes, *,
         now: float | None = None, nonce: str | None = None) -> dict[str, str]:
    """The headers that authenticate one request from a kit (ValueError if the key is not one)."""
    timestamp, nonce = _fresh(now, nonce)
    signature = _private(private_key).sign(canonical(method, path, timestamp, nonce, body, kit_id))
    return {HEADER_KIT: kit_id, HEADER_TIME: timestamp, HEADER_NONCE: nonce,
            HEADER_SIGNATURE: ED25519_PREFIX + base64.b64encode(signature).decode()}


def sign_hmac(key: str, kit_id: str, method: str, path: str, body: bytes, *,
              now: float | None = None, nonce: str | None = None) -> dict[str, str]:
    """The old shared-secret signature, for a kit enrolled before key pairs (see module docstring)."""
    timestamp, nonce = _fresh(now, nonce)
    mac = hmac.new(key.encode(), canonical(method, path, timestamp, nonce, body), hashlib.sha256)
    return {HEADER_KIT: kit_id, HEADER_TIME: timestamp, HEADER_NONCE: nonce, HEADER_SIGNATURE: mac.hexdigest()}


def _signature_matches(keys: KitKeys, signature: str, message: bytes, legacy_message: bytes) -> str | None:
    """The scheme whose check the signature passes ("ed25519" or "hmac"), else None.

    `message` is what Ed25519 signs (kit id included), `legacy_message` what the old HMAC signed.
    """
    if signature.startswith(ED25519_PREFIX):
        if not keys.public_key:
            return None
        try:
            raw = base64.b64decode(signature[len(ED25519_PREFIX):], validate=True)
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(keys.public_key)).verify(raw, message)
        except (InvalidSignature, ValueError, binascii.Error):
            return None
        return "ed25519"
    if keys.legacy_key:
        expected = hmac.new(keys.legacy_key.encode(), legacy_message, hashlib.sha256).hexdigest()
        # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError, so a 500).
        if hmac.compare_digest(expected.encode(), signature.encode("utf-8", "surrogatepass")):
            return "hmac"
    return None


def verify(headers: Mapping[str, str], method: str, path: str, body: bytes, *,
           keys_for: Callable[[str], KitKeys | None], remember_nonce: Callable[[str, str, int], bool],
           now: float | None = None) -> tuple[str, str]:
    """Return (kit id, scheme) of a correctly signed, fresh request, or raise SignatureError.

    `keys_for(kit_id)` gives the kit's keys (None if unknown); `remember_nonce(kit_id, nonce, ts)`
    stores the nonce and returns False if it was already there.
    """
    kit_id = headers.get(HEADER_KIT, "")
    timestamp = headers.get(HEADER_TIME, "")
    nonce = headers.get(HEADER_NONCE, "")
    signature = headers.get(HEADER_SIGNATURE, "")
    if not (kit_id and timestamp and nonce and signature):
        raise SignatureError("unsigned", "the request is not signed")
    keys = keys_for(kit_id)
    if keys is None:
        raise SignatureError("unknown_kit", "no kit is enrolled with that id")
    # ASCII digits of a sane length only: isdigit() is true for "²", which int() refuses.
    fresh = timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12
    if not fresh or abs(int(timestamp) - (now if now is not None else time.time())) > MAX_SKEW_S:
        raise SignatureError("stale", "the request's time is too far from the hub's clock")
    scheme = _signature_matches(keys, signature, canonical(method, path, timestamp, nonce, body, kit_id),
                                canonical(method, path, timestamp, nonce, body))
    if scheme is None:
        raise SignatureError("bad_signature", "the signature does not match")
    if not remember_nonce(kit_id, nonce, int(timestamp)):
        raise SignatureError("replayed", "this request was already received")
    return kit_id, scheme
