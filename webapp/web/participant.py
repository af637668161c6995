"""Participant pages: landing, a group's ideas, a person's ballot. No JavaScript, no cookies."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from webapp.domain import codes
from webapp.domain.errors import DomainError, NotFound
from webapp.domain.phases import Phase
from webapp.domain.voting import BallotError
from webapp.security import client_identity, participant_token, store
from webapp.services import assembly, ballots, ideas

from . import fragments, page_skeleton
from .forms import check_round, choices_from_form, group_entries, idea_field
from .page_gettext import gettext as _
from .page_skeleton import skeleton_page
from .portal import release_with

bp = Blueprint("participant", __name__)
bp.record_once(lambda state: (fragments.install(state.app), page_skeleton.install(state.app)))


def done_hint() -> str:
    return _("You can close this window now. If your phone asks “Stay connected?”, tap Yes.")


def phase_text(phase: Phase) -> str:
    return {
        Phase.SETUP: _("The assembly is being set up. Please wait for the organiser."),
        Phase.SUBMISSION: _("Groups are sending their ideas now."),
        Phase.VOTING: _("Voting is open: use the code on your ballot slip."),
        Phase.RESULTS: _("Voting has closed. Watch the screen for the results."),
    }[phase]


def _limited() -> None:
    """Refuse with 429 while this client has used up its wrong-code allowance."""
    wait = current_app.extensions["venuekit"].limiter.wait_seconds(*client_identity())
    if wait:
        abort(429)


def _note_failure(exc: DomainError) -> None:
    # Only well-formed but unknown codes count as guesses; typos are caught by the check character.
    if isinstance(exc, NotFound):
        current_app.extensions["venuekit"].limiter.failed(*client_identity())


def _landing(error: str | None = None, status: int = 200, **fields):
    state = assembly.get(store())
    html = render_template(
        "landing.html", assembly=state, phase_text=phase_text(state["phase"]), error=error, **fields
    )
    return html, status


@bp.get("/")
def landing():
    return _landing()


@bp.get("/accessibility")
def accessibility():
    return render_template("accessibility.html")


@bp.get("/group")
def find_group():
    typed = request.args.get("code", "")
    _limited()
    try:
        group = assembly.group_by_code(store(), typed)
    except DomainError as exc:
        _note_failure(exc)
        return _landing(exc.translated(_), exc.status, group_code=typed[:40], error_field="group-code")
    return redirect(url_for("participant.group_page", code=group["code"]))


@bp.get("/ballot")
def find_ballot():
    typed = request.args.get("code", "")
    _limited()
    try:
        row = ballots.lookup(store(), typed)
    except DomainError as exc:
        _note_failure(exc)
        return _landing(exc.translated(_), exc.status, ballot_code=typed[:40], error_field="ballot-code")
    return redirect(url_for("participant.ballot_page", code=row["code"]))


def _group_or_404(code: str) -> dict:
    _limited()
    try:
        return assembly.group_by_code(store(), code)
    except DomainError as exc:
        _note_failure(exc)
        raise


@bp.route("/g/<code>", methods=["GET", "POST"])
def group_page(code: str):
    group = _group_or_404(code)
    if group["code"] != code:
        return redirect(url_for("participant.group_page", code=group["code"]))
    state = assembly.get(store())
    error = notice = error_field = None
    status = 200
    limit = state["ideas_per_group"]
    if request.method == "POST":
        entries = group_entries(request.form, limit)
        try:
            ideas.save_for_group(store(), group["id"], entries, also=release_with("ideas"))
        except DomainError as exc:
            error, status = exc.translated(_), exc.status
            error_field = idea_field(exc, limit)
            slots = [{"title": t, "detail": d} for t, d in entries[:limit]]
        else:
            return redirect(url_for("participant.group_page", code=group["code"], saved=1), 303)
    if not error:
        saved = {row["slot"]: row for row in ideas.for_group(store(), group["id"])}
        slots = [saved.get(i, {"title": "", "detail": ""}) for i in range(1, limit + 1)]
        if request.args.get("saved"):
            notice = _("Saved. Your ideas are in. You can still change them until submission closes.") + " " + done_hint()
    editable = state["phase"] is Phase.SUBMISSION
    closed_text = {
        Phase.SETUP: _("Submission has not opened yet. Keep this page and try again soon."),
        Phase.VOTING: _("Submission has closed. These are your group's ideas."),
        Phase.RESULTS: _("Submission has closed. These are your group's ideas."),
    }.get(state["phase"], "")
    return render_template(
        "group.html", group=group, code=group["code"], assembly=state, slots=slots,
        editable=editable, closed_text=closed_text, error=error, error_field=error_field, notice=notice,
        ideas=ideas.for_group(store(), group["id"]),
        title_max=ideas.TITLE_MAX, detail_max=ideas.DETAIL_MAX,
    ), status


@bp.route("/b/<code>", methods=["GET", "POST"])
def ballot_page(code: str):
    _limited()
    try:
        # A vote needs the ideas but not the earlier ballot; the page needs both. Neither a vote
        # nor the "vote saved" page needs the ballot's order of the ideas.
        view = ballots.ballot_view(store(), code, with_ballot=request.method == "GET",
                                   ordered=request.method == "GET" and not request.args.get("saved"))
    except DomainError as exc:
        _note_failure(exc)
        raise
    if view["code"] != code:
        return redirect(url_for("participant.ballot_page", code=view["code"]))
    state = view["assembly"]
    error = notice = error_field = None
    status = 200
    chosen = (view["ballot"] or {}).get("choices", {})
    if request.method == "POST":
        try:
            check_round(request.form, state)
            choices = choices_from_form(request.form, view["ideas"], state["rules"].method)
            chosen = choices
            ballots.cast(store(), code, choices, source="phone", view=view, also=release_with("ballot"))
        except DomainError as exc:
            error, status = exc.translated(_), exc.status
            # A ballot the rules refuse is about the choices; a closed phase is about the page.
            error_field = "choices" if isinstance(exc, BallotError) else None
        else:
            return redirect(page_skeleton.url_for_code("participant.ballot_page", code, saved=1), 303)
    elif request.args.get("saved") and view["ballot"] and state["phase"] is Phase.VOTING:
        return _saved_page(view)
    view = ballots.in_ballot_order(store(), view)  # shown as a ballot after all
    display_code = codes.display(view["code"], codes.BALLOT)

    def values(code: str, display_code: str) -> dict:
        # Only a closed ballot says why (three lookups on every open ballot were wasted).
        closed_text = "" if state["phase"] is Phase.VOTING else {
            Phase.SETUP: _("Voting has not opened yet. Keep your slip and come back when it opens."),
            Phase.SUBMISSION: _("Voting has not opened yet. Keep your slip and come back when it opens."),
            Phase.RESULTS: _("Voting has closed. Thank you for taking part."),
        }.get(state["phase"], "")
        return dict(assembly=state, view=view, chosen=chosen, error=error, error_field=error_field, notice=notice,
                    open=state["phase"] is Phase.VOTING, closed_text=closed_text, display_code=display_code,
                    form_action=url_for("participant.ballot_page", code=code))

    if request.method == "GET" and view.get("version") is not None:
        return skeleton_page(
            "ballot.html", ("ballot", view["version"], bool(view["ballot"])), code, view, chosen,
            {page_skeleton.SHOWN_CODE: display_code, page_skeleton.TOKEN: participant_token(code)}, values)
    return render_template("ballot.html", **values(code, display_code)), status


def _saved_page(view: dict):
    """After a vote: a short thank-you with what was chosen, not the whole ballot again."""
    chosen = view["ballot"]["choices"]
    ranked = view["assembly"]["rules"].method == "ranked"
    picked = sorted((idea for idea in view["ideas"] if idea["id"] in chosen),
                    key=lambda idea: (chosen[idea["id"]] if ranked else 0, idea["number"]))
    # Only the chosen ideas are listed: each_idea lists a view's ideas (see page_skeleton).
    shown = {"version": view["version"], "ideas": picked}
    return skeleton_page(
        "ballot_saved.html", ("saved", view["version"]), view["code"], shown, chosen,
        {page_skeleton.SHOWN_CODE: codes.display(view["code"], codes.BALLOT)},
        lambda code, display_code: dict(
            assembly=view["assembly"], view=shown, chosen=chosen,
            notice=_("Thank you — your vote is saved.") + " " + done_hint(),
            display_code=display_code, change_url=url_for("participant.ballot_page", code=code)))
