"""DHCP for ethernet mode (external access points): real dnsmasq, started as NetworkManager
starts it for a /22 shared profile, plus our lines — a pool of 1,000+ addresses beyond
NetworkManager's own /24, and short leases everywhere."""
from __future__ import annotations

import ipaddress
import threading
import time

from pi.netconfig import DNSMASQ_PATH, resolve
from pi.netfiles import render

from .conftest import dhcp_lease, dns_query, nm_dnsmasq_command, option_114, tool, unique, veth, wait_for

KIT = "10.42.0.1"


def test_ethernet_mode_leases_across_the_whole_22_with_short_leases(netns_factory, tmp_path):
    kit, phone = netns_factory("kit"), netns_factory("ph")
    venue_if, phone_if = unique("vkv"), unique("vkp")
    veth(kit, phone, venue_if, phone_if)
    # Option 114 on, as a kit with a real https name would set it: dnsmasq sends it as given.
    api = "https://kit.example.org/api/captive"
    config = {"mode": "ethernet", "venue_interface": venue_if, "captive_api_url": api}
    values = resolve(config)
    assert values["prefix"] == 22 and values["lease_max"] >= 1000
    kit.ip("addr", "add", f"{KIT}/22", "dev", venue_if)

    conf_dir = tmp_path / "dnsmasq-shared.d"
    conf_dir.mkdir()
    (conf_dir / "venuekit.conf").write_text(render(config)[DNSMASQ_PATH])
    dnsmasq = kit.popen(*nm_dnsmasq_command(tool("dnsmasq"), KIT, 22, conf_dir, tmp_path),
                        log=tmp_path / "dnsmasq.out")
    wait_for(lambda: kit.call(dns_query, KIT, "venuekit.test")[1] == [KIT], "dnsmasq to answer",
             log=tmp_path / "dnsmasq.out", proc=dnsmasq)

    # A phone with no preference lands in NetworkManager's own range (10.42.0.10-254) ...
    first = dhcp_lease(phone, phone_if, tmp_path)
    assert ipaddress.IPv4Address(first["ip"]) in ipaddress.IPv4Network("10.42.0.0/24")
    assert first["mask"] == "22"
    # ... and gets our 15-minute lease, not NetworkManager's 60m (the wildcard dhcp-host line).
    assert int(first["lease"]) == 15 * 60
    assert option_114(first) == api
    assert first["router"].split()[0] == KIT and first["dns"].split()[0] == KIT

    # Addresses beyond that /24 come from our range: another phone (another MAC) asks for one.
    phone.ip("link", "set", "dev", phone_if, "address", "02:76:6b:00:00:02")
    far = dhcp_lease(phone, phone_if, tmp_path, "-r", "10.42.3.200")
    assert far["ip"] == "10.42.3.200"
    assert int(far["lease"]) == 15 * 60
    # From there it still reaches the kit by name (it is on the same /22).
    assert phone.call(dns_query, KIT, "connectivitycheck.gstatic.com") == (0, [KIT])


def test_a_room_joining_at_once_gets_leases_at_once(netns_factory, tmp_path):
    """Eight phones ask at the same moment (one bridge, like one access point). With dnsmasq's
    default ping check each new lease waits up to 3 s and blocks the others; `no-ping` in our
    lines lets them all through at once."""
    kit = netns_factory("kit")
    bridge = unique("vkbr")
    kit.ip("link", "add", bridge, "type", "bridge")
    kit.ip("link", "set", bridge, "up")
    kit.ip("addr", "add", f"{KIT}/24", "dev", bridge)
    phones = []
    for _ in range(8):
        phone = netns_factory("ph")
        port, phone_if = unique("vka"), unique("vkp")
        veth(kit, phone, port, phone_if)
        kit.ip("link", "set", port, "master", bridge)
        phones.append((phone, phone_if))

    conf_dir = tmp_path / "dnsmasq-shared.d"
    conf_dir.mkdir()
    (conf_dir / "venuekit.conf").write_text(render({"venue_interface": bridge})[DNSMASQ_PATH])
    dnsmasq = kit.popen(*nm_dnsmasq_command(tool("dnsmasq"), KIT, 24, conf_dir, tmp_path),
                        log=tmp_path / "dnsmasq.out")
    wait_for(lambda: kit.call(dns_query, KIT, "venuekit.test")[1] == [KIT], "dnsmasq to answer",
             log=tmp_path / "dnsmasq.out", proc=dnsmasq)

    results: dict[int, object] = {}

    def join(index: int, phone, interface: str) -> None:
        started = time.monotonic()
        workdir = tmp_path / f"phone{index}"
        workdir.mkdir()
        try:
            lease = dhcp_lease(phone, interface, workdir)
            results[index] = (lease["ip"], time.monotonic() - started)
        except AssertionError as exc:
            results[index] = exc

    threads = [threading.Thread(target=join, args=(i, p, f)) for i, (p, f) in enumerate(phones)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    failures = [r for r in results.values() if isinstance(r, BaseException)]
    assert not failures, failures[0]
    addresses = {ip for ip, _ in results.values()}
    assert len(addresses) == 8, "every phone its own address"
    # With the ping check the eighth phone would wait about 8 x 3 s behind the others; the bound
    # is loose so a busy test machine does not fail it, and still far below that.
    slowest = max(seconds for _, seconds in results.values())
    assert slowest < 10, f"the slowest phone waited {slowest:.1f} s"
