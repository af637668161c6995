"""systemd itself checks the units: `systemd-analyze verify` and `systemd-analyze security`."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import ALL_UNITS, REPO, SYSTEMD_DIR

DEFAULT_ALLOWANCE = 3.0
# Units allowed above DEFAULT_ALLOWANCE, each explained in systemd/README.md. None today.
ALLOWANCES: dict[str, float] = {}
RESULTS = REPO / "bench" / "results" / "systemd-security.txt"
PROBLEM = re.compile(
    r"unknown (key|section|lvalue)|failed|invalid|ignoring|not executable|bad |"
    r"unsupported|deprecated|missing|no such file|is not|cannot",
    re.IGNORECASE,
)


def verify(systemd_analyze: str, paths: list[Path]) -> tuple[int, list[str]]:
    """Run verify on unit files; returns its exit code and every line it printed."""
    env = dict(os.environ)
    # The copies' own directory first, then the system's (the trailing colon), so
    # references like After=network-online.target resolve as on the kit.
    env["SYSTEMD_UNIT_PATH"] = f"{paths[0].parent}:"
    done = subprocess.run(
        [systemd_analyze, "verify", "--man=no", *map(str, paths)],
        capture_output=True, text=True, env=env, timeout=60,
    )
    return done.returncode, (done.stdout + done.stderr).splitlines()


def problems(lines: list[str], paths: list[Path]) -> list[str]:
    """Lines that complain about one of our units, or look like any complaint at all."""
    names = {p.name for p in paths} | {str(p) for p in paths}
    return [line for line in lines
            if line.strip() and (PROBLEM.search(line) or any(name in line for name in names))]


def test_verify_reports_nothing(systemd_analyze, stubbed_units):
    paths = list(stubbed_units.values())
    code, lines = verify(systemd_analyze, paths)
    assert problems(lines, paths) == []
    assert code == 0, lines


@pytest.mark.parametrize("breakage, expected", [
    ("[Service]\nProtectSystm=strict\n", "Unknown key"),
    ("[Sevice]\nUser=venuekit\n", "Unknown section"),
    ("[Service]\nRestart=sometimes\n", "restart"),
    ("[Service]\nProtectSystem=stric\n", "protect system"),
])
def test_verify_check_catches_broken_units(systemd_analyze, stubbed_units, tmp_path, breakage, expected):
    # The check above must be able to fail: break a copy and watch it being caught.
    original = stubbed_units["venuekit-web.service"]
    broken = tmp_path / original.name
    broken.write_text(original.read_text() + "\n" + breakage)
    _, lines = verify(systemd_analyze, [broken])
    found = problems(lines, [broken])
    assert found and any(expected.lower() in line.lower() for line in found), lines


def test_verify_catches_a_missing_binary(systemd_analyze, tmp_path):
    unit = tmp_path / "venuekit-web.service"
    unit.write_text((SYSTEMD_DIR / unit.name).read_text())
    code, lines = verify(systemd_analyze, [unit])
    assert code != 0 and problems(lines, [unit])


def exposure(systemd_analyze: str, path: Path) -> float:
    done = subprocess.run(
        [systemd_analyze, "security", "--offline=true", "--no-pager", str(path)],
        capture_output=True, text=True, timeout=60,
    )
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d)", done.stdout)
    assert match, done.stdout + done.stderr
    return float(match.group(1))


def readme_table() -> dict[str, float]:
    text = (SYSTEMD_DIR / "README.md").read_text()
    return {m.group(1): float(m.group(2))
            for m in re.finditer(r"^\|\s*`?(venuekit-[\w-]+\.service)`?\s*\|\s*(\d+\.\d)\s*\|", text, re.M)}


def test_security_exposure_is_low_and_documented(systemd_analyze, stubbed_units):
    measured = {name: exposure(systemd_analyze, stubbed_units[name]) for name in ALL_UNITS}

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    rows = [f"{'unit':<28} {'exposure':>8} {'allowed':>8}"]
    rows += [f"{name:<28} {score:>8.1f} {ALLOWANCES.get(name, DEFAULT_ALLOWANCE):>8.1f}"
             for name, score in measured.items()]
    RESULTS.write_text("systemd-analyze security --offline=true (0 = locked down, 10 = exposed)\n"
                       + "\n".join(rows) + "\n")

    too_exposed = {name: score for name, score in measured.items()
                   if score > ALLOWANCES.get(name, DEFAULT_ALLOWANCE)}
    assert too_exposed == {}
    # The README's exposure table must say what systemd says.
    assert readme_table() == measured
