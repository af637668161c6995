"""Delegate pages: candidates (organiser and stewards), the election's result and the mandate
(organiser: which rounds it carries, publish, JSON export, printed slip)."""
from __future__ import annotations

from flask import (
    Blueprint, current_app, flash, get_flashed_messages, redirect, render_template, request, url_for,
)
from flask_babel import gettext as _

from webapp.domain.errors import DomainError
from webapp.printing import queue
from webapp.security import require_role, staff_role, store
from webapp.services import assembly, delegates, rounds
from webapp.sync import identity

from .printing import kit_info

bp = Blueprint("delegates", __name__)


def _kit_name() -> str:
    return identity.kit_name(store(), current_app.config["KIT_NAME"])


@bp.app_template_global("delegate_result")
def delegate_result(round_id: str | None = None) -> dict | None:
    """For templates (the organiser's overview, the projector): the election result of a round
    (the current one), or None when it elects nobody or has no results yet."""
    return delegates.result(store(), round_id or assembly.get(store())["round_id"])


def _back() -> str:
    return url_for("delegates.organiser_page") if staff_role() == "organiser" else url_for("delegates.steward_page")


def _page(template: str, **context):
    messages = dict(get_flashed_messages(with_categories=True))
    state = assembly.get(store())
    elects = state["kind"] == "delegates"
    return render_template(
        template, assembly=state, elects=elects,
        candidates=delegates.candidates(store(), state["round_id"]) if elects else [],
        can_change=elects and state["phase"] in delegates.OPEN_PHASES,
        election=delegates.result(store(), state["round_id"]) if elects else None,
        error=messages.get("error"), notice=messages.get("notice"), error_field=messages.get("field"), **context)


@bp.get("/steward/delegates")
@require_role("steward")
def steward_page():
    return _page("delegates/page.html", organiser=False)


@bp.get("/organiser/delegates")
@require_role("organiser")
def organiser_page():
    return _page("delegates/page.html", organiser=True, choices=delegates.mandate_choices(store()),
                 latest=delegates.latest_result(store()), published=delegates.published(store()),
                 round_names=rounds.KIND_NAMES)


def _act(action, success: str, field_of=None):
    try:
        action()
    except DomainError as exc:
        flash(exc.translated(_), "error")
        if field_of:
            flash(field_of(exc), "field")
    else:
        flash(success, "notice")
    return redirect(_back(), 303)


CANDIDATE_FIELDS = {"no_consent": "consent"}


@bp.post("/delegates/candidates")
@require_role("steward")
def add_candidate():
    form = request.form.to_dict()
    return _act(lambda: delegates.add(store(), form, staff_role()), _("Candidate added."),
                lambda exc: CANDIDATE_FIELDS.get(exc.code, "name"))


@bp.post("/delegates/candidates/<candidate_id>/withdraw")
@require_role("steward")
def withdraw_candidate(candidate_id: str):
    back = request.form.get("restore") != "1"
    return _act(lambda: delegates.set_withdrawn(store(), candidate_id, back),
                _("Candidate withdrawn.") if back else _("Candidate back on the ballot."))


@bp.post("/organiser/mandate")
@require_role("organiser")
def publish_mandate():
    chosen = request.form.getlist("round")
    return _act(lambda: delegates.publish(store(), chosen, _kit_name()),
                _("Mandate saved and published: it goes to the hub with the next sync."))


@bp.post("/organiser/mandate/print")
@require_role("organiser")
def print_mandate():
    large = request.form.get("large_print") == "1"
    return _act(lambda: queue.mandate_slip(store(), kit_info(), large_print=large), _("Mandate slip queued."))


@bp.get("/organiser/mandate.json")
@require_role("organiser")
def mandate_json():
    data = delegates.mandate(store(), _kit_name(), _)
    response = current_app.json.response(data)
    response.headers["Content-Disposition"] = 'attachment; filename="venuekit-mandate.json"'
    return response
