"""The organiser's access page: who is signed in, API tokens and their revoke, sign out everywhere."""
from __future__ import annotations

from flask import Blueprint, flash, get_flashed_messages, redirect, render_template, url_for
from flask_babel import gettext as _

from webapp.domain.errors import DomainError
from webapp.security import require_role, sign_out, store
from webapp.services import auth, sessions

bp = Blueprint("access", __name__, url_prefix="/organiser")
TOKEN_COMMAND = "venuekit token --role steward --label NAME --days N"


@bp.get("/access")
@require_role("organiser")
def page():
    messages = dict(get_flashed_messages(with_categories=True))
    return render_template(
        "organiser/access.html", tokens=auth.tokens(store()), signed_in=sessions.signed_in(store()),
        token_days=auth.TOKEN_DAYS, token_command=TOKEN_COMMAND, error=messages.get("error"), notice=messages.get("notice"),
    )


@bp.post("/tokens/<token_id>/revoke")
@require_role("organiser")
def revoke_token(token_id: str):
    try:
        auth.revoke_token(store(), token_id)
    except DomainError as exc:
        flash(exc.translated(_), "error")
    else:
        flash(_("Token revoked."), "notice")
    return redirect(url_for("access.page"), 303)


@bp.post("/signout-everywhere")
@require_role("organiser")
def signout_everywhere():
    """End every staff session, this one included: anyone who should stay signs in again."""
    sessions.end_all(store())
    sign_out()
    return redirect(url_for("organiser.signin"), 303)
