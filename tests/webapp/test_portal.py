"""Captive portal in the web app: each OS's probe, captive and released, on any Host header."""
import pytest

from tests.conftest import csrf_from, make_assembly
from webapp.app import create_app
from webapp.domain.portal import APPLE_SUCCESS, FIREFOX_CANONICAL
from webapp.services import portal

KIT = "10.42.0.1"
PHONE = "10.42.0.77"


@pytest.fixture
def kit(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True, "PORTAL_HOST": KIT,
                      "PORTAL_HOSTS": ["venuekit.lan"]})
    return app


def get(app, host, path, phone=PHONE, **kwargs):
    return app.test_client().get(path, base_url=f"http://{host}", environ_base={"REMOTE_ADDR": phone}, **kwargs)


PROBES = [
    ("connectivitycheck.gstatic.com", "/generate_204", 204, ""),
    ("clients3.google.com", "/generate_204", 204, ""),
    ("www.google.com", "/gen_204", 204, ""),
    ("play.googleapis.com", "/generate_204", 204, ""),
    ("captive.apple.com", "/hotspot-detect.html", 200, APPLE_SUCCESS),
    ("www.apple.com", "/library/test/success.html", 200, APPLE_SUCCESS),
    ("www.msftconnecttest.com", "/connecttest.txt", 200, "Microsoft Connect Test"),
    ("www.msftncsi.com", "/ncsi.txt", 200, "Microsoft NCSI"),
    ("detectportal.firefox.com", "/canonical.html", 200, FIREFOX_CANONICAL),
    ("detectportal.firefox.com", "/success.txt", 200, "success\n"),
]


@pytest.mark.parametrize("host,path,status,body", PROBES)
def test_probe_is_captive_until_released_then_online(kit, host, path, status, body):
    captive = get(kit, host, path)
    assert captive.status_code == 302
    assert captive.headers["Location"] == f"http://{KIT}/"
    portal.release(kit.extensions["venuekit"].store, PHONE, "test", hours=1)
    online = get(kit, host, path)
    assert online.status_code == status
    assert online.get_data(as_text=True) == body
    assert "Set-Cookie" not in online.headers
    # Another phone is still captive.
    assert get(kit, host, path, phone="10.42.0.78").status_code == 302


def test_released_state_expires(kit):
    store = kit.extensions["venuekit"].store
    portal.release(store, PHONE, "test", hours=-1)
    assert portal.state(store, PHONE) == "captive"
    assert get(kit, "captive.apple.com", "/hotspot-detect.html").status_code == 302
    portal.release(store, PHONE, "test", hours=1)
    portal.capture(store, PHONE)
    assert portal.state(store, PHONE) == "captive"


def test_windows_redirect_and_unknown_hosts_go_to_the_portal(kit):
    for host, path in [("www.msftconnecttest.com", "/redirect"), ("example.org", "/"),
                       ("news.example", "/some/article?id=3"), (KIT, "/redirect")]:
        response = get(kit, host, path)
        assert response.status_code == 302 and response.headers["Location"] == f"http://{KIT}/"


def test_the_kit_itself_serves_pages(kit):
    for host in (KIT, "venuekit.lan", f"{KIT}:80"):
        response = get(kit, host, "/")
        assert response.status_code == 200 and "I have a ballot code" in response.get_data(as_text=True)


def test_rfc8908_captive_api(kit):
    response = get(kit, KIT, "/api/captive", headers={"Accept": "application/captive+json"})
    assert response.status_code == 200
    assert response.mimetype == "application/captive+json"
    assert response.get_json() == {"captive": True, "user-portal-url": f"http://{KIT}/"}
    portal.release(kit.extensions["venuekit"].store, PHONE, "test", hours=1)
    assert get(kit, KIT, "/api/captive").get_json()["captive"] is False


def post_ballot(kit, ideas: list[str]):
    """Open a ballot page and post it from the phone; return (store, response)."""
    store = kit.extensions["venuekit"].store
    made = make_assembly(store)
    client = kit.test_client()
    env = {"REMOTE_ADDR": PHONE}
    page = client.get(f"/b/{made['codes'][0]}", base_url=f"http://{KIT}", environ_base=env).get_data(as_text=True)
    assert portal.state(store, PHONE) == "captive"
    response = client.post(f"/b/{made['codes'][0]}", base_url=f"http://{KIT}", environ_base=env,
                           data={"csrf_token": csrf_from(page), "idea": ideas})
    return store, client, response


def test_casting_a_ballot_releases_that_phone(kit):
    store, client, response = post_ballot(kit, ["1"])
    assert response.status_code == 303
    assert portal.state(store, PHONE) == "released"
    done = client.get(response.headers["Location"], base_url=f"http://{KIT}", environ_base={"REMOTE_ADDR": PHONE})
    assert "Stay connected?" in done.get_data(as_text=True)
    assert get(kit, "connectivitycheck.gstatic.com", "/generate_204").status_code == 204


def test_a_refused_ballot_does_not_release(kit):
    store, _client, response = post_ballot(kit, [])
    assert response.status_code == 400
    assert portal.state(store, PHONE) == "captive"


def test_laptop_mode_has_no_redirects(client):
    response = client.get("/", base_url="http://127.0.0.1:8000")
    assert response.status_code == 200
