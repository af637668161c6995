"""Organiser pages: sign-in, settings, phases, groups, codes, stewards, moderation, exports."""
from __future__ import annotations

from flask import (
    Blueprint, current_app, flash, get_flashed_messages, redirect, render_template, request,
    url_for,
)
from flask_babel import get_locale, gettext as _

from webapp.boot import settings_file
from webapp.domain import codes
from webapp.domain.errors import DomainError
from webapp.domain.phases import ORDER, allows_moderation, allows_settings_change
from webapp.domain.voting import LIMIT_NAMES, METHOD_NAMES
from webapp.printing import paper, queue
from webapp.security import client_identity, require_role, safe_next, sign_out, store
from webapp.services import assembly, auth, ballots, health, ideas
from webapp.services import clock as kit_clock
from webapp.services import kit_language
from webapp.sync import identity

from .portal import sign_in_staff

bp = Blueprint("organiser", __name__, url_prefix="/organiser")


@bp.route("/signin", methods=["GET", "POST"])
def signin():
    first_time = not auth.has_organiser(store())
    error = error_field = None
    status = 200
    if request.method == "POST":
        limiter = current_app.extensions["venuekit"].limiter
        if limiter.wait_seconds(*client_identity()):
            error, status = _("Too many wrong attempts. Wait a minute and try again."), 429
        elif first_time or request.form.get("setup_code"):
            try:
                # At sign-up the organiser may rename the kit (checked before the code is used).
                name = identity.clean_name(request.form.get("kit_name")) if first_time else ""
                credential = auth.use_setup_code(store(), request.form.get("setup_code", ""),
                                                 request.form.get("passphrase", ""))
            except DomainError as exc:
                limiter.failed(*client_identity())
                error, status = exc.translated(_), exc.status
                error_field = {"weak_passphrase": "passphrase", "unknown_code": "setup_code"}.get(exc.code, "kit_name")
            else:
                if name and name != identity.kit_name(store(), current_app.config["KIT_NAME"]):
                    identity.set_name(store(), name)
                _signed_in(credential)
                return redirect(safe_next(request.args.get("next"), url_for("organiser.overview")), 303)
        elif credential := auth.check_passphrase(store(), request.form.get("passphrase", "")):
            _signed_in(credential)
            return redirect(safe_next(request.args.get("next"), url_for("organiser.overview")), 303)
        else:
            limiter.failed(*client_identity())
            error, status = _("That passphrase is not right."), 401
            error_field = "passphrase"
    kit_name = identity.kit_name(store(), current_app.config["KIT_NAME"]) if first_time else ""
    return render_template("organiser/signin.html", first_time=first_time, error=error, error_field=error_field,
                           kit_name=request.form.get("kit_name", kit_name)), status


def _signed_in(credential) -> None:
    """Sign the organiser in; the time their browser sent (if any) may set the kit's clock."""
    sign_in_staff("organiser", credential)
    offered = kit_clock.offer_from_browser(store(), request.form.get("browser_time"))
    if offered and offered["accepted"]:
        flash(_("The kit's clock was set from this device's time."), "notice")


@bp.post("/signout")
def signout():
    sign_out()
    return redirect(url_for("participant.landing"), 303)


def _page(template: str, status: int = 200, **context):
    state = assembly.get(store())
    return render_template(
        template, assembly=state, counts=assembly.counts(store()), phases=ORDER,
        methods=METHOD_NAMES, settings_open=allows_settings_change(state["phase"]),
        kit_languages=kit_language.language_names(str(get_locale())), kit_default_language=kit_language.default_language(store()),
        paper_languages=paper.CHOICE_NAMES, paper_language=paper.choice(store()),
        **context
    ), status


# The settings field a refusal is about, found from the field its message names, so the page
# can tie the error to that field (aria-invalid, aria-describedby).
SETTINGS_FIELDS = {"question": "question", "briefing": "briefing", "ideas per group": "ideas_per_group",
                   "number of groups": "num_groups", "max_choices": "max_choices", "points": "points",
                   "max_per_idea": "max_per_idea",
                   # A limit's error names it by its label (webapp.domain.voting.LIMIT_NAMES).
                   **{label: key for key, label in LIMIT_NAMES.items()}}


def _settings_field(exc: DomainError) -> str | None:
    return "num_groups" if exc.code == "group_has_ideas" else SETTINGS_FIELDS.get(str(exc.params.get("field")))


def _act(action, success: str, endpoint: str = "organiser.overview", field=None, **kwargs):
    """Run a change; on success come back with a notice, on refusal show why on the same page.

    `field` (an id, or a function of the error giving one) names the field a refusal is about.
    """
    try:
        action()
    except DomainError as exc:
        flash(exc.translated(_), "error")
        which = field(exc) if callable(field) else field
        if which:
            flash(which, "field")
    else:
        flash(success, "notice")
    return redirect(url_for(endpoint, **kwargs), 303)


def _flash_args() -> dict:
    messages = dict(get_flashed_messages(with_categories=True))
    return {"error": messages.get("error"), "notice": messages.get("notice"), "error_field": messages.get("field")}


@bp.get("/")
@require_role("organiser")
def overview():
    problems = settings_file.shown(settings_file.recorded_problems(store()), _)
    # What phones can join now: the network the boot step applied (see webapp.boot.applied).
    kit = queue.KitInfo.from_config(current_app.config, queue.kit_url(current_app.config, request.host_url))
    return _page("organiser/overview.html", settings_problems=problems, kit_network=kit,
                 health=health.for_page(store(), current_app.config, _), **_flash_args())


@bp.post("/settings")
@require_role("organiser")
def settings():
    form = request.form.to_dict()
    return _act(lambda: assembly.update_settings(store(), form), _("Settings saved."), field=_settings_field)


@bp.post("/language")
@require_role("organiser")
def language():
    # Not an assembly setting: it may change at any time, voting included.
    wanted = request.form.get("language", "")
    return _act(lambda: kit_language.set_default_language(store(), wanted), _("The kit's language is saved."))


@bp.post("/paper-language")
@require_role("organiser")
def paper_language():
    # Like the kit's language, it may change at any time: paper ballots print during voting.
    wanted = request.form.get("paper_language", "")
    return _act(lambda: paper.set_choice(store(), wanted), _("The language of printed slips is saved."))


@bp.post("/phase")
@require_role("organiser")
def phase():
    target = request.form.get("phase", "")
    return _act(lambda: assembly.set_phase(store(), target), _("The phase has changed."))


@bp.post("/reveal")
@require_role("organiser")
def reveal():
    show = request.form.get("reveal") == "1"
    done = _("Results are on the screen.") if show else _("Results are hidden again.")
    return _act(lambda: assembly.reveal(store(), show), done)


@bp.get("/groups")
@require_role("organiser")
def groups():
    rows = [
        {**g, "display": codes.display(g["code"], codes.GROUP), "count": len(ideas.for_group(store(), g["id"]))}
        for g in assembly.groups(store())
    ]
    return _page("organiser/groups.html", groups=rows, **_flash_args())


@bp.post("/groups/<group_id>/name")
@require_role("organiser")
def rename_group(group_id: str):
    name = request.form.get("name", "")
    return _act(lambda: assembly.rename_group(store(), group_id, name), _("Group renamed."), "organiser.groups",
                field=f"name-{group_id}")


@bp.get("/ideas")
@require_role("organiser")
def idea_list():
    state = assembly.get(store())
    # A delegates round's "ideas" are its candidates: they are withdrawn, not hidden or merged.
    can_moderate = state["kind"] == "ideas" and allows_moderation(
        state["phase"], ballots_cast=assembly.counts(store())["ballots_cast"])
    return _page("organiser/ideas.html", ideas=ideas.all_ideas(store(), _), can_moderate=can_moderate, **_flash_args())


@bp.post("/ideas/<idea_id>/hide")
@require_role("organiser")
def hide(idea_id: str):
    hidden = request.form.get("hidden") == "1"
    return _act(lambda: ideas.set_hidden(store(), idea_id, hidden), _("Idea updated."), "organiser.idea_list")


@bp.post("/ideas/<idea_id>/merge")
@require_role("organiser")
def merge(idea_id: str):
    target = request.form.get("into", "")
    if target:
        action = lambda: ideas.merge(store(), idea_id, target)  # noqa: E731
    else:
        action = lambda: ideas.unmerge(store(), idea_id)  # noqa: E731
    return _act(action, _("Ideas updated."), "organiser.idea_list", field=f"merge-{idea_id}")


@bp.route("/codes", methods=["GET", "POST"])
@require_role("organiser")
def ballot_codes():
    if request.method == "POST":
        count = request.form.get("count", "")
        return _act(lambda: ballots.issue_codes(store(), count), _("Ballot codes created."), "organiser.ballot_codes",
                    field="count")
    rows = [{**r, "display": codes.display(r["code"], codes.BALLOT)} for r in ballots.list_codes(store())]
    return _page("organiser/codes.html", codes=rows, **_flash_args())


@bp.route("/stewards", methods=["GET", "POST"])
@require_role("organiser")
def stewards():
    new_code = None
    status = 200
    error = None
    if request.method == "POST":
        if request.form.get("revoke"):
            return _act(lambda: auth.revoke_steward_code(store(), request.form["revoke"]), _("Code withdrawn: anyone signed in with it is signed out."), "organiser.stewards")
        try:
            new_code = codes.display(auth.create_steward_code(store(), request.form.get("label", "")), codes.STEWARD)
        except DomainError as exc:
            error, status = exc.translated(_), exc.status
    rows = [{**row, "label": _(row["label"]) if row["label"] == auth.DEFAULT_STEWARD_LABEL else row["label"]}
            for row in auth.steward_codes(store())]
    return _page("organiser/stewards.html", status, stewards=rows, new_code=new_code, error=error,
                 error_field="label" if error else None)


@bp.get("/export/<name>.<fmt>")
@require_role("organiser")
def export(name: str, fmt: str):
    if name not in ("ideas", "ballots", "tally", "event") or fmt not in ("csv", "json"):
        return redirect(url_for("organiser.overview"))
    try:
        return organiser_rounds.export_response(name, fmt, request.args.get("round"))
    except DomainError as exc:
        flash(exc.translated(_), "error")
        return redirect(url_for("organiser.round_list"), 303)


# The rounds pages and the event report are routes of this blueprint too.
from . import organiser_rounds  # noqa: E402
