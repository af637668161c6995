"""CPU per voter's flow inside the app: open the ballot (60 ideas), vote, see "vote saved".

Runs the app in this process through Flask's test client (no server, no network), so it
measures the app's own work per flow, and the same for a bare route that answers "hello" in
the same app and run, as a yardstick. Configured as a kit behind its front (nginx gzips there,
so the app does not). process_time, not wall time: the vote's disk sync is not
CPU. Prints min/median/max over the repeats and writes them to bench/results/flow_cpu.txt.
Run: .venv/bin/python bench/flow_cpu.py [--flows N] [--repeat N]
"""
from __future__ import annotations

import argparse
import gzip
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import make_assembly  # noqa: E402
from webapp.app import create_app  # noqa: E402

HEADERS = {"User-Agent": "bench phone", "Accept-Encoding": "gzip"}


def one_flow(client, code: str) -> tuple[float, float, float]:
    """CPU seconds of GET ballot, POST vote, GET saved page."""
    t0 = time.process_time()
    page = client.get(f"/b/{code}", headers=HEADERS)
    t1 = time.process_time()
    body = page.get_data()
    html = (gzip.decompress(body) if page.headers.get("Content-Encoding") else body).decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    t2 = time.process_time()
    reply = client.post(f"/b/{code}", data={"csrf_token": token, "idea": ["1", "7", "30"]}, headers=HEADERS)
    t3 = time.process_time()
    assert reply.status_code == 303, reply.status_code
    saved = client.get(reply.headers["Location"], headers=HEADERS)
    t4 = time.process_time()
    assert saved.status_code == 200
    return t1 - t0, t3 - t2, t4 - t3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    # As on the kit: nginx compresses, so the workers do not.
    app = create_app({"DATA_DIR": tempfile.mkdtemp(prefix="venuekit-flow-"), "TESTING": True, "BEHIND_FRONT": True})
    app.add_url_rule("/hello", "hello", lambda: "hello")
    made = make_assembly(app.extensions["venuekit"].store, groups=30, voters=args.flows * args.repeat,
                         method="approval", max_choices=5)
    assert len(made["ideas"]) == 60
    client = app.test_client()
    codes = iter(made["codes"])
    flows, hellos, parts = [], [], []
    for _ in range(args.repeat):
        start = time.process_time()
        for _ in range(args.flows):
            parts.append(one_flow(client, next(codes)))
        flows.append((time.process_time() - start) / args.flows * 1000)
        start = time.process_time()
        for _ in range(args.flows * 3):
            client.get("/hello", headers=HEADERS)
        hellos.append((time.process_time() - start) / (args.flows * 3) * 1000)

    def spread(values: list[float], unit: str = " ms") -> str:
        return f"min {min(values):.2f} median {statistics.median(values):.2f} max {max(values):.2f}{unit}"

    lines = [f"venuekit flow CPU, Flask test client, {platform.python_implementation()} "
             f"{platform.python_version()}, {args.repeat} x {args.flows} flows, 60 ideas"]
    for name, index in (("GET ballot", 0), ("POST vote", 1), ("GET saved", 2)):
        lines.append(f"  {name}: median {statistics.median(p[index] for p in parts) * 1000:.2f} ms")
    lines.append(f"flow (3 requests): {spread(flows)}")
    lines.append(f"bare route, per request: {spread(hellos)}")
    lines.append(f"flow requests / bare requests per CPU second: "
                 f"{spread([3 * h / f for f, h in zip(flows, hellos)], '')}")
    text = "\n".join(lines)
    print(text)
    out = ROOT / "bench" / "results" / "flow_cpu.txt"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text + "\n")


if __name__ == "__main__":
    main()
