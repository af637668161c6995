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


def probe(app, host, path, phone=PHONE):
    """A request the way a phone's connectivity check sends it: the name in the Host header."""
    return app.test_client().get(path, headers={"Host": host}, environ_base={"REMOTE_ADDR": phone})


NM_ONLINE = "NetworkManager is online\n"
# The page at spectrum.s3.amazonaws.com/kindle-wifi/wifistub.html (a Kindle looks for its UUID).
KINDLE_STUB = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">\n'
    "<html>\n<head>\n<title>Kindle Reachability Probe Page</title>\n"
    '<META http-equiv="Content-Type" content="text/html; charset=iso-8859-1">\n'
    "<!--81ce4465-7167-4dcb-835b-dcc9e44c112a created with python 2.5 uuid.uuid4()-->\n"
    "</head>\n"
    '<body bgcolor="#ffffff" text="#000000">\n'
    "81ce4465-7167-4dcb-835b-dcc9e44c112a\n"
    "</body>\n</html>\n"
)
NM_HEADER = {"X-NetworkManager-Status": "online"}

# (family, Host header, path, status, content type, body, headers that must be there): what each
# OS's check expects once it may hear "online". Written out here, not read from the code's table.
FAMILIES = [
    ("android", "connectivitycheck.gstatic.com", "/generate_204", 204, None, "", {}),
    ("android", "clients3.google.com", "/generate_204", 204, None, "", {}),
    ("android", "www.google.com", "/gen_204", 204, None, "", {}),
    ("android", "play.googleapis.com", "/generate_204", 204, None, "", {}),
    ("android", "connect.rom.miui.com", "/generate_204", 204, None, "", {}),  # a vendor's own host
    ("apple", "captive.apple.com", "/hotspot-detect.html", 200, "text/html", APPLE_SUCCESS, {}),
    ("apple", "captive.apple.com", "/", 200, "text/html", APPLE_SUCCESS, {}),
    ("apple", "www.apple.com", "/library/test/success.html", 200, "text/html", APPLE_SUCCESS, {}),
    ("windows", "www.msftconnecttest.com", "/connecttest.txt", 200, "text/plain",
     "Microsoft Connect Test", {}),
    ("windows", "ipv6.msftconnecttest.com", "/connecttest.txt", 200, "text/plain",
     "Microsoft Connect Test", {}),
    ("windows", "www.msftncsi.com", "/ncsi.txt", 200, "text/plain", "Microsoft NCSI", {}),
    ("edge", "edge-http.microsoft.com", "/captiveportal/generate_204", 204, None, "", {}),
    ("firefox", "detectportal.firefox.com", "/canonical.html", 200, "text/html", FIREFOX_CANONICAL, {}),
    ("firefox", "detectportal.firefox.com", "/success.txt", 200, "text/plain", "success\n", {}),
    ("gnome", "nmcheck.gnome.org", "/check_network_status.txt", 200, "text/plain", NM_ONLINE, NM_HEADER),
    ("ubuntu", "connectivity-check.ubuntu.com.", "/", 204, None, "", NM_HEADER),
    ("ubuntu", "connectivity-check.ubuntu.com", "/", 204, None, "", NM_HEADER),
    ("debian", "network-test.debian.org", "/nm", 200, "text/plain", NM_ONLINE, NM_HEADER),
    ("arch", "ping.archlinux.org", "/nm-check.txt", 200, "text/plain", NM_ONLINE, NM_HEADER),
    ("fedora", "fedoraproject.org", "/static/hotspot.txt", 200, "text/plain", "OK", NM_HEADER),
    ("kde", "networkcheck.kde.org", "/", 200, "text/plain", "OK", NM_HEADER),
    ("kindle", "spectrum.s3.amazonaws.com", "/kindle-wifi/wifistub.html", 200, "text/html",
     KINDLE_STUB, {}),
]


@pytest.mark.parametrize("family,host,path,status,content_type,body,headers", FAMILIES,
                         ids=[f"{f[0]}:{f[1]}{f[2]}" for f in FAMILIES])
def test_probe_is_captive_until_released_then_online(kit, family, host, path, status, content_type,
                                                     body, headers):
    captive = probe(kit, host, path)
    assert captive.status_code == 302
    assert captive.headers["Location"] == f"http://{KIT}/"
    portal.release(kit.extensions["venuekit"].store, PHONE, "test", hours=1)
    online = probe(kit, host, path)
    assert online.status_code == status
    assert online.headers.get("Content-Type") == content_type
    assert online.get_data(as_text=True) == body
    for name, value in headers.items():
        assert online.headers.get(name) == value
    assert online.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in online.headers
    # Another phone is still captive.
    assert probe(kit, host, path, phone="10.42.0.78").status_code == 302


@pytest.mark.parametrize("host", ["CONNECTIVITY-CHECK.UBUNTU.COM.", "connectivity-check.ubuntu.com:8000",
                                  "connectivity-check.ubuntu.com.:8000", "Connectivity-Check.Ubuntu.Com"])
def test_host_matching_ignores_case_a_trailing_dot_and_a_port(kit, host):
    portal.release(kit.extensions["venuekit"].store, PHONE, "test", hours=1)
    online = probe(kit, host, "/")
    assert online.status_code == 204 and online.headers["X-NetworkManager-Status"] == "online"


def test_a_check_answers_only_on_its_own_host_and_path(kit):
    """Ubuntu's and KDE's checks are the path "/": on any other host "/" stays itself."""
    portal.release(kit.extensions["venuekit"].store, PHONE, "test", hours=1)
    for host, path in [("connectivity-check.ubuntu.com", "/other"), ("nmcheck.gnome.org", "/"),
                       ("example.org", "/check_network_status.txt"), ("example.org", "/"),
                       ("spectrum.s3.amazonaws.com", "/"), ("example.org", "/nm")]:
        response = probe(kit, host, path)
        assert response.status_code == 302 and response.headers["Location"] == f"http://{KIT}/", host + path
    for host in (KIT, "venuekit.lan", "VENUEKIT.LAN.", f"{KIT}:8000"):
        page = probe(kit, host, "/")
        assert page.status_code == 200 and "I have a ballot code" in page.get_data(as_text=True), host


def test_every_check_in_the_table_names_its_source_and_is_in_the_readme():
    from pathlib import Path

    from webapp.domain.portal import CHECKS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Captive portal", 1)[1].split("\n## ", 1)[0]
    families = {check.family for check in CHECKS}
    assert {f[0] for f in FAMILIES} <= families
    for check in CHECKS:
        assert check.source.strip(), f"{check.family} has no source"
        assert check.paths and all(path.startswith("/") for path in check.paths)
        for host in check.hosts[:1]:
            assert host in section, f"README's Captive portal section does not name {host}"


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
