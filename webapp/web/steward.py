"""Steward pages: sign-in with a steward code, the live dashboard and paper-ballot entry."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp.domain import codes
from webapp.domain.errors import DomainError
from webapp.domain.phases import Phase
from webapp.security import client_identity, require_role, safe_next, store
from webapp.services import assembly, auth, ballots, health, kit_status
from webapp.sync import state as sync_state

from .forms import check_round, choices_from_form
from .portal import sign_in_staff

bp = Blueprint("steward", __name__, url_prefix="/steward")


@bp.route("/signin", methods=["GET", "POST"])
def signin():
    error = None
    status = 200
    if request.method == "POST":
        limiter = current_app.extensions["venuekit"].limiter
        if limiter.wait_seconds(*client_identity()):
            error, status = _("Too many wrong attempts. Wait a minute and try again."), 429
        elif code := auth.check_steward_code(store(), request.form.get("code", "")):
            sign_in_staff("steward", code["code_hash"])
            return redirect(safe_next(request.args.get("next"), url_for("steward.dashboard")), 303)
        else:
            limiter.failed(*client_identity())
            error, status = _("That steward code is not right — ask the organiser."), 401
    return render_template("steward/signin.html", error=error, error_field="code" if error else None), status


@bp.get("/")
@require_role("steward")
def dashboard():
    return render_template(
        "steward/dashboard.html", **_live_context(),
        error=None, notice=_("Paper ballot saved.") if request.args.get("saved") else None,
    )


def _live_context() -> dict:
    return {"assembly": assembly.get(store()), "counts": assembly.counts(store()),
            "sync": sync_state.summary(store(), current_app.config["KIT_NAME"]),
            "printer": kit_status.printer_state(store()), "uplink": kit_status.uplink_state(store()),
            "phones": kit_status.phones_with_addresses(), "health": health.for_page(store(), current_app.config, _)}


@bp.get("/fragment")
@require_role("steward")
def fragment():
    return render_template("steward/_counts.html", **_live_context())


@bp.get("/paper")
@require_role("steward")
def find_paper():
    typed = request.args.get("code", "")
    try:
        row = ballots.lookup(store(), typed)
    except DomainError as exc:
        return render_template(
            "steward/dashboard.html", **_live_context(), error=exc.translated(_), notice=None, typed=typed[:40],
            error_field="paper-code",
        ), exc.status
    return redirect(url_for("steward.paper", code=row["code"]))


@bp.route("/paper/<code>", methods=["GET", "POST"])
@require_role("steward")
def paper(code: str):
    view = ballots.ballot_view(store(), code)
    state = view["assembly"]
    status_row = ballots.voted_status(view)
    error = None
    status = 200
    chosen = (view["ballot"] or {}).get("choices", {})
    if request.method == "POST":
        try:
            check_round(request.form, state)
            choices = choices_from_form(request.form, view["ideas"], state["rules"].method)
            chosen = choices
            ballots.cast(store(), code, choices, source="paper", view=view,
                         confirm_replace=request.form.get("replace") == "1")
        except DomainError as exc:
            error, status = exc.translated(_), exc.status
        else:
            return redirect(url_for("steward.dashboard", saved=1), 303)
    # Paper ballots list ideas by number, so the steward's form does too.
    view["ideas"] = sorted(view["ideas"], key=lambda idea: idea["number"])
    return render_template(
        "steward/paper.html", assembly=state, view=view, chosen=chosen, error=error, notice=None,
        open=state["phase"] is Phase.VOTING, closed_text=_("Voting is not open."),
        display_code=codes.display(view["code"], codes.BALLOT), voted=status_row,
        form_action=url_for("steward.paper", code=view["code"]),
        submit_label=_("Save paper ballot"),
    ), status
