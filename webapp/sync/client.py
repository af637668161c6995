"""The kit's side of sync: enrol with a hub, then push the outbox in signed, compressed batches."""
from __future__ import annotations

import gzip
import json
import math
import random
import threading
import time
from dataclasses import dataclass
from typing import Callable
from urllib.parse import quote, urljoin, urlparse

from webapp.domain.errors import N_
from webapp.services import assembly, kit_language
from webapp.services.common import now
from webapp.storage import Store

from . import identity
from . import state as sync_state

# urllib.request (with http.client and ssl) and the signing module (cryptography) load when a
# kit first talks to a hub: every web worker imports this module for the hub link page.

BATCH_SIZE = 500
TIMEOUT_S = 20


class SyncError(Exception):
    """Sync could not complete now; the message is shown to stewards.

    Messages the kit words itself are N_-marked templates with %(name)s params, so a page can
    show them in its reader's language (`translated`); str() is the English, for logs and the
    sync state. A message the hub sent is shown as the hub worded it.
    """

    def __init__(self, template: str, **params: object):
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)

    def translated(self, gettext) -> str:
        return gettext(self.template) % self.params if self.params else gettext(self.template)


def _refused(payload: dict, template: str, status: int) -> SyncError:
    # The hub's own message when it sent one (as a text, never a template: it may hold "%").
    message = (payload.get("error") or {}).get("message") if isinstance(payload, dict) else None
    if isinstance(message, str) and message:
        return SyncError("%(message)s", message=message)
    return SyncError(template, status=status)


@dataclass
class PushResult:
    sent: int
    checkpoint: int
    remaining: int


def _request(url: str, method: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, dict]:
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            payload = json.loads(exc.read() or b"{}")
        except ValueError:
            payload = {}
        return exc.code, payload
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise SyncError(N_("cannot reach the hub: %(why)s"), why=str(getattr(exc, "reason", exc))) from exc


class HubClient:
    """Talks to one hub on behalf of one kit's store."""

    def __init__(self, store: Store, request: Callable = _request, clock: Callable[[], float] = time.time):
        self.store = store
        self.request = request
        self.clock = clock  # the kit's own clock, which may be days off (a Pi has no RTC)

    def enrol(self, hub_url: str, code: str, kit_name: str) -> str:
        """Join the hub with its one-time code, sending the kit's public key (the private key,
        made on the kit, never leaves it).

        Each enrolment gets a fresh key pair: a hub holds one key per kit, so the same kit
        enrolling again (at this hub or another) is a new kit to the hub, with its own key.
        """
        if urlparse(hub_url).scheme not in ("http", "https"):
            raise SyncError(N_("the hub address must start with https:// (or http:// for a test hub)"))
        from . import signing

        private = signing.new_private_key()
        body = json.dumps({"code": code, "kit_name": kit_name, "public_key": signing.public_key(private),
                           "assembly_id": assembly.get(self.store)["id"]}).encode()
        status, payload = self.request(urljoin(hub_url.rstrip("/") + "/", "hub/v1/enrol"), "POST", body,
                                       {"Content-Type": "application/json"})
        if status != 200:
            raise _refused(payload, N_("the hub refused enrolment (%(status)s)"), status)
        with self.store.write() as db:  # the new key and the new enrolment together, or neither
            identity.replace_signing_key_in(db, private)
            sync_state.save_in(db, hub_url=hub_url.rstrip("/"), kit_id=payload["kit_id"], key=None,
                               hub_assembly=payload.get("assembly"), checkpoint=None, last_error=None)
        return payload["kit_id"]

    def _register_public_key(self, st: sync_state.SyncState) -> bool:
        """A kit enrolled with a shared secret registers its public key (signed with the secret),
        then forgets the secret. False if the hub is too old to take keys: keep the secret."""
        from . import signing

        path = "/hub/v1/key"
        body = json.dumps({"public_key": identity.public_key(self.store)}).encode()

        def send() -> tuple[int, dict]:
            headers = signing.sign_hmac(st.key, st.kit_id, "POST", urlparse(st.hub_url + path).path, body,
                                        now=self._hub_now())
            return self.request(st.hub_url + path, "POST", body, {**headers, "Content-Type": "application/json"})

        status, payload = send()
        if self._learn_hub_time(status, payload):
            status, payload = send()
        if status == 404:
            return False
        if status != 200:
            raise _refused(payload, N_("the hub refused the kit's key (%(status)s)"), status)
        # The hub keeps the secret until the first request signed with the new key, so losing
        # this answer only means registering again next time.
        sync_state.save(self.store, key=None)
        return True

    def _hub_now(self) -> float:
        """The hub's time as this kit knows it: its own clock plus the offset the hub taught it."""
        offset = sync_state.load(self.store).hub_offset
        return self.clock() + (float(offset) if offset else 0.0)

    def _learn_hub_time(self, status: int, payload: dict) -> bool:
        """After a "stale" refusal, keep how far the hub's clock is from the kit's; True to retry.

        Signed requests thus never need the two clocks to agree. The hub's time comes in its
        unsigned refusal: a wrong value (from anyone but the hub) only gets the retry refused
        too, and nonces still stop a replay within the hub's window.
        """
        hub_time = payload.get("hub_time")
        if (status != 401 or payload.get("error", {}).get("code") != "stale"
                or not isinstance(hub_time, (int, float)) or isinstance(hub_time, bool)
                or not math.isfinite(hub_time)):
            return False
        sync_state.save(self.store, hub_offset=repr(float(hub_time) - self.clock()))
        return True

    def _signed(self, method: str, path: str, payload: dict | None = None) -> tuple[int, dict]:
        from . import signing

        st = sync_state.load(self.store)
        if not st.enrolled:
            raise SyncError(N_("this kit is not enrolled with a hub"))
        legacy = bool(st.key) and not self._register_public_key(st)
        body = gzip.compress(json.dumps(payload, separators=(",", ":")).encode(), 6) if payload is not None else b""
        url = st.hub_url + path

        def send() -> tuple[int, dict]:
            # Signed afresh each time: a new nonce, and the time the hub expects.
            if legacy:
                headers = signing.sign_hmac(st.key, st.kit_id, method, urlparse(url).path, body, now=self._hub_now())
            else:
                headers = signing.sign(identity.signing_key(self.store), st.kit_id, method, urlparse(url).path, body,
                                       now=self._hub_now())
            if payload is not None:
                headers.update({"Content-Type": "application/json", "Content-Encoding": "gzip"})
            return self.request(url, method, body if payload is not None else None, headers)

        status, answer = send()
        if self._learn_hub_time(status, answer):
            status, answer = send()
        return status, answer

    def checkpoint(self) -> int:
        status, payload = self._signed("GET", "/hub/v1/checkpoint")
        if status != 200:
            raise _refused(payload, N_("the hub answered %(status)s"), status)
        return int(payload["checkpoint"])

    def push_once(self, batch_size: int = BATCH_SIZE) -> PushResult:
        """Send the next batch after the hub's checkpoint; return what is left to send."""
        st = sync_state.load(self.store)
        after = st.checkpoint if st.checkpoint is not None else self.checkpoint()
        rows = self.store.query(
            "SELECT seq, record_type, record_id, op, body FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
            [after, batch_size],
        )
        if not rows:
            sync_state.save(self.store, checkpoint=after, last_success=now(), last_error=None)
            return PushResult(0, after, 0)
        named = kit_language.translator(kit_language.default_language(self.store))
        batch = {
            "assembly_id": assembly.get(self.store)["id"],
            "after": after,
            # A group without a name of its own goes as "Group N" in the kit's default language.
            "records": [{"seq": r["seq"], "type": r["record_type"], "id": r["record_id"], "op": r["op"],
                         "body": kit_language.group_record_for_upstream(r["record_type"], json.loads(r["body"]),
                                                                         named)} for r in rows],
        }
        status, payload = self._signed("POST", "/hub/v1/batches", batch)
        if status == 409 and "checkpoint" in payload:
            # The hub is the authority on what it holds: resume from its checkpoint.
            sync_state.save(self.store, checkpoint=int(payload["checkpoint"]))
            return PushResult(0, int(payload["checkpoint"]), sync_state.waiting(self.store))
        if status != 200:
            raise _refused(payload, N_("the hub answered %(status)s"), status)
        sync_state.save(self.store, checkpoint=int(payload["checkpoint"]), last_success=now(), last_error=None)
        return PushResult(len(rows), int(payload["checkpoint"]), sync_state.waiting(self.store))

    def pull_results(self, round_key: str | None = None) -> dict:
        """The hub's combined results across venues for a round key (shown after the reveal)."""
        path = "/hub/v1/results" + (f"/{quote(round_key, safe='')}" if round_key else "")
        status, payload = self._signed("GET", path)
        if status != 200:
            raise _refused(payload, N_("the hub answered %(status)s"), status)
        return payload


def _pull_combined(client: HubClient, store: Store, log: Callable[[str], None]) -> None:
    """After the reveal, fetch the hub's results across venues for the projector."""
    state = assembly.get(store)
    if not state["revealed"]:
        return
    try:
        combined = client.pull_results(state["round_key"])
    except SyncError as exc:
        log(f"sync: no combined results: {exc}")
        return
    sync_state.save(store, combined=json.dumps(combined), combined_at=now())


def backoff_delay(failures: int, *, base_s: float, cap_s: float, rng: random.Random) -> float:
    """Seconds to wait after `failures` failures in a row: the exponential ceiling (never above
    `cap_s`), less up to half of it at random so many kits do not retry in step."""
    ceiling = min(cap_s, base_s * 2 ** min(failures - 1, 62))
    return rng.uniform(ceiling / 2, ceiling)


def run_worker(store: Store, stop: threading.Event, *, wake: threading.Event | None = None,
               idle_s: float = 2.0, base_s: float = 1.0, cap_s: float = 60.0, pull_every_s: float = 30.0,
               rng: random.Random | None = None, log: Callable[[str], None] = print) -> None:
    """Push until stopped: batches back to back while records wait, exponential back-off with
    jitter after failures, and a prompt retry when `wake` is set (connectivity came back)."""
    client = HubClient(store)
    rng = rng or random.Random()
    failures = 0
    wake = wake or threading.Event()
    last_pull = 0.0
    while not stop.is_set():
        if not sync_state.load(store).enrolled:
            wake.wait(idle_s)
            wake.clear()
            continue
        try:
            sync_state.save(store, last_attempt=now())
            result = client.push_once()
            failures = 0
            if result.sent:
                log(f"sync: sent {result.sent}, hub checkpoint {result.checkpoint}, {result.remaining} waiting")
                continue
            if time.monotonic() - last_pull >= pull_every_s:
                last_pull = time.monotonic()
                _pull_combined(client, store, log)
            delay = idle_s
        except SyncError as exc:
            failures += 1
            sync_state.save(store, last_error=str(exc))
            delay = backoff_delay(failures, base_s=base_s, cap_s=cap_s, rng=rng)
            log(f"sync: {exc}; retrying in {delay:.1f} s")
        if wake.wait(delay):
            wake.clear()
            failures = 0
