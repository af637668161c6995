"""The front (nginx) and how the units fit together: phones reach only nginx; nginx the workers."""
from __future__ import annotations

import re

from webapp import front

from .conftest import FRONT_UNIT, SYSTEMD_DIR, parse_unit
from .test_unit_files import HARDENING, last, words

CONF = "/etc/venuekit/nginx.conf"


def unit(name: str):
    return parse_unit((SYSTEMD_DIR / name).read_text())


def test_the_front_runs_debians_nginx_with_the_rendered_configuration_unprivileged():
    u = unit(FRONT_UNIT)
    start = last(u, "Service", "ExecStart")
    assert start.startswith("/usr/sbin/nginx ") and f"-c {CONF}" in start
    assert f"-c {CONF}" in last(u, "Service", "ExecStartPre") and " -t " in last(u, "Service", "ExecStartPre")
    assert last(u, "Service", "DynamicUser") == "yes"  # never root, no access to the kit's data
    assert "User" not in u["Service"]
    for key, value in HARDENING.items():
        assert last(u, "Service", key) == value, key
    assert words(u, "Service", "SystemCallFilter")[:1] == ["@system-service"]
    assert not last(u, "Service", "AmbientCapabilities")  # port 8000 needs no privilege
    assert int(last(u, "Service", "LimitNOFILE")) >= 2 * front.WORKER_CONNECTIONS  # connections, and files beside them
    assert last(u, "Service", "RuntimeDirectory") == "venuekit-front"
    assert "venuekit-web.service" in words(u, "Unit", "Wants")
    assert "venuekit-live.service" in words(u, "Unit", "Wants")
    assert last(u, "Install", "WantedBy") == "multi-user.target"


def test_the_pi_configuration_matches_the_units():
    """nginx listens where nftables sends port 80, and forwards to where the units listen."""
    config = front.pi_config()
    assert config.listen == ["0.0.0.0:8000"]
    assert str(config.run_dir) == "/run/" + last(unit(FRONT_UNIT), "Service", "RuntimeDirectory")
    assert config.rlimit_nofile is None  # LimitNOFILE= does it; the filter forbids setrlimit
    web = last(unit("venuekit-web.service"), "Service", "ExecStart")
    live = last(unit("venuekit-live.service"), "Service", "ExecStart")
    assert f"--host {config.web.split(':')[0]} --port {config.web.split(':')[1]}" in web
    assert "--behind-front" in web
    assert f"--host {config.live.split(':')[0]} --port {config.live.split(':')[1]}" in live


def test_only_the_front_is_reachable_from_the_phones():
    for name in ("venuekit-web.service", "venuekit-live.service"):
        start = last(unit(name), "Service", "ExecStart")
        assert re.search(r"--host 127\.0\.0\.1\b", start), name
    assert last(unit("venuekit-live.service"), "Service", "IPAddressAllow") == "localhost"
    # A thousand screens, a socket each: more than the usual 1,024 open files.
    assert int(last(unit("venuekit-live.service"), "Service", "LimitNOFILE")) >= 2000
