"""Printing through the JSON API: queue cards, slips and ballots; watch and manage the queue."""
from __future__ import annotations

from flask import current_app, g, jsonify, request

from webapp.printing import queue, recovery
from webapp.security import store
from webapp.services import kit_status

from . import bp, schemas
from .contract import operation


def _kit() -> queue.KitInfo:
    return queue.KitInfo.from_config(current_app.config, queue.kit_url(current_app.config, request.host_url))


def _queued(batch: str | None):
    return jsonify({"batch": batch, **queue.progress(store())}), 202


@bp.get("/print/status")
@operation("Printer state, queue totals, batch progress and recent jobs", auth="steward",
           response=schemas.PrintStatus)
def print_status():
    return jsonify({"printer": kit_status.printer_state(store()), **queue.progress(store()),
                    "jobs": queue.jobs(store(), 50)})


@bp.post("/print/group-cards")
@operation("Queue every group card, each followed by new ballot slips", auth="steward", body=schemas.GroupCards,
           response=schemas.Queued, status=202, errors=(422,))
def print_group_cards(body: schemas.GroupCards):
    slips = current_app.config["SLIPS_PER_GROUP"] if body.slips_per_group is None else body.slips_per_group
    return _queued(queue.group_cards(store(), _kit(), slips, large_print=body.large_print))


@bp.post("/print/ballot-slips")
@operation("Issue new ballot codes and queue a slip for each", auth="steward", body=schemas.PrintCount,
           response=schemas.Queued, status=202)
def print_ballot_slips(body: schemas.PrintCount):
    return _queued(queue.ballot_slips(store(), _kit(), body.count, large_print=body.large_print))


@bp.post("/print/paper-ballots")
@operation("Issue new codes and queue a paper ballot for each (voting phase)", auth="steward", body=schemas.PrintCount,
           response=schemas.Queued, status=202, errors=(409,))
def print_paper_ballots(body: schemas.PrintCount):
    return _queued(queue.paper_ballots(store(), body.count, large_print=body.large_print))


@bp.post("/print/results-slip")
@operation("Queue the results slip (after the reveal)", auth="steward", response=schemas.Queued, status=202,
           errors=(409,))
def print_results_slip():
    return _queued(queue.results_slip(store(), _kit()))


@bp.post("/print/kit-ready")
@operation("Queue the kit-ready slip (with a setup code only before sign-up)", auth="organiser",
           response=schemas.Queued, status=202)
def print_kit_ready():
    return _queued(queue.kit_ready(store(), _kit()))


@bp.post("/print/jobs/<job_id>/cancel")
@operation("Cancel a job still waiting", auth="steward", response=schemas.Progress, errors=(409,))
def cancel_job(job_id: str):
    queue.cancel(store(), job_id)
    return jsonify(queue.progress(store()))


@bp.post("/print/jobs/<job_id>/reprint")
@operation("Queue the same slip again (the kit-ready slip: organiser only)", auth="steward", response=schemas.Queued,
           status=202, errors=(403, 404))
def reprint_job(job_id: str):
    return _queued(queue.reprint(store(), job_id, by_organiser=g.api_role == "organiser"))


@bp.post("/print/jobs/<job_id>/retry")
@operation("Try a failed or waiting job now instead of at its next retry time", auth="steward",
           response=schemas.Progress, errors=(409,))
def retry_job(job_id: str):
    recovery.retry_now(store(), job_id)
    return jsonify(queue.progress(store()))


@bp.post("/print/jobs/<job_id>/void-and-replace")
@operation("Void the ballot code of a slip cut off part-way and queue a slip with a fresh code",
           auth="steward", response=schemas.Queued, status=202, errors=(404, 409))
def void_and_replace_job(job_id: str):
    recovery.void_and_replace(store(), _kit(), job_id)
    return _queued(None)
