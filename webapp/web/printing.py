"""The steward's printing page: printer state, the queue with progress, and what to print."""
from __future__ import annotations

from flask import (
    Blueprint, current_app, flash, get_flashed_messages, redirect, render_template, request, url_for,
)
from flask_babel import gettext as _
from printer import PrinterConfigError, parse_config

from webapp.domain.errors import DomainError
from webapp.printing import queue
from webapp.security import require_role, store
from webapp.services import kit_status

bp = Blueprint("printing", __name__, url_prefix="/steward/print")


def kit_info() -> queue.KitInfo:
    return queue.KitInfo.from_config(current_app.config, queue.kit_url(current_app.config, request.host_url))


def printer_problem() -> str | None:
    """A human message when the printer settings are wrong, before anything is printed."""
    try:
        parse_config(current_app.config["PRINTER"])
    except PrinterConfigError as exc:
        return _("The printer settings are wrong: %(why)s", why=str(exc))
    return None


def print_context() -> dict:
    return {"printer": kit_status.printer_state(store()), "problem": printer_problem(),
            "progress": queue.progress(store()), "jobs": queue.jobs(store(), 30)}


ACTIONS = {
    "group_cards": lambda form: queue.group_cards(store(), kit_info(), form.get("slips", "")),
    "ballot_slips": lambda form: queue.ballot_slips(store(), kit_info(), form.get("count", "")),
    "paper_ballots": lambda form: queue.paper_ballots(store(), form.get("count", "")),
    "results_slip": lambda form: queue.results_slip(store(), kit_info()),
    "kit_ready": lambda form: queue.kit_ready(store(), kit_info()),
    "cancel": lambda form: queue.cancel(store(), form.get("job", "")),
    "cancel_all": lambda form: queue.cancel_all(store()),
    "reprint": lambda form: queue.reprint(store(), form.get("job", "")),
}


@bp.get("/")
@require_role("steward")
def page():
    messages = dict(get_flashed_messages(with_categories=True))
    return render_template("steward/print.html", **print_context(), slips_default=current_app.config["SLIPS_PER_GROUP"],
                           error=messages.get("error"), notice=messages.get("notice"))


@bp.get("/fragment")
@require_role("steward")
def fragment():
    return render_template("steward/_print_status.html", **print_context())


@bp.post("/")
@require_role("steward")
def act():
    action = ACTIONS.get(request.form.get("action", ""))
    if action is None:
        flash(_("Unknown printing action."), "error")
    else:
        try:
            action(request.form)
        except DomainError as exc:
            flash(exc.translated(_), "error")
        else:
            flash(_("Done: the printer will work through the queue."), "notice")
    return redirect(url_for("printing.page"), 303)
