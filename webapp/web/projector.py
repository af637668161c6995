"""The projector: counts while the assembly runs, the leaderboard once revealed."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext

from webapp.domain.phases import Phase
from webapp.security import store
from webapp.services import assembly, results
from webapp.sync import state as sync_state

bp = Blueprint("projector", __name__, url_prefix="/projector")


def _context() -> dict:
    state = assembly.get(store())
    revealed = state["phase"] is Phase.RESULTS and state["revealed"]
    # The tally is only computed once it may be shown: nothing leaks before the reveal.
    board = results.leaderboard(store(), gettext) if revealed else []
    combined = sync_state.combined_results(store()) if revealed else None
    return {"assembly": state, "counts": assembly.counts(store()), "board": board, "combined": combined}


@bp.get("/")
def screen():
    return render_template("projector.html", **_context())


@bp.get("/fragment")
def fragment():
    return render_template("_projector_body.html", **_context())
