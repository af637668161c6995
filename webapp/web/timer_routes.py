"""Start and stop the room's countdown (webapp/services/timer.py) from a staff dashboard.

Organisers and stewards alike: a steward runs the floor while the organiser may be elsewhere.
The form (projector_timer_form.html) is on both dashboards and sends the page it came from, so
each goes back to its own page; its messages are flashed under categories of their own, which
only that form shows.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from webapp.domain.errors import DomainError
from webapp.security import require_role, safe_next, staff_role, store
from webapp.services import timer

bp = Blueprint("timer", __name__, url_prefix="/timer")


@bp.app_template_global("kit_timer")
def kit_timer() -> dict | None:
    """The running countdown for the dashboards' form (read only where the form is shown)."""
    return timer.current(store())


def _back():
    home = url_for("organiser.overview" if staff_role() == "organiser" else "steward.dashboard")
    return redirect(safe_next(request.form.get("back"), home), 303)


@bp.post("/start")
@require_role("steward")
def start():
    try:
        running = timer.start(store(), request.form.get("minutes", ""))
    except DomainError as exc:
        flash(exc.translated(_), "timer_error")
    else:
        flash(ngettext("The countdown is on the screen: %(num)d minute.",
                       "The countdown is on the screen: %(num)d minutes.", running["minutes"]), "timer")
    return _back()


@bp.post("/stop")
@require_role("steward")
def stop():
    timer.stop(store())
    flash(_("The countdown has stopped."), "timer")
    return _back()
