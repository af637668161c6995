"""The serving benchmark still runs: its quickest mode against the real kit, nothing timed.

Starts bench/load.py --quick (tiny counts, one repeat) as `make bench` would, and checks that it
ends well, writes its results with a row for every goal, and that the runs behind the rows did
real work (votes stored, screens opened). Figures are not judged here: the benchmark does that.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GOALS = ["1_vote_to_hello_ratio", "2a_burst_flow_p99", "2b_steady_request_p99", "3_screens",
         "4_slow_clients", "5_memory", "6_ballots_per_fsync", "7a_page_bytes", "7b_first_render",
         "7c_projector_update"]


def test_quick_benchmark_writes_every_goal(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(REPO / "bench" / "load.py"), "--quick", "--phones", "10", "--screens", "20",
         "--slow", "6", "--idle", "20", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=240, cwd=REPO, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    text = (tmp_path / "load.txt").read_text()
    results = json.loads((tmp_path / "load.json").read_text())
    rows = {row["key"]: row for row in results["goals"]}
    assert list(rows) == GOALS
    for key, row in rows.items():
        assert row["pass"] in (True, False, None), key
        assert row["goal"] in text and row["figure"] in text, key
        assert {"target", "figure", "baseline"} <= set(row), key

    runs = results["runs"]
    assert results["meta"]["quick"] is True
    assert results["meta"]["topology"] == "front"  # the production topology is what is measured
    one = runs["repeats"][0]
    assert one["plain"]["flows"] > 0 and one["plain"]["errors"] == 0
    assert one["hello"]["requests"] >= one["plain"]["requests"]
    assert one["screens"]["screens"]["opened"] == 20
    assert one["screens"]["lag"]["pairs"] > 0
    assert runs["ballots_total"] >= one["plain"]["flows"]
    assert runs["memory"]["loaded"]["total_pss_kB"] > 0
    assert runs["page"]["status"] == 200
    # Every kit process was pinned to the server's core, and none is left behind.
    assert set(runs["affinity"].values()) == {"0"}
    assert "skipped" not in runs and "failures" not in runs, runs.get("failures")
    argv = results["meta"]["command"].split()
    data = argv[argv.index("--data") + 1]
    assert not Path(data).exists()
    leftover = subprocess.run(["pgrep", "-f", data], check=False, capture_output=True, text=True).stdout
    assert leftover == ""
