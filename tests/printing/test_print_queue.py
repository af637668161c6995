"""The kit's durable print queue: payloads from the assembly, the spooler over SQLite, faults."""
import json
import threading
import time

import pytest
from printer import PrinterConnectionLostError, PrinterOfflineError, Spooler, open_printer, render_job, to_escpos
from pyzbar.pyzbar import decode

from tests.conftest import make_assembly
from tests.printer.escpos_decode import slips
from webapp.domain import codes
from webapp.domain.errors import Conflict, DomainError
from webapp.printing import queue, recovery
from webapp.printing.jobstore import SqliteJobStore
from webapp.services import ballots

KIT = queue.KitInfo("Town hall", "venuekit", "secret pass", "http://10.42.0.1/")


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


def statuses(store):
    return [r["status"] for r in store.query("SELECT status FROM print_jobs ORDER BY seq")]


def run_all(spooler, limit=500):
    for _ in range(limit):
        if spooler.run_once() is None:
            return


def test_group_cards_with_slips_print_in_order_with_the_right_qr_codes(store):
    made = make_assembly(store, phase="setup", groups=2)
    queue.group_cards(store, KIT, 3)
    assert statuses(store) == ["queued"] * 8
    device = open_printer({"kind": "dummy", "width": 576})
    spooler = Spooler(SqliteJobStore(store), device, clock=Clock())
    run_all(spooler)
    assert statuses(store) == ["printed"] * 8
    labels = [row["label"] for row in store.query("SELECT label FROM print_jobs ORDER BY seq")]
    assert labels[0] == "Group card 1" and labels[4] == "Group card 2"
    assert [label for label, _ in device.jobs] == [f"group_card-{job}" if i in (0, 4) else f"ballot_slip-{job}"
                                                   for i, job in enumerate(r["id"] for r in store.query(
                                                       "SELECT id FROM print_jobs ORDER BY seq"))]
    card = slips(device.jobs[0][1])[0]
    found = sorted(d.data.decode() for d in decode(card.convert("L")))
    group = made["groups"][0]
    assert f"http://10.42.0.1/g/{group['code']}" in found
    assert "WIFI:T:WPA;S:venuekit;P:secret pass;;" in found
    slip_codes = [json.loads(r["payload"])["ballots"][0]["code"] for r in store.query(
        "SELECT payload FROM print_jobs WHERE kind = 'ballot_slip' ORDER BY seq")]
    issued = {codes.display(r["code"], codes.BALLOT) for r in ballots.list_codes(store)}
    assert len(set(slip_codes)) == 6 and set(slip_codes) <= issued
    slip = slips(device.jobs[1][1])[0]
    raw = codes.normalize(slip_codes[0], codes.BALLOT)
    assert [d.data.decode() for d in decode(slip.convert("L"))] == [f"http://10.42.0.1/b/{raw}"]


def test_an_offline_printer_keeps_jobs_queued_and_resumes_without_duplicates(store):
    make_assembly(store, phase="setup", groups=1)
    queue.group_cards(store, KIT, 2)
    device = open_printer({"kind": "dummy", "width": 384})
    clock = Clock()
    spooler = Spooler(SqliteJobStore(store), device, clock=clock)
    device.fail_next(PrinterOfflineError("The printer is unplugged."), PrinterOfflineError("Still unplugged."))
    outcome = spooler.run_once()
    assert outcome.state == "retrying"
    row = store.one("SELECT status, attempts, last_error FROM print_jobs ORDER BY seq LIMIT 1")
    assert row == {"status": "queued", "attempts": 1, "last_error": "The printer is unplugged."}
    assert spooler.run_once() is None  # held by the back-off: nothing behind it jumps the queue
    clock.now += 3
    assert spooler.run_once().state == "retrying"
    clock.now += 10
    run_all(spooler)
    assert statuses(store) == ["printed"] * 3
    assert len(device.jobs) == 3


def test_stopping_the_spooler_mid_batch_then_restarting_prints_each_job_once(store):
    make_assembly(store, phase="setup", groups=3)
    queue.group_cards(store, KIT, 4)
    device = open_printer({"kind": "dummy", "width": 384})
    stop = threading.Event()
    printed = []

    def count(label, data):
        printed.append(label)
        if len(printed) == 6:
            stop.set()  # the service is asked to stop in the middle of the batch

    device.before_send = count
    Spooler(SqliteJobStore(store), device, idle_wait=0.01).run(stop)
    done = statuses(store)
    assert done.count("printed") == 6 and done.count("queued") == 9
    progress = queue.progress(store)
    assert progress["queued"] == 9 and progress["batches"][0]["printed"] == 6
    again = open_printer({"kind": "dummy", "width": 384})
    run_all(Spooler(SqliteJobStore(store), again))
    assert statuses(store) == ["printed"] * 15
    labels = [label for label, _ in device.jobs] + [label for label, _ in again.jobs]
    assert len(labels) == 15 == len(set(labels))


def test_a_job_interrupted_by_a_crash_prints_again_after_restart(store):
    make_assembly(store, phase="setup", groups=1)
    queue.group_cards(store, KIT, 0)
    jobs = SqliteJobStore(store)
    job = jobs.next_due(0)
    jobs.mark_printing(job.id)  # the process dies here, before the printer answered
    device = open_printer({"kind": "dummy", "width": 384})
    run_all(Spooler(SqliteJobStore(store), device))
    assert statuses(store) == ["printed"] and len(device.jobs) == 1


def test_a_job_another_spooler_took_is_not_printed_twice(store):
    make_assembly(store, phase="setup", groups=1)
    queue.group_cards(store, KIT, 0)

    class Beaten(SqliteJobStore):
        """Finds the job due, but another spooler on the same database marks it first."""

        def next_due(self, now):
            job = super().next_due(now)
            if job is not None:
                assert SqliteJobStore(self.store).mark_printing(job.id)
            return job

    device = open_printer({"kind": "dummy", "width": 384})
    assert Spooler(Beaten(store), device).run_once() is None
    assert device.jobs == [] and statuses(store) == ["printing"]


def test_print_button_prints_the_next_group_each_time_then_more_slips(store):
    make_assembly(store, phase="setup", groups=2)
    queue.next_group_card(store, KIT, 2)
    queue.next_group_card(store, KIT, 2)
    queue.next_group_card(store, KIT, 2)
    kinds = [(r["kind"], r["label"]) for r in store.query("SELECT kind, label FROM print_jobs ORDER BY seq")]
    assert [k for k, _ in kinds] == ["group_card", "ballot_slip", "ballot_slip"] * 2 + ["ballot_slip"] * 2
    assert kinds[0][1] == "Group card 1" and kinds[3][1] == "Group card 2"


def test_paper_ballots_results_slip_and_phase_rules(store):
    made = make_assembly(store, phase="submission")
    with pytest.raises(Exception) as info:
        queue.paper_ballots(store, 2)
    assert info.value.code == "wrong_phase"
    from webapp.services import assembly

    assembly.set_phase(store, "voting")
    queue.paper_ballots(store, 2)
    payload = json.loads(store.scalar("SELECT payload FROM print_jobs WHERE kind = 'paper_ballot'"))
    assert [i["number"] for i in payload["ideas"]] == sorted(i["number"] for i in made["ideas"])
    assert codes.is_valid(payload["code"], codes.BALLOT) and payload["method"] == "approval"
    with pytest.raises(Exception) as info:
        queue.results_slip(store, KIT)
    assert info.value.code == "not_revealed"
    ballots.cast(store, made["codes"][0], {made["ideas"][2]["id"]: 1})
    assembly.set_phase(store, "results")
    assembly.reveal(store)
    queue.results_slip(store, KIT)
    result = json.loads(store.scalar("SELECT payload FROM print_jobs WHERE kind = 'results_slip'"))
    # The line is worded with the plural forms ("1 vote", not "1 votes").
    assert result["results"][0] == {"title": made["ideas"][2]["title"], "count": 1, "line": "1 vote"}
    assert result["ballots_cast"] == 1


def test_cancel_and_reprint(store):
    make_assembly(store, phase="setup", groups=1)
    queue.group_cards(store, KIT, 1)
    first, second = [r["id"] for r in store.query("SELECT id FROM print_jobs ORDER BY seq")]
    queue.cancel(store, second)
    with pytest.raises(Exception) as info:
        queue.cancel(store, second)
    assert info.value.code == "not_queued"
    device = open_printer({"kind": "dummy", "width": 384})
    run_all(Spooler(SqliteJobStore(store), device))
    assert statuses(store) == ["printed", "cancelled"]
    queue.reprint(store, first)
    run_all(Spooler(SqliteJobStore(store), device))
    assert statuses(store) == ["printed", "cancelled", "printed"]
    assert json.loads(store.query("SELECT payload FROM print_jobs ORDER BY seq")[2]["payload"]) == \
        json.loads(store.query("SELECT payload FROM print_jobs ORDER BY seq")[0]["payload"])


def test_kit_ready_slip_once_while_no_organiser(store):
    assert queue.kit_ready(store, KIT, only_if_no_organiser=True)
    assert queue.kit_ready(store, KIT) is None  # one is already waiting
    payload = json.loads(store.scalar("SELECT payload FROM print_jobs WHERE kind = 'kit_ready'"))
    from webapp.services import auth

    assert codes.normalize(payload["setup_code"], codes.SETUP) == auth.setup_code(store)
    auth.use_setup_code(store, payload["setup_code"], "a passphrase")
    store.db.execute("UPDATE print_jobs SET status = 'printed'")
    assert queue.kit_ready(store, KIT, only_if_no_organiser=True) is None


class KitClock(Clock):
    """The kit's own clock, so "next try in N s" is measured against the same time."""

    def __init__(self):
        self.now = time.time()


def fail_three_times(store, probe_interval=1e9):
    """A ballot slip whose printer failed three times: the next try is 8 s after the third."""
    queue.ballot_slips(store, KIT, 1)
    device = open_printer({"kind": "dummy", "width": 384})
    device.fail_next(*[PrinterOfflineError("The printer is unplugged.")] * 3)
    clock = KitClock()
    spooler = Spooler(SqliteJobStore(store), device, clock=clock, probe_interval=probe_interval)
    for delay in (2, 4, None):
        assert spooler.run_once().state == "retrying"
        if delay:
            clock.now += delay
    return spooler, device, clock


def test_each_job_shows_attempts_last_error_and_when_it_is_tried_next_and_try_now_prints_it(store):
    make_assembly(store, phase="setup", groups=1)
    spooler, device, clock = fail_three_times(store)
    job = queue.jobs(store)[0]
    assert (job["attempts"], job["last_error"]) == (3, "The printer is unplugged.")
    assert 12 <= job["next_try_in_s"] <= 14  # 6 s of back-off already passed on the spooler's clock, then 8
    assert spooler.run_once() is None  # still waiting for its back-off
    recovery.retry_now(store, job["id"])
    assert queue.jobs(store)[0]["next_try_in_s"] is None
    assert spooler.run_once().state == "printed"
    assert len(device.jobs) == 1
    with pytest.raises(Conflict):
        recovery.retry_now(store, job["id"])  # printed: nothing to try


def test_a_slip_cut_off_part_way_prints_again_marked_reprint(store):
    make_assembly(store, phase="setup", groups=1)
    queue.ballot_slips(store, KIT, 1)
    device = open_printer({"kind": "dummy", "width": 384})
    device.fail_next(PrinterConnectionLostError("The cable was pulled.", partial=True))
    clock = KitClock()
    spooler = Spooler(SqliteJobStore(store), device, clock=clock)
    spooler.run_once()
    assert queue.jobs(store)[0]["reprint"] is True
    clock.now += 2
    assert spooler.run_once().state == "printed"
    payload = json.loads(store.scalar("SELECT payload FROM print_jobs"))
    assert device.jobs[0][1] == to_escpos(render_job("ballot_slip", payload, 384, reprint=True))


def test_a_job_interrupted_by_a_crash_prints_marked_reprint(store):
    make_assembly(store, phase="setup", groups=1)
    queue.ballot_slips(store, KIT, 2)
    jobs = SqliteJobStore(store)
    jobs.mark_printing(jobs.next_due(0).id)  # the kit loses power while the slip prints
    device = open_printer({"kind": "dummy", "width": 384})
    run_all(Spooler(SqliteJobStore(store), device))
    assert [j["reprint"] for j in reversed(queue.jobs(store))] == [True, False]
    first = json.loads(store.query("SELECT payload FROM print_jobs ORDER BY seq")[0]["payload"])
    assert device.jobs[0][1] == to_escpos(render_job("ballot_slip", first, 384, reprint=True))


def test_void_the_code_of_a_torn_slip_and_print_a_fresh_one(store):
    made = make_assembly(store, phase="voting", groups=1, voters=0)
    queue.ballot_slips(store, KIT, 1)
    device = open_printer({"kind": "dummy", "width": 384})
    device.fail_next(PrinterConnectionLostError("The cable was pulled.", partial=True))
    Spooler(SqliteJobStore(store), device, clock=KitClock()).run_once()
    torn = queue.jobs(store)[0]
    old_code = json.loads(store.scalar("SELECT payload FROM print_jobs"))["ballots"][0]["code"]
    fresh_job = recovery.void_and_replace(store, KIT, torn["id"])
    with pytest.raises(DomainError) as info:
        ballots.lookup(store, old_code)  # neither the torn part nor a reprint can vote now
    assert info.value.code == "voided_code"
    jobs = {j["id"]: j for j in queue.jobs(store)}
    assert jobs[torn["id"]]["status"] == "cancelled" and jobs[torn["id"]]["replaced_by"] == fresh_job
    fresh = json.loads(store.scalar("SELECT payload FROM print_jobs WHERE id = ?", [fresh_job]))
    new_code = fresh["ballots"][0]["code"]
    assert new_code != old_code and ballots.lookup(store, new_code)
    assert ballots.cast(store, new_code, {made["ideas"][0]["id"]: 1})
    run_all(Spooler(SqliteJobStore(store), device))
    assert device.jobs[-1][1] == to_escpos(render_job("ballot_slip", fresh, 384))  # fresh: no mark
    with pytest.raises(Conflict):
        recovery.void_and_replace(store, KIT, torn["id"])  # once only


def test_a_code_that_has_voted_is_not_voided(store):
    made = make_assembly(store, phase="voting", groups=1, voters=0)
    queue.ballot_slips(store, KIT, 1)
    jobs = SqliteJobStore(store)
    jobs.mark_printing(jobs.next_due(0).id)
    jobs.requeue_interrupted()
    job = queue.jobs(store)[0]
    code = json.loads(store.scalar("SELECT payload FROM print_jobs"))["ballots"][0]["code"]
    ballots.cast(store, code, {made["ideas"][0]["id"]: 1})
    with pytest.raises(Conflict) as info:
        recovery.void_and_replace(store, KIT, job["id"])
    assert info.value.code == "already_voted"
    assert ballots.lookup(store, code)
    untorn = queue.ballot_slips(store, KIT, 1)
    plain = store.scalar("SELECT id FROM print_jobs WHERE batch = ?", [untorn])
    with pytest.raises(Conflict):
        recovery.void_and_replace(store, KIT, plain)  # nothing was torn: nothing to void


def test_a_printer_switched_back_on_prints_within_the_probe_interval(store):
    make_assembly(store, phase="setup", groups=1)
    queue.ballot_slips(store, KIT, 1)
    device = open_printer({"kind": "dummy", "width": 384})
    device.fail_next(*[PrinterOfflineError("The printer is unplugged.")] * 7)
    clock = KitClock()
    spooler = Spooler(SqliteJobStore(store), device, clock=clock, probe_interval=10)
    for delay in (2, 4, 8, 16, 32, None):
        assert spooler.run_once().state == "retrying"
        if delay:
            clock.now += delay
    # The sixth failure: the next full try is 64 s away.
    clock.now += 10
    assert spooler.run_once() is None  # the status check sees it still off: no try
    assert store.scalar("SELECT attempts FROM print_jobs") == 6
    device.failures.clear()  # switched back on
    clock.now += 5
    assert spooler.run_once() is None  # no status check before the interval has passed
    clock.now += 5
    assert spooler.run_once().state == "printed"  # 20 s after the failure, not 64
