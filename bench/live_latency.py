"""Live-screen latency: from a ballot being acknowledged to the projector's socket hearing of it.

Starts `venuekit serve --front` (the production topology) on a fresh data directory, opens the live WebSocket, casts ballots one
at a time through the JSON API, and measures the time from each acknowledgement to the next
announcement. Prints p50/p99/max and writes them to bench/results/live.txt.
Run: .venv/bin/python bench/live_latency.py [--ballots N]
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import websocket

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import make_assembly  # noqa: E402
from tests.servers import free_port, wait_until_up  # noqa: E402
from webapp.storage import open_store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=40)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="venuekit-live-bench-"))
    made = make_assembly(open_store(work), voters=args.ballots)
    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).with_name("venuekit")), "--data", str(work), "serve",
                               "--front", "--host", "127.0.0.1", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        if not wait_until_up(base + "/api/v1/assembly"):
            raise SystemExit("the server did not start")
        ws = websocket.create_connection(f"ws://127.0.0.1:{port}/ws/live", timeout=10)
        ws.recv()
        delays = []
        for n, code in enumerate(made["codes"]):
            time.sleep(1.3)  # let echoes of the previous ballot pass, so each wait is for this one
            ws.settimeout(0.01)
            try:
                while True:
                    ws.recv()
            except websocket.WebSocketTimeoutException:
                pass
            body = json.dumps({"choices": {made["ideas"][n % 6]["id"]: 1}}).encode()
            request = urllib.request.Request(f"{base}/api/v1/ballot-codes/{code}/ballot", data=body, method="PUT",
                                             headers={"Content-Type": "application/json"})
            urllib.request.urlopen(request, timeout=10).read()
            acknowledged = time.perf_counter()
            ws.settimeout(10)
            while "version" not in json.loads(ws.recv()):
                pass
            delays.append((time.perf_counter() - acknowledged) * 1000)
        ws.close()
        delays.sort()
        p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
        text = (f"live latency {time.strftime('%Y-%m-%d')}: {len(delays)} ballots, acknowledgement -> socket message: "
                f"p50 {statistics.median(delays):.1f} ms, p99 {p99:.1f} ms, max {delays[-1]:.1f} ms")
        print(text)
        out = ROOT / "bench" / "results"
        out.mkdir(parents=True, exist_ok=True)
        (out / "live.txt").write_text(text + "\n")
    finally:
        server.terminate()
        server.wait(15)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
