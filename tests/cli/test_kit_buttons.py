"""The buttons service wired to the kit: presses queue print jobs, a long hold shuts down safely."""
import threading
import time

from gpiozero.pins.mock import MockFactory

from tests.conftest import make_assembly
from webapp import kit_buttons
from webapp.config import load
from webapp.storage import open_store


def wait_for(condition, limit=10.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_presses_queue_cards_and_the_kit_ready_slip_and_a_hold_shuts_down(tmp_path):
    store = open_store(tmp_path)
    make_assembly(store, phase="setup", groups=2)
    marker = tmp_path / "powered-off"
    settings = load(tmp_path)
    settings.update(BUTTONS={"pin_factory": "mock", "print_hold_time": 0.3, "power_hold_time": 0.5,
                             "bounce_time": 0.01, "poll_interval": 0.1},
                    SHUTDOWN_COMMAND=["touch", str(marker)], SLIPS_PER_GROUP=2, WEB_PORT=1)
    factory = MockFactory()
    stop = threading.Event()
    service = threading.Thread(target=kit_buttons.run, args=(store, settings, stop), kwargs={"pin_factory": factory})
    service.start()
    try:
        print_pin = factory.pin(17)
        power_pin = factory.pin(3)
        time.sleep(0.2)
        print_pin.drive_low()  # pressed (buttons pull up)
        time.sleep(0.08)
        print_pin.drive_high()
        assert wait_for(lambda: store.scalar("SELECT count(*) FROM print_jobs") == 3)
        assert store.scalar("SELECT label FROM print_jobs ORDER BY seq LIMIT 1") == "Group card 1"
        print_pin.drive_low()  # held: the kit-ready slip, not another card
        time.sleep(0.6)
        print_pin.drive_high()
        assert wait_for(lambda: store.scalar("SELECT count(*) FROM print_jobs WHERE kind = 'kit_ready'") == 1)
        assert store.scalar("SELECT count(*) FROM print_jobs WHERE kind = 'group_card'") == 1
        power_pin.drive_low()
        time.sleep(0.1)
        power_pin.drive_high()  # a short press of Power does nothing
        time.sleep(0.3)
        assert not marker.exists()
        power_pin.drive_low()
        assert wait_for(marker.exists)
        power_pin.drive_high()
    finally:
        stop.set()
        service.join(10)
    assert not service.is_alive()


def _component(store, prefix):
    rows = store.db.execute("SELECT name, value FROM settings WHERE name LIKE ?", [f"{prefix}.%"]).fetchall()
    return {name.split(".", 1)[1]: value for name, value in rows}


def test_a_failed_lgpio_on_a_pi_is_reported_as_a_fault_never_mock_pins(tmp_path, monkeypatch):
    import sys

    import pi.config

    model = tmp_path / "root/proc/device-tree/model"
    model.parent.mkdir(parents=True)
    model.write_bytes(b"Raspberry Pi 5 Model B Rev 1.0\x00")
    monkeypatch.setitem(sys.modules, "gpiozero.pins.lgpio", None)  # lgpio fails, as with no /dev/gpiochip
    made = []
    monkeypatch.setattr(pi.config, "MockFactory", lambda: made.append(1) or MockFactory())
    store = open_store(tmp_path)
    settings = load(tmp_path)
    settings.update(BUTTONS={"pin_factory": "auto", "poll_interval": 0.1}, WEB_PORT=1)
    stop = threading.Event()
    service = threading.Thread(target=kit_buttons.run, args=(store, settings, stop),
                               kwargs={"root": tmp_path / "root", "retry_s": 0.05})
    service.start()
    try:
        assert wait_for(lambda: _component(store, "buttons").get("state") == "fault")
        reported = _component(store, "buttons")
        assert reported["driver"] == "lgpio" and "lgpio" in reported["error"]
        assert "buttons and lights do not work" in reported["error"]
        time.sleep(0.2)
        assert service.is_alive(), "the service keeps trying instead of crash-looping"
        assert not made, "no mock pins were made on a Pi"
    finally:
        stop.set()
        service.join(10)
    assert not service.is_alive()


def test_the_buttons_service_reports_its_driver(tmp_path):
    store = open_store(tmp_path)
    settings = load(tmp_path)
    settings.update(BUTTONS={"pin_factory": "mock", "poll_interval": 0.1}, WEB_PORT=1)
    stop = threading.Event()
    service = threading.Thread(target=kit_buttons.run, args=(store, settings, stop),
                               kwargs={"root": tmp_path})
    service.start()
    try:
        assert wait_for(lambda: _component(store, "buttons").get("state") == "ok")
        assert _component(store, "buttons")["driver"] == "mock"
    finally:
        stop.set()
        service.join(10)
