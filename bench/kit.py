"""The kit under test: its data, the command that starts it, its processes, and its fsyncs.

One kit is started for a whole benchmark, with a bare route added to the same app
(`/bench/hello`, through a `sitecustomize` module on PYTHONPATH that wraps `create_app`), so
the baseline is answered by the very processes that answer the votes: nginx, the WSGI workers,
everything the production topology runs. The kit never knows it is being measured otherwise.
"""
from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import memory

HOST = "127.0.0.1"  # the only address the benchmark ever talks to
SERVER_CORE = 0
CLIENT_CORE = 1

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

HELLO_PATCH = '''\
"""Benchmark only: every app made by webapp.app.create_app also answers GET /bench/hello.

Patched when something imports webapp.app, never before: importing it here would load Flask
into every Python process of the kit (the supervisor, the live process, the spooler) and
the memory figure would count the benchmark's patch instead of the kit."""
import importlib.machinery
import sys


def _patch(module):
    make = module.create_app

    def create_app(*args, **kwargs):
        app = make(*args, **kwargs)
        if "bench_hello" not in app.view_functions:
            app.add_url_rule("/bench/hello", "bench_hello", lambda: "hello")
        return app

    module.create_app = create_app


class _Finder:
    def find_spec(self, name, path, target=None):
        if name != "webapp.app":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            _patch(module)

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _Finder())
'''


def prepare(data_dir: Path, *, groups: int, ideas_per_group: int, codes_needed: int) -> dict:
    """An assembly in the voting phase, made through the services as tests/conftest.py does."""
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
            entries.append((f"{TOPICS[n % len(TOPICS)]} ({group['number']}.{slot + 1})", DETAIL))
            n += 1
        ideas.save_for_group(store, group["id"], entries)
    codes: list[str] = []
    while len(codes) < codes_needed:
        codes += ballots.issue_codes(store, min(ballots.MAX_BATCH, codes_needed - len(codes)))
    assembly.set_phase(store, "voting")
    visible = [idea["id"] for idea in ideas.visible(store)]
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return {"codes": codes, "idea_ids": visible}


def count_ballots(data_dir: Path) -> int:
    conn = sqlite3.connect(f"file:{data_dir / 'venuekit.db'}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute("SELECT count(*) FROM ballots").fetchone()[0]
    finally:
        conn.close()


def front_available() -> bool:
    """Whether `venuekit serve` knows the production topology (nginx in front) yet."""
    from webapp.cli import build_parser

    serve = build_parser()._subparsers._group_actions[0].choices["serve"]
    return any("--front" in action.option_strings for action in serve._actions)


def launch_argv(topology: str, data: Path, port: int, workers: int | None) -> list[str]:
    """The one command that starts the kit; everything it starts is measured."""
    venuekit = str(Path(sys.executable).with_name("venuekit"))
    argv = [venuekit, "--data", str(data), "serve", "--host", HOST, "--port", str(port)]
    if topology == "front":
        # A Pi runs the print spooler beside the web workers (venuekit-printer.service): the
        # memory figure counts it, as it counts everything else the kit runs.
        argv += ["--front", "--spooler"]
        if workers:
            argv += ["--workers", str(workers)]
    return argv


class Kit:
    """The kit started under `taskset -c 0` in a session of its own, stopped as a whole."""

    def __init__(self, topology: str, data: Path, port: int, work: Path, log_path: Path,
                 workers: int | None = None):
        self.topology, self.data, self.port, self.log_path = topology, data, port, log_path
        patch = work / "hello-patch"
        patch.mkdir(exist_ok=True)
        (patch / "sitecustomize.py").write_text(HELLO_PATCH)
        env = {k: v for k, v in os.environ.items() if k not in ("VENUEKIT_CONFIG", "VENUEKIT_DATA")}
        env["PYTHONPATH"] = os.pathsep.join([str(patch), str(Path(__file__).resolve().parents[1])])
        env["VENUEKIT_COMMIT_STATS"] = "1"  # the workers write their commit counts (ballots per sync)
        self.argv = launch_argv(topology, data, port, workers)
        self.log = log_path.open("wb")
        self.proc = subprocess.Popen(["taskset", "-c", str(SERVER_CORE), *self.argv], stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self.affinity = self.pin()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        last = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the kit exited early ({self.proc.returncode}); see {self.log_path}")
            # The front prints a ready line once its workers answer; asking nginx before then
            # would only fill its error log with refused upstream connections.
            if self.topology == "front" and b"venuekit: ready" not in self.log_path.read_bytes():
                time.sleep(0.1)
                continue
            try:
                with urllib.request.urlopen(f"http://{HOST}:{self.port}/bench/hello", timeout=2) as resp:
                    if resp.read() == b"hello":
                        return
                    last = "the bare route answered something else"
            except OSError as exc:
                last = str(exc)
            time.sleep(0.2)
        raise RuntimeError(f"the kit did not answer /bench/hello within 60 s ({last}); see {self.log_path}")

    def processes(self) -> list[int]:
        return memory.kit_processes(self.proc.pid, str(self.data))

    def pin(self) -> dict:
        """Every kit process on the server core (a process started later inherits it)."""
        return {f"{memory.name_of(pid)} ({pid})": cpus
                for pid, cpus in memory.pin(self.processes(), SERVER_CORE).items()}

    def cpu_seconds(self) -> float:
        return sum(memory.cpu_seconds(pid) for pid in self.processes())

    def memory(self) -> dict:
        return memory.memory_table(self.processes())

    def ballots(self) -> int:
        return count_ballots(self.data)

    def stop(self) -> None:
        strays = [pid for pid in self.processes() if pid != self.proc.pid]
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(15)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                pass
        for pid in strays:  # processes this kit started that outlived their parent
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(5)
        self.log.close()

    def keep_logs(self, results: Path) -> list[Path]:
        """Copy the kit's own logs (nginx's error log...) next to the results, before the data goes."""
        kept = []
        for path in sorted((self.data / "run").rglob("*.log")):
            target = results / f"load-kit-{path.name}"
            try:
                target.write_bytes(path.read_bytes()[-5_000_000:])
                kept.append(target)
            except OSError:
                pass
        self.kept_logs = kept
        return kept

    def log_problems(self) -> list[str]:
        lines = self.log_path.read_text(errors="replace").splitlines()
        for path in getattr(self, "kept_logs", []):
            lines += [f"{path.name}: {line}" for line in path.read_text(errors="replace").splitlines()
                      if re.search(r"\[(alert|crit|emerg)\]|worker_connections are not enough", line)]
        pattern = r"\b(ERROR|CRITICAL|Traceback|WORKER TIMEOUT|Exception|\[alert\]|\[crit\]|\[emerg\])"
        return [line for line in lines if re.search(pattern, line)][:20]


class FsyncCount:
    """fsync + fdatasync calls of every kit thread while it runs, counted by strace.

    strace stops each traced thread at every system call, which slows the kit: the run it
    watches is a separate one, and its speed is not reported as a figure.
    """

    def __init__(self, kit: Kit, out: Path):
        self.out = out
        tids = [tid for pid in kit.processes() for tid in memory.threads_of(pid)]
        argv = ["strace", "-f", "-c", "-e", "trace=fsync,fdatasync", "-o", str(out)]
        for tid in tids:
            argv += ["-p", str(tid)]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        time.sleep(1.0)  # attaching to every thread takes a moment

    def stop(self) -> dict:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        calls = {"fsync": 0, "fdatasync": 0}
        try:
            for line in self.out.read_text().splitlines():
                words = line.split()
                if len(words) >= 5 and words[-1] in calls and words[3].isdigit():
                    calls[words[-1]] = int(words[3])
        except OSError:
            pass
        return calls
