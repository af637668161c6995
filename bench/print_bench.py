"""Printing speed: render + encode one group card, and a batch of 200 ballot slips, on one core.

The goal is at most 50 ms per group card (80 mm), so pressing the kit's button feels
instant and a steward's batch of cards never waits on the Pi's CPU. The first card is
timed on its own: it includes loading fonts' character maps once per process.
Prints the figures and writes them to bench/results/print.txt.
Run: .venv/bin/python bench/print_bench.py [--repeat N] [--batch N]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from printer import render_job, to_escpos  # noqa: E402

GOAL_MS = 50.0
CARD = {
    "group_number": 12,
    "group_name": "Tabl Gŵyr",
    "code": "K7QF-9M2",
    "url": "http://venue.kit/g/K7QF9M2",
    "ssid": "venuekit-7",
    "password": "tidy-otter-42",
}


def pin_to_one_core() -> str:
    """Run on a single CPU so the figures match a busy Pi rather than an idle multi-core box."""
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to CPU {core}"
    return "not pinned (no sched_setaffinity here)"


def card_ms(width: int, number: int) -> float:
    # A new code and URL each time, as for real cards: only the Wi-Fi QR code repeats.
    code = f"K7Q{number:04d}"
    card = {**CARD, "group_number": number, "code": code, "url": f"http://venue.kit/g/{code}"}
    start = time.perf_counter()
    to_escpos(render_job("group_card", card, width))
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="group cards to time per width")
    parser.add_argument("--batch", type=int, default=200, help="ballot slips in the batch")
    args = parser.parse_args()

    pinning = pin_to_one_core()
    lines = [f"print bench: {platform.machine()}, Python {platform.python_version()}, {pinning}"]
    first = card_ms(576, 0)
    lines.append(f"first group card (fonts loaded once per process): {first:.1f} ms")
    worst_median = 0.0
    for width in (576, 384):
        times = [card_ms(width, width + n) for n in range(1, args.repeat + 1)]
        median = statistics.median(times)
        worst_median = max(worst_median, median)
        lines.append(f"group card {width} dots: median {median:.1f} ms, max {max(times):.1f} ms "
                     f"over {args.repeat} (render + ESC/POS encode)")

    ballots = [{"code": f"K7QF9M{n:03d}", "url": f"http://venue.kit/b/K7QF9M{n:03d}"} for n in range(args.batch)]
    start = time.perf_counter()
    images = render_job("ballot_slip", {"ballots": ballots, "ssid": "venuekit-7"}, 576)
    rendered = time.perf_counter()
    data = to_escpos(images)
    done = time.perf_counter()
    lines.append(f"{args.batch} ballot slips 576 dots: render {rendered - start:.2f} s, encode {done - rendered:.2f} s, "
                 f"total {done - start:.2f} s ({(done - start) * 1000 / args.batch:.1f} ms per slip), "
                 f"{len(data) / 1e6:.1f} MB of ESC/POS")
    verdict = "meets" if worst_median <= GOAL_MS else "MISSES"
    lines.append(f"goal <= {GOAL_MS:.0f} ms per group card: {verdict} (worst median {worst_median:.1f} ms)")

    report = "\n".join(lines) + "\n"
    print(report, end="")
    out = ROOT / "bench" / "results" / "print.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)


if __name__ == "__main__":
    main()
