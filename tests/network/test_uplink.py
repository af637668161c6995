"""Uplink detection: default routes (faked, from /proc, and from the real `ip` inside a
namespace), what kind of interface carries them, and the hub check over a real TCP connect —
only ever to loopback or to namespaces these tests made."""
from __future__ import annotations

import json
import socket
import pytest

from pi import uplink
from pi.uplink import Route, check_uplink, hub_endpoint, routes_from_ip, routes_from_proc

from .conftest import unique, veth

CLOCK = lambda: 1_750_000_000.0  # noqa: E731 - a fixed instant


def fixed(*routes: Route):
    return lambda: list(routes)


def refuse(host: str, port: int, timeout: float) -> None:
    raise AssertionError(f"no connection expected, got one to {host}:{port}")


def test_no_default_route_is_offline():
    status = check_uplink(routes=fixed(), connect=refuse, clock=CLOCK)
    assert not status.online and status.interface is None
    assert "no default route" in status.reason
    assert status.checked_at == "2025-06-15T15:06:40+00:00"


def test_the_venue_network_never_counts_as_an_uplink():
    status = check_uplink(venue_interface="wlan0", routes=fixed(Route("wlan0", "10.42.0.254", 0)),
                          connect=refuse, clock=CLOCK)
    assert not status.online


def test_a_default_route_without_a_hub_is_online(tmp_path):
    (tmp_path / "eth0").mkdir()
    status = check_uplink(routes=fixed(Route("eth0", "192.168.1.1", 100)), sysfs=tmp_path,
                          connect=refuse, clock=CLOCK)
    assert status.online and status.interface == "eth0" and status.kind == "ethernet"
    assert status.hub_reachable is None
    assert status.as_dict()["reason"] == "default route via eth0 (ethernet); no hub to check"


def test_the_lowest_metric_wins_and_a_tether_is_recognised(tmp_path):
    # A phone tethered over USB: its interface's driver is rndis_host (Android) in sysfs.
    driver = tmp_path / "drivers" / "rndis_host"
    driver.mkdir(parents=True)
    (tmp_path / "enx0a1b2c3d4e5f" / "device").mkdir(parents=True)
    (tmp_path / "enx0a1b2c3d4e5f" / "device" / "driver").symlink_to(driver)
    (tmp_path / "wlan1" / "wireless").mkdir(parents=True)
    routes = fixed(Route("wlan1", "192.168.2.1", 600), Route("enx0a1b2c3d4e5f", "192.168.42.129", 100))
    status = check_uplink(venue_interface="wlan0", routes=routes, sysfs=tmp_path, connect=refuse)
    assert (status.interface, status.kind) == ("enx0a1b2c3d4e5f", "tether")
    only_wifi = check_uplink(venue_interface="enx0a1b2c3d4e5f", routes=routes, sysfs=tmp_path, connect=refuse)
    assert (only_wifi.interface, only_wifi.kind) == ("wlan1", "wifi")


def test_hub_reachable_over_a_real_tcp_connect_to_loopback():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        status = check_uplink(hub=f"http://127.0.0.1:{port}/", routes=fixed(Route("eth0", "192.168.1.1", 0)))
    assert status.online and status.hub_reachable is True
    assert f"127.0.0.1:{port} answers" in status.reason


def test_hub_unreachable_means_offline_with_the_reason():
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]  # bound, not listening: connections are refused
        status = check_uplink(hub=("127.0.0.1", port), routes=fixed(Route("usb0", None, 0)), timeout=1)
    assert not status.online and status.hub_reachable is False
    assert status.interface == "usb0" and status.kind == "tether"
    assert "unreachable" in status.reason


def test_hub_timeout_is_bounded():
    def hang(host, port, timeout):
        raise socket.timeout("timed out")

    status = check_uplink(hub="https://hub.example.org", routes=fixed(Route("eth0", "192.168.1.1", 0)),
                          connect=hang, timeout=0.5)
    assert not status.online and "no answer within 0.5 s" in status.reason


@pytest.mark.parametrize("hub, endpoint", [
    ("https://hub.example.org", ("hub.example.org", 443)),
    ("http://hub.example.org", ("hub.example.org", 80)),
    ("https://hub.example.org:8443/api", ("hub.example.org", 8443)),
    ("hub.example.org", ("hub.example.org", 443)),
    (("10.0.0.5", "8100"), ("10.0.0.5", 8100)),
    ("", None),
    (None, None),
])
def test_hub_endpoint(hub, endpoint):
    assert hub_endpoint(hub) == endpoint


def test_routes_from_ip_json_skips_dead_and_non_unicast_routes():
    output = json.dumps([
        {"dst": "default", "gateway": "192.168.1.1", "dev": "eth0", "metric": 100, "flags": []},
        {"dst": "default", "gateway": "192.168.8.1", "dev": "usb0", "metric": 50, "flags": ["linkdown"]},
        {"type": "unreachable", "dst": "default", "dev": "lo", "metric": 4278198272, "flags": []},
    ])
    assert routes_from_ip(lambda args: output) == [Route("eth0", "192.168.1.1", 100)]


def test_routes_from_proc(tmp_path):
    table = tmp_path / "route"
    table.write_text(
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        "wlan0\t00002A0A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
        "eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
        "usb0\t00000000\t0108A8C0\t0002\t0\t0\t50\t00000000\t0\t0\t0\n")
    assert routes_from_proc(table) == [Route("eth0", "192.168.1.1", 100)]


def test_falls_back_to_proc_when_ip_is_missing(tmp_path):
    table = tmp_path / "route"
    table.write_text("Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n"
                     "eth0\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\n")

    def no_ip(args):
        raise FileNotFoundError("ip")

    assert uplink.default_routes(no_ip, table) == [Route("eth0", "192.168.1.1", 0)]


def test_real_routes_inside_a_namespace(netns_factory, tmp_path):
    """The real `ip -j route` output: a kit namespace whose venue veth and uplink veth both
    carry a default route; the uplink is the other one."""
    kit, other = netns_factory("kit"), netns_factory("up")
    venue_if, peer = unique("vkv"), unique("vkw")
    up_if, up_peer = unique("vku"), unique("vkn")
    veth(kit, other, venue_if, peer)
    veth(kit, other, up_if, up_peer)
    kit.ip("addr", "add", "10.42.0.1/24", "dev", venue_if)
    kit.ip("addr", "add", "198.51.100.2/24", "dev", up_if)
    kit.ip("route", "add", "default", "via", "10.42.0.254", "metric", "10")
    kit.ip("route", "add", "default", "via", "198.51.100.1", "metric", "600")

    def ip_in_kit(args: list[str]) -> str:
        return kit.ip(*args).stdout

    routes = uplink.default_routes(ip_in_kit)
    assert {r.interface for r in routes} == {venue_if, up_if}
    status = check_uplink(venue_interface=venue_if, routes=lambda: routes, connect=refuse)
    assert status.online and status.interface == up_if
    assert status.kind == "other"  # a veth: neither wifi, ethernet-named nor a tether
    # The same from the namespace's own /proc/net/route.
    table = tmp_path / "route"
    table.write_text(kit.run("cat", "/proc/net/route").stdout)
    assert sorted(routes_from_proc(table), key=lambda r: r.metric) == [
        Route(venue_if, "10.42.0.254", 10), Route(up_if, "198.51.100.1", 600)]


def test_settings_pick_the_venue_interface_and_the_hub():
    seen = {}

    def connect(host, port, timeout):
        seen["hub"] = (host, port)

    status = uplink.status_for_settings({"network_mode": "ethernet", "hub_url": "https://hub.example.org"},
                                        routes=fixed(Route("eth0", "10.42.0.9", 0), Route("wlan0", "192.168.1.1", 0)),
                                        connect=connect)
    assert status.interface == "wlan0" and status.online
    assert seen["hub"] == ("hub.example.org", 443)
