"""What the kit prints: payloads built from the assembly, queued as durable jobs."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from webapp.domain import codes
from webapp.domain.errors import N_, Conflict, DomainError, NotFound
from webapp.domain.phases import Phase
from webapp.services import assembly, auth, ballots, ideas, results
from webapp.services.common import new_id, now, whole_number
from webapp.storage import Store

MAX_BATCH = 500


@dataclass(frozen=True)
class KitInfo:
    """What every slip needs to know about the kit: its name, Wi-Fi and address."""

    name: str
    ssid: str
    password: str
    url: str  # the kit's address as phones reach it, ending in /

    @classmethod
    def from_config(cls, config, url: str) -> "KitInfo":
        return cls(config["KIT_NAME"], config["WIFI_SSID"], config["WIFI_PASSWORD"], url.rstrip("/") + "/")

    @property
    def address(self) -> str:
        return urlsplit(self.url).netloc


def kit_url(config, fallback: str) -> str:
    """The kit's address for printed QR codes: the portal address on a kit, else `fallback`."""
    return f"http://{config['PORTAL_HOST']}/" if config.get("PORTAL_HOST") else fallback


def _add(db, kind: str, payload: dict, label: str, batch: str | None) -> str:
    job_id = new_id()
    stamp = now()
    db["print_jobs"].insert({
        "id": job_id, "kind": kind, "payload": json.dumps(payload, ensure_ascii=False), "label": label,
        "batch": batch, "status": "queued", "attempts": 0, "created_at": stamp, "updated_at": stamp,
    })
    return job_id


def _group_card(kit: KitInfo, group: dict) -> dict:
    shown = codes.display(group["code"], codes.GROUP)
    # The number prints large on its own; a name is added only if the organiser gave one.
    name = "" if group["name"] == f"Group {group['number']}" else group["name"]
    return {"group_number": group["number"], "group_name": name, "code": shown,
            "url": f"{kit.url}g/{group['code']}", "address": kit.address,
            "ssid": kit.ssid, "password": kit.password}


def _slip(kit: KitInfo, code: str) -> dict:
    return {"ballots": [{"code": codes.display(code, codes.BALLOT), "url": f"{kit.url}b/{code}"}],
            "address": kit.address, "ssid": kit.ssid}


def kit_ready(store: Store, kit: KitInfo, *, only_if_no_organiser: bool = False) -> str | None:
    """Queue the kit-ready slip (Wi-Fi, address, setup code). Skipped if one is already queued."""
    if only_if_no_organiser and auth.has_organiser(store):
        return None
    code = auth.setup_code(store)
    payload = {"kit_name": kit.name, "ssid": kit.ssid, "password": kit.password, "url": kit.url,
               "setup_code": codes.display(code, codes.SETUP), "setup_url": f"{kit.url}organiser/signin"}
    with store.write() as db:
        if db.execute("SELECT 1 FROM print_jobs WHERE kind = 'kit_ready' AND status = 'queued'").fetchone():
            return None
        return _add(db, "kit_ready", payload, "Kit-ready slip", None)


def group_cards(store: Store, kit: KitInfo, slips_per_group: object, group_ids: list[str] | None = None) -> str:
    """Queue every group's card (or the named groups'), each followed by its ballot slips."""
    slips = whole_number(slips_per_group, field="ballot slips per group", low=0, high=50)
    groups = [g for g in assembly.groups(store) if group_ids is None or g["id"] in group_ids]
    if not groups:
        raise DomainError("no_groups", N_("There are no groups yet: set the number of groups first."))
    fresh: list[str] = []
    while len(fresh) < slips * len(groups):
        fresh += ballots.issue_codes(store, min(1000, slips * len(groups) - len(fresh)))
    batch = new_id()
    with store.write() as db:
        for index, group in enumerate(groups):
            _add(db, "group_card", _group_card(kit, group), f"Group card {group['number']}", batch)
            for code in fresh[index * slips : (index + 1) * slips]:
                _add(db, "ballot_slip", _slip(kit, code), f"Ballot slip {codes.display(code, codes.BALLOT)}", batch)
    return batch


def next_group_card(store: Store, kit: KitInfo, slips_per_group: int) -> str:
    """The Print button: the next group whose card has not been queued, with its slips; once
    every group has its card, another run of ballot slips."""
    queued = {json.loads(r["payload"]).get("group_number") for r in store.query(
        "SELECT payload FROM print_jobs WHERE kind = 'group_card' AND status != 'cancelled'")}
    for group in assembly.groups(store):
        if group["number"] not in queued:
            return group_cards(store, kit, slips_per_group, [group["id"]])
    return ballot_slips(store, kit, slips_per_group)


def ballot_slips(store: Store, kit: KitInfo, count: object) -> str:
    """Issue `count` new ballot codes and queue a slip for each."""
    count = whole_number(count, field="number of ballot slips", low=1, high=MAX_BATCH)
    fresh = ballots.issue_codes(store, count)
    batch = new_id()
    with store.write() as db:
        for code in fresh:
            _add(db, "ballot_slip", _slip(kit, code), f"Ballot slip {codes.display(code, codes.BALLOT)}", batch)
    return batch


def paper_ballots(store: Store, count: object) -> str:
    """Issue `count` new codes and queue a paper ballot listing every idea for each."""
    count = whole_number(count, field="number of paper ballots", low=1, high=MAX_BATCH)
    state = assembly.get(store)
    if state["phase"] is not Phase.VOTING:
        raise Conflict("wrong_phase", N_("Paper ballots list the final ideas, so they print once voting is open."))
    on_ballot = sorted(ideas.visible(store), key=lambda i: i["number"])
    if not on_ballot:
        raise Conflict("no_ideas", N_("There are no ideas to put on a paper ballot yet."))
    rules = state["rules"].as_dict()
    fresh = ballots.issue_codes(store, count)
    batch = new_id()
    with store.write() as db:
        for code in fresh:
            payload = {"code": codes.display(code, codes.BALLOT), "question": state["question"],
                       "method": rules["method"], "max_choices": rules["max_choices"], "points": rules["points"],
                       "max_per_idea": rules["max_per_idea"],
                       "ideas": [{"number": i["number"], "title": i["title"]} for i in on_ballot]}
            _add(db, "paper_ballot", payload, f"Paper ballot {codes.display(code, codes.BALLOT)}", batch)
    return batch


def results_slip(store: Store, kit: KitInfo) -> str:
    """Queue the results slip; only once the results are revealed."""
    state = assembly.get(store)
    if not (state["phase"] is Phase.RESULTS and state["revealed"]):
        raise Conflict("not_revealed", N_("The results slip can be printed once the results are revealed."))
    counts = assembly.counts(store)
    payload = {"question": state["question"], "kit_name": kit.name,
               "results": [{"title": r["title"], "count": r["score"]} for r in results.leaderboard(store)],
               "ballots_cast": counts["ballots_cast"], "ballots_issued": counts["ballots_issued"],
               "time": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "unit": "votes" if state["rules"].method == "approval" else "points"}
    with store.write() as db:
        return _add(db, "results_slip", payload, "Results slip", None)


def reprint(store: Store, job_id: str) -> str:
    """Queue the same slip again (a jammed card, a lost slip): same code, same payload."""
    row = store.one("SELECT kind, payload, label FROM print_jobs WHERE id = ?", [job_id])
    if row is None:
        raise NotFound("unknown_job", N_("There is no such print job."))
    with store.write() as db:
        return _add(db, row["kind"], json.loads(row["payload"]), f"{row['label']} (again)", None)


def cancel(store: Store, job_id: str) -> None:
    with store.write() as db:
        changed = db.execute("UPDATE print_jobs SET status = 'cancelled', updated_at = ? "
                             "WHERE id = ? AND status = 'queued'", [now(), job_id]).rowcount
        if not changed:
            raise Conflict("not_queued", N_("Only a job still waiting in the queue can be cancelled."))


def cancel_all(store: Store) -> int:
    with store.write() as db:
        return db.execute("UPDATE print_jobs SET status = 'cancelled', updated_at = ? WHERE status = 'queued'",
                          [now()]).rowcount


def jobs(store: Store, limit: int = 50) -> list[dict]:
    """The newest jobs first, for the steward's queue."""
    return store.query(
        "SELECT id, kind, label, batch, status, attempts, last_error, created_at, printed_at "
        "FROM print_jobs ORDER BY seq DESC LIMIT ?", [limit])


def progress(store: Store) -> dict:
    """Queue totals and each unfinished batch's progress (printed of all)."""
    totals = {r["status"]: r["n"] for r in store.query("SELECT status, count(*) AS n FROM print_jobs GROUP BY status")}
    batches = store.query(
        """SELECT batch, count(*) AS total, sum(status = 'printed') AS printed, min(created_at) AS started
           FROM print_jobs WHERE batch IS NOT NULL GROUP BY batch
           HAVING sum(status IN ('queued', 'printing')) > 0 ORDER BY started""")
    return {"queued": totals.get("queued", 0) + totals.get("printing", 0), "printed": totals.get("printed", 0),
            "failed": totals.get("failed", 0), "batches": batches}
