"""The hub operator's pages: enrolled kits, conflicts, combined results, idea import, exports."""
from __future__ import annotations

from flask import (Blueprint, Response, current_app, flash, get_flashed_messages, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _

from webapp.domain.errors import DomainError
from webapp.security import require_role, store as room_store
from webapp.services.results import to_csv

from . import ingest
from .mandates import venue_mandates
from .results import ONLINE, ONLINE_NAME, attendance, combined, import_ideas, records_export, round_keys

bp = Blueprint("hub_pages", __name__, url_prefix="/hub")


def hub():
    return current_app.extensions["venuekit_hub"]


@bp.get("/")
@require_role("organiser")
def overview():
    messages = dict(get_flashed_messages(with_categories=True))
    keys = round_keys(hub(), room_store())
    wanted = request.args.get("round")
    results = combined(hub(), room_store(), round_key=wanted if wanted in keys else None)
    present = attendance(hub(), room_store())
    for row in present["venues"]:
        if row["kit_id"] == ONLINE:
            row["venue"] = _(ONLINE_NAME)
    for venue in results["venues"]:
        if venue["kit_id"] == ONLINE:
            venue["venue"] = _(ONLINE_NAME)
    results["excluded_venues"] = [_(ONLINE_NAME) if name == ONLINE_NAME else name for name in results["excluded_venues"]]
    return render_template(
        "hub/overview.html", kits=ingest.kits(hub()), results=results, keys=keys, attendance=present, mandates=venue_mandates(hub()),
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


EXPORT_COLUMNS = {
    "combined": ["rank", "tied", "idea_id", "title", "venue", "score", "supporters", "firsts"],
    "ideas": ["id", "venue", "number", "title", "detail", "hidden", "merged_into"],
    "ballots": ["ballot_id", "venue", "source", "choices"],
    "mandates": [],  # JSON only: each venue's delegates and mandate are nested lists
}


@bp.get("/export/<name>.<fmt>")
@require_role("organiser")
def export(name: str, fmt: str):
    if name not in EXPORT_COLUMNS or fmt not in ("csv", "json") or (name == "mandates" and fmt != "json"):
        return redirect(url_for("hub_pages.overview"))
    if name == "mandates":
        return current_app.json.response(venue_mandates(hub()))
    if name == "combined":
        keys = round_keys(hub(), room_store())
        wanted = request.args.get("round")
        data = combined(hub(), room_store(), round_key=wanted if wanted in keys else None)
        rows = data["rows"]
    else:
        rows = data = records_export(hub(), name[:-1])
    if fmt == "json":
        return current_app.json.response(data)
    return Response(to_csv(rows, EXPORT_COLUMNS[name]), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="venuekit-hub-{name}.csv"'})
