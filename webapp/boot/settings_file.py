"""The boot partition's venuekit.toml, read so that no file an organiser saves can stop the kit.

What editors do (BOM, CRLF, UTF-16, curly quotes, odd spaces) is undone silently
(settings_text). Anything else wrong becomes a SettingsProblem naming the file, the line, what
is wrong and what the kit used instead: a bad value falls back to that setting's last good value
(or its default on first boot), and a file that cannot be read at all falls back wholly to the
last good settings. The last good settings are kept on the data partition, in
`settings.last-good.json`, and the outcome is recorded in the database (component "settings"
of kit_status) for the status lights, the organiser page and the *settings problem* slip.
"""
from __future__ import annotations

import copy
import difflib
import json
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from pi.files import write_atomic

from webapp.config import CONFIG_NAME, SETTINGS
from webapp.domain.errors import N_

from . import settings_text
from .settings_checks import TRANSLATED_PARAMS, check_value

LAST_GOOD = "settings.last-good.json"
PROBLEMS_ROW = "settings.problems"  # kit_status row holding the full list, as JSON

# `used` values that stand for a whole set of settings rather than one value.
USED_WORDS = {
    "last_good": N_("the last good settings"),
    "defaults": N_("the standard settings"),
    "": N_("nothing (the line is ignored)"),
}


def translate(gettext: Callable[[str], str], message: str, params: dict) -> str:
    """The message in the reader's language with its params filled in."""
    try:
        return gettext(message) % params if params else gettext(message)
    except (KeyError, TypeError, ValueError):
        # A translation with a broken placeholder still says what is wrong, in English.
        return message % params if params else message


@dataclass(frozen=True)
class SettingsProblem:
    """One thing wrong in a settings file, in words for the organiser."""

    line: int | None
    setting: str | None
    message: str  # an untranslated message with %(name)s placeholders filled from params
    params: dict = field(default_factory=dict)
    used: str = ""  # what the kit used instead: `name = value`, or a USED_WORDS key
    file: str = ""

    def text(self, gettext: Callable[[str], str] = str) -> str:
        params = {k: gettext(v) if k in TRANSLATED_PARAMS else v for k, v in self.params.items()}
        if isinstance(params.get("detail_params"), dict) and isinstance(params.get("detail"), str):
            # Another package's message, as a template with its own params (see _table_refusal).
            params["detail"] = translate(gettext, params["detail"], params.pop("detail_params"))
        return translate(gettext, self.message, params)

    def used_text(self, gettext: Callable[[str], str] = str) -> str:
        return gettext(USED_WORDS[self.used]) if self.used in USED_WORDS else self.used

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, row: dict) -> "SettingsProblem":
        return cls(row.get("line"), row.get("setting"), str(row.get("message", "")), dict(row.get("params") or {}),
                   str(row.get("used", "")), str(row.get("file", "")))


@dataclass
class BootSettings:
    """The settings the kit runs on, and what was wrong with the file(s) they came from."""

    values: dict  # lower-case setting names, every setting, defaults filled in
    problems: list[SettingsProblem] = field(default_factory=list)
    source: str = "defaults"  # "file" | "last_good" | "defaults"


def defaults() -> dict:
    return {name: copy.deepcopy(default) for name, (default, _help) in SETTINGS.items()}


def toml_value(value: Any) -> str:
    """A value written as it would be in venuekit.toml, for "used instead"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    return str(value)


# -- last good settings ----------------------------------------------------------------------
def read_last_good(data_dir: Path) -> dict | None:
    """The last good settings, each still of the right kind; None if there are none yet."""
    try:
        stored = json.loads((Path(data_dir) / LAST_GOOD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or not isinstance(stored.get("values"), dict):
        return None
    good = {}
    for name, value in stored["values"].items():
        if name in SETTINGS and check_value(name, value, {**defaults(), **good})[1] is None:
            good[name] = value
    return good or None


def write_last_good(data_dir: Path, values: dict) -> None:
    """Save atomically (temp file, fsync, rename): a power cut leaves the old or the new file."""
    target = Path(data_dir) / LAST_GOOD
    text = json.dumps({"values": values}, ensure_ascii=False, indent=1, sort_keys=True, default=str)
    try:
        if target.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    write_atomic(target, text.encode("utf-8"))


# -- reading ---------------------------------------------------------------------------------
def _whole_file_problem(path: Path, message: str, params: dict, line: int | None, fallback: str) -> SettingsProblem:
    return SettingsProblem(line, None, message, params, fallback, str(path))


def _parse(path: Path, fallback: str) -> tuple[dict | None, str, SettingsProblem | None]:
    """The file's TOML tables and its repaired text, or the one problem that stops reading it."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, "", _whole_file_problem(path, N_("The settings file could not be read: %(detail)s"),
                                             {"detail": exc.strerror or str(exc)}, None, fallback)
    try:
        text = settings_text.repair(settings_text.decode(raw))
    except settings_text.NotText:
        return None, "", _whole_file_problem(
            path, N_("The settings file is not text: it may be damaged, or another file was saved under its name."),
            {}, None, fallback)
    if not text.strip():
        return None, text, _whole_file_problem(path, N_("The settings file is empty."), {}, None, fallback)
    try:
        return tomllib.loads(text), text, None
    except tomllib.TOMLDecodeError as exc:
        line = settings_text.error_line(str(exc), text)
        return None, text, _whole_file_problem(
            path, N_("This line could not be read (%(detail)s). Text goes in straight double quotes, "
                     "for example: wifi_ssid = \"Town Hall\""),
            {"detail": settings_text.error_detail(str(exc))}, line, fallback)
    except RecursionError:
        # tomllib recurses into nested arrays and tables; no settings file nests this deep.
        return None, text, _whole_file_problem(
            path, N_("This line could not be read (%(detail)s). Text goes in straight double quotes, "
                     "for example: wifi_ssid = \"Town Hall\""),
            {"detail": "nested too deeply"}, _deepest_line(text), fallback)


def _deepest_line(text: str) -> int:
    lines = text.split("\n")
    return max(range(len(lines)), key=lambda i: lines[i].count("[") + lines[i].count("{")) + 1


def _unknown(path: Path, text: str, name: str) -> SettingsProblem:
    spelt = name.lower().replace("-", "_").replace(" ", "_")
    close = difflib.get_close_matches(spelt, list(SETTINGS), n=1, cutoff=0.6)
    line = settings_text.key_line(text, name)
    if close:
        return SettingsProblem(line, name, N_("\u201c%(name)s\u201d is not a setting. Did you mean \u201c%(suggestion)s\u201d?"),
                               {"name": name, "suggestion": close[0]}, "", str(path))
    return SettingsProblem(line, name, N_("\u201c%(name)s\u201d is not a setting the kit knows."),
                           {"name": name}, "", str(path))


def _culprit(table: Any, detail: str) -> str | None:
    """The key of a table that a refusal's wording names (for its line), else the table's first."""
    if not isinstance(table, dict) or not table:
        return None
    named = [key for key in table if re.search(rf"(?<![A-Za-z0-9_]){re.escape(str(key))}(?![A-Za-z0-9_])", detail)]
    return named[0] if named else next(iter(table))


def _apply_file(path: Path, values: dict, last_good: dict | None) -> tuple[bool, list[SettingsProblem]]:
    """Apply one file's good values onto `values`; False if the file could not be read at all."""
    loaded, text, problem = _parse(path, "last_good" if last_good else "defaults")
    if problem:
        if last_good:
            values.update(copy.deepcopy(last_good))
        return False, [problem]
    problems: list[SettingsProblem] = []
    given: dict[str, Any] = {}
    for key, value in loaded.items():
        name = key.lower()  # "WiFi_SSID" means wifi_ssid: case is not worth a refusal
        if name in SETTINGS:
            given[name] = value
        else:
            problems.append(_unknown(path, text, key))
    # [network] is checked last: it is checked together with the Wi-Fi settings.
    for name in sorted(given, key=lambda n: n == "network"):
        value = given[name]
        if isinstance(value, dict) and isinstance(values[name], dict):
            value = {**values[name], **value}  # a table fills in only the keys it names
        accepted, refusal = check_value(name, value, values)
        if refusal is None:
            values[name] = accepted
            continue
        if last_good and name in last_good:
            values[name] = copy.deepcopy(last_good[name])
        message, params = refusal
        detail = translate(str, str(params.get("detail", "")), params.get("detail_params") or {})
        sub = _culprit(given[name], detail)
        line = settings_text.key_line(text, name, sub) or settings_text.key_line(text, name)
        problems.append(SettingsProblem(line, name, message, params, f"{name} = {toml_value(values[name])}",
                                        str(path)))
    return True, sorted(problems, key=lambda p: (p.line is None, p.line or 0))


def read_settings(paths: Iterable[Path], last_good: dict | None = None) -> BootSettings:
    """Settings from these files in order (later files win; missing files are skipped). Never
    raises for anything in the files; writes nothing."""
    values = defaults()
    problems: list[SettingsProblem] = []
    read_any, whole_fallback = False, False
    for path in paths:
        path = Path(path)
        if not path.exists():
            continue
        read_any = True
        ok, found = _apply_file(path, values, last_good)
        whole_fallback = whole_fallback or not ok
        problems += found
    if whole_fallback:
        source = "last_good" if last_good else "defaults"
    else:
        source = "file" if read_any else "defaults"
    return BootSettings(values, problems, source)


def summary(problems: list[SettingsProblem], gettext: Callable[[str], str] = str) -> str | None:
    """One line for the status record: the first problem, and how many more."""
    if not problems:
        return None
    first = problems[0]
    name = Path(first.file).name or CONFIG_NAME
    where = translate(gettext, N_("%(file)s line %(line)d"), {"file": name, "line": first.line}) if first.line else name
    text = f"{where}: {first.text(gettext)}"
    if len(problems) > 1:
        text = translate(gettext, N_("%(summary)s (+%(n)d more)"), {"summary": text, "n": len(problems) - 1})
    return text


def record(store, settings: BootSettings) -> None:
    """Record the outcome for the lights, the health page and the organiser page."""
    from webapp.services import kit_status

    kit_status.report(store, "settings", state="problem" if settings.problems else "ok",
                      error=summary(settings.problems), source=settings.source,
                      problems=json.dumps([p.as_dict() for p in settings.problems], ensure_ascii=False))


def recorded_problems(store) -> list[SettingsProblem]:
    """The problems the last boot found, as recorded by `record`."""
    raw = store.scalar("SELECT value FROM settings WHERE name = ?", [PROBLEMS_ROW])
    try:
        rows = json.loads(raw) if raw else []
    except ValueError:
        return []
    return [SettingsProblem.from_dict(row) for row in rows if isinstance(row, dict)]


# The slip's fixed wording (printer/layouts.py keys), translated here: printer/ has no gettext.
SLIP_LABELS = {
    "settings_title": N_("Settings problem"),
    "settings_file": N_("File: {file}"),
    "settings_used": N_("Used instead: {used}"),
    "settings_footer": N_("The kit is running on the settings above. Correct the file on the SD card's "
                          "boot partition and restart the kit."),
}


def where(problem: SettingsProblem, gettext: Callable[[str], str] = str) -> str:
    """Where the problem is, e.g. "Line 3 · wifi_country" (either part may be missing)."""
    parts = [translate(gettext, N_("Line %(line)d"), {"line": problem.line})] if problem.line else []
    return " \u00b7 ".join(parts + ([problem.setting] if problem.setting else []))


def shown(problems: list[SettingsProblem], gettext: Callable[[str], str] = str) -> list[dict]:
    """Each problem as the slip and the organiser page word it."""
    return [{"file": p.file, "where": where(p, gettext), "what": p.text(gettext), "used": p.used_text(gettext),
             # Apart, for a page: the setting's name is typed as in the file, whatever the language.
             "line": translate(gettext, N_("Line %(line)d"), {"line": p.line}) if p.line else "",
             "setting": p.setting}
            for p in problems]


def slip_payload(kit_name: str, problems: list[SettingsProblem], gettext: Callable[[str], str] = str) -> dict:
    """The *settings problem* slip's print job: every line already worded."""
    files = sorted({p.file for p in problems if p.file})
    return {"kit_name": kit_name, "file": ", ".join(files) or CONFIG_NAME,
            "problems": [{k: line[k] for k in ("where", "what", "used")} for line in shown(problems, gettext)],
            "labels": {key: gettext(text) for key, text in SLIP_LABELS.items()}}


def load_boot_settings(boot_file: Path, data_dir: Path, store=None) -> BootSettings:
    """The boot step's reading of the settings: the kit's own file in `data_dir`, then
    `boot_file`; saves the result as the last good settings and records the outcome in the
    database (`store`, or the data directory's)."""
    data_dir = Path(data_dir)
    last_good = read_last_good(data_dir)
    settings = read_settings([data_dir / CONFIG_NAME, Path(boot_file)], last_good)
    # Only settings read from a file become the last good ones, never a fallback.
    if settings.source == "file" or (settings.source == "defaults" and not settings.problems):
        write_last_good(data_dir, settings.values)
    if store is None:
        from webapp.storage import open_store

        store = open_store(data_dir)
    record(store, settings)
    return settings
