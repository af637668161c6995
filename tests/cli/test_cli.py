import re
import subprocess
import sys
from pathlib import Path

import pytest

from webapp.cli import build_parser, main
from webapp.topology import venuekit_command
from webapp.domain import codes
from webapp.services import assembly, auth
from webapp.storage import open_store

ROOT = Path(__file__).resolve().parents[2]


def subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices


def test_help_documents_every_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--data" in out
    for name in subcommands():
        assert name in out


def commands(parser, prefix="venuekit"):
    """(command line, parser) for every command and nested subcommand."""
    for action in parser._actions:
        if isinstance(action, __import__("argparse")._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{prefix} {name}", sub
                yield from commands(sub, f"{prefix} {name}")


def test_every_command_and_option_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    found = list(commands(build_parser()))
    assert len(found) >= 9
    for line, sub in found:
        assert line in readme, line
        for action in sub._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert flag in readme, (line, flag)


def test_setup_code_prints_the_stored_code_and_a_new_one_once_used(tmp_path, capsys):
    main(["--data", str(tmp_path), "setup-code"])
    printed = capsys.readouterr().out.strip()
    assert codes.is_valid(printed, codes.SETUP)
    store = open_store(tmp_path)
    assert codes.normalize(printed, codes.SETUP) == auth.setup_code(store)
    auth.use_setup_code(store, printed, "a passphrase")
    main(["--data", str(tmp_path), "setup-code"])
    assert capsys.readouterr().out.strip() != printed


def test_token_command_prints_a_working_token(tmp_path, capsys):
    main(["--data", str(tmp_path), "token", "--role", "steward"])
    token = capsys.readouterr().out.strip()
    assert auth.token_role(open_store(tmp_path), token) == "steward"
    with pytest.raises(SystemExit):
        main(["--data", str(tmp_path), "token", "--role", "king"])


def test_demo_seeds_an_assembly_in_voting(tmp_path, capsys):
    main(["--data", str(tmp_path), "demo", "--voters", "5"])
    out = capsys.readouterr().out
    store = open_store(tmp_path)
    assert assembly.get(store)["phase"].value == "voting"
    assert assembly.counts(store)["ballots_cast"] == 5
    main(["--data", str(tmp_path), "demo"])
    assert "nothing changed" in capsys.readouterr().out
    assert re.search(r"unused ballot codes: [0-9A-Z-]+", out)


def test_console_script_runs(tmp_path):
    exe = Path(sys.executable).with_name("venuekit")
    result = subprocess.run([str(exe), "--data", str(tmp_path), "setup-code"], capture_output=True, text=True, check=True)
    assert codes.is_valid(result.stdout.strip(), codes.SETUP)


def test_hub_and_sync_commands(tmp_path, capsys):
    hub = tmp_path / "hub"
    assert main(["--data", str(hub), "hub", "enrol-code"]) == 0
    code = capsys.readouterr().out.strip()
    assert len(code) >= 16
    assert main(["--data", str(hub), "hub", "kits"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["--data", str(tmp_path / "kit"), "sync", "--once"]) == 1
    assert "not enrolled" in capsys.readouterr().err
    assert main(["--data", str(tmp_path / "kit"), "enrol", "--hub", "ftp://x", "--code", code]) == 1
    assert "https://" in capsys.readouterr().err


@pytest.mark.parametrize("settings, url", [
    ("web_port = 8123\n", "http://127.0.0.1:8123/"),
    # On a kit, phones reach port 80 of the kit's address, which is redirected to the app.
    ('web_port = 8123\nportal_host = "10.42.0.1"\n', "http://10.42.0.1/"),
])
def test_print_kit_ready_uses_the_kits_address_and_port(tmp_path, monkeypatch, capsys, settings, url):
    import json

    monkeypatch.delenv("VENUEKIT_CONFIG", raising=False)
    (tmp_path / "venuekit.toml").write_text(settings)
    assert main(["--data", str(tmp_path), "print-kit-ready"]) == 0
    assert "queued" in capsys.readouterr().out
    payload = json.loads(open_store(tmp_path).one("SELECT payload FROM print_jobs WHERE kind = 'kit_ready'")["payload"])
    assert payload["url"] == url
    assert payload["setup_url"] == f"{url}organiser/signin"


def test_a_child_of_the_kit_never_imports_from_the_working_directory(tmp_path):
    # Laptop mode starts its web workers, live process and spooler this way: a folder named
    # like one of the kit's packages where it was started must not stand in for it.
    decoy = tmp_path / "webapp"
    decoy.mkdir()
    (decoy / "__init__.py").write_text("raise SystemExit('the decoy was imported')\n")
    done = subprocess.run(venuekit_command(tmp_path / "data", "--help"), cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "decoy" not in done.stderr and "print-spooler" in done.stdout
