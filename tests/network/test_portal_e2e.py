"""End to end, with the real pieces: a "kit" namespace running NetworkManager's dnsmasq command
line plus our dnsmasq-shared.d lines, our nftables rules and the real web app; a "phone"
namespace that takes a DHCP lease with busybox udhcpc, resolves probe hosts through the kit,
is held captive, lands on the portal in headless Chromium, and hears "online" once released;
and an "internet" namespace behind the kit that the phone must never reach.

    phone (10.42.0.x) ──veth── kit (10.42.0.1; 198.51.100.2) ──veth── internet (203.0.113.7)
"""
from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from pi.netconfig import DNSMASQ_PATH, NFT_PATH
from pi.netfiles import render
from webapp.domain.portal import APPLE_SUCCESS, KINDLE_STUB
from webapp.services import portal
from webapp.storage import open_store

from .conftest import (Netns, dhcp_lease, dns_query, http_get, nm_dnsmasq_command, stop,
                       tcp_outcome, tool, unique, veth, wait_for)

KIT = "10.42.0.1"
UPLINK_KIT, UPLINK_GATEWAY = "198.51.100.2", "198.51.100.1"
INTERNET_HOST = "203.0.113.7"
APP_PORT = 8000
PORTAL = f"http://{KIT}/"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Checks sent exactly as their OS sends them (Ubuntu's name with its trailing dot).
LINUX_AND_KINDLE_CHECKS = [("nmcheck.gnome.org", "/check_network_status.txt"),
                           ("connectivity-check.ubuntu.com.", "/"),
                           ("networkcheck.kde.org", "/"),
                           ("spectrum.s3.amazonaws.com", "/kindle-wifi/wifistub.html")]


def venuekit_command() -> str:
    import sys

    script = Path(sys.executable).with_name("venuekit")
    assert script.exists(), f"no venuekit script next to {sys.executable}: run `make test`"
    return str(script)


def nm_shared_rules(interface: str, network: str) -> str:
    """The table NetworkManager 1.42's nftables backend adds for a shared connection
    (src/core/nm-firewall-utils.c): masquerade the phones and accept their forwarding."""
    table = f"nm-shared-{interface}"
    return f"""add table ip {table}
add chain ip {table} nat_postrouting {{ type nat hook postrouting priority 100; policy accept; }}
add rule ip {table} nat_postrouting ip saddr {network} ip daddr != {network} masquerade
add chain ip {table} filter_forward {{ type filter hook forward priority 0; policy accept; }}
add rule ip {table} filter_forward ip daddr {network} oifname "{interface}" ct state {{ established, related }} accept
add rule ip {table} filter_forward ip saddr {network} iifname "{interface}" accept
add rule ip {table} filter_forward iifname "{interface}" oifname "{interface}" accept
add rule ip {table} filter_forward iifname "{interface}" reject
add rule ip {table} filter_forward oifname "{interface}" reject
"""


class Listener:
    """A TCP server inside a namespace (the socket belongs to the namespace it was made in)."""

    def __init__(self, ns: Netns, address: str, port: int, reply: bytes):
        self.reply = reply
        self.sock = ns.call(self._bind, address, port)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @staticmethod
    def _bind(address: str, port: int) -> socket.socket:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(8)
        return sock

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(4096)
                    conn.sendall(self.reply)
                except OSError:
                    pass

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


@pytest.fixture(scope="module")
def venue(as_root, tmp_path_factory):
    """The kit, a phone that joined it, and the internet behind it; torn down whatever happens."""
    for name in ("ip", "nft", "dnsmasq", "busybox"):
        tool(name)
    work = tmp_path_factory.mktemp("venue")
    made: list[Netns] = []
    procs = []
    listeners: list[Listener] = []
    try:
        kit, phone, internet = (Netns(unique(f"vk{role}")) for role in ("kit", "ph", "net"))
        made += [kit, phone, internet]
        venue_if, phone_if = unique("vkv"), unique("vkp")
        up_kit, up_net = unique("vku"), unique("vkn")

        # Links: phone <-> kit (the venue Wi-Fi), kit <-> internet (the uplink).
        veth(kit, phone, venue_if, phone_if)
        veth(kit, internet, up_kit, up_net)
        kit.ip("addr", "add", f"{KIT}/24", "dev", venue_if)
        kit.ip("addr", "add", f"{UPLINK_KIT}/24", "dev", up_kit)
        kit.ip("route", "add", "default", "via", UPLINK_GATEWAY)
        internet.ip("addr", "add", f"{UPLINK_GATEWAY}/24", "dev", up_net)
        internet.ip("addr", "add", f"{INTERNET_HOST}/32", "dev", "lo")
        # NetworkManager turns forwarding on for a shared profile, and adds its own rules.
        kit.run("sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward")
        kit.run(tool("nft"), "-f", "-", input=nm_shared_rules(venue_if, "10.42.0.0/24"))
        listeners.append(Listener(internet, "0.0.0.0", 443, b"internet-https"))
        listeners.append(Listener(internet, "0.0.0.0", 80, b"HTTP/1.0 200 OK\r\n\r\ninternet"))

        # The kit's files, generated for this venue interface.
        files = render({"mode": "onboard", "venue_interface": venue_if, "uplink_interface": up_kit,
                        "app_port": APP_PORT})
        conf_dir = work / "dnsmasq-shared.d"
        conf_dir.mkdir()
        (conf_dir / "venuekit.conf").write_text(files[DNSMASQ_PATH])
        rules = work / "venuekit.nft"
        rules.write_text(files[NFT_PATH])

        # dnsmasq exactly as NetworkManager starts it, reading our lines.
        dnsmasq_log = work / "dnsmasq.log"
        procs.append(kit.popen(*nm_dnsmasq_command(tool("dnsmasq"), KIT, 24, conf_dir, work),
                               log=work / "dnsmasq.out"))
        wait_for(lambda: kit.call(dns_query, KIT, "venuekit.test")[1] == [KIT], "dnsmasq to answer",
                 log=work / "dnsmasq.out", proc=procs[-1])

        # The real web app, unprivileged port, every interface; portal_host set as on a kit.
        data = work / "data"
        data.mkdir()
        (data / "venuekit.toml").write_text(f'portal_host = "{KIT}"\n')
        env = {k: v for k, v in os.environ.items() if k not in ("VENUEKIT_CONFIG", "VENUEKIT_DATA")}
        app_log = work / "app.log"
        procs.append(kit.popen(venuekit_command(), "--data", str(data), "serve", "--host", "0.0.0.0",
                               "--port", str(APP_PORT), log=app_log, env=env))
        wait_for(lambda: kit.call(http_get, "127.0.0.1", KIT, "/api/captive", APP_PORT)[0] == 200,
                 "the web app to answer", timeout=30, log=app_log, proc=procs[-1])

        # The phone joins: DHCP from the kit's dnsmasq.
        lease = dhcp_lease(phone, phone_if, work)
        phone.set_resolver(lease["dns"].split()[0])

        # Without our rules, NetworkManager's own table would carry the phone to the internet ...
        before = phone.call(tcp_outcome, INTERNET_HOST, 443)
        # ... then the kit loads ours (on a kit: the dispatcher, before the network comes up).
        kit.run(tool("nft"), "-f", str(rules))

        yield {"kit": kit, "phone": phone, "internet": internet, "lease": lease, "data": data,
               "work": work, "forward_before_our_rules": before, "app_log": app_log,
               "dnsmasq_log": dnsmasq_log}
    finally:
        for listener in listeners:
            listener.close()
        for proc in reversed(procs):
            stop(proc)
        for ns in reversed(made):
            ns.close()


def phone_ip(venue) -> str:
    return venue["lease"]["ip"]


def test_the_phone_gets_a_lease_with_the_kit_as_router_and_dns_and_no_option_114(venue):
    lease = venue["lease"]
    assert lease["ip"].startswith("10.42.0.") and lease["ip"] != KIT
    assert lease["mask"] == "24"
    assert lease["router"].split()[0] == KIT
    assert lease["dns"].split()[0] == KIT
    assert int(lease["lease"]) == 3600
    # No captive_api_url is set: the classic checks are the only path to the portal.
    assert "opt114" not in lease, lease.get("opt114")


@pytest.mark.parametrize("name", ["connectivitycheck.gstatic.com", "captive.apple.com", "example.com",
                                  "www.msftconnecttest.com", "anything.at.all.invalid"])
def test_every_name_resolves_to_the_kit(venue, name):
    rcode, addresses = venue["phone"].call(dns_query, KIT, name)
    assert (rcode, addresses) == (0, [KIT])


def test_no_ipv6_answers_and_any_dns_server_is_the_kit(venue):
    rcode, addresses = venue["phone"].call(dns_query, KIT, "captive.apple.com", 28)
    assert rcode == 0 and addresses == [], "AAAA: no data, so phones use the IPv4 answer"
    # A phone with a fixed resolver still asks the kit (the redirect of port 53).
    assert venue["phone"].call(dns_query, "203.0.113.53", "connectivitycheck.gstatic.com") == (0, [KIT])


def test_captive_phone_is_sent_to_the_portal(venue):
    phone = venue["phone"]
    for host, path in [("connectivitycheck.gstatic.com", "/generate_204"),
                       ("captive.apple.com", "/hotspot-detect.html"),
                       ("www.msftconnecttest.com", "/connecttest.txt"),
                       *LINUX_AND_KINDLE_CHECKS,
                       ("example.com", "/some/page")]:
        address = phone.call(dns_query, KIT, host)[1][0]
        status, headers, _ = phone.call(http_get, address, host, path)
        assert (status, headers.get("location")) == (302, PORTAL), f"http://{host}{path}"
    # Port 80 to any address at all (a cached answer, a literal IP) reaches the portal too.
    status, headers, body = phone.call(http_get, INTERNET_HOST, "example.com", "/")
    assert (status, headers.get("location")) == (302, PORTAL), body
    # The RFC 8908 API on the kit's own address (not advertised by DHCP unless configured).
    status, headers, body = phone.call(http_get, KIT, KIT, "/api/captive")
    assert status == 200 and headers["content-type"].startswith("application/captive+json")
    assert b'"captive":true' in body.replace(b" ", b"")


def test_the_phone_reaches_nothing_but_the_kit(venue):
    assert venue["forward_before_our_rules"] == "open", \
        "control: without our rules NetworkManager's table would forward the phone"
    phone = venue["phone"]
    started = time.monotonic()
    assert phone.call(tcp_outcome, INTERNET_HOST, 443) == "refused"
    assert phone.call(tcp_outcome, "203.0.113.99", 443) == "refused"
    # HTTPS to the kit (every name resolves to it) is not intercepted: refused, at once.
    assert phone.call(tcp_outcome, KIT, 443) == "refused"
    assert time.monotonic() - started < 2, "failures must be fast, so phones do not hang"
    # The app's own port only through the port-80 redirect.
    assert phone.call(tcp_outcome, KIT, APP_PORT) == "refused"


def test_any_http_url_in_chromium_lands_on_the_portal(venue, tmp_path, playwright_instance):
    wrapper = tmp_path / "chromium-in-phone"
    wrapper.write_text(f'#!/bin/sh\nexec {tool("ip")} netns exec {venue["phone"].name} {CHROMIUM} "$@"\n')
    wrapper.chmod(0o755)
    profile = dict(playwright_instance.devices["Pixel 7"])
    profile.pop("default_browser_type", None)
    browser = playwright_instance.chromium.launch(executable_path=str(wrapper), args=CHROMIUM_ARGS)
    try:
        page = browser.new_context(**profile).new_page()
        page.goto("http://example.com/some/page", timeout=20000)
        assert page.url == PORTAL
        assert "I have a ballot code" in page.content()
    finally:
        browser.close()


def test_a_released_phone_hears_online(venue):
    phone = venue["phone"]
    store = open_store(venue["data"])
    try:
        portal.release(store, phone_ip(venue), "network test", 1)
        try:
            status, _, body = phone.call(http_get, KIT, "connectivitycheck.gstatic.com", "/generate_204")
            assert (status, body) == (204, b"")
            status, _, body = phone.call(http_get, KIT, "captive.apple.com", "/hotspot-detect.html")
            assert (status, body.decode()) == (200, APPLE_SUCCESS)
            status, _, body = phone.call(http_get, KIT, KIT, "/api/captive")
            assert b'"captive":false' in body.replace(b" ", b"")
            answers = {}
            for host, path in LINUX_AND_KINDLE_CHECKS:
                address = phone.call(dns_query, KIT, host)[1][0]
                status, headers, body = phone.call(http_get, address, host, path)
                answers[host] = (status, headers.get("x-networkmanager-status"), body.decode())
            assert answers == {
                "nmcheck.gnome.org": (200, "online", "NetworkManager is online\n"),
                "connectivity-check.ubuntu.com.": (204, "online", ""),
                "networkcheck.kde.org": (200, "online", "OK"),
                "spectrum.s3.amazonaws.com": (200, None, KINDLE_STUB),
            }
            # Other hosts still go to the portal: the phone is online, the kit is still the kit.
            status, headers, _ = phone.call(http_get, KIT, "example.com", "/")
            assert (status, headers.get("location")) == (302, PORTAL)
        finally:
            portal.capture(store, phone_ip(venue))
    finally:
        store.close()
