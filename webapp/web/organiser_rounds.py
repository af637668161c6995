"""The organiser's rounds: every round of the event, starting the next one (new ideas, the top N
of an earlier round, or ideas picked by hand), one round looked at again, and the event report.

Routes of the organiser blueprint (imported at the end of webapp/web/organiser.py). Plain forms
with CSRF tokens; a refusal shows on the same page, with what was typed kept.
"""
from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from webapp.domain.errors import N_, DomainError
from webapp.domain.phases import Phase
from webapp.security import require_role, store
from webapp.services import assembly, report, results, rounds

from .chart import bar_chart
from .organiser import _flash_args, _page, bp
from .projector import chart_rows

# The start form's fields a refusal may be about, by the field its message names.
START_FIELDS = {"question": "question", "round key": "round_key", "seats": "seats",
                "how many ideas to keep": "top", "round": "from_round"}
SOURCES = ("new", "top", "picked")


def _sources() -> list[dict]:
    """Rounds whose ideas a new round may draw on: idea rounds that have their results."""
    return [row for row in rounds.every(store()) if row["kind"] == "ideas" and row["phase"] == Phase.RESULTS.value]


def _start_form(values: dict, status: int = 200, **context):
    state = assembly.get(store())
    every = [{**row, "method": json.loads(row["rules"])["method"]} for row in rounds.every(store())]
    return _page("organiser/rounds.html", status, rounds=every, sources=_sources(),
                 can_start=state["phase"] is Phase.RESULTS, form=values, kinds=rounds.KIND_NAMES, **context)


@bp.get("/rounds")
@require_role("organiser")
def round_list():
    sources = _sources()
    default = {"source": "new", "kind": "ideas", "seats": "1", "top": "3",
               "from_round": str(sources[-1]["number"]) if sources else ""}
    return _start_form(default, **_flash_args())


@bp.post("/rounds")
@require_role("organiser")
def start_round():
    values = {key: request.form.get(key, "") for key in
              ("question", "round_key", "kind", "seats", "source", "from_round", "top")}
    source = values["source"] if values["source"] in SOURCES else "new"
    picked = request.form.getlist("picked")
    if source == "picked" and not picked and "pick_step" not in request.form:
        # The second step: the earlier round's ideas as checkboxes, with what was typed kept.
        return redirect(url_for("organiser.pick_ideas", **{"from": values["from_round"], "question": values["question"],
                                                          "round_key": values["round_key"]}), 303)
    form = {"question": values["question"], "round_key": values["round_key"], "kind": values["kind"] or "ideas",
            "seats": values["seats"]}
    if form["kind"] == "ideas" and source != "new":
        form["from_round"] = values["from_round"]
        if source == "top":
            form["top"] = values["top"]
        else:
            # An empty pick reaches start_next as "no ideas", which it refuses.
            form["picked"] = picked or [""]
    try:
        state = _start(form, source)
    except DomainError as exc:
        field = START_FIELDS.get(str(exc.params.get("field")))
        if source == "picked" and exc.code in ("no_ideas", "unknown_idea"):
            field = "picked"
        if source == "picked":
            return _pick_page(values["from_round"], values, exc.status, error=exc.translated(_), error_field=field,
                              checked=set(picked))
        return _start_form(values, exc.status, error=exc.translated(_), error_field=field)
    flash(_notice(state), "notice")
    return redirect(url_for("organiser.round_list"), 303)


def _start(form: dict, source: str) -> dict:
    if source == "picked" and form.get("picked") == [""]:
        raise DomainError("no_ideas", N_("Tick at least one idea for the new round."))
    return rounds.start_next(store(), form)


def _notice(state: dict) -> str:
    text = _("Round %(n)d has started.", n=state["round_number"])
    drawn = state["drawn_from"] or {}
    if drawn.get("widened"):
        text += " " + _("%(kept)d ideas kept: %(tied)d tied at the cut.", kept=drawn.get("kept", 0),
                        tied=drawn.get("tied_at_cut", 0))
    elif drawn:
        kept = assembly.counts(store())["ideas"]
        text += " " + _("%(kept)d ideas kept from round %(r)d.", kept=kept, r=drawn.get("number", 0))
    return text


@bp.get("/rounds/pick")
@require_role("organiser")
def pick_ideas():
    values = {"question": request.args.get("question", ""), "round_key": request.args.get("round_key", "")}
    try:
        return _pick_page(request.args.get("from", ""), values)
    except DomainError as exc:
        flash(exc.translated(_), "error")
        return redirect(url_for("organiser.round_list"), 303)


def _pick_page(number: str, values: dict, status: int = 200, checked: set | None = None, **context):
    earlier = rounds.drawable(store(), number)  # a round that chose ideas and has its results
    board = results.leaderboard(store(), _, earlier["id"])
    return _page("organiser/rounds_pick.html", status, earlier=earlier, board=board, form=values,
                 checked=checked or set(), **context)


@bp.get("/rounds/<int:number>")
@require_role("organiser")
def round_page(number: int):
    try:
        this = rounds.by_number(store(), number)
    except DomainError as exc:
        return _page("organiser/round.html", exc.status, this=None, error=exc.translated(_))
    row = next(r for r in rounds.every(store()) if r["id"] == this["id"])
    return _page("organiser/round.html", this=_with_chart(report.summary(store(), row, _)), kinds=rounds.KIND_NAMES)


@bp.get("/report")
@require_role("organiser")
def event_report():
    return _page("organiser/report.html", every=[_with_chart(r) for r in report.every_round(store(), _)],
                 kinds=rounds.KIND_NAMES)


def _with_chart(summary: dict) -> dict:
    """The round's results as the projector draws them (every idea, not only the top)."""
    if summary["board"]:
        shown = chart_rows(summary["board"], summary["rules"].method, limit=len(summary["board"]))
        summary["chart"] = Markup(bar_chart(
            shown, title=_("Results of round %(n)d: %(question)s", n=summary["number"],
                           question=summary["question_shown"]),
            desc=_("Bar chart of every idea, best first; the same figures are in the table."),
            chart_id=f"chart-round-{summary['number']}"))
    return summary


def export_response(name: str, fmt: str, round_arg: str | None) -> Response:
    """One export as a download: a round's (?round=N, the current one by default) or the event's."""
    round_id = rounds.by_number(store(), round_arg)["id"] if round_arg and name != "event" else None
    body, mimetype = results.export(store(), name, fmt, round_id)
    suffix = f"-round-{round_arg}" if round_id else ""
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="venuekit-{name}{suffix}.{fmt}"'})
