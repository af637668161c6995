"""A 1,000-person room against the kit: every goal of the serving design, next to its baseline.

Starts the kit once (`venuekit serve --front`: nginx, the web workers, the live process; or
`--topology plain`, the single gunicorn server) pinned to CPU core 0, drives phones, screens and
misbehaving clients from core 1, and prints one table: goal, target, figure, baseline, pass.
Each figure is compared with a baseline measured by the same kit in the same run (the bare
route /bench/hello, the same votes without screens or slow clients, the kit idle, ...).
Figures go to bench/results/load.txt and load.json; the kit's output to load-kit.log.

Run: .venv/bin/python bench/load.py [--quick] [--topology front|plain]   (see bench/README.md)
Only ever talks to 127.0.0.1; every loop is bounded in count and time.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import browser
import goals
from kit import CLIENT_CORE, HOST, SERVER_CORE, Kit, front_available, prepare
from scenarios import Plan, Runner

QUICK = {"repeats": 1, "phones": 30, "duration": 2.0, "rate": 20.0, "steady_duration": 2.0, "screens": 50,
         "slow": 12, "idle": 50, "projector_rate": 20.0, "projector_duration": 2.0, "projector_screens": 5,
         "fsync_duration": 2.0, "quiet_ballots": 2, "browser_repeats": 1, "timeout": 5.0,
         "handshake_timeout": 3.0}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny counts and one repeat: a few seconds a goal")
    parser.add_argument("--topology", choices=["front", "plain"], default=None,
                        help="front: nginx + web workers + live process (default when available); "
                             "plain: `venuekit serve` alone")
    parser.add_argument("--workers", type=int, help="web worker processes behind the front (the kit's default)")
    for name, kind in (("repeats", int), ("phones", int), ("duration", float), ("rate", float), ("screens", int),
                       ("slow", int), ("idle", int), ("projector-rate", float), ("timeout", float),
                       ("browser-repeats", int)):
        parser.add_argument(f"--{name}", type=kind, help=f"override the plan's {name.replace('-', ' ')}")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium first-render measure")
    parser.add_argument("--max-minutes", type=float, default=20.0,
                        help="skip the goals not yet measured once this much time has passed (default 20)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"), help="where load.txt/load.json go")
    return parser.parse_args()


def make_plan(args: argparse.Namespace) -> Plan:
    plan = Plan(**(QUICK if args.quick else {}), seed=args.seed)
    for name in ("repeats", "phones", "duration", "rate", "screens", "slow", "idle", "projector_rate", "timeout",
                 "browser_repeats"):
        if getattr(args, name) is not None:
            setattr(plan, name, getattr(args, name))
    plan.browser = not args.no_browser
    return plan


async def measure(runner: Runner, plan: Plan, results: Path, deadline: float) -> dict:
    """Every asynchronous part, in an order that keeps the perturbing ones (strace) last."""
    out: dict = {"repeats": []}

    def time_left(what: str) -> bool:
        if time.monotonic() < deadline:
            print(f"  {what} ...", flush=True)
            return True
        out.setdefault("skipped", []).append(what)
        return False

    async def attempt(what: str, coro):
        """A run that breaks is reported as broken; the other goals are still measured."""
        try:
            return await coro
        except Exception as exc:  # noqa: BLE001
            out.setdefault("failures", []).append(f"{what}: {type(exc).__name__}: {str(exc)[:200]}")
            print(f"  FAILED: {out['failures'][-1]}", flush=True)
            return None

    await runner.warm_up()
    idle = runner.kit.memory()  # the baseline for memory: warmed up, before any crowd
    for n in range(plan.repeats):
        if time_left(f"round {n + 1} of {plan.repeats}: {plan.phones} phones; bare route; "
                     f"+{plan.screens} screens; +{plan.slow} slow clients"):
            done = await attempt(f"round {n + 1}", runner.repeat())
            if done is not None:
                out["repeats"].append(done)
    for n in range(plan.repeats):
        if time_left(f"steady arrival, {plan.rate:g} voters/s ({n + 1} of {plan.repeats})"):
            done = await attempt("steady arrival", runner.steady())
            if done is not None:
                out.setdefault("steady", []).append(done)
    # The screens that fetch come after the memory figure: nginx keeps the memory that their
    # 3,000 connections took, and the goal's figure is for screens that only listen.
    steps = [("steady_hello", "the bare route at the same arrival", runner.steady_hello),
             ("memory", f"memory with {plan.screens} screens and {plan.idle} idle phones",
              lambda: runner.memory_loaded(idle)),
             ("projector", f"projector at {plan.projector_rate:g} ballots/s", runner.projector),
             ("fetching_screens", f"{plan.screens} screens that fetch as live.js does, beside the votes",
              runner.fetching_screens),
             ("fsync", "ballots per fsync (strace)", lambda: runner.fsyncs(results / "load-strace.txt"))]
    for key, what, step in steps:
        if time_left(what):
            out[key] = await attempt(what, step()) or {}
    return out


def main() -> int:
    args = parse_args()
    plan = make_plan(args)
    topology = args.topology or ("front" if front_available() else "plain")
    if shutil.which("taskset") is None:
        print("bench/load.py needs taskset (util-linux)", file=sys.stderr)
        return 2
    if not {SERVER_CORE, CLIENT_CORE} <= os.sched_getaffinity(0):
        print(f"bench/load.py needs CPU cores {SERVER_CORE} and {CLIENT_CORE}", file=sys.stderr)
        return 2
    # A thousand screens and a thousand phones: the kit (which inherits this) and the client
    # each need far more descriptors than the usual 1,024.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    results = Path(args.out)
    results.mkdir(parents=True, exist_ok=True)
    # Stopped from outside (SIGTERM, or SIGHUP when the terminal goes): still stop the kit and
    # remove the temporary data, through the `finally` blocks.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda signum, frame: sys.exit(128 + signum))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored
    work = Path(tempfile.mkdtemp(prefix="venuekit-load-"))
    began = time.monotonic()
    kit = None
    try:
        os.sched_setaffinity(0, {CLIENT_CORE})
        data = work / "data"
        print(f"preparing {plan.codes_needed()} ballot codes, 60 ideas ...", flush=True)
        made = prepare(data, groups=20, ideas_per_group=3, codes_needed=plan.codes_needed())
        port = free_port()
        print(f"starting the kit ({topology}) on {HOST}:{port}, pinned to core {SERVER_CORE} ...", flush=True)
        kit = Kit(topology, data, port, work, results / "load-kit.log", args.workers)
        runner = Runner(kit, plan, made["codes"], made["idea_ids"])
        deadline = began + args.max_minutes * 60
        found = asyncio.run(measure(runner, plan, results, deadline))
        found["page"] = browser.page_bytes(port, f"/b/{made['codes'][0]}")
        if not args.no_browser and time.monotonic() < deadline:
            print("  first render in Chromium ...", flush=True)
            try:
                found["render"] = browser.first_render(port, f"/b/{made['codes'][1]}", plan.browser_repeats)
            except Exception as exc:  # noqa: BLE001 (no browser is a missing figure, not a failed run)
                found["render"] = {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
        found["kit_processes"] = kit.memory()["processes"]
        found["affinity"] = kit.affinity
        found["ballots_total"] = kit.ballots()
    finally:
        if kit is not None:
            kit.stop()
            kit.keep_logs(results)
        shutil.rmtree(work, ignore_errors=True)
    found["kit_log_problems"] = kit.log_problems()
    import gunicorn

    meta = {"date": time.strftime("%Y-%m-%d %H:%M"), "topology": topology, "command": " ".join(kit.argv),
            "machine": f"{os.cpu_count()} cores ({_cpu_model()}), Linux {platform.release()}, "
                       f"Python {platform.python_version()}, gunicorn {gunicorn.__version__}",
            "plan": vars(plan), "quick": args.quick, "server_core": SERVER_CORE, "client_core": CLIENT_CORE,
            "total_s": round(time.monotonic() - began, 1)}
    table = goals.evaluate(found, plan)
    text = goals.report(meta, table, found)
    print(text)
    (results / "load.txt").write_text(text + "\n")
    (results / "load.json").write_text(json.dumps({"meta": meta, "goals": table, "runs": found}, indent=1) + "\n")
    print(f"\n(total {time.monotonic() - began:.0f} s; written to {results / 'load.txt'} and load.json)")
    return 0


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the kit and the temporary data are gone already (finally blocks)
        sys.exit(130)
