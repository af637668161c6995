"""`venuekit boot`: the one step the kit runs at every boot, before its network and services.

Read the boot partition's settings file (tolerantly: webapp.boot.settings_file), make the
first-boot secrets, render and write the network files, record what was applied, queue the
slips. Every step is guarded: whatever happens, the kit comes up on the best settings it has
and the command reports what it did and exits 0, so a bad file never stops a boot.
"""
from __future__ import annotations

import os
import pwd
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from webapp.boot import applied, first_boot, network, settings_file
from webapp.config import SETTINGS
from webapp.domain.errors import N_
from webapp.printing import queue
from webapp.storage import Store, open_store
from webapp.sync import identity

BOOT_FILE = Path("boot/firmware/venuekit.toml")
DATA_DIR = Path("var/lib/venuekit")
BOOT_ID = Path("proc/sys/kernel/random/boot_id")
PRINTED_FOR = "boot.kit_ready_boot_id"  # settings row: the boot that queued the kit-ready slip
SERVICE_USER = "venuekit"


@dataclass
class Report:
    """What one boot did, for the journal (one line each) and for tests."""

    source: str = "defaults"
    problems: list[Any] = field(default_factory=list)
    made: list[str] | None = None  # None: not checked (no database)
    applied: dict[str, Any] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    jobs: dict[str, str | None] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"settings: from {self.source}" + (f", {len(self.problems)} problem(s)" if self.problems else "")]
        out += [f"settings problem: line {getattr(p, 'line', None) or '-'}: {_problem_text(p)}" for p in self.problems]
        if self.made is None:
            out.append("first-boot secrets: not checked")
        else:
            out.append(f"first-boot secrets made: {', '.join(self.made)}" if self.made
                       else "first-boot secrets: already made")
        if self.applied:
            a = self.applied
            out.append(f"network: mode {a['mode']}, Wi-Fi \"{a['ssid']}\" "
                       f"({'password set' if a['password'] else 'open'}), country {a['country']}, "
                       f"address {a['address']}")
        out.append(f"network files written: {len(self.written)}" + (f" ({', '.join(self.written)})" if self.written else ""))
        out += [f"{kind} slip: {'queued' if job else 'not queued'}" for kind, job in self.jobs.items()]
        out += [f"error: {e}" for e in self.errors]
        return out


def _problem_text(problem: Any) -> str:
    used = problem.used_text() if hasattr(problem, "used_text") else ""
    return problem.text() + (f"; used instead: {used}" if used else "")


def boot(root: Path | str = "/", *, boot_file: Path | None = None) -> Report:
    """Run the boot step against a root tree (the kit itself when root is /)."""
    root = Path(root)
    boot_file = boot_file or root / BOOT_FILE
    data_dir = root / DATA_DIR
    report = Report()
    data_dir.mkdir(parents=True, exist_ok=True)
    _guard(report, "old installer settings", lambda: retire_installer_file(data_dir))
    try:
        store = open_store(data_dir)
    except Exception as exc:  # a damaged database: the network the kit last had still comes up
        report.errors.append(f"database: {exc.__class__.__name__}: {exc}")
        _guard(report, "network", lambda: _reapply(root, data_dir, report))
        return report
    try:
        values = _settings(boot_file, data_dir, store, report)
        _guard(report, "first-boot secrets", lambda: _secrets(store, report))
        kit = _guard(report, "network", lambda: _network(store, values, root, data_dir, report))
        if kit is not None:
            _guard(report, "slips", lambda: _slips(store, kit, root, report))
    finally:
        store.close()
    if Path(root).resolve() == Path("/"):
        _guard(report, "file owner", lambda: hand_over(data_dir))
    return report


def _guard(report: Report, step: str, run: Callable[[], Any]) -> Any:
    try:
        return run()
    except Exception as exc:  # the boot must go on: report it, keep the kit coming up
        report.errors.append(f"{step}: {exc.__class__.__name__}: {exc}")
        traceback.print_exc()
        return None


def _settings(boot_file: Path, data_dir: Path, store: Store, report: Report) -> dict[str, Any]:
    try:
        loaded = settings_file.load_boot_settings(boot_file, data_dir, store)
        report.source, report.problems = loaded.source, list(loaded.problems)
        return dict(loaded.values)
    except Exception as exc:  # even a fault in the reader must not stop the boot: the defaults
        report.errors.append(f"settings: {exc.__class__.__name__}: {exc}")
        return {name: default for name, (default, _help) in SETTINGS.items()}


def _secrets(store: Store, report: Report) -> None:
    report.made = first_boot.ensure(store)


def _network(store: Store, values: dict[str, Any], root: Path, data_dir: Path, report: Report) -> queue.KitInfo:
    kit_ssid, kit_password = identity.default_name(store), first_boot.wifi_password(store)
    wanted = network.network_config(values, kit_ssid=kit_ssid, kit_password=kit_password)
    config, resolved, problem = network.choose(wanted, applied.read(data_dir),
                                               kit_ssid=kit_ssid, kit_password=kit_password)
    if problem:
        _network_problem(store, values, problem, report)
    report.written = [str(p.relative_to(root)) for p in network.apply(config, root)]
    state = {"ssid": resolved["ssid"], "password": resolved["password"], "country": resolved["country"],
             "mode": resolved["mode"], "address": resolved["address"],
             "source": report.source if not problem else "last_good", "config": config}
    report.applied = applied.write(data_dir, state)
    return queue.KitInfo(str(values.get("kit_name") or ""), state["ssid"], state["password"],
                         f"http://{state['address']}/")


def _reapply(root: Path, data_dir: Path, report: Report) -> None:
    """Without the database (where the secrets are), write the network last applied again."""
    previous = applied.read(data_dir)
    if previous is None or not isinstance(previous.get("config"), dict):
        return
    report.written = [str(p.relative_to(root)) for p in network.apply(previous["config"], root)]
    report.applied = previous


def _network_problem(store: Store, values: dict[str, Any], reason: str, report: Report) -> None:
    """Settings each fine on their own that make no working network together: a settings problem."""

    report.problems.append(settings_file.SettingsProblem(
        line=None, setting="network", message=N_("These network settings cannot work together: %(reason)s"),
        params={"reason": reason}, used="last_good", file=f"/{BOOT_FILE}"))
    settings_file.record(store, settings_file.BootSettings(values, report.problems, report.source))


def _slips(store: Store, kit: queue.KitInfo, root: Path, report: Report) -> None:
    if report.problems:
        report.jobs["settings problem"] = queue.settings_problem(store, kit, report.problems)
    report.jobs["kit-ready"] = queue_once_per_boot(store, kit, root)


INSTALLER_HEADER = "# Written by provisioning/install.sh"


def retire_installer_file(data_dir: Path) -> None:
    """Move aside the settings file older installers wrote: its Wi-Fi password may have been
    made at image build, shared by every kit from that image (the kit's own replaces it)."""
    old = data_dir / "venuekit.toml"
    try:
        if old.read_text(encoding="utf-8", errors="replace").startswith(INSTALLER_HEADER):
            old.replace(old.with_name("venuekit.toml.installer-old"))
    except FileNotFoundError:
        pass


def boot_id(root: Path | str = "/") -> str | None:
    """This boot's id (the kernel makes a new one at every boot); None where there is none."""
    try:
        return (Path(root) / BOOT_ID).read_text().strip() or None
    except OSError:
        return None


def queue_once_per_boot(store: Store, kit: queue.KitInfo, root: Path | str = "/") -> str | None:
    """Queue the kit-ready slip unless it was already queued during this boot; the job id or None.

    Without a boot id (not a Linux kit) it is queued each time: a second slip beats none.
    """
    current = boot_id(root)
    if current is not None and store.scalar("SELECT value FROM settings WHERE name = ?", [PRINTED_FOR]) == current:
        return None
    job = queue.kit_ready(store, kit)
    if current is not None:
        with store.write() as db:
            db["settings"].upsert({"name": PRINTED_FOR, "value": current}, pk="name")
    return job


def hand_over(data_dir: Path) -> None:
    """Give what this root-run step made on the data partition to the kit's service user."""
    try:
        user = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        return
    for path in [data_dir, *data_dir.rglob("*")]:
        if not path.is_symlink() and path.stat().st_uid != user.pw_uid:
            os.chown(path, user.pw_uid, user.pw_gid)
