"""Sign-in follows `next` only to a same-site path; anything else goes to the default page, never a 500."""
import pytest

from tests.conftest import csrf_from
from webapp.security import safe_next
from webapp.services import auth

HOSTILE = [
    "/%09/evil.example/phish",     # the browser drops the tab: //evil.example/phish
    "/%0A/evil.example/phish",     # a newline in a header
    "/%0D%0ALocation:%20http://evil.example/",
    "//evil.example/",
    "%2F%2Fevil.example/",
    "/%5Cevil.example/",           # /\evil.example: browsers read \ as /
    "/%5C%5Cevil.example/",
    "/%2509/evil.example/",        # encoded twice
    "/%250A/evil.example/",
    "http://evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    "%20/organiser/",
    "/organiser/%E2%80%A8x",       # U+2028 line separator
    "/organiser/%00",
    "evil.example",
    "",
    "/" + "a" * 3000,
]


def sign_in_organiser(app, store, query: str):
    client = app.test_client()
    page = client.get("/organiser/signin").get_data(as_text=True)
    return client.post(f"/organiser/signin?next={query}",
                       data={"csrf_token": csrf_from(page), "passphrase": "correct horse"})


def sign_in_steward(app, store, query: str):
    client = app.test_client()
    page = client.get("/steward/signin").get_data(as_text=True)
    code = auth.create_steward_code(store, "Door")
    return client.post(f"/steward/signin?next={query}", data={"csrf_token": csrf_from(page), "code": code})


@pytest.mark.parametrize("target", HOSTILE)
def test_organiser_sign_in_ignores_a_foreign_or_broken_next(app, store, organiser, target):
    response = sign_in_organiser(app, store, target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/organiser/"


@pytest.mark.parametrize("target", HOSTILE)
def test_steward_sign_in_ignores_a_foreign_or_broken_next(app, store, target):
    response = sign_in_steward(app, store, target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/steward/"


@pytest.mark.parametrize("target", HOSTILE)
def test_first_sign_in_with_the_setup_code_ignores_a_foreign_next(app, store, target):
    client = app.test_client()
    page = client.get("/organiser/signin").get_data(as_text=True)
    response = client.post(f"/organiser/signin?next={target}", data={
        "csrf_token": csrf_from(page), "setup_code": auth.setup_code(store), "passphrase": "correct horse"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/organiser/"


def test_a_same_site_next_is_followed(app, store, organiser):
    assert sign_in_organiser(app, store, "/organiser/ideas").headers["Location"] == "/organiser/ideas"
    assert sign_in_organiser(app, store, "/organiser/ideas%3Fx%3D1").headers["Location"] == "/organiser/ideas?x=1"
    assert sign_in_steward(app, store, "/steward/paper").headers["Location"] == "/steward/paper"


def test_a_staff_page_sends_its_path_through_sign_in_and_back(app, store):
    client = app.test_client()
    code = auth.create_steward_code(store, "Door")
    away = client.get("/steward/print/")
    assert away.status_code == 302
    signin = away.headers["Location"]
    page = client.get(signin).get_data(as_text=True)
    response = client.post(signin, data={"csrf_token": csrf_from(page), "code": code})
    assert response.headers["Location"] == "/steward/print/"


@pytest.mark.parametrize("target", ["/", "/organiser/", "/b/K7Q?lang=cy", "/organiser/ideas#top"])
def test_safe_next_keeps_same_site_paths(target):
    assert safe_next(target, "/default") == target


@pytest.mark.parametrize("target", [None, "", "//x", "/\\x", "\\\\x", "/\tx", "/\nx", "/ x", "/%09/x", "/%2F/x",
                                    "http://x/", "x:/y", "/\x7f", "/\x85x", "/\u2028x", "/%E2%80%A8x", "/%2F%2Fx"])
def test_safe_next_refuses_everything_else(target):
    assert safe_next(target, "/default") == "/default"
