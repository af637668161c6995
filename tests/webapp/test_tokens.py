"""API tokens expire, carry a label, are listed on the organiser's access page and can be revoked."""
import html as htmllib
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
import sqlite_utils

from webapp.cli import main
from webapp.services import auth
from webapp.storage import open_store
from webapp.storage.migrations import MIGRATIONS, migrate

MINE = "0006_sessions_tokens"


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_new_token_has_a_label_and_expires_after_its_days(store):
    before = datetime.now(timezone.utc) - timedelta(milliseconds=1)  # times are kept to the millisecond
    token = auth.create_token(store, "steward", "door tablet", days=7)
    [row] = auth.tokens(store)
    assert row["label"] == "door tablet" and row["role"] == "steward" and row["state"] == "active"
    assert before + timedelta(days=7) <= when(row["expires_at"]) <= datetime.now(timezone.utc) + timedelta(days=7)
    assert token not in str(row) and row["id"] and len(row["id"]) < 20
    default = auth.create_token(store, "organiser")
    assert auth.token_role(store, default) == "organiser"
    longest = max(when(r["expires_at"]) for r in auth.tokens(store))
    assert longest - before >= timedelta(days=auth.TOKEN_DAYS - 1)


@pytest.mark.parametrize("days", [0, -1, auth.TOKEN_DAYS_MAX + 1])
def test_token_lifetimes_are_bounded(store, days):
    with pytest.raises(auth.DomainError):
        auth.create_token(store, "steward", days=days)


def test_an_expired_token_gets_401(client, store):
    token = auth.create_token(store, "organiser", "old")
    assert client.get("/api/v1/status", headers=bearer(token)).status_code == 200
    with store.write() as db:
        past = (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat(timespec="milliseconds")
        db.execute("UPDATE api_tokens SET expires_at = ?", [past])
    response = client.get("/api/v1/status", headers=bearer(token))
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorised"
    assert auth.tokens(store)[0]["state"] == "expired"


def test_a_revoked_token_gets_401(client, store):
    token = auth.create_token(store, "steward", "door")
    auth.revoke_token(store, auth.tokens(store)[0]["id"])
    assert client.get("/api/v1/status", headers=bearer(token)).status_code == 401
    assert auth.tokens(store)[0]["state"] == "revoked"
    with pytest.raises(auth.NotFound):
        auth.revoke_token(store, "nosuchtoken")


def test_last_use_is_recorded(client, store):
    token = auth.create_token(store, "organiser", "script")
    assert auth.tokens(store)[0]["last_used_at"] is None
    client.get("/api/v1/status", headers=bearer(token))
    used = auth.tokens(store)[0]["last_used_at"]
    assert used and when(used) <= datetime.now(timezone.utc)


def test_the_access_page_lists_tokens_and_revokes_with_a_csrf_form(client, organiser, store):
    token = auth.create_token(store, "steward", "door <tablet>", days=3)
    row = auth.tokens(store)[0]
    page = organiser.get("/organiser/access")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "door &lt;tablet&gt;" in html and row["expires_at"][:10] in html and row["created_at"][:10] in html
    assert token not in html and row["id"] in html
    forged = organiser.post(f"/organiser/tokens/{row['id']}/revoke", data={})
    assert forged.status_code == 400
    assert client.get("/api/v1/status", headers=bearer(token)).status_code == 200
    done = organiser.post(f"/organiser/tokens/{row['id']}/revoke", data={"csrf_token": organiser.csrf})
    assert done.status_code == 303
    assert client.get("/api/v1/status", headers=bearer(token)).status_code == 401
    after = htmllib.unescape(organiser.get(done.headers["Location"]).get_data(as_text=True))
    assert "Token revoked." in after and "revoked" in after


def test_the_access_page_is_for_organisers_only(app, store, client):
    assert client.get("/organiser/access").status_code == 302
    assert client.post("/organiser/tokens/x/revoke").status_code in (302, 400)


def test_cli_makes_lists_and_revokes_tokens(tmp_path, capsys):
    main(["--data", str(tmp_path), "token", "--role", "steward", "--label", "tablet", "--days", "5"])
    token = capsys.readouterr().out.strip()
    store = open_store(tmp_path)
    assert auth.token_role(store, token) == "steward"
    row = auth.tokens(store)[0]
    assert when(row["expires_at"]) - when(row["created_at"]) == timedelta(days=5)
    assert main(["--data", str(tmp_path), "token", "--list"]) == 0
    listed = capsys.readouterr().out
    assert row["id"] in listed and "tablet" in listed and "steward" in listed and row["expires_at"][:10] in listed
    assert token not in listed
    assert main(["--data", str(tmp_path), "token", "--revoke", row["id"]]) == 0
    capsys.readouterr()
    assert auth.token_role(open_store(tmp_path), token) is None
    assert main(["--data", str(tmp_path), "token", "--revoke", "nosuchtoken"]) == 1
    assert "no such token" in capsys.readouterr().err
    assert main(["--data", str(tmp_path), "token"]) == 2  # making one needs a role
    capsys.readouterr()
    assert main(["--data", str(tmp_path), "token", "--role", "steward", "--days", "0"]) == 2


def test_tokens_made_before_expiry_existed_get_thirty_days_from_the_migration(tmp_path):
    conn = sqlite3.connect(tmp_path / "venuekit.db", isolation_level=None)
    db = sqlite_utils.Database(conn)
    migrate(db, [m for m in MIGRATIONS if m[0] != MINE])
    old = "vk_o_an-old-token-from-before"
    db["api_tokens"].insert({"token_hash": auth._digest(old), "role": "organiser", "label": "old",
                             "created_at": "2026-01-01T00:00:00.000+00:00"})
    conn.close()
    store = open_store(tmp_path)
    assert auth.token_role(store, old) == "organiser"
    [row] = auth.tokens(store)
    expires = when(row["expires_at"]) - datetime.now(timezone.utc)
    assert timedelta(days=29, hours=23) < expires <= timedelta(days=30)
    assert row["state"] == "active" and row["id"]
    assert store.scalar("SELECT count(*) FROM staff_sessions") == 0


def test_a_token_does_not_count_when_the_kits_clock_reads_before_its_creation(client, store, monkeypatch):
    # A Pi without a real-time clock may boot at an earlier time: an expired token must not revive.
    token = auth.create_token(store, "organiser", "laptop", days=1)
    created = when(auth.tokens(store)[0]["created_at"])
    for shift in (timedelta(days=-1), timedelta(days=-30)):
        monkeypatch.setattr(auth, "now", lambda s=shift: (created + s).isoformat(timespec="milliseconds"))
        assert auth.token_role(store, token) is None
        assert client.get("/api/v1/status", headers=bearer(token)).status_code == 401
        assert auth.tokens(store)[0]["state"] == "expired"
    monkeypatch.setattr(auth, "now", lambda: (created + timedelta(hours=1)).isoformat(timespec="milliseconds"))
    assert auth.token_role(store, token) == "organiser"
