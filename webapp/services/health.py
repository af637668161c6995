"""The kit's health for people: `venuekit health`, the organiser overview and the steward page.

Each check says `state` ("ok", "warning", "fault" or "unknown"), a translatable `message`
(an N_() msgid with %(name)s `params`) and a `detail` in the hardware's own words (or "").
The JSON shape is stable: `SCHEMA` lists every key; tests hold it to that.
"""
from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from pi import host, probes
from pi.config import PIN_FACTORIES, pin_driver

from webapp.domain.errors import N_
from webapp.services import kit_status
from webapp.storage import Store

VERSION = 1
STATES = ("ok", "warning", "fault", "unknown")
CHECKS = ("storage", "clock", "printer", "buttons", "power", "settings")
# Every check carries these, then its own keys (SCHEMA) with the JSON types allowed.
COMMON_KEYS = {"state": (str,), "message": (str,), "params": (dict,), "detail": (str,)}
SCHEMA: dict[str, dict[str, tuple[type, ...]]] = {
    "storage": {"free_bytes": (int, type(None)), "total_bytes": (int, type(None))},
    "clock": {"clock": (str,), "saved": (str, type(None))},
    "printer": {"kind": (str,), "answers": (bool,)},
    "buttons": {"driver": (str, type(None)), "pi_model": (str, type(None))},
    "power": {"under_voltage_now": (bool, type(None)), "throttled_now": (bool, type(None)),
              "under_voltage_occurred": (bool, type(None))},
    "settings": {"source": (str, type(None))},
}
# A network printer gets this long to accept a connection (a page waits for it at most once).
TCP_PROBE_S = 1.5
# The spooler's probe result counts for this long before a page probes again itself.
PROBE_FRESH_S = 60


def _check(state: str, message: str, detail: str | None = None, **extra: Any) -> dict:
    params = extra.pop("params", {})
    return {"state": state, "message": message, "params": params, "detail": detail or "", **extra}


def _component(store: Store, prefix: str) -> dict:
    start = f"{prefix}."
    rows = store.db.execute("SELECT name, value FROM settings WHERE substr(name, 1, ?) = ?",
                            [len(start), start]).fetchall()
    return {name[len(prefix) + 1:]: value for name, value in rows}


def _fresh(seen_at: str | None, seconds: float) -> bool:
    if not seen_at:
        return False
    try:
        age = datetime.now(timezone.utc) - datetime.fromisoformat(seen_at)
    except ValueError:
        return False
    return age.total_seconds() < seconds


def storage_check(store: Store, data_dir: Path) -> dict:
    """Free space on the data partition, and what the disk watch last said about the reserve."""
    try:
        usage = shutil.disk_usage(data_dir)
        free, total = usage.free, usage.total
    except OSError:
        free = total = None
    reported = _component(store, "storage")
    state = {"ok": "ok", None: "ok", "full": "fault"}.get(reported.get("state"), "warning")
    megabytes = {"free": (free or 0) // 2**20, "total": (total or 0) // 2**20}
    if free is None:
        return _check("unknown", N_("The data partition cannot be read."), reported.get("error"),
                      free_bytes=None, total_bytes=None)
    message = {"ok": N_("%(free)d MB free of %(total)d MB."),
               "warning": N_("Storage is low: %(free)d MB free of %(total)d MB. Previews and logs have stopped; "
                             "ballots are still saved."),
               "fault": N_("Storage is full: %(free)d MB free of %(total)d MB. Tell a steward.")}[state]
    return _check(state, message, reported.get("error"), params=megabytes, free_bytes=free, total_bytes=total)


def clock_check(store: Store, data_dir: Path, *, live: bool = True) -> dict:
    """The clock's state from the saved-clock file (pi.clock), else what the clock service reported.

    Pages (`live` False) take the clock service's report when there is one: reading the file
    asks timedatectl, too slow for a page that refreshes itself.
    """
    reported = _component(store, "clock")
    found: dict | None = None
    if reported.get("state") and not live:
        found = {"state": reported["state"], "saved": None}
    else:
        try:
            from pi.clock import clock_state  # the clock module; absent on trees without it

            found = clock_state(data_dir)
        except Exception:  # noqa: BLE001 - no module or an unreadable file: fall back to the report
            if reported.get("state"):
                found = {"state": reported["state"], "saved": None}
    clock = (found or {}).get("state") or "unknown"
    state, message = {
        "ok": ("ok", N_("The clock is set.")),
        "restored": ("ok", N_("The clock continued from the last saved time.")),
        "never_set": ("warning", N_("The time is unknown: the clock has never been set.")),
    }.get(clock, ("unknown", N_("The clock's state is not known.")))
    saved = (found or {}).get("saved")
    # pi.clock's own sentence says the same as `message`, untranslated: leave detail empty.
    return _check(state, message, None, clock=clock if clock in
                  ("ok", "restored", "never_set") else "unknown", saved=saved if isinstance(saved, str) else None)


def probe_printer(printer: dict, root: Path | str = "/", *, check_profile: bool = True) -> tuple[str, str | None]:
    """Ask the configured printer if it is there: ("usb"|"network"|..., None or why not).
    `check_profile=False` leaves the python-escpos profile's name unchecked (its table is
    several MB: the print spooler's service leaves that to the batch that prints)."""
    from printer import PrinterConfigError
    from printer.config import parse_config

    try:
        config = parse_config(printer, check_profile=check_profile)
    except PrinterConfigError as exc:
        return str(printer.get("kind", "preview")), f"Printer settings: {exc}"
    if config.kind == "usb":
        from printer.escpos_devices import RECEIPT_VENDORS

        return config.kind, probes.usb_printer_present(config.vendor_id, config.product_id, root=root,
                                                       known_vendors=RECEIPT_VENDORS)
    if config.kind == "network":
        return config.kind, probes.tcp_answers(str(config.host), config.port, min(config.timeout, TCP_PROBE_S))
    if config.kind == "file":
        return config.kind, probes.path_writable(config.path, device=config.path.startswith("/dev/"))
    if config.kind == "preview":
        return config.kind, probes.path_writable(config.dir, create=True)
    return config.kind, None  # dummy: the tests' printer is always there


def printer_check(store: Store, printer: dict, *, root: Path | str = "/", live: bool = True) -> dict:
    """The printer from a real probe (or the spooler's recent one), and what the spooler last said."""
    cached = _component(store, "printer_probe")
    if not live and _fresh(cached.get("seen_at"), PROBE_FRESH_S) and cached.get("kind") == printer.get("kind", "preview"):
        kind, problem = cached["kind"], cached.get("error") if cached.get("state") != "ok" else None
    else:
        kind, problem = probe_printer(printer, root)
    spooler = kit_status.printer_state(store)
    if problem:
        return _check("fault", N_("The printer does not answer."), problem, kind=kind, answers=False)
    if spooler["state"] == "paper_out":
        return _check("fault", N_("The printer is out of paper."), spooler.get("error"), kind=kind, answers=True)
    if spooler["state"] == "fault":
        return _check("fault", N_("The printer answers but is not printing."), spooler.get("error"),
                      kind=kind, answers=True)
    if spooler["state"] == "unknown":
        return _check("warning", N_("The printer answers, but the print spooler has not reported: is it running?"),
                      None, kind=kind, answers=True)
    return _check("ok", N_("The printer answers."), None, kind=kind, answers=True)


def buttons_check(store: Store, buttons: dict, *, root: Path | str = "/") -> dict:
    """The buttons' GPIO driver, as the buttons service reported it (or would choose it)."""
    model = probes.pi_model(root)
    reported = _component(store, "buttons")
    configured = buttons.get("pin_factory", "auto")
    expected = pin_driver(configured, root) if configured in PIN_FACTORIES else None
    if reported.get("state") == "fault":
        return _check("fault", N_("The buttons and lights do not work."), reported.get("error"),
                      driver=reported.get("driver") or expected, pi_model=model)
    if reported.get("state") == "ok":
        driver = reported.get("driver") or expected
        if driver == "mock" and model:
            return _check("warning", N_("The buttons and lights use simulated pins (set by the configuration)."),
                          None, driver=driver, pi_model=model)
        return _check("ok", N_("The buttons and lights work (driver %(driver)s)."), None,
                      params={"driver": driver}, driver=driver, pi_model=model)
    return _check("unknown", N_("The buttons service has not reported (driver %(driver)s expected)."), None,
                  params={"driver": expected or configured}, driver=expected, pi_model=model)


def _no_vcgencmd(args: list[str]) -> str:
    raise FileNotFoundError("vcgencmd")


def power_check(*, root: Path | str = "/") -> dict:
    """Under-voltage and throttling, where the Pi's firmware reports them."""
    root = Path(root)
    # vcgencmd asks this machine's firmware: only meaningful when looking at the real root.
    run = host._run_vcgencmd if root == Path("/") else _no_vcgencmd
    try:
        flags = host.throttling(run, platform_root=root / "sys/devices/platform")
    except (OSError, subprocess.SubprocessError):
        flags = None
    if flags is None:
        return _check("unknown", N_("Power is not reported on this computer."), None,
                      under_voltage_now=None, throttled_now=None, under_voltage_occurred=None)
    now, throttled, since = flags["under_voltage"], flags["throttled"], flags["under_voltage_since_boot"]
    detail = f"get_throttled=0x{flags['raw']:x}"
    values = {"under_voltage_now": now, "throttled_now": throttled, "under_voltage_occurred": since}
    if now:
        return _check("fault", N_("Under-voltage now: use the official power supply and a short cable."), detail, **values)
    if throttled:
        return _check("warning", N_("The processor is throttled (too hot or too little power)."), detail, **values)
    if since:
        return _check("warning", N_("Under-voltage has occurred since the kit started: check the power supply."),
                      detail, **values)
    return _check("ok", N_("The power supply is fine."), detail, **values)


def settings_check(store: Store) -> dict:
    """The last problem found in the boot partition's settings file, if any."""
    reported = _component(store, "settings")
    source = reported.get("source")
    if reported.get("state") == "problem":
        message = {"last_good": N_("The settings file has a problem: the last good settings are in use."),
                   "defaults": N_("The settings file has a problem: the default settings are in use.")}.get(
            source or "", N_("The settings file has a problem."))
        return _check("warning", message, reported.get("error"), source=source)
    if reported.get("state") == "ok":
        return _check("ok", N_("The settings file was read without problems."), None, source=source)
    return _check("unknown", N_("The settings file has not been checked yet."), None, source=source)


def collect(store: Store, settings: dict, data_dir: Path, *, root: Path | str = "/", live: bool = True) -> dict:
    """Every check, and the overall state: the worst of them ("unknown" never counts as bad).

    `live` probes the printer now; otherwise a page may use the spooler's recent probe.
    """
    from webapp.cli import printer_settings  # the preview printer's folder is inside the data directory

    checks = {
        "storage": storage_check(store, Path(data_dir)),
        "clock": clock_check(store, Path(data_dir), live=live),
        "printer": printer_check(store, printer_settings(settings, Path(data_dir)), root=root, live=live),
        "buttons": buttons_check(store, dict(settings.get("BUTTONS") or {}), root=root),
        "power": power_check(root=root),
        "settings": settings_check(store),
    }
    states = {check["state"] for check in checks.values()}
    overall = "fault" if "fault" in states else "warning" if "warning" in states else "ok"
    return {"version": VERSION, "state": overall,
            "checked_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "checks": checks}


def for_page(store: Store, config: dict, gettext: Callable[[str], str] = str) -> dict:
    """The health the organiser and steward pages show (the spooler's recent printer probe if any),
    the settings file's first problem worded in `gettext`'s language (it is recorded in English)."""
    health = collect(store, config, Path(config["DATA_DIR"]), live=False)
    settings = health["checks"].get("settings")
    if settings and settings["detail"]:
        from webapp.boot import settings_file

        settings["detail"] = settings_file.summary(settings_file.recorded_problems(store), gettext) or settings["detail"]
    return health


def as_text(health: dict) -> str:
    """The report `venuekit health` prints: one line per check, in English."""
    lines = [f"kit health: {health['state']}"]
    for name, check in health["checks"].items():
        text = check["message"] % check["params"] if check["params"] else check["message"]
        lines.append(f"{name:<9} {check['state']:<8} {text}" + (f" ({check['detail']})" if check["detail"] else ""))
    return "\n".join(lines)
