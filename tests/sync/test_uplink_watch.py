import threading
import time

from pi.uplink import UplinkStatus

from webapp.services import kit_status
from webapp.storage import open_store
from webapp.sync.uplink_watch import watch


def test_reports_the_uplink_and_wakes_sync_when_it_returns(tmp_path):
    store = open_store(tmp_path)
    answers = iter([False, False, True, True] + [True] * 100)
    seen_settings = []

    def check(settings):
        seen_settings.append(settings)
        online = next(answers)
        return UplinkStatus(online, "eth0" if online else None, "ethernet" if online else None,
                            "2026-01-01T00:00:00Z", "test")

    stop, wake = threading.Event(), threading.Event()
    thread = threading.Thread(target=watch, args=(store, {"NETWORK_MODE": "onboard", "HUB_URL": ""}, stop, wake),
                              kwargs={"every_s": 0.05, "check": check})
    thread.start()
    try:
        assert wake.wait(5), "sync was not woken when the uplink came back"
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not kit_status.snapshot(store)["uplink"]:
            time.sleep(0.02)
        assert kit_status.snapshot(store)["uplink"] is True
        assert store.scalar("SELECT value FROM settings WHERE name = 'uplink.interface'") == "eth0"
    finally:
        stop.set()
        thread.join(5)
    assert seen_settings[0]["network_mode"] == "onboard"


def test_a_failing_check_counts_as_offline(tmp_path):
    store = open_store(tmp_path)

    def broken(settings):
        raise OSError("ip is missing")

    stop, wake = threading.Event(), threading.Event()
    thread = threading.Thread(target=watch, args=(store, {}, stop, wake), kwargs={"every_s": 0.05, "check": broken})
    thread.start()
    time.sleep(0.2)
    stop.set()
    thread.join(5)
    assert store.scalar("SELECT value FROM settings WHERE name = 'uplink.online'") == "0"
    assert "ip is missing" in store.scalar("SELECT value FROM settings WHERE name = 'uplink.reason'")
    assert not wake.is_set()
