"""Who may act as organiser or steward: setup code, passphrase, steward codes, API tokens."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from webapp.domain import codes
from webapp.domain.errors import N_, DomainError, NotFound
from webapp.storage import Store

from .common import clean_text, now

ROLES = ("organiser", "steward")
PASSPHRASE_MIN = 8


def _get(store: Store, name: str) -> str | None:
    return store.scalar("SELECT value FROM settings WHERE name = ?", [name])


def _set(db, name: str, value: str | None) -> None:
    if value is None:
        db.execute("DELETE FROM settings WHERE name = ?", [name])
    else:
        db["settings"].upsert({"name": name, "value": value}, pk="name")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_key(store: Store) -> str:
    """The kit's own signing key, made on first start and never shipped in the code."""
    key = _get(store, "secret_key")
    if key is None:
        with store.write() as db:
            key = db.execute("SELECT value FROM settings WHERE name = 'secret_key'").fetchone()
            key = key[0] if key else None
            if key is None:
                key = secrets.token_hex(32)
                _set(db, "secret_key", key)
    return key


def setup_code(store: Store) -> str:
    """The current one-time organiser setup code, making a new one if there is none."""
    code = _get(store, "setup_code")
    if code is None:
        with store.write() as db:
            code = codes.generate(codes.SETUP)
            _set(db, "setup_code", code)
    return code


def has_organiser(store: Store) -> bool:
    return _get(store, "organiser_passphrase") is not None


def use_setup_code(store: Store, typed: str, passphrase: str) -> None:
    """Sign the organiser up: a valid setup code sets (or resets) the passphrase, once."""
    code = codes.normalize(typed, codes.SETUP)
    current = _get(store, "setup_code")
    if current is None or not hmac.compare_digest(code, current):
        raise DomainError("unknown_code", N_("That setup code is not right — check the kit-ready slip."))
    if len(passphrase or "") < PASSPHRASE_MIN:
        raise DomainError("weak_passphrase", N_("The passphrase needs at least %(n)d characters."), n=PASSPHRASE_MIN)
    with store.write() as db:
        _set(db, "organiser_passphrase", _hash_passphrase(passphrase))
        _set(db, "setup_code", None)


def _hash_passphrase(passphrase: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(passphrase.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_passphrase(store: Store, passphrase: str) -> bool:
    stored = _get(store, "organiser_passphrase")
    if not stored or not passphrase:
        return False
    _, salt, _digest_hex = stored.split("$")
    return hmac.compare_digest(_hash_passphrase(passphrase, bytes.fromhex(salt)), stored)


def create_steward_code(store: Store, label: str) -> str:
    """A new steward sign-in code; only its hash is kept, so it is shown once."""
    label = clean_text(label, field="label", max_len=60, required=False) or "Steward"
    code = codes.generate(codes.STEWARD)
    with store.write() as db:
        db["staff_codes"].insert(
            {"code_hash": _digest(code), "role": "steward", "label": label, "created_at": now(), "revoked": 0}
        )
    return code


def steward_codes(store: Store) -> list[dict]:
    return store.query("SELECT code_hash, label, created_at, revoked FROM staff_codes ORDER BY created_at")


def revoke_steward_code(store: Store, code_hash: str) -> None:
    with store.write() as db:
        if db.execute("UPDATE staff_codes SET revoked = 1 WHERE code_hash = ?", [code_hash]).rowcount == 0:
            raise NotFound("unknown_code", N_("There is no such steward code."))


def check_steward_code(store: Store, typed: str) -> dict | None:
    try:
        code = codes.normalize(typed, codes.STEWARD)
    except codes.CodeError:
        return None
    return store.one(
        "SELECT * FROM staff_codes WHERE code_hash = ? AND revoked = 0", [_digest(code)]
    )


def create_token(store: Store, role: str, label: str = "") -> str:
    """A bearer token for the JSON API; only its hash is stored."""
    if role not in ROLES:
        raise DomainError("bad_role", N_("The role must be organiser or steward."))
    token = f"vk_{role[0]}_{secrets.token_urlsafe(32)}"
    with store.write() as db:
        db["api_tokens"].insert({"token_hash": _digest(token), "role": role, "label": label, "created_at": now()})
    return token


def token_role(store: Store, token: str) -> str | None:
    if not token:
        return None
    return store.scalar("SELECT role FROM api_tokens WHERE token_hash = ?", [_digest(token)])
