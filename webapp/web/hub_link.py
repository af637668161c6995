"""The organiser's page for the kit's hub: enrol, and see how sync is going."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, get_flashed_messages, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp.security import require_role, store
from webapp.sync import identity
from webapp.sync import state as sync_state
from webapp.sync.client import HubClient, SyncError

bp = Blueprint("hub_link", __name__, url_prefix="/organiser/hub")


@bp.route("/", methods=["GET", "POST"])
@require_role("organiser")
def page():
    if request.method == "POST":
        try:
            kit_id = HubClient(store()).enrol(
                request.form.get("hub_url", "").strip(), request.form.get("code", "").strip(),
                identity.kit_name(store(), current_app.config["KIT_NAME"]),
            )
        except SyncError as exc:
            flash(_("Enrolment failed: %(why)s", why=exc.translated(_)), "error")
        else:
            flash(_("Enrolled with the hub as %(id)s. Records will be sent whenever the kit is online.", id=kit_id), "notice")
        return redirect(url_for("hub_link.page"), 303)
    messages = dict(get_flashed_messages(with_categories=True))
    return render_template("organiser/hub.html", sync=sync_state.summary(store(), current_app.config["KIT_NAME"]),
                           error=messages.get("error"), notice=messages.get("notice"))
