"""The steward's printing page: printer state, the queue with progress, and what to print."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from printer import PrinterConfigError, parse_config

from webapp.domain.errors import DomainError
from webapp.printing import queue, recovery
from webapp.security import require_role, staff_role, store
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


def _render(*, notice: str | None = None, error: str | None = None, status: int = 200):
    return render_template("steward/print.html", **print_context(), slips_default=current_app.config["SLIPS_PER_GROUP"],
                           error=error, notice=notice, refresh_url=url_for("printing.page"),
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
