"""The hook that loads the kit's nftables rules (a NetworkManager dispatcher pre-up script),
run for real inside a namespace: it loads our table for the venue network only, loading again
replaces just our table, and other tables (NetworkManager's own) are left alone."""
from __future__ import annotations

import json
import os

from pi.netconfig import DISPATCHER_PATH, NFT_PATH, PROFILE_ID
from pi.netfiles import render

from .conftest import tool


def tables(ns) -> set[str]:
    listing = json.loads(ns.run(tool("nft"), "-j", "list", "tables").stdout)
    return {f"{t['table']['family']} {t['table']['name']}" for t in listing["nftables"] if "table" in t}


def test_dispatcher_loads_our_rules_for_the_venue_network_only(netns_factory, tmp_path):
    files = render({"mode": "onboard"})
    rules = tmp_path / "venuekit.nft"
    rules.write_text(files[NFT_PATH])
    hook = tmp_path / "50-venuekit-firewall"
    hook.write_text(files[DISPATCHER_PATH].replace(NFT_PATH, str(rules)))
    hook.chmod(0o755)
    kit = netns_factory("kit")
    kit.run(tool("nft"), "add", "table", "ip", "nm-shared-wlan0")

    env = {k: v for k, v in os.environ.items() if k != "CONNECTION_ID"}
    # Another connection coming up: nothing happens.
    kit.run(str(hook), "eth0", "pre-up", env={**env, "CONNECTION_ID": "Wired connection 1"})
    kit.run(str(hook), "wlan0", "up", env={**env, "CONNECTION_ID": PROFILE_ID})
    assert tables(kit) == {"ip nm-shared-wlan0"}
    # The venue profile about to come up: our table is loaded, beside NetworkManager's.
    kit.run(str(hook), "wlan0", "pre-up", env={**env, "CONNECTION_ID": PROFILE_ID})
    assert tables(kit) == {"ip nm-shared-wlan0", "inet venuekit"}
    before = kit.run(tool("nft"), "list", "table", "inet", "venuekit").stdout
    # Again (NetworkManager restarted, the profile re-activated): same rules, nothing doubled.
    kit.run(str(hook), "wlan0", "pre-up", env={**env, "CONNECTION_ID": PROFILE_ID})
    assert kit.run(tool("nft"), "list", "table", "inet", "venuekit").stdout == before
    assert before.count("redirect to :8000") == 1
    assert tables(kit) == {"ip nm-shared-wlan0", "inet venuekit"}
