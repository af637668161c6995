"""First-boot secrets: made once on the kit, readable, never the same on two kits."""
from __future__ import annotations

import re

from webapp.boot import first_boot
from webapp.services import auth
from webapp.storage import open_store


def test_wifi_passwords_are_readable_random_and_wpa2_sized():
    made = {first_boot.new_wifi_password() for _ in range(2000)}
    assert len(made) == 2000
    for password in made:
        assert 8 <= len(password) <= 63
        assert re.fullmatch(r"[a-km-np-z2-9]{4}(-[a-km-np-z2-9]{4}){2}", password), password
        assert not set(password) & set("01ilo")


def test_each_secret_is_made_once_and_kept(tmp_path):
    store = open_store(tmp_path)
    assert first_boot.ensure(store) == ["Wi-Fi password", "kit id", "sync signing key", "session key",
                                        "organiser setup code"]
    password = first_boot.wifi_password(store)
    assert first_boot.ensure(store) == []
    assert first_boot.wifi_password(store) == password


def test_after_sign_up_no_setup_code_is_made(tmp_path):
    store = open_store(tmp_path)
    first_boot.ensure(store)
    auth.use_setup_code(store, auth.setup_code(store), "a long passphrase")
    assert first_boot.ensure(store) == []
    assert store.scalar("SELECT value FROM settings WHERE name = 'setup_code'") is None


def test_two_kits_never_share_them(tmp_path):
    one, two = open_store(tmp_path / "one"), open_store(tmp_path / "two")
    first_boot.ensure(one), first_boot.ensure(two)
    rows = "SELECT name, value FROM settings WHERE name IN ('kit.wifi_password', 'kit.signing_key', 'secret_key')"
    a = {r["name"]: r["value"] for r in one.query(rows)}
    b = {r["name"]: r["value"] for r in two.query(rows)}
    assert len(a) == 3 and all(a[k] != b[k] for k in a)
