"""Voting load: N phones vote at once against the real production server, next to a bare route.

For each N (default 100 and 500) the script starts `venuekit serve` (gunicorn, one gthread
worker, 32 threads) pinned to CPU core 0 and drives N concurrent simulated phones from core 1.
Each phone, over one keep-alive HTTP/1.1 connection, does the participant flow with a fresh
ballot code: GET /b/CODE (the ballot page), POST /b/CODE (csrf_token + idea=N ticks, expects
303), then follows the redirect, GET /b/CODE?saved=1 (the thank-you page, counted as a request);
then it closes the connection and the next phone starts. New phones start for --duration
seconds; phones already started finish. Then the same server build answers a bare route
(/bench/hello, added in a second process via create_app + KitServer, same gunicorn options,
also on core 0) with the same concurrency, the same connection pattern (3 requests per
connection) and the same number of requests, three times (the median counts). Figures go to
bench/results/load.txt and load.json, server logs to bench/results/load-server-*.log.

Run: .venv/bin/python bench/load.py [--voters 100,500] [--duration 15] [--groups 20]
Only ever talks to 127.0.0.1.
"""
from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"  # the only address this script ever sends to
SERVER_CORE = 0
CLIENT_CORE = 1
THREADS = 32  # `venuekit serve` default, and KitServer's
WARMUP_CODES = 20
HELLO_REPEATS = 3
USER_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/124.0 Mobile Safari/537.36 venuekit-bench/{n}")

CSRF_RE = re.compile(rb'name="csrf_token" value="([^"]+)"')
IDEA_RE = re.compile(rb'name="idea" value="(\d+)"')
SAVED_MARK = b"your vote is saved"  # "Thank you — your vote is saved." on the ?saved=1 page

TOPICS = [
    "Citizens' juries for every council budget decision over a set amount",
    "Votes at sixteen in local and national elections",
    "A people's assembly that meets every year with power to propose laws",
    "Open data on every public contract, searchable by anyone",
    "Proportional representation for the House of Commons",
    "Participatory budgeting for a tenth of each local authority's spending",
    "Civic education in every school, with real mock elections",
    "Automatic voter registration when people deal with the state",
    "A cap on donations to political parties and candidates",
    "Recall petitions that any resident can start online or on paper",
    "Library-based democracy hubs with free meeting rooms",
    "Plain-language summaries of every bill before it is debated",
]
DETAIL = ("We discussed this at our table and think it would help people trust decisions, because "
          "it brings everyday experience into the room and makes the reasons for a decision visible. "
          "It should be tried locally first and reviewed after a year.")


# ---------------------------------------------------------------------------------------------
# The hidden server mode: the kit's app plus a bare route, in the same gunicorn configuration.
# ---------------------------------------------------------------------------------------------

def serve_hello(data: str, port: int, threads: int) -> None:
    from webapp.app import create_app
    from webapp.server import KitServer

    app = create_app({"DATA_DIR": data})

    @app.get("/bench/hello")
    def bench_hello():
        return "hello"

    KitServer(app, host=HOST, port=port, threads=threads).run()


# ---------------------------------------------------------------------------------------------
# Preparing the data: an assembly in the voting phase, through the services.
# ---------------------------------------------------------------------------------------------

def prepare(data_dir: Path, *, groups: int, ideas_per_group: int, codes_needed: int) -> dict:
    from webapp.services import assembly, ballots, ideas
    from webapp.storage import open_store

    store = open_store(data_dir)
    assembly.ensure_assembly(store)
    assembly.update_settings(store, {"num_groups": groups, "ideas_per_group": ideas_per_group,
                                     "method": "approval", "max_choices": 5})
    assembly.set_phase(store, "submission")
    n = 0
    for group in assembly.groups(store):
        entries = []
        for slot in range(ideas_per_group):
            topic = TOPICS[n % len(TOPICS)]
            entries.append((f"{topic} ({group['number']}.{slot + 1})", DETAIL))
            n += 1
        ideas.save_for_group(store, group["id"], entries)
    codes: list[str] = []
    while len(codes) < codes_needed:
        codes += ballots.issue_codes(store, min(ballots.MAX_BATCH, codes_needed - len(codes)))
    assembly.set_phase(store, "voting")
    visible = len(ideas.visible(store))
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return {"codes": codes, "ideas": visible}


# ---------------------------------------------------------------------------------------------
# Servers: start pinned to core 0, find the gunicorn worker, read its memory and CPU, stop.
# ---------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return found


def proc_status(pid: int) -> dict:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key] = int(value.split()[0])  # kB
            elif key in ("Threads",):
                out[key] = int(value)
            elif key == "Cpus_allowed_list":
                out[key] = value.strip()
    except OSError:
        pass
    return out


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def core_times(core: int) -> list[int]:
    """/proc/stat jiffies of one core: user nice system idle iowait irq softirq steal ..."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{core} "):
            return [int(x) for x in line.split()[1:]]
    return []


def core_usage(before: list[int], after: list[int], server_cpu_s: float) -> dict:
    """Noise on the server's core during a run: hypervisor steal, and CPU used by anything else."""
    if len(before) < 8 or len(after) < 8:
        return {}
    delta = [a - b for a, b in zip(after[:8], before[:8])]
    total = max(sum(delta), 1)
    busy_s = (delta[0] + delta[1] + delta[2] + delta[5] + delta[6]) / os.sysconf("SC_CLK_TCK")
    wall_s = total / os.sysconf("SC_CLK_TCK")
    return {"steal": round(delta[7] / total, 3), "others": round(max(busy_s - server_cpu_s, 0) / wall_s, 3)}


class Server:
    """A server process started under `taskset -c 0`, in its own process group."""

    def __init__(self, name: str, argv: list[str], port: int, log_path: Path, ready_path: str):
        self.name, self.port, self.log_path = name, port, log_path
        env = {k: v for k, v in os.environ.items() if k not in ("VENUEKIT_CONFIG", "VENUEKIT_DATA")}
        self.log = log_path.open("wb")
        self.proc = subprocess.Popen(["taskset", "-c", str(SERVER_CORE), *argv], stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.worker = None
        try:
            self._wait_ready(ready_path)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, path: str) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} server exited early; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"http://{HOST}:{self.port}{path}", timeout=2) as resp:
                    resp.read()
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"{self.name} server did not answer within 30 s; see {self.log_path}")
        workers = children_of(self.proc.pid)
        if len(workers) != 1:
            raise RuntimeError(f"{self.name}: expected one gunicorn worker, found {workers}")
        self.worker = workers[0]

    def memory(self) -> dict:
        return {"master": proc_status(self.proc.pid), "worker": proc_status(self.worker)}

    def cpu(self) -> float:
        return cpu_seconds(self.worker)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # our own process group only
                self.proc.wait(5)
        self.log.close()

    def log_problems(self) -> list[str]:
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [line for line in lines if re.search(r"\b(ERROR|CRITICAL|Traceback|WORKER TIMEOUT|Exception)\b", line)]


# ---------------------------------------------------------------------------------------------
# The client: HTTP/1.1 over asyncio streams, keep-alive, gzip, no third-party package.
# ---------------------------------------------------------------------------------------------

class HTTPError(Exception):
    pass


class Connection:
    def __init__(self, port: int, agent: str):
        self.port, self.agent = port, agent
        self.reader = self.writer = None
        self.reconnects = 0

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    async def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, dict, bytes]:
        if self.writer is None:  # the server closed the kept-alive connection: a phone reconnects
            await self.open()
            self.reconnects += 1
        head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}", f"User-Agent: {self.agent}",
                "Accept: text/html,*/*;q=0.8", "Accept-Encoding: gzip", "Accept-Language: en-GB,en;q=0.9",
                "Connection: keep-alive"]
        if body is not None:
            head += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + (body or b""))
        await self.writer.drain()
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
        if "content-length" in headers:
            data = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            data = b"".join(parts)
        else:
            data = await self.reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            self.close()
        if headers.get("content-encoding") == "gzip":
            data = gzip.decompress(data)
        return status, headers, data


@dataclass
class Stats:
    latencies: dict = field(default_factory=dict)  # kind -> [seconds]
    flows: list = field(default_factory=list)  # seconds per completed flow
    errors: dict = field(default_factory=dict)  # reason -> count
    requests: int = 0  # requests answered (any status)
    failed_flows: int = 0
    reconnects: int = 0
    first: float = 0.0
    last: float = 0.0

    def add(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)

    def error(self, reason: str) -> None:
        self.errors[reason] = self.errors.get(reason, 0) + 1


async def timed(stats: Stats, kind: str, coro, timeout: float):
    began = time.perf_counter()
    try:
        result = await asyncio.wait_for(coro, timeout)
    except asyncio.TimeoutError:
        raise HTTPError(f"{kind}: timeout after {timeout:.0f} s") from None
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
        raise HTTPError(f"{kind}: {type(exc).__name__}") from None
    stats.add(kind, time.perf_counter() - began)
    if kind != "connect":
        stats.requests += 1
    return result


async def measured_flow(stats: Stats, port: int, agent: str, timeout: float, steps) -> None:
    """One connection: connect, run `steps(conn)`, and count the flow as done or failed."""
    conn = Connection(port, agent)
    began = time.perf_counter()
    try:
        await timed(stats, "connect", conn.open(), timeout)
        await steps(conn)
    except HTTPError as exc:
        stats.error(str(exc))
        stats.failed_flows += 1
    else:
        stats.flows.append(time.perf_counter() - began)
    finally:
        stats.reconnects += conn.reconnects
        conn.close()
        stats.last = time.perf_counter()


async def vote_flow(stats: Stats, port: int, code: str, rng: random.Random, agent: str, timeout: float) -> None:
    async def steps(conn: Connection) -> None:
        status, _, page = await timed(stats, "GET ballot", conn.request("GET", f"/b/{code}"), timeout)
        if status != 200:
            raise HTTPError(f"GET ballot: HTTP {status}")
        token = CSRF_RE.search(page)
        numbers = IDEA_RE.findall(page)
        if not token or not numbers:
            raise HTTPError("GET ballot: no csrf_token or no idea on the page")
        ticks = rng.sample(numbers, rng.randint(1, min(5, len(numbers))))
        body = urllib.parse.urlencode([("csrf_token", token.group(1).decode())]
                                      + [("idea", n.decode()) for n in ticks]).encode()
        status, headers, _ = await timed(stats, "POST vote", conn.request("POST", f"/b/{code}", body), timeout)
        if status != 303:
            raise HTTPError(f"POST vote: HTTP {status}")
        location = urllib.parse.urlsplit(headers.get("location", ""))
        target = location.path + ("?" + location.query if location.query else "")
        if target != f"/b/{code}?saved=1":
            raise HTTPError("POST vote: unexpected redirect")
        status, _, page = await timed(stats, "GET saved", conn.request("GET", target), timeout)
        if status != 200 or SAVED_MARK not in page.lower():
            raise HTTPError(f"GET saved: HTTP {status}" if status != 200 else "GET saved: no thank-you text")

    await measured_flow(stats, port, agent, timeout, steps)


async def hello_flow(stats: Stats, port: int, requests: int, agent: str, timeout: float) -> None:
    async def steps(conn: Connection) -> None:
        for _ in range(requests):
            status, _, body = await timed(stats, "GET hello", conn.request("GET", "/bench/hello"), timeout)
            if status != 200 or body != b"hello":
                raise HTTPError(f"GET hello: HTTP {status}")

    await measured_flow(stats, port, agent, timeout, steps)


async def drive_votes(port: int, voters: int, codes: list[str], duration: float, timeout: float,
                      seed: int) -> tuple[Stats, bool]:
    stats = Stats()
    pool = iter(codes)
    exhausted = False
    stats.first = time.perf_counter()
    stop_at = stats.first + duration

    async def phone(index: int) -> None:
        nonlocal exhausted
        rng = random.Random(seed * 100_003 + index)
        agent = USER_AGENT.format(n=index)
        while time.perf_counter() < stop_at:
            code = next(pool, None)
            if code is None:
                exhausted = True
                return
            await vote_flow(stats, port, code, rng, agent, timeout)

    await asyncio.gather(*(phone(i) for i in range(voters)))
    return stats, exhausted


async def drive_hello(port: int, voters: int, total: int, per_conn: int, timeout: float) -> Stats:
    stats = Stats()
    left = total
    stats.first = time.perf_counter()

    async def phone(index: int) -> None:
        nonlocal left
        agent = USER_AGENT.format(n=index)
        while left > 0:
            take = min(per_conn, left)
            left -= take
            await hello_flow(stats, port, take, agent, timeout)

    await asyncio.gather(*(phone(i) for i in range(voters)))
    return stats


# ---------------------------------------------------------------------------------------------
# Figures.
# ---------------------------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def summarise(stats: Stats, cpu_s: float, memory: dict, client_cpu_s: float) -> dict:
    wall = max(stats.last - stats.first, 1e-9)
    everything = [s for kind, values in stats.latencies.items() if kind != "connect" for s in values]
    return {
        "wall_s": round(wall, 3),
        "requests": stats.requests,
        "requests_per_s": round(stats.requests / wall, 1),
        "flows": len(stats.flows),
        "flows_per_s": round(len(stats.flows) / wall, 1),
        "failed_flows": stats.failed_flows,
        "errors": sum(stats.errors.values()),
        "error_reasons": dict(sorted(stats.errors.items(), key=lambda kv: -kv[1])),
        "reconnects": stats.reconnects,
        "latency_ms": {
            kind: {"p50": round(pct(v, 50) * 1000, 1), "p99": round(pct(v, 99) * 1000, 1),
                   "max": round(max(v) * 1000, 1), "n": len(v)}
            for kind, v in [("all requests", everything), *sorted(stats.latencies.items()), ("flow", stats.flows)]
            if v
        },
        "server_cpu_s": round(cpu_s, 2),
        "server_cpu_util": round(cpu_s / wall, 3),
        "server_cpu_ms_per_request": round(cpu_s * 1000 / max(stats.requests, 1), 3),
        "client_cpu_util": round(client_cpu_s / wall, 3),
        "server_core_noise": memory.pop("server_core", {}),
        "memory_kB": memory,
    }


async def sample_memory(server: Server, peak: dict, stop: asyncio.Event) -> None:
    while not stop.is_set():
        rss = proc_status(server.worker).get("VmRSS", 0)
        peak["VmRSS_sampled_max"] = max(peak.get("VmRSS_sampled_max", 0), rss)
        try:
            await asyncio.wait_for(stop.wait(), 0.25)
        except asyncio.TimeoutError:
            pass


async def run_with_sampling(server: Server, coro):
    peak: dict = {}
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_memory(server, peak, stop))
    cpu0, client0, core0 = server.cpu(), time.process_time(), core_times(SERVER_CORE)
    try:
        result = await coro
    finally:
        stop.set()
        await sampler
    cpu, client = server.cpu() - cpu0, time.process_time() - client0
    memory = server.memory()
    memory["worker"].update(peak)
    memory["server_core"] = core_usage(core0, core_times(SERVER_CORE), cpu)
    return result, cpu, client, memory


async def warm_up(port: int, codes: list[str], hello: bool) -> None:
    stats = Stats()
    rng = random.Random(0)
    for code in codes:
        if hello:
            await hello_flow(stats, port, 3, "warm-up", 10)
        else:
            await vote_flow(stats, port, code, rng, "warm-up", 10)
    if stats.errors:
        raise RuntimeError(f"warm-up failed: {stats.errors}")


def count_ballots(data_dir: Path) -> int:
    conn = sqlite3.connect(f"file:{data_dir / 'venuekit.db'}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM ballots").fetchone()[0]
    finally:
        conn.close()


def one_level(args, work: Path, template: Path, codes: list[str], voters: int, results: Path) -> dict:
    venuekit = str(Path(sys.executable).with_name("venuekit"))
    warm, pool = codes[:WARMUP_CODES], codes[WARMUP_CODES:]
    out: dict = {"voters": voters}

    vote_dir = work / f"vote-{voters}"
    shutil.copytree(template, vote_dir)
    port = free_port()
    server = Server("voting", [venuekit, "--data", str(vote_dir), "serve", "--host", HOST, "--port", str(port)],
                    port, results / f"load-server-vote-{voters}.log", "/")
    try:
        out["server_affinity"] = proc_status(server.worker).get("Cpus_allowed_list")
        asyncio.run(warm_up(port, warm[:5], hello=False))
        budget = args.duration + args.timeout * 2 + 30
        (stats, exhausted), cpu, client, memory = asyncio.run(asyncio.wait_for(
            run_with_sampling(server, drive_votes(port, voters, pool, args.duration, args.timeout, args.seed)), budget))
        out["vote"] = summarise(stats, cpu, memory, client)
        out["vote"]["code_pool_exhausted"] = exhausted
    finally:
        server.stop()
    out["vote"]["server_log_problems"] = server.log_problems()[:20]
    stored = count_ballots(vote_dir) - len(warm[:5])
    out["vote"]["ballots_stored"] = stored
    if stored != out["vote"]["flows"]:
        out["vote"]["ballots_note"] = (f"{stored} ballots stored for {out['vote']['flows']} completed flows "
                                       "(a POST can be stored and its thank-you page then fail)")

    hello_dir = work / f"hello-{voters}"
    shutil.copytree(template, hello_dir)
    port = free_port()
    server = Server("hello", [sys.executable, str(Path(__file__).resolve()), "--serve-hello", str(hello_dir),
                              "--port", str(port)],
                    port, results / f"load-server-hello-{voters}.log", "/bench/hello")
    try:
        asyncio.run(warm_up(port, warm[:5], hello=True))
        total = out["vote"]["requests"]
        budget = args.timeout * 2 + 60
        runs = []
        for _ in range(HELLO_REPEATS):  # short runs: take the median of three against noise
            stats, cpu, client, memory = asyncio.run(asyncio.wait_for(
                run_with_sampling(server, drive_hello(port, voters, total, 3, args.timeout)), budget))
            runs.append(summarise(stats, cpu, memory, client))
        runs.sort(key=lambda run: run["requests_per_s"])
        out["hello"] = runs[len(runs) // 2]
        out["hello"]["repeats_requests_per_s"] = [run["requests_per_s"] for run in runs]
        out["hello"]["errors_all_repeats"] = sum(run["errors"] for run in runs)
    finally:
        server.stop()
    out["hello"]["server_log_problems"] = server.log_problems()[:20]
    out["ratio_requests_per_s"] = round(out["vote"]["requests_per_s"] / max(out["hello"]["requests_per_s"], 1e-9), 3)
    return out


def lat(run: dict, kind: str) -> str:
    figures = run["latency_ms"].get(kind)
    return f"{figures['p50']:,.0f} / {figures['p99']:,.0f}" if figures else "- / -"


def report(meta: dict, levels: list[dict]) -> str:
    lines = [
        f"venuekit voting load, {meta['date']} — {meta['machine']}",
        f"server: `venuekit serve` (gunicorn {meta['gunicorn']}, 1 gthread worker, {THREADS} threads) pinned to "
        f"core {SERVER_CORE}; load generator (asyncio streams, stdlib) on core {CLIENT_CORE}",
        f"assembly: approval, {meta['ideas']} ideas on the ballot ({meta['groups']} groups x "
        f"{meta['ideas_per_group']}); a voter = GET /b/CODE, POST /b/CODE (303), GET /b/CODE?saved=1 "
        f"(redirect followed and counted) on one keep-alive connection; new voters start for "
        f"{meta['duration_s']:g} s; baseline = GET /bench/hello x the same number of requests, "
        f"3 per connection, same concurrency, median of {HELLO_REPEATS} runs",
        "",
        "voters | vote req/s | voters/s | hello req/s | ratio | p50 / p99 req ms | p50 / p99 voter ms | "
        "hello p50 / p99 ms | errors | worker peak RSS MB | CPU ms/voter",
        "---|---|---|---|---|---|---|---|---|---|---",
    ]
    for lv in levels:
        v, h = lv["vote"], lv["hello"]
        lines.append(
            f"{lv['voters']} | {v['requests_per_s']:,.0f} | {v['flows_per_s']:,.1f} | {h['requests_per_s']:,.0f} | "
            f"{lv['ratio_requests_per_s']:.2f} | {lat(v, 'all requests')} | {lat(v, 'flow')} | "
            f"{lat(h, 'all requests')} | "
            f"{v['errors']} (hello {h['errors_all_repeats']}) | "
            f"{v['memory_kB']['worker'].get('VmHWM', 0) / 1024:.0f} (hello {h['memory_kB']['worker'].get('VmHWM', 0) / 1024:.0f}) | "
            f"{v['server_cpu_s'] * 1000 / max(v['flows'], 1):.1f}"
        )
    for lv in levels:
        v, h = lv["vote"], lv["hello"]
        lines += ["", f"## {lv['voters']} voters (server worker on CPUs {lv.get('server_affinity')})"]
        for name, run in (("voting", v), ("hello", h)):
            lines.append(
                f"{name}: {run['requests']} requests in {run['wall_s']:.1f} s = {run['requests_per_s']:,.1f} req/s, "
                f"{run['flows']} connections completed ({run['flows_per_s']:,.1f}/s), {run['failed_flows']} failed; "
                f"server CPU {run['server_cpu_util'] * 100:.0f}% ({run['server_cpu_ms_per_request']:.2f} ms/request), "
                f"load generator CPU {run['client_cpu_util'] * 100:.0f}%; reconnects {run['reconnects']}"
                + (f"; core {SERVER_CORE} steal {run['server_core_noise']['steal'] * 100:.1f}%, other processes "
                   f"{run['server_core_noise']['others'] * 100:.1f}%" if run.get("server_core_noise") else "")
            )
            for kind, fig in run["latency_ms"].items():
                lines.append(f"  {kind:<13} p50 {fig['p50']:>8,.1f} ms  p99 {fig['p99']:>8,.1f} ms  "
                             f"max {fig['max']:>8,.1f} ms  (n={fig['n']})")
            mem = run["memory_kB"]
            lines.append(f"  memory: worker VmHWM {mem['worker'].get('VmHWM', 0) / 1024:.1f} MB, "
                         f"sampled max VmRSS {mem['worker'].get('VmRSS_sampled_max', 0) / 1024:.1f} MB, "
                         f"threads {mem['worker'].get('Threads')}; master VmHWM "
                         f"{mem['master'].get('VmHWM', 0) / 1024:.1f} MB")
            if run.get("repeats_requests_per_s"):
                lines.append(f"  (median of {HELLO_REPEATS} runs of the same size: "
                             f"{', '.join(f'{x:,.0f}' for x in run['repeats_requests_per_s'])} req/s)")
            if run["error_reasons"]:
                lines.append(f"  errors: {run['error_reasons']}")
            if run.get("server_log_problems"):
                lines.append(f"  server log: {len(run['server_log_problems'])} problem lines, first: "
                             f"{run['server_log_problems'][0]}")
        lines.append(f"  ballots stored: {v['ballots_stored']}" + (f" — {v['ballots_note']}" if v.get("ballots_note") else ""))
        if v.get("code_pool_exhausted"):
            lines.append("  NOTE: the ballot-code pool ran out before the duration ended; raise --codes")
        if max(v["client_cpu_util"], h["client_cpu_util"]) > 0.9:
            lines.append("  NOTE: the load generator was near 100% of its core: figures may be client-bound")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", default="100,500", help="concurrent phones, comma-separated (default 100,500)")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds during which new voters start (default 15)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before one request counts as timed out")
    parser.add_argument("--groups", type=int, default=20, help="groups in the assembly (default 20)")
    parser.add_argument("--ideas-per-group", type=int, default=3, help="ideas each group sends (default 3)")
    parser.add_argument("--codes", type=int, default=8000, help="ballot codes per run (default 8000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"), help="where load.txt/load.json go")
    parser.add_argument("--serve-hello", metavar="DATA", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_hello:
        serve_hello(args.serve_hello, args.port, THREADS)
        return 0

    levels_wanted = [int(n) for n in args.voters.split(",") if n.strip()]
    if shutil.which("taskset") is None:
        print("bench/load.py needs taskset (util-linux)", file=sys.stderr)
        return 2
    if len(os.sched_getaffinity(0) | {SERVER_CORE, CLIENT_CORE}) > len(os.sched_getaffinity(0)):
        print(f"bench/load.py needs CPU cores {SERVER_CORE} and {CLIENT_CORE}", file=sys.stderr)
        return 2
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    results = Path(args.out)
    results.mkdir(parents=True, exist_ok=True)
    # Stopped from outside (SIGTERM, or SIGHUP when the terminal goes): still stop the servers
    # and remove the temporary data, through the `finally` blocks.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda signum, frame: sys.exit(128 + signum))
    work = Path(tempfile.mkdtemp(prefix="venuekit-load-"))
    began = time.monotonic()
    try:
        os.sched_setaffinity(0, {CLIENT_CORE})
        template = work / "template"
        print(f"preparing {args.codes} ballot codes, {args.groups} groups x {args.ideas_per_group} ideas ...", flush=True)
        made = prepare(template, groups=args.groups, ideas_per_group=args.ideas_per_group, codes_needed=args.codes)
        import gunicorn

        meta = {
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "machine": f"{os.cpu_count()} cores ({_cpu_model()}), Linux {platform.release()}, Python {platform.python_version()}",
            "gunicorn": gunicorn.__version__, "threads": THREADS, "duration_s": args.duration,
            "timeout_s": args.timeout, "groups": args.groups, "ideas_per_group": args.ideas_per_group,
            "ideas": made["ideas"], "codes": args.codes, "server_core": SERVER_CORE, "client_core": CLIENT_CORE,
            "redirect": "followed and counted (GET /b/CODE?saved=1)",
            "client_cpus": sorted(os.sched_getaffinity(0)),
        }
        levels = []
        for voters in levels_wanted:
            print(f"{voters} voters ...", flush=True)
            levels.append(one_level(args, work, template, made["codes"], voters, results))
        text = report(meta, levels)
        print(text)
        (results / "load.txt").write_text(text + "\n")
        (results / "load.json").write_text(json.dumps({"meta": meta, "levels": levels}, indent=2) + "\n")
        print(f"\n(total {time.monotonic() - began:.0f} s; written to {results / 'load.txt'} and load.json)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
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
    except KeyboardInterrupt:  # the servers and the temporary data are gone already (finally blocks)
        sys.exit(130)
