"""`venuekit health`, the health checks behind it, the lights' snapshot and the pages showing it."""
from __future__ import annotations

import json
import socket
import sys
import threading
import time

import pytest

from tests.conftest import csrf_from, make_assembly
from webapp import cli
from webapp.services import auth, health, kit_status
from webapp.storage import open_store

CHECK_KEYS = {
    "storage": {"free_bytes", "total_bytes"},
    "clock": {"clock", "saved"},
    "printer": {"kind", "answers"},
    "buttons": {"driver", "pi_model"},
    "power": {"under_voltage_now", "throttled_now", "under_voltage_occurred"},
    "settings": {"source"},
}


@pytest.fixture
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server.getsockname()[1]
    server.close()


def closed_port() -> int:
    spare = socket.socket()
    spare.bind(("127.0.0.1", 0))
    port = spare.getsockname()[1]
    spare.close()
    return port


def write(root, relative: str, text: str | bytes) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())


def kit_data(tmp_path, printer: str) -> object:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "venuekit.toml").write_text(f"[printer]\n{printer}\n")
    return data


def run_health(capsys, data, root, *extra) -> tuple[int, str]:
    code = cli.main(["--data", str(data), "health", "--root", str(root), *extra])
    return code, capsys.readouterr().out


# --- the lights' snapshot ---------------------------------------------------------------

def test_the_lights_need_a_printer_that_answered_the_probe(tmp_path):
    store = open_store(tmp_path)
    kit_status.report(store, "printer", state="ok", error=None)
    # The spooler is happy but nothing has probed the printer: not ready.
    assert kit_status.snapshot(store)["printer"] == "unknown"
    kit_status.report(store, "printer_probe", state="fault", kind="usb", error="not plugged in")
    assert kit_status.snapshot(store)["printer"] == "fault"
    kit_status.report(store, "printer_probe", state="ok", kind="usb", error=None)
    assert kit_status.snapshot(store)["printer"] == "ok"
    # A probe that stopped reporting no longer counts.
    store.db.execute("UPDATE settings SET value = '2000-01-01T00:00:00+00:00' WHERE name = 'printer_probe.seen_at'")
    assert kit_status.snapshot(store)["printer"] == "unknown"


def test_the_snapshot_carries_settings_storage_and_clock(tmp_path):
    store = open_store(tmp_path)
    snap = kit_status.snapshot(store)
    assert (snap["settings"], snap["storage"], snap["clock"]) == ("unknown", "unknown", "unknown")
    kit_status.report(store, "settings", state="problem", error="venuekit.toml line 3: ...")
    kit_status.report(store, "storage", state="low", error=None)
    kit_status.report(store, "clock", state="never_set", error=None)
    snap = kit_status.snapshot(store)
    assert (snap["settings"], snap["storage"], snap["clock"]) == ("problem", "low", "never_set")


def test_the_spooler_probes_the_printer_for_the_lights(tmp_path, listener):
    from webapp.printing.service import run_spooler

    store = open_store(tmp_path)
    for port, expected in ((closed_port(), "fault"), (listener, "ok")):
        stop = threading.Event()
        config = {"kind": "network", "host": "127.0.0.1", "port": port, "confirm": False}
        spooler = threading.Thread(target=run_spooler, args=(store, config, stop), kwargs={"log_line": lambda l: None})
        spooler.start()
        try:
            for _ in range(100):
                if store.scalar("SELECT value FROM settings WHERE name = 'printer_probe.state'") == expected:
                    break
                time.sleep(0.05)
            assert store.scalar("SELECT value FROM settings WHERE name = 'printer_probe.state'") == expected
            assert kit_status.snapshot(store)["printer"] == expected
        finally:
            stop.set()
            spooler.join(10)


# --- the checks ---------------------------------------------------------------------------

def test_health_json_schema_is_stable(tmp_path, capsys):
    data = kit_data(tmp_path, 'kind = "preview"')
    code, out = run_health(capsys, data, tmp_path / "root", "--json")
    report = json.loads(out)
    assert set(report) == {"version", "state", "checked_at", "checks"}
    assert report["version"] == 1 and report["state"] in ("ok", "warning", "fault")
    assert list(report["checks"]) == ["storage", "clock", "printer", "buttons", "power", "settings"]
    for name, check in report["checks"].items():
        assert set(check) == {"state", "message", "params", "detail"} | CHECK_KEYS[name], name
        assert check["state"] in ("ok", "warning", "fault", "unknown"), name
        for key, types in health.COMMON_KEYS.items():
            assert isinstance(check[key], types), (name, key)
        assert isinstance(check["message"], str) and check["message"], name
        assert isinstance(check["params"], dict) and isinstance(check["detail"], str), name
        for key in CHECK_KEYS[name]:
            assert isinstance(check[key], health.SCHEMA[name][key]), (name, key)
    # The module's own schema says the same as this test.
    assert {name: set(keys) for name, keys in health.SCHEMA.items()} == CHECK_KEYS
    assert list(health.CHECKS) == list(CHECK_KEYS) and set(health.COMMON_KEYS) == {"state", "message", "params", "detail"}
    assert health.STATES == ("ok", "warning", "fault", "unknown")
    assert code == (1 if report["state"] == "fault" else 0)


def test_network_printer_probe_is_a_real_tcp_connect(tmp_path, capsys, listener):
    data = kit_data(tmp_path, f'kind = "network"\nhost = "127.0.0.1"\nport = {listener}')
    code, out = run_health(capsys, data, tmp_path, "--json")
    printer = json.loads(out)["checks"]["printer"]
    assert printer["answers"] is True and printer["kind"] == "network"
    # Nobody has run the spooler: the printer answers, but nothing would print.
    assert printer["state"] == "warning"
    port = closed_port()
    data = kit_data(tmp_path, f'kind = "network"\nhost = "127.0.0.1"\nport = {port}')
    code, out = run_health(capsys, data, tmp_path, "--json")
    report = json.loads(out)
    assert report["checks"]["printer"]["state"] == "fault" and report["checks"]["printer"]["answers"] is False
    assert f"127.0.0.1:{port}" in report["checks"]["printer"]["detail"]
    assert report["state"] == "fault" and code == 1


def test_usb_and_file_printer_probes(tmp_path):
    store = open_store(tmp_path)
    root = tmp_path / "root"
    usb = {"kind": "usb", "vendor_id": "0x04b8", "product_id": "0x0202"}
    check = health.printer_check(store, usb, root=root)
    assert check["state"] == "fault" and "04b8:0202" in check["detail"]
    write(root, "sys/bus/usb/devices/1-1/idVendor", "04b8\n")
    write(root, "sys/bus/usb/devices/1-1/idProduct", "0202\n")
    kit_status.report(store, "printer", state="ok", error=None)
    assert health.printer_check(store, usb, root=root)["state"] == "ok"
    # No ids configured: a known receipt printer maker counts.
    assert health.printer_check(store, {"kind": "usb"}, root=root)["answers"] is True
    lp = tmp_path / "lp0"
    assert health.printer_check(store, {"kind": "file", "path": str(lp)})["answers"] is False
    lp.write_bytes(b"")
    assert health.printer_check(store, {"kind": "file", "path": str(lp)})["state"] == "ok"
    bad = health.printer_check(store, {"kind": "usb", "vendr_id": 1})
    assert bad["state"] == "fault" and "vendr_id" in bad["detail"]


def test_pages_use_the_spoolers_recent_probe(tmp_path):
    store = open_store(tmp_path)
    kit_status.report(store, "printer", state="ok", error=None)
    kit_status.report(store, "printer_probe", state="fault", kind="network", error="did not answer")
    network = {"kind": "network", "host": "127.0.0.1", "port": closed_port()}
    cached = health.printer_check(store, network, live=False)
    assert cached["state"] == "fault" and cached["detail"] == "did not answer"


@pytest.mark.parametrize("flags, state, now, occurred", [
    ("50005", "fault", True, True),
    ("4", "warning", False, False),
    ("10000", "warning", False, True),
    ("0", "ok", False, False),
])
def test_undervoltage_and_throttling_from_the_firmware_file(tmp_path, flags, state, now, occurred):
    write(tmp_path, "sys/devices/platform/soc/soc:firmware/get_throttled", flags + "\n")
    check = health.power_check(root=tmp_path)
    assert check["state"] == state
    assert check["under_voltage_now"] is now and check["under_voltage_occurred"] is occurred
    assert check["detail"] == f"get_throttled=0x{int(flags, 16):x}"


def test_power_is_unknown_where_the_pi_does_not_report_it(tmp_path):
    check = health.power_check(root=tmp_path)
    assert check["state"] == "unknown" and check["under_voltage_now"] is None


def test_button_driver_fault_and_mock_on_a_pi(tmp_path):
    store = open_store(tmp_path)
    root = tmp_path / "root"
    check = health.buttons_check(store, {"pin_factory": "auto"}, root=root)
    assert check["state"] == "unknown" and check["driver"] == "mock" and check["pi_model"] is None
    write(root, "proc/device-tree/model", b"Raspberry Pi 5 Model B Rev 1.0\x00")
    assert health.buttons_check(store, {}, root=root)["driver"] == "lgpio"
    kit_status.report(store, "buttons", state="fault", driver="lgpio", error="the GPIO driver lgpio did not start")
    check = health.buttons_check(store, {}, root=root)
    assert check["state"] == "fault" and "lgpio did not start" in check["detail"]
    assert check["pi_model"] == "Raspberry Pi 5 Model B Rev 1.0"
    # Mock pins on a Pi only by configuration, and then said plainly.
    kit_status.report(store, "buttons", state="ok", driver="mock", error=None)
    check = health.buttons_check(store, {"pin_factory": "mock"}, root=root)
    assert check["state"] == "warning" and check["driver"] == "mock"


def test_settings_problem_and_storage_reports(tmp_path):
    store = open_store(tmp_path)
    assert health.settings_check(store)["state"] == "unknown"
    kit_status.report(store, "settings", state="problem", source="last_good",
                      error="venuekit.toml line 4: wifi_password is too short")
    check = health.settings_check(store)
    assert check["state"] == "warning" and "line 4" in check["detail"] and check["source"] == "last_good"
    assert "last good settings" in check["message"]
    assert health.storage_check(store, tmp_path)["state"] == "ok"
    kit_status.report(store, "storage", state="low", error="below the reserve")
    assert health.storage_check(store, tmp_path)["state"] == "warning"
    kit_status.report(store, "storage", state="full", error=None)
    check = health.storage_check(store, tmp_path)
    assert check["state"] == "fault" and check["free_bytes"] > 0 and set(check["params"]) == {"free", "total"}


def test_clock_state_from_the_clock_module_or_its_report(tmp_path, monkeypatch):
    import pi.clock

    store = open_store(tmp_path)
    monkeypatch.setattr(pi.clock, "clock_state", lambda state_dir: {
        "state": "never_set", "message": "The clock has never been set.", "saved": None})
    check = health.clock_check(store, tmp_path)
    assert (check["state"], check["clock"]) == ("warning", "never_set")
    monkeypatch.setitem(sys.modules, "pi.clock", None)  # no clock module: the service's report
    assert health.clock_check(store, tmp_path)["clock"] == "unknown"
    kit_status.report(store, "clock", state="restored", error=None)
    assert health.clock_check(store, tmp_path)["clock"] == "restored"


def test_health_text_output(tmp_path, capsys):
    data = kit_data(tmp_path, 'kind = "preview"')
    code, out = run_health(capsys, data, tmp_path / "root")
    lines = out.splitlines()
    assert lines[0].startswith("kit health: ")
    assert [line.split()[0] for line in lines[1:]] == ["storage", "clock", "printer", "buttons", "power", "settings"]
    assert "MB free of" in out


# --- the pages ----------------------------------------------------------------------------

def test_organiser_and_steward_pages_show_health(app, organiser, store):
    make_assembly(store, phase="setup")
    kit_status.report(store, "settings", state="problem", source="last_good",
                      error="venuekit.toml line 7: unknown setting wifi_pasword")
    page = organiser.get("/organiser/").get_data(as_text=True)
    assert "Kit health" in page and "line 7: unknown setting wifi_pasword" in page
    assert "The settings file has a problem" in page and "MB free of" in page
    client = app.test_client()
    code = auth.create_steward_code(store, "Door")
    signin = client.get("/steward/signin").get_data(as_text=True)
    client.post("/steward/signin", data={"csrf_token": csrf_from(signin), "code": code})
    page = client.get("/steward/").get_data(as_text=True)
    assert "Kit health" in page and "line 7: unknown setting wifi_pasword" in page
