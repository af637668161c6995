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
