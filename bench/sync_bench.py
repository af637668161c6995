"""Sync throughput: push 10,000 ballots from a kit to a real hub process on loopback.

Prints records per second and bytes on the wire per record (compressed request bodies) next to
the raw size of the records as stored in the outbox, and writes them to bench/results/sync.txt.
Run: .venv/bin/python bench/sync_bench.py [--ballots N] [--batch N]
"""
from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import make_assembly  # noqa: E402
from tests.servers import free_port, wait_until_up  # noqa: E402
from webapp.hub import ingest  # noqa: E402
from webapp.services import ballots  # noqa: E402
from webapp.storage import open_store  # noqa: E402
from webapp.sync import client as sync_client  # noqa: E402
from webapp.sync.client import HubClient  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=sync_client.BATCH_SIZE)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="venuekit-sync-bench-"))
    port = free_port()
    hub = subprocess.Popen([str(Path(sys.executable).with_name("venuekit")), "--data", str(work / "hub"), "hub", "serve",
                            "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        if not wait_until_up(url + "/api/v1/assembly"):
            raise SystemExit("the hub did not start")
        kit = open_store(work / "kit")
        made = make_assembly(kit, voters=args.ballots)
        ideas = [i["id"] for i in made["ideas"]]
        start_seq = kit.scalar("SELECT max(seq) FROM outbox")
        for n, code in enumerate(made["codes"]):
            ballots.cast(kit, code, {ideas[n % 6]: 1, ideas[(n * 7 + 3) % 6]: 1})
        wire = {"bytes": 0, "requests": 0}

        def counting(url, method, body, headers):
            wire["bytes"] += len(body or b"") + sum(len(k) + len(v) + 4 for k, v in headers.items())
            wire["requests"] += 1
            return sync_client._request(url, method, body, headers)

        client = HubClient(kit, request=counting)
        client.enrol(url, ingest.create_enrol_code(ingest.open_hub(work / "hub")), "bench kit")
        records = kit.scalar("SELECT count(*) FROM outbox")
        raw = kit.scalar("SELECT sum(length(body) + length(record_id) + length(record_type) + 16) FROM outbox")
        ballot_raw = kit.scalar("SELECT avg(length(body)) FROM outbox WHERE seq > ?", [start_seq])
        wire["bytes"] = wire["requests"] = 0
        began = time.perf_counter()
        while client.push_once(batch_size=args.batch).remaining:
            pass
        elapsed = time.perf_counter() - began
        lines = [
            f"sync bench {time.strftime('%Y-%m-%d')}: {records} records ({args.ballots} ballots), batch {args.batch}",
            f"records per second: {records / elapsed:,.0f} ({elapsed:.2f} s, {wire['requests']} requests)",
            f"bytes on the wire per record: {wire['bytes'] / records:.1f} (bodies gzip + signed headers)",
            f"raw record size: {raw / records:.1f} bytes per record (ballot bodies {ballot_raw:.1f})",
            f"wire / raw: {wire['bytes'] / raw:.2f}",
        ]
        text = "\n".join(lines)
        print(text)
        out = ROOT / "bench" / "results"
        out.mkdir(parents=True, exist_ok=True)
        (out / "sync.txt").write_text(text + "\n")
        (out / "sync.json").write_text(json.dumps({"records": records, "seconds": elapsed, "wire_bytes": wire["bytes"],
                                                   "raw_bytes": raw, "requests": wire["requests"]}, indent=2))
    finally:
        hub.send_signal(signal.SIGTERM)
        hub.wait(10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
