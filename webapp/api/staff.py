"""Organiser and steward calls, authorised by a bearer token (`venuekit token --role ...`)."""
from __future__ import annotations

from flask import Response, jsonify, request
from flask_babel import gettext

from webapp.domain import codes
from webapp.domain.errors import N_, NotFound
from webapp.security import store
from webapp.services import assembly, auth, ballots, ideas, results, rounds

from . import bp, schemas
from .contract import operation
from .participant import _ballot_json, assembly_json

EXPORT_PARAMS = {"name": {"type": "string", "enum": ["ideas", "ballots", "tally"]},
                 "fmt": {"type": "string", "enum": ["csv", "json"]}}


@bp.patch("/assembly")
@operation("Change settings (setup and submission phases)", auth="organiser", body=schemas.AssemblySettings,
           response=schemas.Assembly, errors=(409, 422))
def patch_assembly(body: schemas.AssemblySettings):
    return jsonify(assembly_json(assembly.update_settings(store(), body.model_dump(exclude_none=True))))


@bp.post("/assembly/phase")
@operation("Move to the next or previous phase", auth="organiser", body=schemas.PhaseChange,
           response=schemas.Assembly, errors=(409, 422))
def post_phase(body: schemas.PhaseChange):
    return jsonify(assembly_json(assembly.set_phase(store(), body.phase)))


@bp.post("/assembly/reveal")
@operation("Reveal or hide the results", auth="organiser", body=schemas.Reveal, response=schemas.Assembly,
           errors=(409,))
def post_reveal(body: schemas.Reveal):
    return jsonify(assembly_json(assembly.reveal(store(), body.revealed)))


@bp.get("/groups")
@operation("Groups with their codes", auth="organiser", response=[schemas.GroupRow])
def list_groups():
    return jsonify([
        {"id": g["id"], "number": g["number"], "name": assembly.group_name(g["number"], g["name"], gettext),
         "code": g["code"],
         "display_code": codes.display(g["code"], codes.GROUP)}
        for g in assembly.groups(store())
    ])


@bp.patch("/groups/<group_id>")
@operation("Rename a group", auth="organiser", body=schemas.GroupName, response=[schemas.GroupRow], errors=(404, 422))
def patch_group(group_id: str, body: schemas.GroupName):
    assembly.rename_group(store(), group_id, body.name)
    return list_groups.__wrapped__()


@bp.get("/ideas")
@operation("Every idea, with hidden and merged ones and proposing groups", auth="organiser",
           response=[schemas.IdeaRow])
def list_ideas():
    return jsonify(results.ideas_export(store()))


@bp.post("/ideas/<idea_id>/hide")
@operation("Hide or show an idea", auth="organiser", body=schemas.Hide, response=[schemas.IdeaRow],
           errors=(404, 409))
def post_hide(idea_id: str, body: schemas.Hide):
    ideas.set_hidden(store(), idea_id, body.hidden)
    return list_ideas.__wrapped__()


@bp.post("/ideas/<idea_id>/merge")
@operation("Merge an idea into another (into: null undoes it)", auth="organiser", body=schemas.Merge,
           response=[schemas.IdeaRow], errors=(404, 409, 422))
def post_merge(idea_id: str, body: schemas.Merge):
    if body.into is None:
        ideas.unmerge(store(), idea_id)
    else:
        ideas.merge(store(), idea_id, body.into)
    return list_ideas.__wrapped__()


@bp.get("/ballot-codes")
@operation("Every ballot code and whether it has voted", auth="organiser", response=[schemas.BallotCodeRow])
def list_ballot_codes():
    return jsonify([
        {"code": r["code"], "display_code": codes.display(r["code"], codes.BALLOT), "batch": r["batch"],
         "voted": r["source"] is not None}
        for r in ballots.list_codes(store())
    ])


@bp.post("/ballot-codes")
@operation("Create a batch of ballot codes", auth="organiser", body=schemas.Count, response=schemas.IssuedCodes,
           status=201)
def post_ballot_codes(body: schemas.Count):
    created = ballots.issue_codes(store(), body.count)
    return jsonify({"codes": created, "display_codes": [codes.display(c, codes.BALLOT) for c in created]}), 201


@bp.get("/stewards")
@operation("Steward codes (labels only)", auth="organiser", response=[schemas.StewardRow])
def list_stewards():
    return jsonify([
        {"id": s["code_hash"], "label": s["label"], "created_at": s["created_at"], "revoked": bool(s["revoked"])}
        for s in auth.steward_codes(store())
    ])


@bp.post("/stewards")
@operation("Create a steward code (shown once)", auth="organiser", body=schemas.StewardLabel,
           response=schemas.NewCode, status=201, errors=(422,))
def post_steward(body: schemas.StewardLabel):
    code = auth.create_steward_code(store(), body.label)
    return jsonify({"code": code, "display_code": codes.display(code, codes.STEWARD)}), 201


@bp.delete("/stewards/<steward_id>")
@operation("Withdraw a steward code", auth="organiser", response=[schemas.StewardRow], errors=(404,))
def delete_steward(steward_id: str):
    auth.revoke_steward_code(store(), steward_id)
    return list_stewards.__wrapped__()


@bp.get("/export/<name>.<fmt>")
@operation("Export ideas, ballots or tally as csv or json", auth="organiser", params=EXPORT_PARAMS,
           query={"round": {"type": "integer", "minimum": 1, "maximum": rounds.MAX_ROUNDS,
                            "description": "The round's number; the current round without it."}},
           response={"text/csv": {"schema": {"type": "string"}}, "application/json": {"schema": {}}},
           errors=(404, 422))
def export(name: str, fmt: str):
    if name not in ("ideas", "ballots", "tally") or fmt not in ("csv", "json"):
        raise NotFound("unknown_export", N_("Exports are ideas, ballots or tally, as csv or json."))
    # ?round=N: that round's export (the current round's by default).
    number = request.args.get("round")
    body, mimetype = results.export(store(), name, fmt, rounds.by_number(store(), number)["id"] if number else None)
    return Response(body, mimetype=mimetype)


@bp.get("/status")
@operation("Phase and counts for the steward dashboard", auth="steward", response=schemas.Status)
def status():
    state = assembly.get(store())
    return jsonify({"phase": state["phase"].value, "revealed": state["revealed"], "counts": assembly.counts(store())})


@bp.get("/paper-ballots/<code>")
@operation("A paper ballot's code: ideas and whether it has voted", auth="steward",
           response=schemas.PaperBallotView, errors=(404, 422))
def get_paper(code: str):
    view = ballots.ballot_view(store(), code)
    return jsonify({**_ballot_json(view), **ballots.voted_status(view)})


@bp.put("/paper-ballots/<code>")
@operation("Enter a paper ballot; replace must be true over a phone vote", auth="steward",
           body=schemas.PaperBallot, response=schemas.BallotView, errors=(404, 409, 422))
def put_paper(code: str, body: schemas.PaperBallot):
    ballots.cast(store(), code, body.choices, source="paper", confirm_replace=body.replace)
    return jsonify(_ballot_json(ballots.ballot_view(store(), code)))
