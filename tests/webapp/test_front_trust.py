"""Whose address a request is: X-Forwarded-For counts only behind the front, and only from it.

The captive portal releases phones by address, and the guess limiter counts by address, so a
phone that could name any address could release others or dodge its own limit.
"""
import pytest

from webapp.app import create_app
from webapp.services import portal

KIT = "10.42.0.1"
PHONE = "10.42.0.77"
OTHER = "10.42.0.99"  # an address the phone pretends to be


def make(tmp_path, **config):
    return create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True, "PORTAL_HOST": KIT, **config})


def captive(app, remote: str, forwarded: str | None) -> bool:
    headers = {"X-Forwarded-For": forwarded, "X-Real-IP": forwarded} if forwarded else {}
    reply = app.test_client().get("/api/captive", base_url=f"http://{KIT}", headers=headers,
                                  environ_base={"REMOTE_ADDR": remote})
    assert reply.status_code == 200
    return reply.get_json()["captive"]


@pytest.fixture
def released_other(tmp_path):
    """Only OTHER is released: a request counted as OTHER's hears "not captive"."""
    def build(**config):
        app = make(tmp_path, **config)
        portal.release(app.extensions["venuekit"].store, OTHER, "ballot", 3)
        return app
    return build


def test_a_forged_forwarded_header_is_ignored_when_the_kit_is_not_behind_the_front(released_other):
    app = released_other()
    assert captive(app, PHONE, OTHER) is True  # still PHONE: the header changed nothing
    assert captive(app, "127.0.0.1", OTHER) is True  # not even from loopback
    assert captive(app, OTHER, None) is False  # (the release itself is there)


def test_behind_the_front_the_fronts_header_names_the_phone(released_other):
    app = released_other(BEHIND_FRONT=True)
    assert captive(app, "127.0.0.1", OTHER) is False  # nginx says the phone is OTHER
    assert captive(app, "::1", OTHER) is False
    assert captive(app, "127.0.0.1", PHONE) is True


def test_behind_the_front_a_request_that_bypassed_it_keeps_its_own_address(released_other):
    app = released_other(BEHIND_FRONT=True)
    assert captive(app, PHONE, OTHER) is True


def test_a_ballot_behind_the_front_releases_the_phone_nginx_named(tmp_path):
    from tests.conftest import csrf_from, make_assembly

    app = make(tmp_path, BEHIND_FRONT=True)
    store = app.extensions["venuekit"].store
    made = make_assembly(store, voters=1)
    code = made["codes"][0]
    client = app.test_client()
    env = {"REMOTE_ADDR": "127.0.0.1"}
    page = client.get(f"/b/{code}", base_url=f"http://{KIT}", headers={"X-Forwarded-For": PHONE},
                      environ_base=env)
    assert page.status_code == 200
    reply = client.post(f"/b/{code}", base_url=f"http://{KIT}", headers={"X-Forwarded-For": PHONE},
                        environ_base=env, data={"csrf_token": csrf_from(page.get_data(as_text=True)), "idea": ["1"]})
    assert reply.status_code == 303, reply.get_data(as_text=True)[:500]
    assert portal.state(store, PHONE) == "released"
    assert portal.state(store, "127.0.0.1") == "captive"
