"""The steward's printing page: printer state, the queue with progress, and what to print."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from printer import PrinterConfigError, parse_config

from webapp.domain.errors import DomainError
from webapp.printing import queue, recovery
from webapp.security import require_role, staff_role, store
from webapp.services import kit_status

from . import job_words

bp = Blueprint("printing", __name__, url_prefix="/steward/print")


def kit_info() -> queue.KitInfo:
    return queue.KitInfo.from_config(current_app.config, queue.kit_url(current_app.config, request.host_url))


def printer_problem() -> str | None:
    """A human message when the printer settings are wrong, before anything is printed."""
    try:
        parse_config(current_app.config["PRINTER"])
    except PrinterConfigError as exc:
        why = _(exc.template) % exc.params if exc.params else _(exc.template)
        return _("The printer settings are wrong: %(why)s", why=why)
    return None


def print_context() -> dict:
    jobs = queue.jobs(store(), 30)
    for job in jobs:
        # Stored labels and states are English words: shown in the page's language.
        job["shown_label"] = job_words.job_label(job["label"], _)
        job["shown_status"] = job_words.job_status(job["status"], _)
    return {"printer": kit_status.printer_state(store()), "problem": printer_problem(),
            "progress": queue.progress(store()), "jobs": jobs}


def _large(form) -> bool:
    """The form's large-print box: bigger type, fewer ideas on each paper ballot slip."""
    return form.get("large_print") == "1"


ACTIONS = {
    "group_cards": lambda form: queue.group_cards(store(), kit_info(), form.get("slips", ""),
                                                  large_print=_large(form)),
    "ballot_slips": lambda form: queue.ballot_slips(store(), kit_info(), form.get("count", ""),
                                                    large_print=_large(form)),
    "paper_ballots": lambda form: queue.paper_ballots(store(), form.get("count", ""), large_print=_large(form)),
    "results_slip": lambda form: queue.results_slip(store(), kit_info(), large_print=_large(form)),
    "kit_ready": lambda form: queue.kit_ready(store(), kit_info()),  # organiser only: see act()
    "cancel": lambda form: queue.cancel(store(), form.get("job", "")),
    "cancel_all": lambda form: queue.cancel_all(store()),
    "reprint": lambda form: queue.reprint(store(), form.get("job", ""), by_organiser=staff_role() == "organiser"),
    "retry": lambda form: recovery.retry_now(store(), form.get("job", "")),
    "void_replace": lambda form: recovery.void_and_replace(store(), kit_info(), form.get("job", "")),
}


@bp.get("/")
@require_role("steward")
def page():
    # The notice travels in the address, not in the session cookie: a live refresh that left
    # with the older cookie would otherwise overwrite it before the page showed it.
    notice = _("Done: the printer will work through the queue.") if request.args.get("done") else None
    return _render(notice=notice)


# The field whose value an action's refusal is about, so the error can be tied to it.
ERROR_FIELD = {"group_cards": "slips", "ballot_slips": "count", "paper_ballots": "paper"}


def _render(*, notice: str | None = None, error: str | None = None, status: int = 200):
    return render_template("steward/print.html", **print_context(), slips_default=current_app.config["SLIPS_PER_GROUP"],
                           error=error, notice=notice, refresh_url=url_for("printing.page"),
                           error_field=ERROR_FIELD.get(request.form.get("action", "")) if error else None,
                           is_organiser=staff_role() == "organiser"), status


@bp.get("/fragment")
@require_role("steward")
def fragment():
    return render_template("steward/_print_status.html", **print_context())


@bp.post("/")
@require_role("steward")
def act():
    action = ACTIONS.get(request.form.get("action", ""))
    # Before sign-up the kit-ready slip carries the setup code, which sets the organiser passphrase.
    if request.form.get("action") == "kit_ready" and staff_role() != "organiser":
        return _render(error=_("Only the organiser can print the kit-ready slip."), status=403)
    if action is None:
        return _render(error=_("Unknown printing action."), status=400)
    try:
        action(request.form)
    except DomainError as exc:
        return _render(error=exc.translated(_), status=exc.status)
    return redirect(url_for("printing.page", done=1), 303)
