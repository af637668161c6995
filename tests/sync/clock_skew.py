"""A kit syncing with its clock days off, and the replays and forgeries the hub must refuse.

For tests/sync/test_clock_skew.py and the field scenario: give it a kit store enrolled with a
real hub process; the kit's clock is injected into its client, the machine's is left alone.
"""
from __future__ import annotations

import gzip
import json
import time

from webapp.sync import client as sync_client
from webapp.sync.client import HubClient

DAY = 86400.0


class Recorder:
    """The client's real transport, keeping what it sent so a test can send it again."""

    def __init__(self):
        self.sent: list[tuple[str, str, bytes | None, dict]] = []
        self.answers: list[tuple[int, dict]] = []

    def __call__(self, url, method, body, headers):
        self.sent.append((url, method, body, dict(headers)))
        answer = sync_client._request(url, method, body, headers)
        self.answers.append(answer)
        return answer

    def last_post(self) -> tuple[str, str, bytes, dict]:
        return next(s for s in reversed(self.sent) if s[1] == "POST")


def sync_with_skew(kit_store, skew_s: float, *, batch_size: int = 25) -> Recorder:
    """Push everything waiting with the kit's clock `skew_s` seconds off; what went over the wire."""
    wire = Recorder()
    client = HubClient(kit_store, request=wire, clock=lambda: time.time() + skew_s)
    while client.push_once(batch_size=batch_size).remaining:
        pass
    return wire


def replay(request: tuple[str, str, bytes | None, dict]) -> tuple[int, str]:
    """Send a captured request again, byte for byte: (status, error code)."""
    url, method, body, headers = request
    status, answer = sync_client._request(url, method, body, headers)
    return status, answer.get("error", {}).get("code", "")


def tamper(request: tuple[str, str, bytes, dict]) -> tuple[int, str]:
    """Send a captured batch with one ballot's choices changed and a fresh nonce: (status, code)."""
    url, method, body, headers = request
    batch = json.loads(gzip.decompress(body))
    batch["records"][0]["body"]["choices"] = {"forged": 1}
    fresh = dict(headers, **{"X-Venuekit-Nonce": "f" * 32})
    status, answer = sync_client._request(url, method, gzip.compress(json.dumps(batch).encode()), fresh)
    return status, answer.get("error", {}).get("code", "")
