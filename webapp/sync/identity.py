"""Who this kit is: an install id and a signing key made on first use, and the kit's name.

All three live in the kit's settings table, so every kit flashed from one image still gets its
own (they are made on the kit, never in the image). The signing key never leaves the kit: only
its public half is sent, at enrolment.
"""
from __future__ import annotations

import secrets

from webapp.domain.codes import ALPHABET
from webapp.domain.errors import N_
from webapp.domain.text import repair
from webapp.services.common import clean_text
from webapp.storage import Store

INSTALL_ID = "kit.install_id"
SIGNING_KEY = "kit.signing_key"
NAME = "kit.name"
NAME_MAX = 60


def _made_once(store: Store, name: str, make) -> str:
    """The setting `name`, made with `make()` the first time; two processes racing agree."""
    value = store.scalar("SELECT value FROM settings WHERE name = ?", [name])
    if value is None:
        with store.write() as db:
            db.execute("INSERT OR IGNORE INTO settings (name, value) VALUES (?, ?)", [name, make()])
        value = store.scalar("SELECT value FROM settings WHERE name = ?", [name])
    return value


def install_id(store: Store) -> str:
    """This kit's own id, made at first start: 20 Crockford base32 characters (100 bits)."""
    return _made_once(store, INSTALL_ID, lambda: "".join(secrets.choice(ALPHABET) for _ in range(20)))


def signing_key(store: Store) -> str:
    """This kit's Ed25519 private key (hex), made on first use; it is never sent anywhere."""
    # Signing loads cryptography (several MB): only the processes that sign or enrol need it,
    # while the kit's name, read here too, is wanted by every process.
    from . import signing

    return _made_once(store, SIGNING_KEY, signing.new_private_key)


def public_key(store: Store) -> str:
    from . import signing

    return signing.public_key(signing_key(store))


def replace_signing_key_in(db, private_key: str) -> None:
    """Inside a write: sign with `private_key` from now on (a fresh one at each enrolment)."""
    db.execute("INSERT INTO settings (name, value) VALUES (?, ?) "
               "ON CONFLICT (name) DO UPDATE SET value = excluded.value", [SIGNING_KEY, private_key])


def default_name(store: Store) -> str:
    """"venuekit-" and the first four characters of the install id: venues tell kits apart."""
    return f"venuekit-{install_id(store)[:4]}"


def kit_name(store: Store, configured: str = "") -> str:
    """The kit's name: the organiser's (set at sign-up), else `kit_name` from the settings file,
    else the default from the install id."""
    chosen = store.scalar("SELECT value FROM settings WHERE name = ?", [NAME])
    # The settings file is typed by hand too: the same cleaning, but never a refusal at boot.
    return chosen or repair(configured or "")[:NAME_MAX] or default_name(store)


def clean_name(text: object) -> str:
    """A name as typed, through the text boundary (valid NFC, no control characters, one line);
    DomainError if it is not valid text or longer than NAME_MAX characters."""
    return clean_text(text, field=N_("kit name"), max_len=NAME_MAX, required=False)


def set_name(store: Store, name: str) -> None:
    """Record the organiser's name for the kit (empty: go back to the default)."""
    with store.write() as db:
        if name:
            db["settings"].upsert({"name": NAME, "value": name}, pk="name")
        else:
            db.execute("DELETE FROM settings WHERE name = ?", [NAME])
