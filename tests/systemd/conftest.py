"""The unit files, parsed, and copies whose ExecStart points at a stub so systemd can check them."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SYSTEMD_DIR = REPO / "systemd"
INSTALLED_BINARY = "/opt/venuekit/venv/bin/venuekit"
UNITS = (
    "venuekit-web.service",
    "venuekit-printer.service",
    "venuekit-sync.service",
    "venuekit-buttons.service",
    "venuekit-kit-ready.service",
    "venuekit-live.service",
)
# Runs as root before the network and the other units: checked on its own (test_boot_unit.py).
BOOT_UNIT = "venuekit-boot.service"
# Holds CAP_SYS_TIME to set the clock: checked on its own (test_clock_unit.py).
CLOCK_UNIT = "venuekit-clock.service"
# nginx, the front: runs no venuekit command (checked on its own in test_front_unit.py).
FRONT_UNIT = "venuekit-front.service"
ALL_UNITS = UNITS + (BOOT_UNIT, CLOCK_UNIT, FRONT_UNIT)


def parse_unit(text: str) -> dict[str, dict[str, list[str]]]:
    """Sections -> key -> every value in order (systemd keys may repeat; an empty one resets)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"setting outside a section: {line}"
        key, sep, value = line.partition("=")
        assert sep, f"not a key=value line: {line}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


@pytest.fixture(scope="session")
def units() -> dict[str, dict[str, dict[str, list[str]]]]:
    return {name: parse_unit((SYSTEMD_DIR / name).read_text()) for name in UNITS}


@pytest.fixture(scope="session")
def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    assert found, "systemd-analyze is missing: `make test-deps` installs the systemd package"
    return found


@pytest.fixture(scope="session")
def stubbed_units(tmp_path_factory) -> dict[str, Path]:
    """Copies of the units whose ExecStart runs an executable stub, as verify needs it to exist."""
    root = tmp_path_factory.mktemp("units")
    stub = root / "venuekit"
    stub.write_text("#!/bin/sh\nexit 0\n")
    stub.chmod(0o755)
    copies = {}
    for name in ALL_UNITS:
        text = (SYSTEMD_DIR / name).read_text()
        assert INSTALLED_BINARY in text or name == FRONT_UNIT, f"{name} does not run {INSTALLED_BINARY}"
        copy = root / name
        copy.write_text(text.replace(INSTALLED_BINARY, str(stub)))
        copies[name] = copy
    return copies


# A stand-in for polkitd's rule API; duktape is the JavaScript engine polkitd itself embeds.
HARNESS = """
var rules = [];
var polkit = {
    Result: {YES: "yes", NO: "no", AUTH_ADMIN: "auth_admin", NOT_HANDLED: null},
    addRule: function (rule) { rules.push(rule); },
    log: function () {}
};
%(rule)s
var cases = %(cases)s;
var answers = [];
for (var i = 0; i < cases.length; i++) {
    var answer = null;
    for (var r = 0; r < rules.length && answer === null; r++) {
        var result = rules[r]({id: cases[i][0]}, {user: cases[i][1]});
        answer = (result === undefined) ? null : result;
    }
    answers.push(answer);
}
print(JSON.stringify(answers));
"""


def polkit_answers(rule: Path, cases: list, tmp_path: Path) -> list:
    """What a polkit rules file answers for each (action id, user name), run in duktape."""
    duk = shutil.which("duk")
    assert duk, "duk is missing: `make test-deps` installs the duktape package"
    script = tmp_path / "harness.js"
    script.write_text(HARNESS % {"rule": rule.read_text(), "cases": json.dumps(cases)})
    done = subprocess.run([duk, str(script)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
