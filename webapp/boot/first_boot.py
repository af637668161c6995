"""Secrets made on the kit at its first boot, never in the image: every kit gets its own.

They all live in the kit's database on the data partition (`settings` table): the Wi-Fi
password here, the organiser setup code and session key in services/auth, the sync signing
key and install id in sync/identity. Each is made once and then kept.
"""
from __future__ import annotations

import secrets

from webapp.services import auth
from webapp.storage import Store
from webapp.sync import identity

WIFI_PASSWORD = "kit.wifi_password"
# Lower-case letters and digits a person reads off a slip and types on a phone without
# confusing them: no 0/o, 1/l/i.
READABLE = "abcdefghjkmnpqrstuvwxyz23456789"
GROUPS, GROUP_LEN = 3, 4  # "k7mp-x3qa-9tvw": 14 characters, about 59 bits


def new_wifi_password() -> str:
    """A random WPA2 passphrase (8-63 characters) in groups of four readable characters."""
    return "-".join("".join(secrets.choice(READABLE) for _ in range(GROUP_LEN)) for _ in range(GROUPS))


def wifi_password(store: Store) -> str:
    """The kit's own Wi-Fi password, made at first boot (used when the settings file sets none)."""
    value = store.scalar("SELECT value FROM settings WHERE name = ?", [WIFI_PASSWORD])
    if value is None:
        with store.write() as db:
            # Two processes racing at first boot agree on the first one written.
            db.execute("INSERT OR IGNORE INTO settings (name, value) VALUES (?, ?)",
                       [WIFI_PASSWORD, new_wifi_password()])
        value = store.scalar("SELECT value FROM settings WHERE name = ?", [WIFI_PASSWORD])
    return value


# name shown in the boot report -> (settings row, the function that makes it once)
SECRETS = {
    "Wi-Fi password": (WIFI_PASSWORD, wifi_password),
    "kit id": (identity.INSTALL_ID, identity.install_id),
    "sync signing key": (identity.SIGNING_KEY, identity.signing_key),
    "session key": ("secret_key", auth.secret_key),
}


def ensure(store: Store) -> list[str]:
    """Make every first-boot secret that is missing; returns the names of those just made."""
    made = []
    wanted = dict(SECRETS)
    # The setup code is only needed until an organiser has signed up.
    if not auth.has_organiser(store):
        wanted["organiser setup code"] = ("setup_code", auth.setup_code)
    for name, (row, make) in wanted.items():
        had = store.scalar("SELECT 1 FROM settings WHERE name = ?", [row]) is not None
        make(store)
        if not had:
            made.append(name)
    return made
