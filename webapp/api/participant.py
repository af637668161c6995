"""Participant calls: the assembly, a group's ideas, a ballot. Authorised by the code itself."""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext

from webapp.domain import codes
from webapp.domain.errors import N_, Conflict
from webapp.domain.phases import Phase
from webapp.security import store
from webapp.services import assembly, ballots, ideas, results
from webapp.services import kit_status as kit_status_service

from . import bp, schemas
from .common import bearer_role, guarded
from .contract import operation


def assembly_json(state: dict) -> dict:
    return {
        "id": state["id"],
        "question": assembly.question_text(state["question"], gettext),
        "briefing": state["briefing"],
        "phase": state["phase"].value,
        "ideas_per_group": state["ideas_per_group"],
        "num_groups": state["num_groups"],
        "rules": state["rules"].as_dict(),
        "revealed": state["revealed"],
        "counts": assembly.counts(store()),
    }


def idea_json(idea: dict) -> dict:
    return {"id": idea["id"], "number": idea["number"], "title": idea["title"], "detail": idea["detail"] or ""}


@bp.get("/assembly")
@operation("The assembly: question, phase, rules and counts", response=schemas.Assembly)
def get_assembly():
    return jsonify(assembly_json(assembly.get(store())))


def _group_json(group: dict) -> dict:
    state = assembly.get(store())
    return {
        "group": {"number": group["number"], "name": assembly.group_name(group["number"], group["name"], gettext),
                  "code": group["code"]},
        "ideas_per_group": state["ideas_per_group"],
        "editable": state["phase"] is Phase.SUBMISSION,
        "ideas": [{**idea_json(i), "slot": i["slot"]} for i in ideas.for_group(store(), group["id"])],
    }


@bp.get("/group-codes/<code>")
@operation("A group's ideas, by its group code", auth="code", response=schemas.GroupView)
def get_group(code: str):
    return jsonify(_group_json(guarded(assembly.group_by_code, store(), code)))


@bp.put("/group-codes/<code>/ideas")
@operation("Replace the group's ideas, slot by slot (a blank title removes that slot's idea)", auth="code",
           body=schemas.GroupIdeas, response=schemas.GroupView, errors=(409,))
def put_group_ideas(code: str, body: schemas.GroupIdeas):
    group = guarded(assembly.group_by_code, store(), code)
    ideas.save_for_group(store(), group["id"], [(e.title, e.detail) for e in body.ideas])
    return jsonify(_group_json(group))


def _ballot_json(view: dict) -> dict:
    ballot = view["ballot"]
    return {
        "code": view["code"],
        "display_code": codes.display(view["code"], codes.BALLOT),
        "phase": view["assembly"]["phase"].value,
        "rules": view["assembly"]["rules"].as_dict(),
        "ideas": [idea_json(i) for i in view["ideas"]],
        "ballot": None if ballot is None else {
            "choices": ballot["choices"], "source": ballot["source"], "revision": ballot["revision"]
        },
    }


@bp.get("/ballot-codes/<code>")
@operation("A ballot: ideas in this ballot's order, earlier choices", auth="code", response=schemas.BallotView)
def get_ballot(code: str):
    return jsonify(_ballot_json(guarded(ballots.ballot_view, store(), code)))


@bp.put("/ballot-codes/<code>/ballot")
@operation("Cast or change this code's ballot", auth="code", body=schemas.Ballot, response=schemas.BallotView,
           errors=(409,))
def put_ballot(code: str, body: schemas.Ballot):
    guarded(ballots.lookup, store(), code)
    ballots.cast(store(), code, body.choices, source="phone")
    return jsonify(_ballot_json(ballots.ballot_view(store(), code)))


@bp.get("/kit-status")
@operation("Health for the status lights: web_ok, printer, uplink, sync", response=schemas.KitStatus)
def kit_status():
    """Health for the status lights: answered at all means the web service is up."""
    return jsonify(kit_status_service.snapshot(store()))


@bp.get("/results")
@operation("The tally (public after the reveal; organiser tokens any time)", auth="optional",
           response=schemas.Tally, errors=(409,))
def get_results():
    state = assembly.get(store())
    if bearer_role() != "organiser" and not (state["phase"] is Phase.RESULTS and state["revealed"]):
        raise Conflict("not_revealed", N_("Results are shown once the organiser reveals them."))
    return jsonify(results.tally_export(store()))
