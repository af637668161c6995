"""Printing through the JSON API: queue cards, slips and ballots; watch and manage the queue."""
from __future__ import annotations

from flask import current_app, jsonify, request

from webapp.printing import queue
from webapp.security import store
from webapp.services import kit_status

from . import bp
from .common import json_body, require_token


def _kit() -> queue.KitInfo:
    return queue.KitInfo.from_config(current_app.config, queue.kit_url(current_app.config, request.host_url))


def _queued(batch: str | None):
    return jsonify({"batch": batch, **queue.progress(store())}), 202


@bp.get("/print/status")
@require_token("steward")
def print_status():
    return jsonify({"printer": kit_status.printer_state(store()), **queue.progress(store()),
                    "jobs": queue.jobs(store(), 50)})


@bp.post("/print/group-cards")
@require_token("steward")
def print_group_cards():
    body = json_body()
    return _queued(queue.group_cards(store(), _kit(), body.get("slips_per_group", current_app.config["SLIPS_PER_GROUP"])))


@bp.post("/print/ballot-slips")
@require_token("steward")
def print_ballot_slips():
    return _queued(queue.ballot_slips(store(), _kit(), json_body().get("count", "")))


@bp.post("/print/paper-ballots")
@require_token("steward")
def print_paper_ballots():
    return _queued(queue.paper_ballots(store(), json_body().get("count", "")))


@bp.post("/print/results-slip")
@require_token("steward")
def print_results_slip():
    return _queued(queue.results_slip(store(), _kit()))


@bp.post("/print/kit-ready")
@require_token("organiser")
def print_kit_ready():
    return _queued(queue.kit_ready(store(), _kit()))


@bp.post("/print/jobs/<job_id>/cancel")
@require_token("steward")
def cancel_job(job_id: str):
    queue.cancel(store(), job_id)
    return jsonify(queue.progress(store()))


@bp.post("/print/jobs/<job_id>/reprint")
@require_token("steward")
def reprint_job(job_id: str):
    return _queued(queue.reprint(store(), job_id))
