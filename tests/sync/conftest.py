"""A kit store and an in-process hub app joined by a transport that goes through Flask's test client."""
from __future__ import annotations

import json
from urllib.parse import urlparse

import pytest

from webapp.app import create_app
from webapp.hub import ingest
from webapp.storage import open_store
from webapp.sync.client import HubClient, SyncError

HUB_URL = "http://hub.test"


class Transport:
    """Carries a kit's requests to the hub app; can be cut to simulate a lost link."""

    def __init__(self, app):
        self.client = app.test_client()
        self.down = False
        self.sent_bytes = 0
        self.requests = []

    def __call__(self, url, method, body, headers):
        if self.down:
            raise SyncError("cannot reach the hub: link down")
        self.sent_bytes += len(body or b"")
        self.requests.append((method, url, headers, body))
        response = self.client.open(urlparse(url).path, method=method, data=body, headers=headers)
        return response.status_code, json.loads(response.get_data() or b"{}")


@pytest.fixture
def hub_app(tmp_path):
    return create_app({"DATA_DIR": str(tmp_path / "hub"), "TESTING": True, "HUB": True})


@pytest.fixture
def hub_store(hub_app):
    return hub_app.extensions["venuekit_hub"]


@pytest.fixture
def transport(hub_app):
    return Transport(hub_app)


def make_kit(tmp_path, name, hub_store, transport):
    store = open_store(tmp_path / name)
    client = HubClient(store, request=transport)
    client.enrol(HUB_URL, ingest.create_enrol_code(hub_store), name)
    return store, client


@pytest.fixture
def kit(tmp_path, hub_store, transport):
    return make_kit(tmp_path, "kit-a", hub_store, transport)


def hub_operator(hub_app):
    """A test client signed in to the hub's own organiser pages with the hub's setup code."""
    from tests.conftest import csrf_from
    from webapp.services import auth

    room = hub_app.extensions["venuekit"].store
    web = hub_app.test_client()
    page = web.get("/organiser/signin").get_data(as_text=True)
    web.post("/organiser/signin", data={"csrf_token": csrf_from(page), "setup_code": auth.setup_code(room),
                                        "passphrase": "hub operator"})
    return web
