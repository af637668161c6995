"""Power cut while many phones vote at once through the ballot form: every vote that was
answered "saved" (303) is on disk after SIGKILL and restart, though ballots now share commits."""
from __future__ import annotations

import http.client
import json
import queue
import random
import re
import threading
import urllib.parse

import pytest

from tests.conftest import make_assembly

VOTERS = 800
THREADS = 24
KILL_AFTER_ACKS = 200
WAIT_S = 120  # only so a stuck server fails the test instead of hanging it


class Phone:
    """One keep-alive connection to the kit, as a phone's browser holds."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(form, doseq=True) if form is not None else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
        self.conn.request(method, path, body=body, headers=headers)
        reply = self.conn.getresponse()
        return reply.status, reply.getheader("Location", ""), reply.read().decode("utf-8", "replace")


@pytest.mark.parametrize("workers", [1, 3])
def test_acknowledged_form_votes_survive_sigkill_with_many_voters(kit, workers, monkeypatch):
    monkeypatch.setenv("VENUEKIT_COMMIT_STATS", "1")  # the counts printed below
    if workers > 1:  # several worker processes, each committing its own batches, taking turns
        kit.stop()
        kit.start_args = ["--workers", str(workers)]
        kit.start()
    made = make_assembly(kit.store, groups=6, voters=VOTERS, method="approval", max_choices=3)
    numbers = {idea["number"]: idea["id"] for idea in made["ideas"]}
    todo: queue.Queue[str] = queue.Queue()
    for code in made["codes"]:
        todo.put(code)
    lock = threading.Lock()
    acked: dict[str, dict] = {}     # code -> choices of its last vote answered 303
    in_flight: dict[str, dict] = {}  # code -> choices of a vote cut off by the kill
    failures: list[str] = []
    enough = threading.Event()

    def voter(seed: int) -> None:
        rng = random.Random(seed)
        phone = Phone(kit.port)
        while True:
            try:
                code = todo.get_nowait()
            except queue.Empty:
                return
            for _change in range(1 + (rng.random() < 0.3)):  # some change their mind at once
                picks = rng.sample(sorted(numbers), rng.randint(1, 3))
                choices = {numbers[n]: 1 for n in picks}
                try:
                    status, _, page = phone.request("GET", f"/b/{code}")
                    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
                    if status != 200 or token is None:
                        raise AssertionError(f"ballot page {status}")
                    with lock:
                        in_flight[code] = choices
                    status, location, _ = phone.request(
                        "POST", f"/b/{code}", {"csrf_token": token.group(1), "idea": [str(n) for n in picks]})
                except (OSError, http.client.HTTPException):
                    return  # the kill
                except AssertionError as exc:
                    with lock:
                        failures.append(f"{code}: {exc}")
                    return
                with lock:
                    in_flight.pop(code, None)
                    if status == 303 and "saved=1" in location:
                        acked[code] = choices
                        if len(acked) >= KILL_AFTER_ACKS:
                            enough.set()
                    else:
                        failures.append(f"{code}: {status} {location}")
                        return

    threads = [threading.Thread(target=voter, args=(n,), daemon=True) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    assert enough.wait(WAIT_S), f"only {len(acked)} votes acknowledged; {failures[:3]}\n{kit.log()}"
    kit.kill_hard()
    for thread in threads:
        thread.join(WAIT_S)
        assert not thread.is_alive(), "a voter hung after the server was killed"
    assert failures == [], failures[:5]
    assert not todo.empty(), "voting had finished before the power cut; the test proves nothing"
    stats = [json.loads(p.read_text()) for p in (kit.data_dir / "run").glob("commits-*.json")]
    written = sum(s["writes"] for s in stats)
    syncs = sum(s["transactions"] for s in stats)
    print(f"{workers} worker(s): acknowledged {len(acked)}, {len(in_flight)} in flight at the kill; "
          f"last counts written by {len(stats)} process(es): {written} ballots in {syncs} commits")

    kit.start()
    missing, wrong = [], []
    for code in made["codes"]:
        stored = kit.api("GET", f"/ballot-codes/{code}", token=None)["ballot"]
        got = stored and stored["choices"]
        if code in in_flight:
            allowed = [in_flight[code], acked.get(code)]
            if got not in allowed:
                wrong.append((code, got, allowed))
        elif code in acked:
            if got is None:
                missing.append(code)
            elif got != acked[code]:
                wrong.append((code, got, acked[code]))
        elif got is not None:
            wrong.append((code, got, None))
    assert missing == [], f"{len(missing)} acknowledged votes lost: {missing[:5]}"
    assert wrong == [], wrong[:5]
    assert kit.store.scalar("PRAGMA integrity_check") == "ok"
