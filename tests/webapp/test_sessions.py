"""Staff sessions are records on the kit: revoking a code, a new passphrase, "sign out
everywhere" and expiry end them at once, whatever cookie a browser still holds."""
import hashlib
from datetime import datetime, timedelta, timezone

from tests.conftest import csrf_from
from webapp.services import auth, sessions

COOKIE = "venuekit_staff"


def post(client, url, **data):
    return client.post(url, data={"csrf_token": client.csrf, **data})


def steward_client(app, store, code=None):
    client = app.test_client()
    code = code or auth.create_steward_code(store, "Door")
    page = client.get("/steward/signin").get_data(as_text=True)
    assert client.post("/steward/signin", data={"csrf_token": csrf_from(page), "code": code}).status_code == 303
    assert client.get("/steward/").status_code == 200
    client.csrf = csrf_from(client.get("/steward/").get_data(as_text=True))
    return client


def organiser_client(app, passphrase="correct horse"):
    client = app.test_client()
    page = client.get("/organiser/signin").get_data(as_text=True)
    response = client.post("/organiser/signin", data={"csrf_token": csrf_from(page), "passphrase": passphrase})
    assert response.status_code == 303
    client.csrf = csrf_from(client.get("/organiser/").get_data(as_text=True))
    return client


def cookie_of(client) -> str:
    return client.get_cookie(COOKIE).value


def signed_out(client, url="/steward/") -> bool:
    response = client.get(url)
    return response.status_code == 302 and "/signin" in response.headers["Location"]


def test_revoking_a_steward_code_ends_the_session_signed_in_with_it(app, store, organiser):
    door = steward_client(app, store)
    other = steward_client(app, store)
    door_hash = auth.steward_codes(store)[0]["code_hash"]
    assert post(organiser, "/organiser/stewards", revoke=door_hash).status_code == 303
    assert signed_out(door)
    assert not signed_out(other)  # another steward's code still works
    assert not signed_out(organiser, "/organiser/")


def test_a_copied_cookie_does_not_outlive_a_revoked_code(app, store, organiser):
    door = steward_client(app, store)
    copy = app.test_client()
    copy.set_cookie(COOKIE, cookie_of(door))
    assert not signed_out(copy)
    auth.revoke_steward_code(store, auth.steward_codes(store)[0]["code_hash"])
    assert signed_out(copy)
    assert copy.get_cookie(COOKIE) is None or "role" not in copy.get_cookie(COOKIE).value


def test_a_new_passphrase_ends_every_organiser_session(app, store, organiser):
    second = organiser_client(app)
    steward = steward_client(app, store)
    fresh = app.test_client()
    page = fresh.get("/organiser/signin").get_data(as_text=True)
    response = fresh.post("/organiser/signin", data={
        "csrf_token": csrf_from(page), "setup_code": auth.setup_code(store), "passphrase": "a new passphrase"})
    assert response.status_code == 303
    assert fresh.get("/organiser/").status_code == 200  # the one who set it stays signed in
    assert signed_out(organiser, "/organiser/") and signed_out(second, "/organiser/")
    assert not signed_out(steward)  # steward codes are their own credential


def test_sign_out_ends_the_record_not_only_the_cookie(app, store, organiser):
    copy = app.test_client()
    copy.set_cookie(COOKIE, cookie_of(organiser))
    assert post(organiser, "/organiser/signout").status_code == 303
    assert signed_out(copy, "/organiser/")


def test_sign_out_everywhere_ends_every_staff_session(app, store, organiser):
    second = organiser_client(app)
    steward = steward_client(app, store)
    page = organiser.get("/organiser/access").get_data(as_text=True)
    assert "Sign out everywhere" in page
    assert organiser.post("/organiser/signout-everywhere", data={}).status_code == 400  # CSRF
    assert not signed_out(second, "/organiser/")
    response = post(organiser, "/organiser/signout-everywhere")
    assert response.status_code == 303 and "/organiser/signin" in response.headers["Location"]
    for client in (organiser, second):
        assert signed_out(client, "/organiser/")
    assert signed_out(steward)
    # Signing in again works as before.
    assert organiser_client(app).get("/organiser/").status_code == 200


def test_the_cookie_carries_only_a_session_id_and_the_kit_only_its_hash(app, store, organiser):
    data = app.session_interface.get_signing_serializer(app).loads(cookie_of(organiser))
    assert set(data) - {"_permanent"} <= {"sid", "csrf", "role"} and data["sid"]
    rows = store.query("SELECT * FROM staff_sessions")
    assert [r["id"] for r in rows] == [hashlib.sha256(data["sid"].encode()).hexdigest()]
    assert data["sid"] not in str(rows)
    assert rows[0]["role"] == "organiser" and rows[0]["revoked"] == 0


def test_a_signed_cookie_without_a_session_record_is_refused(app, store, organiser):
    # A cookie forged or kept from before records existed: right key, but no record on the kit.
    forged = app.session_interface.get_signing_serializer(app).dumps({"role": "organiser", "csrf": "x"})
    client = app.test_client()
    client.set_cookie(COOKIE, forged)
    assert signed_out(client, "/organiser/")
    made_up = app.session_interface.get_signing_serializer(app).dumps({"role": "organiser", "sid": "guess"})
    client.set_cookie(COOKIE, made_up)
    assert signed_out(client, "/organiser/")


def _clock(monkeypatch, shift: timedelta):
    moved = lambda: (datetime.now(timezone.utc) + shift).isoformat(timespec="milliseconds")  # noqa: E731
    monkeypatch.setattr(sessions, "now", moved)


def test_a_session_ends_twelve_hours_after_sign_in(app, store, organiser, monkeypatch):
    _clock(monkeypatch, timedelta(hours=11, minutes=59))
    assert not signed_out(organiser, "/organiser/")
    _clock(monkeypatch, timedelta(hours=12, minutes=1))
    assert signed_out(organiser, "/organiser/")


def test_a_session_ends_when_the_kits_clock_runs_back_before_its_start(app, store, organiser, monkeypatch):
    # A Pi without a clock may boot at an earlier time: the session's age is then unknown.
    _clock(monkeypatch, -timedelta(hours=2))
    assert signed_out(organiser, "/organiser/")


def test_ended_sessions_are_cleared_away_at_the_next_sign_in(app, store, organiser, monkeypatch):
    post(organiser, "/organiser/signout")
    assert store.scalar("SELECT count(*) FROM staff_sessions") == 1
    organiser_client(app)
    assert store.scalar("SELECT count(*) FROM staff_sessions") == 1


def test_an_ended_session_drops_the_role_from_the_page(app, store, organiser):
    auth.use_setup_code(store, auth.setup_code(store), "another passphrase")
    html = organiser.get("/steward/signin").get_data(as_text=True)
    assert "Sign out" not in html


def test_a_sign_in_racing_a_passphrase_reset_is_born_ended(app, store, organiser, monkeypatch):
    # The old passphrase is checked, then (before the session is recorded) the organiser resets it.
    checked = auth.check_passphrase

    def reset_right_after_the_check(store_, passphrase):
        result = checked(store_, passphrase)
        auth.use_setup_code(store_, auth.setup_code(store_), "a new passphrase")
        return result

    monkeypatch.setattr(auth, "check_passphrase", reset_right_after_the_check)
    late = app.test_client()
    page = late.get("/organiser/signin").get_data(as_text=True)
    late.post("/organiser/signin", data={"csrf_token": csrf_from(page), "passphrase": "correct horse"})
    assert signed_out(late, "/organiser/")
    assert sessions.signed_in(store)["organiser"] == 0


def test_one_setup_code_used_twice_at_once_sets_one_passphrase(app, store, monkeypatch):
    import threading
    import time

    code = auth.setup_code(store)
    read = auth._get

    def slow_read(store_, name):
        value = read(store_, name)
        time.sleep(0.3)  # both uses have read the code before either writes
        return value

    monkeypatch.setattr(auth, "_get", slow_read)
    outcomes = []

    def use(passphrase):
        try:
            auth.use_setup_code(store, code, passphrase)
            outcomes.append(passphrase)
        except auth.DomainError:
            outcomes.append(None)

    threads = [threading.Thread(target=use, args=(p,)) for p in ("first passphrase", "second passphrase")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2 and outcomes.count(None) == 1, outcomes
    [winner] = [p for p in outcomes if p]
    monkeypatch.setattr(auth, "_get", read)
    assert auth.check_passphrase(store, winner)


def test_signing_in_again_ends_the_browsers_previous_session(app, store, organiser):
    copy = app.test_client()
    copy.set_cookie(COOKIE, cookie_of(organiser))
    page = organiser.get("/organiser/signin").get_data(as_text=True)
    response = organiser.post("/organiser/signin", data={"csrf_token": csrf_from(page), "passphrase": "correct horse"})
    assert response.status_code == 303
    assert not signed_out(organiser, "/organiser/")
    assert signed_out(copy, "/organiser/")
    assert sessions.signed_in(store)["organiser"] == 1


def test_a_non_ascii_csrf_token_is_refused_not_an_error(app, store, organiser):
    response = organiser.post("/organiser/signout-everywhere", data={"csrf_token": "\u00e9"})
    assert response.status_code == 400
    assert not signed_out(organiser, "/organiser/")
    assert app.test_client().post("/steward/signin", data={"csrf_token": "\u00e9", "code": "x"}).status_code == 400
