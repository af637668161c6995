"""The print queue in SQLite: the printer package's JobStore protocol over the print_jobs table."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from printer import Job

from webapp.services.common import now
from webapp.storage import Store


def _epoch(text: str | None) -> float | None:
    return datetime.fromisoformat(text).timestamp() if text else None


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="milliseconds")


class SqliteJobStore:
    """Print jobs that survive crashes, unplugged printers and restarts.

    Jobs print strictly in the order they were queued: while the oldest waits for its retry
    time, nothing behind it prints, so a batch of cards and slips never comes out shuffled.
    """

    def __init__(self, store: Store):
        self.store = store

    def next_due(self, now_epoch: float) -> Job | None:
        row = self.store.one(
            "SELECT id, kind, payload, attempts, next_attempt_at, reprint FROM print_jobs "
            "WHERE status = 'queued' ORDER BY seq LIMIT 1"
        )
        if row is None:
            return None
        retry_at = _epoch(row["next_attempt_at"])
        if retry_at is not None and retry_at > now_epoch:
            return None
        return Job(row["id"], row["kind"], json.loads(row["payload"]), row["attempts"], bool(row["reprint"]))

    def _move(self, job_id: str, expected: tuple[str, ...], **changes) -> bool:
        """Whether the job was in one of the `expected` states (and so was moved)."""
        changes["updated_at"] = now()
        assignments = ", ".join(f"{name} = :{name}" for name in changes)
        marks = ", ".join(f"'{status}'" for status in expected)
        with self.store.write() as db:
            return db.execute(
                f"UPDATE print_jobs SET {assignments} WHERE id = :job_id AND status IN ({marks})",
                {**changes, "job_id": job_id},
            ).rowcount == 1

    def mark_printing(self, job_id: str) -> bool:
        return self._move(job_id, ("queued",), status="printing")

    def mark_printed(self, job_id: str) -> None:
        self._move(job_id, ("printing",), status="printed", printed_at=now(), last_error=None,
                   next_attempt_at=None)

    def mark_failed(self, job_id: str, error: str, retry_at: float | None, interrupted: bool = False) -> None:
        with self.store.write() as db:
            db.execute(
                """UPDATE print_jobs SET status = ?, attempts = attempts + 1, last_error = ?,
                   next_attempt_at = ?, reprint = max(reprint, ?), updated_at = ?
                   WHERE id = ? AND status = 'printing'""",
                ["queued" if retry_at is not None else "failed", error,
                 _iso(retry_at) if retry_at is not None else None, int(interrupted), now(), job_id],
            )

    def requeue_interrupted(self) -> int:
        # The kit died while sending: part of the slip may be on paper, so it prints as a reprint.
        with self.store.write() as db:
            return db.execute(
                "UPDATE print_jobs SET status = 'queued', reprint = 1, updated_at = ? WHERE status = 'printing'",
                [now()],
            ).rowcount
