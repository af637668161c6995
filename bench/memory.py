"""What the kit's processes cost: finding them in /proc, their PSS, CPU time and core affinity.

Every figure comes from /proc so the benchmark needs no package: PSS (proportional set size,
from /proc/PID/smaps_rollup) shares each page among the processes that map it, so a sum over
forked workers counts shared code once instead of once per worker as RSS would.
"""
from __future__ import annotations

import os
from pathlib import Path

CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # pid (comm) state ppid pgrp session ...: comm may hold spaces, so split after the last ')'.
    return text.rsplit(")", 1)[1].split()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def kit_processes(leader: int, marker: str) -> list[int]:
    """The launched process, everything in its session, its descendants, and any process whose
    command line names `marker` (the run's data directory): a daemon that left the session."""
    found: set[int] = set()
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        fields = _stat_fields(pid)
        if fields is None or fields[0] == "Z":
            continue
        parents[pid] = int(fields[1])
        if pid == leader or int(fields[3]) == leader or (marker and marker in _cmdline(pid)):
            found.add(pid)
    grew = True
    while grew:  # descendants of anything found (a child that called setsid itself)
        grew = False
        for pid, ppid in parents.items():
            if ppid in found and pid not in found:
                found.add(pid)
                grew = True
    return sorted(pid for pid in found if os.path.exists(f"/proc/{pid}"))


def name_of(pid: int) -> str:
    """A short label: nginx master/worker, gunicorn master/worker, or the program's name."""
    line = _cmdline(pid)
    if line.startswith("nginx:"):
        for kind in ("master", "cache manager", "cache loader"):
            if kind in line:
                return f"nginx {kind}"
        return "nginx worker"
    words = line.split()
    if "print-spooler" in words:
        return "print spooler"
    if "serve" in words or "live" in words:
        if "--front" in words:
            return "venuekit serve --front (supervisor)"
        if "live" in words and "serve" not in words:
            return "live process"
        fields = _stat_fields(pid)
        parent = _cmdline(int(fields[1])).split() if fields else []
        # gunicorn's worker is a fork of its master: same command line as its parent.
        return "web worker" if parent == words else "web master (gunicorn)"
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def pss_kb(pid: int) -> int:
    """Proportional set size in kB, 0 if the process is gone or unreadable."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK  # utime + stime


def threads_of(pid: int) -> list[int]:
    try:
        return sorted(int(t) for t in os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return []


def pin(pids: list[int], core: int) -> dict[int, str]:
    """Pin every thread of every process to one core; return each process's CPU list after."""
    out = {}
    for pid in pids:
        for tid in threads_of(pid):
            try:
                os.sched_setaffinity(tid, {core})
            except OSError:
                pass
        try:
            out[pid] = ",".join(str(c) for c in sorted(os.sched_getaffinity(pid)))
        except OSError:
            out[pid] = "gone"
    return out


def memory_table(pids: list[int]) -> dict:
    """PSS and RSS of each process and the PSS total, in kB."""
    rows = [{"pid": pid, "name": name_of(pid), "pss_kB": pss_kb(pid), "rss_kB": rss_kb(pid)} for pid in pids]
    return {"total_pss_kB": sum(r["pss_kB"] for r in rows), "processes": rows}


def core_times(core: int) -> list[int]:
    """/proc/stat jiffies of one core: user nice system idle iowait irq softirq steal ..."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{core} "):
            return [int(x) for x in line.split()[1:]]
    return []


def core_noise(before: list[int], after: list[int], kit_cpu_s: float) -> dict:
    """Noise on the server's core during a run: hypervisor steal, and CPU used by anything else."""
    if len(before) < 8 or len(after) < 8:
        return {}
    delta = [a - b for a, b in zip(after[:8], before[:8])]
    total = max(sum(delta), 1)
    busy_s = (delta[0] + delta[1] + delta[2] + delta[5] + delta[6]) / CLOCK_TICK
    wall_s = total / CLOCK_TICK
    return {"busy": round(busy_s / wall_s, 3), "steal": round(delta[7] / total, 3),
            "others": round(max(busy_s - kit_cpu_s, 0) / wall_s, 3)}
