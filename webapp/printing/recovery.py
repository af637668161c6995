"""When printing goes wrong: try a waiting job now, and replace a torn ballot slip's code.

A slip cut off part-way (the printer failed after part of it went out, or the kit lost power
mid-job) prints again marked REPRINT, so for a while two copies of one valid code may exist.
The steward destroys the torn part, or, when it cannot be found, voids the code (it can no
longer vote) and prints a slip with a fresh code instead.
"""
from __future__ import annotations

import json
from urllib.parse import urlsplit

from webapp.domain import codes
from webapp.domain.errors import N_, Conflict, NotFound
from webapp.services import ballots
from webapp.services.common import now
from webapp.storage import Store

from .queue import KitInfo, _add

# Kinds of slip that carry a ballot code, and how to read and replace it in a payload.
VOIDABLE = ("ballot_slip", "paper_ballot")


def retry_now(store: Store, job_id: str) -> None:
    """Steward's "try now": a waiting job is due at once; a job given up goes back in the queue.

    The spooler looks for due jobs every second, so nothing else needs waking.
    """
    with store.write() as db:
        changed = db.execute(
            """UPDATE print_jobs SET status = 'queued', next_attempt_at = NULL, updated_at = ?
               WHERE id = ? AND (status = 'failed' OR (status = 'queued' AND attempts > 0))""",
            [now(), job_id]).rowcount
    if not changed:
        raise Conflict("not_waiting", N_("Only a job that failed and waits to be tried again can be tried now."))


def _codes_of(kind: str, payload: dict) -> list[str]:
    entries = payload["ballots"] if kind == "ballot_slip" and "ballots" in payload else [payload]
    return [codes.normalize(entry["code"], codes.BALLOT) for entry in entries]


def _with_codes(kind: str, payload: dict, fresh: list[str], kit: KitInfo) -> dict:
    shown = [codes.display(code, codes.BALLOT) for code in fresh]
    if kind == "paper_ballot":
        return {**payload, "code": shown[0]}
    rest = {k: v for k, v in payload.items() if k not in ("code", "url")}
    # The new slip keeps the old one's words and the language its QR address carried.
    old = payload["ballots"][0]["url"] if "ballots" in payload else payload.get("url", "")
    query = f"?{urlsplit(old).query}" if urlsplit(old).query else ""
    return {**rest, "ballots": [{"code": s, "url": f"{kit.url}b/{c}{query}"} for s, c in zip(shown, fresh)]}


def void_and_replace(store: Store, kit: KitInfo, job_id: str) -> str:
    """Void the ballot code(s) on a slip that was cut off part-way and queue a slip with fresh
    code(s) instead; the old job stops (if it still waits). Returns the new job's id."""
    row = store.one("SELECT kind, payload, reprint, replaced_by FROM print_jobs WHERE id = ?", [job_id])
    if row is None:
        raise NotFound("unknown_job", N_("There is no such print job."))
    if row["kind"] not in VOIDABLE:
        raise Conflict("no_ballot_code", N_("Only ballot slips and paper ballots carry a ballot code to void."))
    if not row["reprint"]:
        raise Conflict("not_torn", N_("This slip was not cut off part-way: there is no torn copy to void."))
    if row["replaced_by"]:
        raise Conflict("already_replaced", N_("This slip's code was voided and a new slip queued already."))
    payload = json.loads(row["payload"])
    old = _codes_of(row["kind"], payload)
    fresh = ballots.issue_codes(store, len(old))
    new_payload = _with_codes(row["kind"], payload, fresh, kit)
    what = "Ballot slip" if row["kind"] == "ballot_slip" else "Paper ballot"
    label = f"{what} {', '.join(codes.display(c, codes.BALLOT) for c in fresh)} " \
            f"(replaces {', '.join(codes.display(c, codes.BALLOT) for c in old)})"
    marks = ", ".join("?" * len(old))
    with store.write() as db:
        # Checked inside the write lock: a vote may have arrived since the page was shown.
        if db.execute(f"SELECT 1 FROM ballot_codes JOIN ballots USING (ballot_id) WHERE code IN ({marks})",
                      old).fetchone():
            raise Conflict("already_voted", N_("The code on this slip has voted already, so it stays valid: "
                                               "find the torn part and destroy it."))
        if db.execute("SELECT replaced_by FROM print_jobs WHERE id = ?", [job_id]).fetchone()[0]:
            raise Conflict("already_replaced", N_("This slip's code was voided and a new slip queued already."))
        stamp = now()
        db.execute(f"UPDATE ballot_codes SET voided_at = ? WHERE code IN ({marks})", [stamp, *old])
        new_job = _add(db, row["kind"], new_payload, label, None)
        db.execute("""UPDATE print_jobs SET replaced_by = ?, updated_at = ?,
                      status = CASE status WHEN 'queued' THEN 'cancelled' ELSE status END WHERE id = ?""",
                   [new_job, stamp, job_id])
    return new_job
