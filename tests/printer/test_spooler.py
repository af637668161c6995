"""The spooler: retries with back-off, never marks unprinted jobs printed, survives restarts."""
from __future__ import annotations

import errno
import threading
from collections import Counter
from types import SimpleNamespace

import pytest
import usb.core
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Usb

from printer import (
    MemoryJobStore,
    PrinterConnectionLostError,
    PrinterOfflineError,
    PrinterTimeoutError,
    Spooler,
    open_printer,
    render_job,
    to_escpos,
)

from . import escpos_decode, samples


def ballot(n: int) -> dict:
    code = f"K7QF9M{n:03d}"
    return {"code": code, "url": f"http://venue.kit/b/{code}"}


def add_ballots(store: MemoryJobStore, count: int) -> list[int]:
    return [store.add("ballot_slip", ballot(n)) for n in range(count)]


def statuses(store: MemoryJobStore) -> Counter:
    return Counter(job.status for job in store.all())


def printed_labels(device) -> list[str]:
    return [label for label, _data in device.jobs]


def test_prints_jobs_in_order_and_records_it(store, capture_printer, clock):
    ids = add_ballots(store, 3)
    spooler = Spooler(store, capture_printer, clock=clock)
    outcomes = [spooler.run_once() for _ in range(4)]
    assert [o.state for o in outcomes[:3]] == ["printed"] * 3
    assert outcomes[3] is None
    assert printed_labels(capture_printer) == [f"ballot_slip-{i}" for i in ids]
    assert all(store.get(i).history == ["printing", "printed"] for i in ids)
    # What went to the printer is the rendered slip, at the printer's width.
    label, data = capture_printer.jobs[0]
    expected = to_escpos(render_job("ballot_slip", ballot(0), 384))
    assert data == expected
    assert escpos_decode.slips(data)[0].width == 384


def test_failures_back_off_exponentially_up_to_a_cap(store, capture_printer, clock):
    job = store.add("ballot_slip", ballot(1))
    capture_printer.fail_next(*[PrinterOfflineError("The printer is switched off.")] * 6)
    spooler = Spooler(store, capture_printer, clock=clock, base_delay=2, max_delay=20)
    delays = []
    for _ in range(6):
        outcome = spooler.run_once()
        assert outcome.state == "retrying" and outcome.reason == "offline"
        delays.append(outcome.retry_at - clock.now)
        stored = store.get(job)
        # The store shows the truth: still queued, with the error and when it is retried.
        assert (stored.status, stored.last_error, stored.retry_at) == (
            "queued", "The printer is switched off.", outcome.retry_at)
        assert spooler.run_once() is None, "nothing may be tried before the back-off ends"
        clock.advance(delays[-1])
    assert delays == [2, 4, 8, 16, 20, 20]
    assert spooler.run_once().state == "printed"
    stored = store.get(job)
    assert (stored.status, stored.attempts, stored.last_error) == ("printed", 6, None)
    assert len(capture_printer.jobs) == 1


def test_a_printer_failure_holds_the_whole_queue_in_order(store, capture_printer, clock):
    ids = add_ballots(store, 3)
    capture_printer.fail_next(PrinterTimeoutError("The printer stopped taking data."))
    spooler = Spooler(store, capture_printer, clock=clock)
    assert spooler.run_once().state == "retrying"
    assert spooler.run_once() is None  # the other jobs wait too: the printer is the problem
    assert statuses(store) == {"queued": 3}
    clock.advance(spooler.base_delay)
    while spooler.run_once():
        pass
    assert printed_labels(capture_printer) == [f"ballot_slip-{i}" for i in ids]


def test_a_job_is_never_marked_printed_when_send_fails(store, capture_printer, clock):
    job = store.add("group_card", samples.GROUP_CARD)
    seen = []

    def check_store_during_send(label, data):
        seen.append(store.get(job).status)
        raise PrinterOfflineError("unplugged")

    capture_printer.before_send = check_store_during_send
    Spooler(store, capture_printer, clock=clock).run_once()
    assert seen == ["printing"]
    assert store.get(job).status == "queued"
    assert "printed" not in store.get(job).history


def test_a_bad_payload_is_given_up_and_the_queue_moves_on(store, capture_printer, clock):
    bad = store.add("group_card", {"code": "K7Q"})
    good = store.add("ballot_slip", ballot(2))
    spooler = Spooler(store, capture_printer, clock=clock)
    outcome = spooler.run_once()
    assert (outcome.state, outcome.job_id) == ("given_up", bad)
    assert store.get(bad).status == "failed" and store.get(bad).retry_at is None
    assert "'group_name'" in store.get(bad).last_error
    assert spooler.run_once().state == "printed"
    assert printed_labels(capture_printer) == [f"ballot_slip-{good}"]


def test_restart_mid_batch_prints_every_job_exactly_once(store, capture_printer, clock):
    ids = add_ballots(store, 10)
    first = Spooler(store, capture_printer, clock=clock)
    for _ in range(4):
        first.run_once()
    assert statuses(store) == {"printed": 4, "queued": 6}
    del first  # the process stops between jobs

    second = Spooler(store, capture_printer, clock=clock)
    while second.run_once():
        pass
    assert statuses(store) == {"printed": 10}
    assert printed_labels(capture_printer) == [f"ballot_slip-{i}" for i in ids]


class PowerCut(BaseException):
    """The process dies mid-send: nothing after this line runs."""


def test_power_cut_during_send_reprints_that_job_once(store, capture_printer, clock):
    ids = add_ballots(store, 4)

    def cut_power_on_third(label, data):
        if label == f"ballot_slip-{ids[2]}":
            capture_printer.before_send = None
            raise PowerCut()

    capture_printer.before_send = cut_power_on_third
    first = Spooler(store, capture_printer, clock=clock)
    with pytest.raises(PowerCut):
        while first.run_once():
            pass
    assert store.get(ids[2]).status == "printing"  # what the database holds after the cut
    assert statuses(store) == {"printed": 2, "printing": 1, "queued": 1}

    second = Spooler(store, capture_printer, clock=clock)
    while second.run_once():
        pass
    assert statuses(store) == {"printed": 4}
    assert Counter(printed_labels(capture_printer)) == {f"ballot_slip-{i}": 1 for i in ids}
    # The slip cut off by the power cut may be half on paper: its new copy says REPRINT.
    assert [store.get(i).reprint for i in ids] == [False, False, True, False]
    sent = dict(capture_printer.jobs)
    assert sent[f"ballot_slip-{ids[2]}"] == to_escpos(render_job("ballot_slip", ballot(2), 384, reprint=True))
    assert sent[f"ballot_slip-{ids[3]}"] == to_escpos(render_job("ballot_slip", ballot(3), 384))


def test_run_loop_stops_on_the_event_and_a_new_spooler_finishes(store, capture_printer):
    ids = add_ballots(store, 8)
    stop = threading.Event()

    def stop_after_three(outcome):
        if len(capture_printer.jobs) == 3:
            stop.set()

    first = Spooler(store, capture_printer, idle_wait=0.01, on_outcome=stop_after_three)
    worker = threading.Thread(target=first.run, args=(stop,))
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert statuses(store) == {"printed": 3, "queued": 5}

    stop_second = threading.Event()
    second = Spooler(store, capture_printer, idle_wait=0.01,
                     on_outcome=lambda o: statuses(store)["queued"] == 0 and stop_second.set())
    worker = threading.Thread(target=second.run, args=(stop_second,))
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert statuses(store) == {"printed": 8}
    assert printed_labels(capture_printer) == [f"ballot_slip-{i}" for i in ids]


def test_network_printer_dropping_mid_batch(store, clock, fake_network_printer):
    server = fake_network_printer(drop_after=3000, drops=2)
    device = open_printer({**server.config, "width": 576})
    ids = [store.add("group_card", {**samples.GROUP_CARD, "group_number": n}) for n in range(1, 4)]
    spooler = Spooler(store, device, clock=clock)
    steps = []
    for _ in range(10):
        outcome = spooler.run_once()
        if outcome is None:
            clock.advance(spooler.max_delay)
            continue
        steps.append((outcome.job_id, outcome.state, outcome.reason))
        if statuses(store)["printed"] == 3:
            break
    assert steps[:3] == [(ids[0], "retrying", "connection_lost"), (ids[0], "retrying", "connection_lost"),
                         (ids[0], "printed", "")]
    assert statuses(store) == {"printed": 3}
    # The first card was cut off part-way, so its whole copy is marked REPRINT.
    expected = [to_escpos(render_job("group_card", {**samples.GROUP_CARD, "group_number": n}, 576, reprint=n == 1))
                for n in range(1, 4)]
    assert server.printed_jobs() == expected  # each exactly once, whole, in order
    assert store.get(ids[0]).attempts == 2


@pytest.fixture
def flaky_usb(monkeypatch):
    """A USB printer that can be unplugged and plugged back (faked under python-escpos)."""
    bus = SimpleNamespace(plugged=True, generation=1, received=[])

    def fake_open(self, raise_not_found=True):
        if not bus.plugged:
            raise DeviceNotFoundError("Unable to open USB printer")
        self.device = SimpleNamespace(generation=bus.generation, _ctx=SimpleNamespace(dispose=lambda d: None))

    def fake_raw(self, msg):
        if not bus.plugged or self.device.generation != bus.generation:
            raise usb.core.USBError("No such device (it may have been disconnected)", errno.ENODEV)
        bus.received.append(msg)

    monkeypatch.setattr(Usb, "open", fake_open)
    monkeypatch.setattr(Usb, "_raw", fake_raw)
    monkeypatch.setattr(Usb, "close", lambda self: setattr(self, "_device", False))
    return bus


def test_usb_printer_unplugged_mid_batch(store, clock, flaky_usb):
    device = open_printer({"kind": "usb", "vendor_id": 0x04B8, "product_id": 0x0202, "width": 384})
    ids = add_ballots(store, 4)
    spooler = Spooler(store, device, clock=clock)
    assert spooler.run_once().state == "printed"

    flaky_usb.plugged = False
    assert spooler.run_once().reason == "connection_lost"
    assert statuses(store) == {"printed": 1, "queued": 3}
    clock.advance(spooler.max_delay)
    assert spooler.run_once().reason == "offline"
    assert store.get(ids[1]).attempts == 2

    flaky_usb.plugged, flaky_usb.generation = True, 2  # back, with a new handle
    clock.advance(spooler.max_delay)
    while spooler.run_once():
        pass
    assert statuses(store) == {"printed": 4}
    assert [len(escpos_decode.slips(data)) for data in flaky_usb.received] == [1, 1, 1, 1]
    # The second slip was cut off by the unplugging: its whole copy is marked REPRINT.
    assert flaky_usb.received == [to_escpos(render_job("ballot_slip", ballot(n), 384, reprint=n == 1))
                                  for n in range(4)]


def test_a_printer_that_comes_back_is_noticed_within_seconds_not_at_the_next_back_off(store, capture_printer, clock):
    """Between retries the spooler asks the printer cheaply for its state; once it answers,
    the waiting job prints without sitting out a back-off of up to two minutes."""
    job = store.add("ballot_slip", ballot(1))
    capture_printer.fail_next(*[PrinterOfflineError("The printer is switched off.")] * 6)
    spooler = Spooler(store, capture_printer, clock=clock, probe_interval=10)
    for _ in range(6):
        outcome = spooler.run_once()
        assert outcome.state == "retrying"
        if _ < 5:
            clock.advance(outcome.retry_at - clock.now)
    assert outcome.retry_at - clock.now == 64  # the next full try is a minute away
    capture_printer.fail_next(PrinterOfflineError("still off"))  # status says offline: no attempt
    clock.advance(10)
    assert spooler.run_once() is None and store.get(job).attempts == 6
    capture_printer.failures.clear()  # switched back on
    clock.advance(5)
    assert spooler.run_once() is None, "no probe before the probe interval has passed"
    clock.advance(5)
    assert spooler.run_once().state == "printed"
    assert store.get(job).attempts == 6


def test_a_job_cut_off_part_way_prints_again_marked_reprint(store, capture_printer, clock):
    payload = ballot(1)
    job = store.add("ballot_slip", payload)
    capture_printer.fail_next(PrinterConnectionLostError("The cable was pulled.", partial=True))
    spooler = Spooler(store, capture_printer, clock=clock)
    assert spooler.run_once().state == "retrying"
    assert store.get(job).reprint, "the store must know a torn copy may exist"
    clock.advance(spooler.base_delay)
    assert spooler.run_once().state == "printed"
    marked = escpos_decode.slips(capture_printer.jobs[0][1])[0]
    plain = render_job("ballot_slip", payload, 384)[0]
    assert same_image(marked, render_job("ballot_slip", payload, 384, reprint=True)[0])
    assert not same_image(marked, plain)
    # The slip itself is unchanged under the mark.
    assert same_image(marked.crop((0, marked.height - plain.height, 384, marked.height)), plain)


def test_a_failure_before_any_byte_was_sent_reprints_without_a_mark(store, capture_printer, clock):
    job = store.add("ballot_slip", ballot(1))
    capture_printer.fail_next(PrinterOfflineError("unplugged"))
    spooler = Spooler(store, capture_printer, clock=clock)
    spooler.run_once()
    clock.advance(spooler.base_delay)
    assert spooler.run_once().state == "printed" and not store.get(job).reprint
    assert capture_printer.jobs[0][1] == to_escpos(render_job("ballot_slip", ballot(1), 384))


def same_image(a, b) -> bool:
    from PIL import ImageChops

    return a.size == b.size and ImageChops.difference(a.convert("L"), b.convert("L")).getbbox() is None
