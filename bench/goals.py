"""From the runs to the goals: one row per goal (target, figure, baseline, pass) and the report text.

A figure over repeats is their median, shown with min and max; a goal passes on the median, and
only if the runs behind it had no failed requests (a fast error is not a served phone).
"""
from __future__ import annotations

from scenarios import Plan, p99, spread

KEYS = ["1_vote_to_hello_ratio", "2a_burst_flow_p99", "2b_steady_request_p99", "3_screens",
        "4_slow_clients", "5_memory", "6_ballots_per_fsync", "7a_page_bytes", "7b_first_render",
        "7c_projector_update"]


def _fmt(s: dict, unit: str = "", digits: int = 2) -> str:
    if not s:
        return "not measured"
    if s["n"] == 1:
        return f"{s['median']:,.{digits}f}{unit}"
    return f"{s['median']:,.{digits}f}{unit} ({s['min']:,.{digits}f}–{s['max']:,.{digits}f})"


def _errors(*runs: dict) -> int:
    return sum(run.get("errors", 0) for run in runs if run)


def _row(key: str, goal: str, target: str, figure: str, baseline: str, ok: bool | None, **detail) -> dict:
    return {"key": key, "goal": goal, "target": target, "figure": figure, "baseline": baseline,
            "pass": ok, **detail}


def evaluate(found: dict, plan: Plan) -> list[dict]:
    reps = found.get("repeats", [])
    rows = []

    ratio = spread([r["ratio"] for r in reps])
    hello = spread([r["hello"]["requests_per_s"] for r in reps], 0)
    vote = spread([r["plain"]["requests_per_s"] for r in reps], 0)
    errs = _errors(*(r["plain"] for r in reps))
    rows.append(_row(KEYS[0], f"voting req/s ÷ bare-route req/s, {plan.phones} phones", "≥ 0.5",
                     _fmt(ratio), f"vote {_fmt(vote, ' req/s', 0)}; hello {_fmt(hello, ' req/s', 0)}",
                     bool(ratio) and ratio["median"] >= 0.5 and errs == 0, value=ratio, errors=errs))

    flow = spread([p99(r["plain"], "flow") for r in reps], 0)
    hello_flow = spread([p99(r["hello"], "flow") for r in reps], 0)
    rows.append(_row(KEYS[1], f"{plan.phones} phones at once: whole flow p99", "≤ 1,000 ms", _fmt(flow, " ms", 0),
                     f"3 bare requests: {_fmt(hello_flow, ' ms', 0)}",
                     bool(flow) and flow["median"] <= 1000 and errs == 0, value=flow, errors=errs))

    steady = found.get("steady") or []
    steady_hello = found.get("steady_hello") or {}
    s99 = spread([p99(run) for run in steady], 0)
    errs2 = _errors(*steady)
    rows.append(_row(KEYS[2], f"steady {plan.rate:g} voters/s: per-request p99", "≤ 150 ms", _fmt(s99, " ms", 0),
                     f"bare route at the same arrival: {p99(steady_hello) or 0:,.0f} ms" if steady_hello else "-",
                     (s99["median"] <= 150 and errs2 == 0) if s99 else None, value=s99, errors=errs2))

    thr = spread([r["screens"]["flows_per_s"] / max(r["plain"]["flows_per_s"], 1e-9) for r in reps])
    slower = spread([(p99(r["screens"]) or 0) / max(p99(r["plain"]) or 1e-9, 1e-9) for r in reps])
    lags = [r["screens"].get("lag", {}) for r in reps]
    worst = max((x.get("max_ms") or 0 for x in lags), default=None)
    lag99 = spread([x.get("p99_ms") for x in lags], 0)
    missed = sum(x.get("missed", 0) for x in lags)
    opened = min((r["screens"]["screens"]["opened"] for r in reps), default=0)
    ok3 = (bool(thr) and thr["median"] >= 1 / 1.2 and slower["median"] <= 1.2 and worst is not None
           and worst <= 1000 and missed == 0 and opened == plan.screens and _errors(*(r["screens"] for r in reps)) == 0)
    rows.append(_row(KEYS[3], f"{plan.screens} screens + {plan.phones} phones: throughput and p99 vs none; "
                              f"every screen hears each ballot",
                     "throughput ≥ 0.83×, p99 ≤ 1.2×, lag ≤ 1,000 ms",
                     f"throughput {_fmt(thr)}×, p99 {_fmt(slower)}×, lag p99 {_fmt(lag99, ' ms', 0)}, "
                     f"max {worst or 0:,.0f} ms, missed {missed}, screens open {opened}/{plan.screens}",
                     "the same votes without screens", ok3 if reps else None,
                     throughput_ratio=thr, p99_ratio=slower, lag_p99_ms=lag99, lag_max_ms=worst, missed=missed))

    slowr = spread([(p99(r["slow"]) or 0) / max(p99(r["plain"]) or 1e-9, 1e-9) for r in reps])
    errs4 = _errors(*(r["slow"] for r in reps))
    rows.append(_row(KEYS[4], f"{plan.slow} slow/stalled clients during votes: other phones' p99",
                     "≤ 1.2× without", f"{_fmt(slowr)}× (errors {errs4})",
                     f"p99 without: {_fmt(spread([p99(r['plain']) for r in reps], 0), ' ms', 0)}",
                     bool(slowr) and slowr["median"] <= 1.2 and errs4 == 0, value=slowr, errors=errs4))

    mem = found.get("memory") or {}
    if mem.get("loaded"):
        loaded = mem["loaded"]["total_pss_kB"] / 1024
        held = f"{mem['screens_open']} screens, {mem['phones_open']} phones held"
        # A Pi has no supervisor (systemd starts each process): its set is the rest. The goal is
        # judged on everything this run started, supervisor included.
        pi_set = sum(p["pss_kB"] for p in mem["loaded"]["processes"] if "supervisor" not in p["name"]) / 1024
        spooler = "with" if any(p["name"] == "print spooler" for p in mem["loaded"]["processes"]) else "WITHOUT"
        rows.append(_row(KEYS[5], f"PSS of all kit processes, {plan.screens} screens + {plan.idle} idle phones",
                         "≤ 200 MB", f"{loaded:,.0f} MB ({held}; {spooler} the print spooler; "
                                     f"without the supervisor, as on a Pi: {pi_set:,.0f} MB)",
                         f"idle: {mem['idle']['total_pss_kB'] / 1024:,.0f} MB",
                         loaded <= 200 and mem["screens_open"] == plan.screens and mem["phones_open"] == plan.idle,
                         value=round(loaded, 1)))
    else:
        rows.append(_row(KEYS[5], "PSS of all kit processes", "≤ 200 MB", "not measured", "-", None))

    fs = found.get("fsync") or {}
    counted = [r["plain"].get("group_commit") for r in reps if r["plain"].get("group_commit")]
    per_tx = spread([c["writes"] / c["transactions"] for c in counted if c.get("transactions")])
    per_sync = fs.get("ballots_per_fsync")
    figure = (f"{per_sync:,.2f} ballots per fsync ({fs['ballots']} ballots, {fs['calls']})" if per_sync
              else fs.get("note", "not measured"))
    known = [x for x in (per_sync, per_tx.get("median") if per_tx else None) if x is not None]
    rows.append(_row(KEYS[6], "ballots per fsync under load (group commit)", "> 1", figure,
                     f"the kit's count, writes per transaction: {_fmt(per_tx)}" if per_tx else "no kit count",
                     all(x > 1 for x in known) if known else None, value=per_sync, writes_per_transaction=per_tx))

    page = found.get("page") or {}
    rows.append(_row(KEYS[7], "ballot page on the wire (gzip, head + body)", "≤ 4,096 B",
                     f"{page.get('wire_bytes', 0):,} B (body {page.get('body_bytes', 0):,} B, "
                     f"gzip {'yes' if page.get('gzip') else 'NO'})", "-",
                     bool(page) and page["status"] == 200 and page["wire_bytes"] <= 4096, value=page.get("wire_bytes")))

    render = found.get("render") or {}
    fcp = render.get("fcp_ms") or {}
    rows.append(_row(KEYS[8], "first render (FCP), Chromium at 1 Mbit/s and +100 ms", "≤ 400 ms",
                     _fmt(fcp, " ms", 0) if fcp else render.get("error", "not measured")[:80],
                     f"unthrottled: {render['unthrottled']['fcp_ms'] or 0:,.0f} ms; load event "
                     f"{_fmt(render.get('load_ms') or {}, ' ms', 0)}" if fcp else "-",
                     (fcp["median"] <= 400) if fcp else None, value=fcp))

    proj = found.get("projector") or {}
    plag = proj.get("lag") or {}
    shown = proj.get("page_lag") or {}
    quiet = proj.get("quiet_lag") or {}
    # The figure: the count on the projector page in Chromium when measured, else the socket.
    judged = shown if shown.get("p99_ms") is not None else plag
    figure = "not measured"
    if plag.get("pairs"):
        figure = (f"socket p99 {plag.get('p99_ms') or 0:,.0f} ms, max {plag.get('max_ms') or 0:,.0f} ms, "
                  f"missed {plag.get('missed', 0)}; ")
        figure += (f"page shows it p99 {shown['p99_ms']:,.0f} ms, max {shown['max_ms']:,.0f} ms, "
                   f"missed {shown['missed']}; " if shown.get("p99_ms") is not None
                   else f"page: {shown.get('note', 'not measured')}; ")
        figure += f"{proj.get('flows_per_s', 0):,.0f} ballots/s achieved"
    rows.append(_row(KEYS[9], f"projector hears and shows a ballot at {plan.projector_rate:g} ballots/s",
                     "p99 ≤ 500 ms", figure,
                     (f"one quiet ballot, socket: p99 {quiet.get('p99_ms') or 0:,.0f} ms "
                      f"({quiet.get('heard_before_ack', 0)} of {quiet['pairs']} heard before the answer)")
                     if quiet.get("pairs") else "-",
                     (judged["p99_ms"] <= 500 and judged["missed"] == 0 and plag.get("missed", 0) == 0
                      and _errors(proj) == 0) if judged.get("p99_ms") is not None else None,
                     value=judged.get("p99_ms")))
    return rows


def report(meta: dict, rows: list[dict], found: dict) -> str:
    mark = {True: "PASS", False: "FAIL", None: "n/a"}
    lines = [f"venuekit serving benchmark, {meta['date']} — {meta['machine']}",
             f"kit: {meta['topology']} topology (`{meta['command']}`), every process pinned to core "
             f"{meta['server_core']}; clients (asyncio, stdlib) on core {meta['client_core']}"
             + ("; QUICK (tiny counts: the figures mean little)" if meta["quick"] else ""),
             "", "goal | target | figure (median, min–max over repeats) | baseline, same run | result",
             "---|---|---|---|---"]
    lines += [f"{r['goal']} | {r['target']} | {r['figure']} | {r['baseline']} | {mark[r['pass']]}" for r in rows]
    for n, rep in enumerate(found.get("repeats", []), 1):
        lines += ["", f"## round {n}"]
        for name in ("plain", "hello", "screens", "slow"):
            run = rep[name]
            lat = run["latency_ms"]
            lines.append(
                f"{name:<7} {run['requests']:>6} req in {run['wall_s']:>5.1f} s = {run['requests_per_s']:>7,.0f} req/s, "
                f"{run['flows_per_s']:>6,.1f} flows/s; p50/p99 req {lat.get('all requests', {}).get('p50', 0):,.0f}/"
                f"{p99(run) or 0:,.0f} ms, flow {lat.get('flow', {}).get('p50', 0):,.0f}/{p99(run, 'flow') or 0:,.0f} ms; "
                f"errors {run['errors']}; kit CPU {run['kit_cpu_util'] * 100:.0f}% "
                f"({run['kit_cpu_ms_per_request']:.2f} ms/req); client CPU {run['client_cpu_util'] * 100:.0f}%"
                + (f"; core {meta['server_core']} others {run['server_core']['others'] * 100:.0f}%"
                   if run.get("server_core") else ""))
            if run.get("error_reasons"):
                lines.append(f"        errors: {run['error_reasons']}")
        lag = rep["screens"].get("lag") or {}
        lines.append(f"screens: {rep['screens']['screens']}; lag from 303 to each screen's update: p50 "
                     f"{lag.get('p50_ms')} / p99 {lag.get('p99_ms')} / max {lag.get('max_ms')} ms over "
                     f"{lag.get('ballots_sampled', 0)} ballots x {lag.get('screens', 0)} screens, missed "
                     f"{lag.get('missed', 0)} (heard before the 303: {lag.get('heard_before_ack', 0)}), within 1 s {lag.get('share_within_1s', 0) * 100:.1f}%")
        lines.append(f"slow clients: {rep['slow'].get('slow_clients')}")
        if rep["plain"].get("group_commit"):
            lines.append(f"group commit during the plain votes: {rep['plain']['group_commit']}")
    fetching = found.get("fetching_screens")
    if fetching:
        run, plain = fetching["screens"], fetching["plain"]
        lines.append(
            f"\nscreens that fetch as live.js does (not a goal of its own): {fetching['opened']} screens; votes "
            f"{run['requests_per_s']:,.0f} req/s against {plain['requests_per_s']:,.0f} without "
            f"({fetching['throughput']:.2f}x), p99 {p99(run) or 0:,.0f} against {p99(plain) or 0:,.0f} ms "
            f"({fetching['p99_ratio']:.2f}x), errors {run['errors']}; {fetching['fetches']} fetches "
            f"({fetching['fetches_per_s']:,.0f}/s), p50/p99 {fetching['fetch_ms']['p50']:,.0f}/"
            f"{fetching['fetch_ms']['p99']:,.0f} ms, nginx's answers {fetching['cache_status']}, "
            f"failed {fetching['fetch_errors'] or 0}; PSS of the kit with them open "
            f"{fetching.get('pss_mb_with_screens', 0):,.0f} MB; kit CPU {run['kit_cpu_util'] * 100:.0f}%, "
            f"client CPU {run['client_cpu_util'] * 100:.0f}%")
    named = [("steady", run) for run in found.get("steady", [])]
    named += [(key, found[key]) for key in ("steady_hello", "projector") if found.get(key)]
    for key, run in named:
        if run:
            lines.append(f"\n{key}: {run['requests']} req, {run['flows_per_s']:,.1f} arrivals/s served, latency "
                         f"{ {k: (v['p50'], v['p99']) for k, v in run['latency_ms'].items()} } ms (p50, p99), "
                         f"errors {run['errors']} {run.get('error_reasons') or ''}")
    if found.get("memory", {}).get("loaded"):
        lines.append("\nmemory (PSS MB) idle -> loaded, per process:")
        idle = {p["pid"]: p for p in found["memory"]["idle"]["processes"]}
        for p in found["memory"]["loaded"]["processes"]:
            before = idle.get(p["pid"], {}).get("pss_kB", 0)
            lines.append(f"  {p['name']:<40} {before / 1024:6.1f} -> {p['pss_kB'] / 1024:6.1f}")
    if found.get("fsync"):
        lines.append(f"\nfsync: {found['fsync']}")
    lines.append(f"\naffinity: {found.get('affinity')}")
    if found.get("failures"):
        lines.append(f"FAILED RUNS: {found['failures']}")
    if found.get("skipped"):
        lines.append(f"SKIPPED (time limit): {found['skipped']}")
    if found.get("kit_log_problems"):
        lines.append(f"kit log: {len(found['kit_log_problems'])} problem lines, first: {found['kit_log_problems'][0]}")
    lines.append(f"ballots stored in all: {found.get('ballots_total')}; total time {meta['total_s']:.0f} s")
    return "\n".join(lines)
