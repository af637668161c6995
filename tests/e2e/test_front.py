"""The production topology (`venuekit serve --front`): nginx, the web workers and the live process.

Not timed: the benchmark measures; these check that it works and stays up under many screens.
"""
from __future__ import annotations

import gzip
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import websocket

from tests.conftest import make_assembly
from webapp import front
from webapp.services import ballots, portal
from webapp.storage import open_store

from .conftest import Kit, http
from .test_live_socket import WAIT_S, next_version

SCREENS = 100
# The old single gunicorn worker had 32 threads, each open screen holding one: 33 stalled it.
MORE_THAN_THE_OLD_THREADS = 48


def open_screens(kit: Kit, n: int) -> list[tuple[websocket.WebSocket, int]]:
    screens = []
    for _ in range(n):
        ws = websocket.create_connection(f"ws://127.0.0.1:{kit.port}/ws/live", timeout=WAIT_S)
        screens.append((ws, next_version(ws)))
    return screens


def cast(kit: Kit, code: str, idea: str, timeout: float = 15.0):
    return http("PUT", f"{kit.url}/api/v1/ballot-codes/{code}/ballot", {"choices": {idea: 1}}, timeout=timeout)


def test_a_vote_through_nginx_reaches_a_hundred_open_screens(front_kit):
    kit = front_kit
    made = make_assembly(kit.store, groups=3, voters=2)
    idea = made["ideas"][0]["id"]
    screens = open_screens(kit, SCREENS)
    try:
        reply = cast(kit, made["codes"][0], idea)
        assert reply.status == 200, reply.text[:500]
        heard = [next_version(ws) > first for ws, first in screens]
        assert all(heard), f"{heard.count(False)} screens did not hear the ballot"
    finally:
        for ws, _ in screens:
            ws.close()
    assert kit.api("GET", "/assembly", token=None)["counts"]["ballots_cast"] == 1


def test_more_open_screens_than_the_old_servers_threads_do_not_stall_a_vote(front_kit):
    kit = front_kit
    made = make_assembly(kit.store, groups=2, voters=3)
    idea = made["ideas"][0]["id"]
    screens = open_screens(kit, MORE_THAN_THE_OLD_THREADS)
    try:
        for code in made["codes"]:
            # A stalled server would leave this unanswered (the old one: for ever).
            reply = cast(kit, code, idea, timeout=10)
            assert reply.status == 200, reply.text[:500]
            assert kit.get("/projector", timeout=10).status == 200
    finally:
        for ws, _ in screens:
            ws.close()


def test_nginx_overwrites_a_forwarded_header_the_phone_sent(front_kit):
    """The phone (here at 127.0.0.1) says it is someone else; the kit records it as itself."""
    kit = front_kit
    portal.release(kit.store, "10.9.9.9", "ballot", 3)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    forged = urllib.request.Request(f"{kit.url}/api/captive", headers={"X-Forwarded-For": "10.9.9.9",
                                                               "X-Real-IP": "10.9.9.9"})
    with opener.open(forged, timeout=10) as reply:
        assert json.loads(reply.read())["captive"] is True  # still 127.0.0.1, never 10.9.9.9


def test_static_files_come_from_nginx_with_caching_and_pages_are_gzipped(front_kit):
    kit = front_kit
    static = http("GET", f"{kit.url}/static/live.js")
    assert static.status == 200
    assert static.headers["Server"] == "nginx"  # from disk, not through a worker
    assert "max-age" in static.headers.get("Cache-Control", "")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    page = urllib.request.Request(f"{kit.url}/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    with opener.open(page, timeout=10) as reply:
        assert reply.headers.get("Content-Encoding") == "gzip"


def fragment(kit: Kit, query: str, **headers: str) -> tuple[str, str]:
    """The projector's live part through nginx: (body, nginx's cache status), ungzipped."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(f"{kit.url}/projector/fragment{query}", headers=headers)
    with opener.open(request, timeout=10) as reply:
        assert reply.status == 200
        body = reply.read()
        gzipped = reply.headers.get("Content-Encoding") == "gzip"
        assert gzipped == ("gzip" in headers.get("Accept-Encoding", ""))
        # Compressed by the app, not by nginx on the way out (nginx's own gzip streams, chunked).
        assert reply.headers.get("Content-Length") == str(len(body))
        return (gzip.decompress(body) if gzipped else body).decode(), reply.headers.get("X-Cache-Status", "")


def test_a_room_of_screens_asking_for_one_change_costs_the_workers_one_request(front_kit):
    kit = front_kit
    made = make_assembly(kit.store, groups=3, voters=2)
    with ThreadPoolExecutor(32) as pool:
        answers = list(pool.map(lambda _: fragment(kit, "?v=7"), range(64)))
    assert Counter(status for _, status in answers) == {"MISS": 1, "HIT": 63}
    assert len({body for body, _ in answers}) == 1 and 'id="count-ballots">0/' in answers[0][0]
    # A ballot is a new change: the screens' next fetch names it and sees it.
    assert cast(kit, made["codes"][0], made["ideas"][0]["id"]).status == 200
    body, status = fragment(kit, "?v=8")
    assert status == "MISS" and 'id="count-ballots">1/' in body
    # Asked without naming a change (an older live.js), an answer is kept for two seconds at most
    # (nginx counts whole seconds: "1s" ends when the clock has passed the next second).
    fragment(kit, "")
    time.sleep(2.1)
    assert cast(kit, made["codes"][1], made["ideas"][0]["id"]).status == 200
    body, status = fragment(kit, "")
    assert status in ("MISS", "EXPIRED") and 'id="count-ballots">2/' in body


def test_a_kept_projector_answer_is_gzipped_once_not_per_screen(front_kit):
    kit = front_kit
    make_assembly(kit.store, groups=3, voters=2)
    plain, status = fragment(kit, "?v=5")
    assert status == "MISS"
    # Gzipped by the app, kept as it is, and handed out as it is whatever way a phone says gzip.
    zipped, status = fragment(kit, "?v=5", **{"Accept-Encoding": "gzip"})
    assert status == "MISS" and zipped == plain
    assert fragment(kit, "?v=5", **{"Accept-Encoding": "gzip, deflate, br"}) == (plain, "HIT")
    assert fragment(kit, "?v=5") == (plain, "HIT")


def test_kept_projector_answers_follow_the_language_and_never_serve_a_signed_in_browser(front_kit):
    kit = front_kit
    make_assembly(kit.store, groups=3, voters=2)
    welsh, _ = fragment(kit, "?v=3", **{"Accept-Language": "cy"})
    english, status = fragment(kit, "?v=3", **{"Accept-Language": "en"})
    assert status == "MISS" and welsh != english and "ballots cast" in english and "ballots cast" not in welsh
    assert fragment(kit, "?v=3", **{"Accept-Language": "cy"}) == (welsh, "HIT")
    # A browser with a cookie goes to the workers, and its answer is kept for no one.
    _, status = fragment(kit, "?v=4", Cookie="session=x")
    assert status == "BYPASS"
    _, status = fragment(kit, "?v=4")
    assert status == "MISS"


def _bench_modules():
    """bench/kit.py (the benchmark's 60-idea assembly) and bench/browser.py (bytes on the wire)."""
    bench = str(Path(__file__).resolve().parents[2] / "bench")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    import browser
    import kit
    return kit, browser


def test_the_benchmarks_sixty_idea_ballot_fits_in_4_kb_on_the_wire_in_every_language(tmp_path):
    # The front's compression level trades CPU for bytes: this is the budget it must keep, for
    # the longest language and large print as well as the English page the benchmark measures.
    bench_kit, bench_browser = _bench_modules()
    made = bench_kit.prepare(tmp_path / "data", groups=20, ideas_per_group=3, codes_needed=2)
    store = open_store(tmp_path / "data")
    ballots.cast(store, made["codes"][1], {idea: 1 for idea in made["idea_ids"][-5:]})  # a page after voting
    store.close()
    kit = Kit(tmp_path / "data", tmp_path / "server.log")
    kit.start_args = ["--front"]
    try:
        kit.start()
        sizes = {}
        for query in ("", "?lang=cy", "?print=large", "?lang=cy&print=large"):
            for code in made["codes"]:
                got = bench_browser.page_bytes(kit.port, f"/b/{code}{query}")
                assert got["status"] == 200 and got["gzip"], got
                sizes[query or "en", code] = got["wire_bytes"]
    finally:
        kit.close()
    assert len(sizes) == 8 and max(sizes.values()) <= 4096, sizes


def test_the_topology_prints_its_address_and_its_children_die_with_it(tmp_path):
    kit = Kit(tmp_path / "data", tmp_path / "server.log")
    kit.start_args = ["--front", "--workers", "2", "--spooler"]
    try:
        kit.start()
        deadline = time.monotonic() + 10
        while "ready" not in kit.log() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert re.search(rf"venuekit: ready — open http://127\.0\.0\.1:{kit.port}/", kit.log()), kit.log()
        # nginx's master and worker, the live process, gunicorn's master and 2 workers, the spooler.
        # The ready line needs one answering worker; gunicorn may still be forking the second.
        deadline = time.monotonic() + 15
        while True:
            children = subprocess.run(["pgrep", "-g", str(kit.proc.pid)], capture_output=True, text=True).stdout.split()
            children = [pid for pid in children if int(pid) != kit.proc.pid]
            if len(children) >= 7 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert len(children) >= 7, children
        os.kill(kit.proc.pid, signal.SIGKILL)  # the supervisor alone, as a crash would
        kit.proc.wait(10)
        deadline = time.monotonic() + 20
        alive = children
        while alive and time.monotonic() < deadline:
            alive = [pid for pid in alive if Path(f"/proc/{pid}").exists()
                     and "Z" not in (Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[:1] or ["Z"])]
            time.sleep(0.2)
        assert not alive, f"outlived the supervisor: {alive}"
        with socket.socket() as sock:  # and nothing listens on the port any more
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # (closed connections linger)
            sock.bind(("127.0.0.1", kit.port))
            sock.listen()
    finally:
        kit.close()


def test_the_rendered_configuration_passes_nginx_own_check(tmp_path):
    nginx = front.find_nginx()
    assert nginx, "nginx is missing: `make test-deps` installs it (scripts/apt-packages.txt)"
    for name, config in {
        "laptop": front.FrontConfig(listen=["127.0.0.1:8000"], web="127.0.0.1:8001", live="127.0.0.1:8002",
                                    run_dir=tmp_path / "laptop", error_log=str(tmp_path / "laptop.log")),
        "pi": front.pi_config(),
    }.items():
        if name == "pi":
            config.run_dir = tmp_path / "pi"  # /run/venuekit-front exists only under systemd
        conf = front.write(config, tmp_path / f"{name}.conf")
        checked = subprocess.run([nginx, "-t", "-e", str(tmp_path / "check.log"), "-p", str(tmp_path),
                                  "-c", str(conf)], capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, name + ": " + checked.stderr
        assert "test is successful" in checked.stderr
    text = front.render(front.pi_config())
    for directive in ("client_header_timeout 10s", "client_body_timeout 10s", "send_timeout 10s",
                      "keepalive_timeout 20s", f"client_max_body_size {front.MAX_BODY}",
                      f"worker_connections {front.WORKER_CONNECTIONS}", "proxy_set_header X-Forwarded-For $remote_addr",
                      "proxy_set_header Upgrade $http_upgrade", "gzip on", "proxy_request_buffering on"):
        assert directive in text, directive
    # 1,000 screens (their socket, its upstream, the keep-alive their page fetches on), 500 phones
    # voting (each a client and an upstream connection at worst) and 1,000 idle phones.
    assert front.WORKER_CONNECTIONS >= 3 * 1000 + 2 * 500 + 1000 + 16
