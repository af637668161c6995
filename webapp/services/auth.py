"""Who may act as organiser or steward: setup code, passphrase, steward codes, API tokens."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from webapp.domain import codes
from webapp.domain.errors import N_, DomainError, NotFound
from webapp.storage import Store

from . import sessions
from .common import clean_text, now

ROLES = ("organiser", "steward")
PASSPHRASE_MIN = 8
TOKEN_DAYS = 30
TOKEN_DAYS_MAX = 365
# Last use is written at most this often per token, so an API client does not cost a disk
# sync on every call.
LAST_USED_EVERY = timedelta(minutes=15)


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


def _setup_code_matches(current: str | None, code: str) -> bool:
    return current is not None and hmac.compare_digest(code.encode(), current.encode())


def use_setup_code(store: Store, typed: str, passphrase: str) -> str:
    """Sign the organiser up: a valid setup code sets (or resets) the passphrase, once.

    Returns the new organiser credential, for the session of the one who set it.
    """
    code = codes.normalize(typed, codes.SETUP)
    if not _setup_code_matches(_get(store, "setup_code"), code):
        raise DomainError("unknown_code", N_("That setup code is not right — check the kit-ready slip."))
    if len(passphrase or "") < PASSPHRASE_MIN:
        raise DomainError("weak_passphrase", N_("The passphrase needs at least %(n)d characters."), n=PASSPHRASE_MIN)
    hashed = _hash_passphrase(passphrase)  # slow on purpose: not while holding the write lock
    with store.write() as db:
        # Checked again inside the write: two uses of one code at once must not both succeed.
        row = db.execute("SELECT value FROM settings WHERE name = 'setup_code'").fetchone()
        if not _setup_code_matches(row[0] if row else None, code):
            raise DomainError("unknown_code", N_("That setup code is not right — check the kit-ready slip."))
        _set(db, "organiser_passphrase", hashed)
        _set(db, "setup_code", None)
        sessions.new_passphrase_in(db)
        return sessions.organiser_credential(db)


def _hash_passphrase(passphrase: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(passphrase.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_passphrase(store: Store, passphrase: str) -> str | None:
    """The organiser credential the passphrase matches (for the session to record), else None.

    The hash and its generation are read in one statement: a sign-in racing a reset then records
    the generation it checked against, which the reset has already ended.
    """
    rows = {row["name"]: row["value"] for row in store.query(
        "SELECT name, value FROM settings WHERE name IN ('organiser_passphrase', ?)", [sessions.GENERATION])}
    stored = rows.get("organiser_passphrase")
    if not stored or not passphrase:
        return None
    _, salt, _digest_hex = stored.split("$")
    if not hmac.compare_digest(_hash_passphrase(passphrase, bytes.fromhex(salt)), stored):
        return None
    return sessions.organiser_credential_of(rows.get(sessions.GENERATION))


# A steward code made without a label is stored with this one and shown in the reader's language.
DEFAULT_STEWARD_LABEL = N_("Steward")


def create_steward_code(store: Store, label: str) -> str:
    """A new steward sign-in code; only its hash is kept, so it is shown once."""
    label = clean_text(label, field=N_("label"), max_len=60, required=False) or DEFAULT_STEWARD_LABEL
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
        sessions.end_for_steward_code_in(db, code_hash)


def check_steward_code(store: Store, typed: str) -> dict | None:
    try:
        code = codes.normalize(typed, codes.STEWARD)
    except codes.CodeError:
        return None
    return store.one(
        "SELECT * FROM staff_codes WHERE code_hash = ? AND revoked = 0", [_digest(code)]
    )


def create_token(store: Store, role: str, label: str = "", days: int = TOKEN_DAYS) -> str:
    """A bearer token for the JSON API that expires after `days`; only its hash is stored."""
    if role not in ROLES:
        raise DomainError("bad_role", N_("The role must be organiser or steward."))
    if not isinstance(days, int) or not 1 <= days <= TOKEN_DAYS_MAX:
        raise DomainError("bad_days", N_("A token lasts from 1 to %(n)d days."), n=TOKEN_DAYS_MAX)
    label = clean_text(label, field=N_("label"), max_len=60, required=False)
    token = f"vk_{role[0]}_{secrets.token_urlsafe(32)}"
    created = now()
    expires = (datetime.fromisoformat(created) + timedelta(days=days)).isoformat(timespec="milliseconds")
    with store.write() as db:
        db["api_tokens"].insert({
            "token_hash": _digest(token), "id": secrets.token_hex(6), "role": role, "label": label,
            "created_at": created, "expires_at": expires, "revoked": 0,
        })
    return token


def token_role(store: Store, token: str) -> str | None:
    """The role of a token that is neither revoked nor expired (on the kit's own clock)."""
    if not token:
        return None
    at = now()
    row = store.one(
        # created_at too: a kit whose clock runs back (no real-time clock) must not revive an expired token.
        """SELECT role, last_used_at FROM api_tokens
           WHERE token_hash = ? AND revoked = 0 AND created_at <= ? AND expires_at > ?""",
        [_digest(token), at, at],
    )
    if row is None:
        return None
    last = row["last_used_at"]
    if last is None or datetime.fromisoformat(at) - datetime.fromisoformat(last) >= LAST_USED_EVERY or last > at:
        with store.write() as db:
            db.execute("UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ?", [at, _digest(token)])
    return row["role"]


def tokens(store: Store) -> list[dict]:
    """Every token, newest first, with its state: active, expired or revoked (never the token)."""
    at = now()
    rows = store.query(
        """SELECT id, label, role, created_at, expires_at, last_used_at, revoked FROM api_tokens
           ORDER BY created_at DESC"""
    )
    for row in rows:
        # A token that seems made in the future (the kit's clock ran back) does not count either.
        counts = row["created_at"] <= at < row["expires_at"]
        row["state"] = "revoked" if row["revoked"] else "active" if counts else "expired"
    return rows


def revoke_token(store: Store, token_id: str) -> None:
    with store.write() as db:
        if db.execute("UPDATE api_tokens SET revoked = 1 WHERE id = ?", [token_id]).rowcount == 0:
            raise NotFound("unknown_token", N_("There is no such token."))
