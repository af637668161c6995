"""Organiser and steward calls, authorised by a bearer token (`venuekit token --role ...`)."""
from __future__ import annotations

from flask import Response, jsonify

from webapp.domain import codes
from webapp.domain.errors import N_, DomainError, NotFound
from webapp.security import store
from webapp.services import assembly, auth, ballots, ideas, results

from . import bp
from .common import json_body, require_token
from .participant import _ballot_json, assembly_json, parse_choices


@bp.patch("/assembly")
@require_token("organiser")
def patch_assembly():
    body = json_body()
    allowed = {"question", "briefing", "num_groups", "ideas_per_group", "method", "max_choices", "points", "max_per_idea"}
    unknown = set(body) - allowed
    if unknown:
        raise DomainError("unknown_field", N_("Unknown settings: %(names)s."), names=", ".join(sorted(unknown)))
    return jsonify(assembly_json(assembly.update_settings(store(), body)))


@bp.post("/assembly/phase")
@require_token("organiser")
def post_phase():
    return jsonify(assembly_json(assembly.set_phase(store(), str(json_body().get("phase", "")))))


@bp.post("/assembly/reveal")
@require_token("organiser")
def post_reveal():
    revealed = json_body().get("revealed", True)
    if not isinstance(revealed, bool):
        raise DomainError("bad_json", N_("'revealed' must be true or false."))
    return jsonify(assembly_json(assembly.reveal(store(), revealed)))


@bp.get("/groups")
@require_token("organiser")
def list_groups():
    return jsonify([
        {"id": g["id"], "number": g["number"], "name": g["name"], "code": g["code"],
         "display_code": codes.display(g["code"], codes.GROUP)}
        for g in assembly.groups(store())
    ])


@bp.patch("/groups/<group_id>")
@require_token("organiser")
def patch_group(group_id: str):
    assembly.rename_group(store(), group_id, json_body().get("name", ""))
    return list_groups()


@bp.get("/ideas")
@require_token("organiser")
def list_ideas():
    return jsonify(results.ideas_export(store()))


@bp.post("/ideas/<idea_id>/hide")
@require_token("organiser")
def post_hide(idea_id: str):
    hidden = json_body().get("hidden", True)
    if not isinstance(hidden, bool):
        raise DomainError("bad_json", N_("'hidden' must be true or false."))
    ideas.set_hidden(store(), idea_id, hidden)
    return list_ideas()


@bp.post("/ideas/<idea_id>/merge")
@require_token("organiser")
def post_merge(idea_id: str):
    into = json_body().get("into")
    if into is None:
        ideas.unmerge(store(), idea_id)
    elif isinstance(into, str):
        ideas.merge(store(), idea_id, into)
    else:
        raise DomainError("bad_json", N_("'into' must be an idea id, or null to undo a merge."))
    return list_ideas()


@bp.get("/ballot-codes")
@require_token("organiser")
def list_ballot_codes():
    return jsonify([
        {"code": r["code"], "display_code": codes.display(r["code"], codes.BALLOT), "batch": r["batch"],
         "voted": r["source"] is not None}
        for r in ballots.list_codes(store())
    ])


@bp.post("/ballot-codes")
@require_token("organiser")
def post_ballot_codes():
    created = ballots.issue_codes(store(), json_body().get("count", ""))
    return jsonify({"codes": created, "display_codes": [codes.display(c, codes.BALLOT) for c in created]}), 201


@bp.get("/stewards")
@require_token("organiser")
def list_stewards():
    return jsonify([
        {"id": s["code_hash"], "label": s["label"], "created_at": s["created_at"], "revoked": bool(s["revoked"])}
        for s in auth.steward_codes(store())
    ])


@bp.post("/stewards")
@require_token("organiser")
def post_steward():
    code = auth.create_steward_code(store(), json_body().get("label", ""))
    return jsonify({"code": code, "display_code": codes.display(code, codes.STEWARD)}), 201


@bp.delete("/stewards/<steward_id>")
@require_token("organiser")
def delete_steward(steward_id: str):
    auth.revoke_steward_code(store(), steward_id)
    return list_stewards()


@bp.get("/export/<name>.<fmt>")
@require_token("organiser")
def export(name: str, fmt: str):
    if name not in ("ideas", "ballots", "tally") or fmt not in ("csv", "json"):
        raise NotFound("unknown_export", N_("Exports are ideas, ballots or tally, as csv or json."))
    body, mimetype = results.export(store(), name, fmt)
    return Response(body, mimetype=mimetype)


@bp.get("/status")
@require_token("steward")
def status():
    state = assembly.get(store())
    return jsonify({"phase": state["phase"].value, "revealed": state["revealed"], "counts": assembly.counts(store())})


@bp.get("/paper-ballots/<code>")
@require_token("steward")
def get_paper(code: str):
    view = ballots.ballot_view(store(), code)
    return jsonify({**_ballot_json(view), **ballots.voted_status(view)})


@bp.put("/paper-ballots/<code>")
@require_token("steward")
def put_paper(code: str):
    body = json_body()
    replace = body.get("replace", False)
    if not isinstance(replace, bool):
        raise DomainError("bad_json", N_("'replace' must be true or false."))
    ballots.cast(store(), code, parse_choices(body), source="paper", confirm_replace=replace)
    return jsonify(_ballot_json(ballots.ballot_view(store(), code)))
