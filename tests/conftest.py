"""Fixtures shared by the web-app tests: an app over a fresh data directory, clients, helpers."""
from __future__ import annotations

import os
import re

import pytest

from webapp.app import create_app
from webapp.domain import codes
from webapp.services import assembly, auth, ballots, ideas


@pytest.fixture
def app(tmp_path):
    return create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True})


@pytest.fixture
def store(app):
    return app.extensions["venuekit"].store


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


@pytest.fixture
def organiser(app, store):
    """A test client signed in as the organiser (passphrase set from the setup code)."""
    client = app.test_client()
    page = client.get("/organiser/signin").get_data(as_text=True)
    response = client.post(
        "/organiser/signin",
        data={"csrf_token": csrf_from(page), "setup_code": auth.setup_code(store), "passphrase": "correct horse"},
    )
    assert response.status_code == 303
    client.csrf = csrf_from(client.get("/organiser/").get_data(as_text=True))
    return client


@pytest.fixture
def steward(app, store):
    """A test client signed in with a new steward code."""
    client = app.test_client()
    code = auth.create_steward_code(store, "Door")
    page = client.get("/steward/signin").get_data(as_text=True)
    assert client.post("/steward/signin", data={"csrf_token": csrf_from(page), "code": code}).status_code == 303
    return client


@pytest.fixture
def no_time_servers(tmp_path, monkeypatch):
    """timedatectl answering "not synchronised", whatever the machine running the tests says."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "timedatectl"
    fake.write_text("#!/bin/sh\necho no\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")


def make_assembly(store, *, method: str = "approval", groups: int = 3, phase: str = "voting",
                  voters: int = 8, **limits) -> dict:
    """Drive the services to a given phase: groups, two ideas each, ballot codes."""
    assembly.update_settings(store, {"num_groups": groups, "method": method, **limits})
    made: dict = {"groups": assembly.groups(store), "codes": []}
    if phase == "setup":
        return made
    assembly.set_phase(store, "submission")
    for group in made["groups"]:
        ideas.save_for_group(
            store, group["id"], [(f"Idea {group['number']}a", "detail"), (f"Idea {group['number']}b", "")]
        )
    while len(made["codes"]) < voters:
        made["codes"] += ballots.issue_codes(store, min(1000, voters - len(made["codes"])))
    if phase in ("voting", "results"):
        assembly.set_phase(store, "voting")
    if phase == "results":
        assembly.set_phase(store, "results")
    made["ideas"] = ideas.visible(store)
    return made


@pytest.fixture
def voting(store):
    return make_assembly(store)


def display_ballot(code: str) -> str:
    return codes.display(code, codes.BALLOT)


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def playwright_instance():
    """One Playwright for the whole run: its sync API cannot be started twice at once."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing ({CHROMIUM}): run `make test`, which installs it "
                    "(scripts/apt-packages.txt).", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the venv always has it after `make test`
        pytest.fail(f"the playwright package is missing ({exc}): run `make test`", pytrace=False)
    with sync_playwright() as playwright:
        yield playwright


# These run their own asyncio loop on the main thread; Playwright's sync API (one per run, see
# playwright_instance) holds a loop there from the first browser test to the end of the run.
ASYNCIO_FIRST = ("tests/webapp/test_live_bell.py", "tests/webapp/test_live_process.py")


def pytest_collection_modifyitems(items) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(ASYNCIO_FIRST))
