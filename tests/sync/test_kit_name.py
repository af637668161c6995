"""Every kit has its own default name (from its install id), which the organiser may change at sign-up."""
import json
import re

from tests.conftest import csrf_from, make_assembly
from webapp.app import create_app
from webapp.config import load
from webapp.printing import queue
from webapp.services import assembly, auth
from webapp.storage import open_store

DEFAULT_NAME = re.compile(r"venuekit-[0-9A-HJKMNP-TV-Z]{4}")


def kit_ready_name(data_dir) -> str:
    """The kit name on the kit-ready slip, built the way the kit's own commands build it."""
    store = open_store(data_dir)
    settings = load(data_dir)
    queue.kit_ready(store, queue.KitInfo.from_config(settings, "http://127.0.0.1:8000/"))
    payload = store.scalar("SELECT payload FROM print_jobs WHERE kind = 'kit_ready'")
    return json.loads(payload)["kit_name"]


def test_two_fresh_kits_get_different_default_names_that_stay(tmp_path):
    first, second = kit_ready_name(tmp_path / "a"), kit_ready_name(tmp_path / "b")
    assert DEFAULT_NAME.fullmatch(first) and DEFAULT_NAME.fullmatch(second)
    assert first != second
    # The name comes from the kit's id, made once: it is the same after a restart.
    store = open_store(tmp_path / "a")
    store.db.execute("DELETE FROM print_jobs")
    assert kit_ready_name(tmp_path / "a") == first


def test_a_name_in_the_settings_file_still_counts(tmp_path):
    (tmp_path / "venuekit.toml").write_text('kit_name = "Town hall kit"\n')
    assert kit_ready_name(tmp_path) == "Town hall kit"


def sign_up(app, **extra):
    store = app.extensions["venuekit"].store
    web = app.test_client()
    page = web.get("/organiser/signin").get_data(as_text=True)
    response = web.post("/organiser/signin", data={"csrf_token": csrf_from(page), "setup_code": auth.setup_code(store),
                                                   "passphrase": "correct horse", **extra})
    return page, response, web


def test_sign_up_shows_the_default_name_and_sets_the_one_typed(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True})
    store = app.extensions["venuekit"].store
    page, response, web = sign_up(app, kit_name="  Neuadd y Dref\x1b  ")
    assert response.status_code == 303
    shown = re.search(r'name="kit_name"[^>]*value="([^"]*)"', page)
    assert shown and DEFAULT_NAME.fullmatch(shown.group(1)), "the sign-up form offers the kit's default name"
    # The organiser's name wins over the default everywhere the kit shows its name.
    steward_code = auth.create_steward_code(store, "door")
    steward = app.test_client()
    signin = steward.get("/steward/signin").get_data(as_text=True)
    steward.post("/steward/signin", data={"csrf_token": csrf_from(signin), "code": steward_code})
    assert "Neuadd y Dref" in steward.get("/steward/").get_data(as_text=True)
    assert shown.group(1) not in steward.get("/steward/").get_data(as_text=True)
    assert "Neuadd y Dref" in web.get("/organiser/hub/").get_data(as_text=True)
    make_assembly(store, phase="results", voters=2)
    assembly.reveal(store, True)
    queue.results_slip(store, queue.KitInfo.from_config(app.config, "http://127.0.0.1:8000/"))
    payload = json.loads(store.scalar("SELECT payload FROM print_jobs WHERE kind = 'results_slip'"))
    assert payload["kit_name"] == "Neuadd y Dref"


def test_sign_up_without_a_name_keeps_the_default(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True})
    page, response, _web = sign_up(app)
    assert response.status_code == 303
    default = re.search(r'name="kit_name"[^>]*value="([^"]*)"', page).group(1)
    assert kit_ready_name(tmp_path / "data") == default


def test_a_name_too_long_is_refused_and_the_setup_code_still_works(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True})
    _page, response, _web = sign_up(app, kit_name="x" * 200)
    assert response.status_code == 400
    assert "too long" in response.get_data(as_text=True)
    assert not auth.has_organiser(app.extensions["venuekit"].store)
    _page, response, _web = sign_up(app, kit_name="Library")
    assert response.status_code == 303


def test_a_kit_name_from_the_settings_file_is_cleaned_like_typed_text(tmp_path):
    from webapp.storage import open_store
    from webapp.sync import identity

    store = open_store(tmp_path)
    assert identity.kit_name(store, "  Neuadd\x1b Lla\u0302n  ") == "Neuadd Ll\u00e2n"
    assert identity.kit_name(store, "x" * 500) == "x" * identity.NAME_MAX
