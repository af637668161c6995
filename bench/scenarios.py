"""The runs behind each goal, against one started kit, each next to its baseline in the same run."""
from __future__ import annotations

import asyncio
import contextlib
import json
import random
import statistics
import time
from dataclasses import dataclass

import browser
import clients
import memory
from kit import SERVER_CORE, FsyncCount, Kit
from screens import Screens, lag
from slow import SlowClients


@dataclass
class Plan:
    """Sizes and times of one benchmark; `--quick` shrinks every one of them."""
    repeats: int = 3
    phones: int = 500
    duration: float = 8.0
    codes_per_s: int = 700  # ballot codes set aside per second of a closed-loop run
    rate: float = 100.0
    steady_duration: float = 10.0
    screens: int = 1000
    slow: int = 100
    idle: int = 1000
    projector_rate: float = 200.0
    projector_duration: float = 5.0
    projector_screens: int = 20
    fsync_duration: float = 5.0
    quiet_ballots: int = 5
    browser_repeats: int = 3
    browser: bool = True
    timeout: float = 15.0
    handshake_timeout: float = 5.0
    seed: int = 1

    def codes_needed(self) -> int:
        closed = int(self.duration * self.codes_per_s)
        # Three closed-loop runs a round, and two for the screens that fetch.
        return (self.repeats * 3 * closed + 2 * closed + int(self.repeats * self.rate * self.steady_duration)
                + int(self.fsync_duration * self.codes_per_s) + int(self.projector_rate * self.projector_duration)
                + 200)


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def spread(values: list[float], digits: int = 3) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {}
    return {"min": round(min(values), digits), "median": round(statistics.median(values), digits),
            "max": round(max(values), digits), "n": len(values)}


def summarise(stats: clients.Stats, kit_cpu_s: float, client_cpu_s: float, noise: dict) -> dict:
    wall = max(stats.last - stats.first, 1e-9)
    everything = [s for kind, v in stats.latencies.items() if kind != "connect" for s in v]
    kinds = [("all requests", everything), *sorted(stats.latencies.items()), ("flow", stats.flows)]
    return {
        "wall_s": round(wall, 2), "requests": stats.requests, "requests_per_s": round(stats.requests / wall, 1),
        "flows": len(stats.flows), "flows_per_s": round(len(stats.flows) / wall, 1),
        "failed_flows": stats.failed_flows, "errors": sum(stats.errors.values()),
        "error_reasons": dict(sorted(stats.errors.items(), key=lambda kv: -kv[1])[:8]),
        "reconnects": stats.reconnects,
        "latency_ms": {kind: {"p50": round(pct(v, 50) * 1000, 1), "p99": round(pct(v, 99) * 1000, 1),
                              "max": round(max(v) * 1000, 1), "n": len(v)} for kind, v in kinds if v},
        "kit_cpu_s": round(kit_cpu_s, 2), "kit_cpu_util": round(kit_cpu_s / wall, 3),
        "kit_cpu_ms_per_request": round(kit_cpu_s * 1000 / max(stats.requests, 1), 3),
        "client_cpu_util": round(client_cpu_s / wall, 3), "server_core": noise,
    }


def p99(run: dict, kind: str = "all requests") -> float | None:
    figures = run.get("latency_ms", {}).get(kind)
    return figures["p99"] if figures else None


class Runner:
    def __init__(self, kit: Kit, plan: Plan, codes: list[str], idea_ids: list[int]):
        self.kit, self.plan, self.idea_ids = kit, plan, idea_ids
        self.reserve = codes[:50]  # read-only uses: idle phones, slow clients (never voted with)
        self.codes = iter(codes[50:])

    def take(self, n: int):
        """A bounded slice of fresh codes: a run stops by itself when its codes are used."""
        return iter([c for c, _ in zip(self.codes, range(n))])

    def commit_counts(self) -> dict | None:
        """Writes and transactions committed so far, summed over the kit's processes, if it counts them."""
        files = list((self.kit.data / "run").glob("commits-*.json"))
        if not files:
            return None
        total = {"writes": 0, "transactions": 0}
        for path in files:
            try:
                counts = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            for key in total:
                total[key] += counts.get(key, 0)
        return total

    async def measured(self, coro) -> tuple[clients.Stats, dict]:
        cpu0, client0, core0 = self.kit.cpu_seconds(), time.process_time(), memory.core_times(SERVER_CORE)
        ballots0 = self.kit.ballots()
        stats = await coro
        cpu = self.kit.cpu_seconds() - cpu0
        run = summarise(stats, cpu, time.process_time() - client0,
                        memory.core_noise(core0, memory.core_times(SERVER_CORE), cpu))
        run["ballots_stored"] = self.kit.ballots() - ballots0
        return stats, run

    async def votes(self, phones: int | None = None, duration: float | None = None) -> tuple[clients.Stats, dict]:
        p = self.plan
        duration = duration or p.duration
        budget = duration + 2 * p.timeout + 30
        stats, run = await asyncio.wait_for(self.measured(clients.closed_loop(
            self.kit.port, phones or p.phones, self.take(int(duration * p.codes_per_s)), duration,
            p.timeout, p.seed)), budget)
        run["codes_ran_out"] = len(stats.flows) + stats.failed_flows >= int(duration * p.codes_per_s)
        return stats, run

    async def hello(self, total: int) -> dict:
        p = self.plan
        _, run = await asyncio.wait_for(self.measured(clients.hello_loop(
            self.kit.port, p.phones, max(total, 300), 3, p.timeout)), 2 * p.timeout + 60)
        return run

    async def warm_up(self) -> None:
        stats, _ = await self.measured(clients.closed_loop(self.kit.port, 4, self.take(12), 30, 10, 0))
        await clients.hello_loop(self.kit.port, 4, 40, 3, 10)
        if stats.errors:
            raise RuntimeError(f"warm-up failed: {stats.errors}")
        await asyncio.sleep(0.7)  # the warm-up's ballots reach the kit's commit counts

    async def repeat(self) -> dict:
        """One round: plain votes, the bare route, votes beside screens, votes beside slow clients."""
        p = self.plan
        out: dict = {}
        before = self.commit_counts()
        _, out["plain"] = await self.votes()
        await asyncio.sleep(0.7)  # the kit writes its counts at most twice a second
        after = self.commit_counts()
        if after is not None:
            out["plain"]["group_commit"] = {k: after[k] - (before or {}).get(k, 0) for k in after}
        out["hello"] = await self.hello(out["plain"]["requests"])
        out["ratio"] = round(out["plain"]["requests_per_s"] / max(out["hello"]["requests_per_s"], 1e-9), 3)

        crowd = Screens()
        await crowd.open(self.kit.port, p.screens, p.handshake_timeout)
        listen_from = time.perf_counter()
        try:
            stats, out["screens"] = await self.votes()
            await asyncio.sleep(1.5)  # the last ballots' announcements
            out["screens"]["lag"] = lag(stats.acks, crowd, listen_from, time.perf_counter(), stats.sent)
        finally:
            out.setdefault("screens", {})["screens"] = {"asked": p.screens, "opened": len(crowd.screens),
                                         "open_s": round(crowd.open_s, 2), "failed": crowd.failed,
                                         "alive_at_end": crowd.alive(), "updates": crowd.messages()}
            crowd.close()
        await asyncio.sleep(1.0)

        rude = SlowClients(self.kit.port, p.slow, self.reserve)
        rude.start()
        try:
            await asyncio.sleep(2.0)  # let them take hold first
            _, out["slow"] = await self.votes()
        finally:
            await rude.close()
            out.setdefault("slow", {})["slow_clients"] = rude.summary()
        await asyncio.sleep(1.0)
        return out

    async def fetching_screens(self) -> dict:
        """Votes without screens, then beside screens that fetch the projector's live part on each
        update as live.js does (not a goal of its own: what a real screen adds to a bare socket)."""
        p = self.plan
        _, plain = await self.votes()
        await asyncio.sleep(1.0)
        crowd = Screens(fetch=True)
        await crowd.open(self.kit.port, p.screens, p.handshake_timeout)
        try:
            await asyncio.sleep(1.0)  # the fetches every screen makes on opening
            began = len(crowd.fetches.latencies)
            _, run = await self.votes()
            during = crowd.fetches.latencies[began:]
            held = self.kit.memory()  # the screens still open, the voters gone
        finally:
            fetches = crowd.fetches
            crowd.close()
        await asyncio.sleep(1.0)
        return {"plain": plain, "screens": run, "opened": len(crowd.screens), "fetches": len(during),
                "fetches_per_s": round(len(during) / max(run["wall_s"], 1e-9), 1),
                "fetch_ms": {"p50": round((pct(during, 50) or 0) * 1000, 1),
                             "p99": round((pct(during, 99) or 0) * 1000, 1)},
                "cache_status": fetches.cache, "fetch_errors": fetches.errors,
                "throughput": round(run["requests_per_s"] / max(plain["requests_per_s"], 1e-9), 3),
                "pss_mb_with_screens": round(held["total_pss_kB"] / 1024, 1),
                "p99_ratio": round((p99(run) or 0) / max(p99(plain) or 1e-9, 1e-9), 3)}

    async def steady(self) -> dict:
        """Voters arriving at a steady rate (an open loop: arrivals do not wait for answers)."""
        p = self.plan
        budget = p.steady_duration + 2 * p.timeout + 30
        _, run = await asyncio.wait_for(self.measured(clients.open_loop(
            self.kit.port, p.rate, p.steady_duration, self.take(int(p.rate * p.steady_duration)),
            p.timeout, p.seed)), budget)
        return run

    async def steady_hello(self) -> dict:
        p = self.plan

        async def three_hellos(stats, port, code, rng, agent, timeout):
            await clients.hello_flow(stats, port, 3, agent, timeout)

        endless = iter(lambda: "-", None)
        _, run = await asyncio.wait_for(self.measured(clients.open_loop(
            self.kit.port, p.rate, p.steady_duration, endless, p.timeout, p.seed, three_hellos)),
            p.steady_duration + 2 * p.timeout + 30)
        return run

    async def memory_loaded(self, idle: dict) -> dict:
        """PSS of every kit process holding the screens and the idle phones (`idle`: before any load)."""
        p = self.plan
        out = {"idle": idle}
        crowd, phones = Screens(), clients.IdlePhones()
        try:
            await crowd.open(self.kit.port, p.screens, p.handshake_timeout)
            await phones.open(self.kit.port, p.idle, self.reserve, p.handshake_timeout)
            await asyncio.sleep(2.0)
            out["loaded"] = self.kit.memory()
            out["screens_open"], out["phones_open"] = crowd.alive(), phones.still_open()
            out["screens_failed"], out["phones_failed"] = crowd.failed, phones.failed
        finally:
            crowd.close()
            phones.close()
        await asyncio.sleep(1.0)
        return out

    async def projector(self) -> dict:
        """Ballots through the JSON API at a steady rate; a few screens listen. Baseline: quiet ballots."""
        p = self.plan
        crowd = Screens()
        await crowd.open(self.kit.port, p.projector_screens, p.handshake_timeout)
        try:
            quiet = clients.Stats()
            since = time.perf_counter()
            for n, code in enumerate(self.take(p.quiet_ballots)):
                await asyncio.sleep(1.3)  # the previous ballot's echoes pass first
                await clients.api_ballot(quiet, self.kit.port, code, random.Random(n), "bench", p.timeout,
                                         self.idea_ids)
            await asyncio.sleep(1.5)
            quiet_lag = lag(quiet.acks, crowd, since, time.perf_counter(), quiet.sent, alone=True)

            async def ballot(stats, port, code, rng, agent, timeout):
                await clients.api_ballot(stats, port, code, rng, agent, timeout, self.idea_ids)

            page = None
            if p.browser:
                try:
                    page = browser.ProjectorPage()
                    await page.open(self.kit.port)
                except Exception as exc:  # noqa: BLE001 (no browser: the socket figure still stands)
                    page_error = f"{type(exc).__name__}: {str(exc)[:160]}"
                    with contextlib.suppress(Exception):
                        await page.close()
                    page = None
            await asyncio.sleep(1.0)
            since = time.perf_counter()
            epoch = time.time() - since  # perf_counter -> wall clock, for the browser's Date.now()
            stats, run = await asyncio.wait_for(self.measured(clients.open_loop(
                self.kit.port, p.projector_rate, p.projector_duration,
                self.take(int(p.projector_rate * p.projector_duration)), p.timeout, p.seed, ballot)),
                p.projector_duration + 2 * p.timeout + 30)
            await asyncio.sleep(1.5)
            run["lag"] = lag(stats.acks, crowd, since, time.perf_counter(), stats.sent)
            if page is not None:
                try:
                    run["page_lag"] = browser.projector_lag([a + epoch for a in stats.acks], await page.seen(),
                                                            since + epoch)
                finally:
                    await page.close()
            elif p.browser:
                run["page_lag"] = {"pairs": 0, "note": page_error}
            run["quiet_lag"] = quiet_lag
            run["screens_opened"] = len(crowd.screens)
        finally:
            crowd.close()
        return run

    async def fsyncs(self, out_path) -> dict:
        """Ballots per fsync while voting: the kit's own counter if it has one, else strace."""
        import shutil

        if shutil.which("strace") is None:
            return {"method": None, "note": "strace not installed (apt-get install strace)"}
        counter = FsyncCount(self.kit, out_path)
        try:
            _, run = await self.votes(duration=self.plan.fsync_duration)
        finally:
            calls = counter.stop()
        syncs = calls["fsync"] + calls["fdatasync"]
        return {"method": "strace -f -c -e trace=fsync,fdatasync on every kit thread (slows the kit: "
                          "throughput of this run is not a figure)",
                "ballots": run["ballots_stored"], "calls": calls,
                "ballots_per_fsync": round(run["ballots_stored"] / syncs, 2) if syncs else None,
                "flows": run["flows"], "errors": run["errors"]}
