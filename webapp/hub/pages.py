"""The hub operator's pages: enrolled kits, conflicts, combined results, idea import, exports."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, get_flashed_messages, redirect, render_template, url_for
from flask_babel import gettext as _

from webapp.domain.errors import DomainError
from webapp.security import require_role, store as room_store
from webapp.services.results import to_csv

from . import ingest
from .results import combined, import_ideas

bp = Blueprint("hub_pages", __name__, url_prefix="/hub")


def hub():
    return current_app.extensions["venuekit_hub"]


@bp.get("/")
@require_role("organiser")
def overview():
    messages = dict(get_flashed_messages(with_categories=True))
    return render_template(
        "hub/overview.html", kits=ingest.kits(hub()), results=combined(hub(), room_store()),
        error=messages.get("error"), notice=messages.get("notice"),
    )


@bp.post("/import-ideas")
@require_role("organiser")
def import_venue_ideas():
    try:
        count = import_ideas(hub(), room_store())
    except DomainError as exc:
        flash(exc.translated(_), "error")
    else:
        flash(_("%(n)d ideas imported into the online room.", n=count), "notice")
    return redirect(url_for("hub_pages.overview"), 303)


@bp.get("/export/combined.<fmt>")
@require_role("organiser")
def export(fmt: str):
    data = combined(hub(), room_store())
    if fmt == "json":
        return current_app.json.response(data)
    if fmt != "csv":
        return redirect(url_for("hub_pages.overview"))
    body = to_csv(data["rows"], ["rank", "tied", "idea_id", "title", "venue", "score", "supporters", "firsts"])
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="venuekit-combined.csv"'})
