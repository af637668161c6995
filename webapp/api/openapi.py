"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json."""
from __future__ import annotations

from flask import jsonify

from . import bp

ERROR = {"$ref": "#/components/schemas/Error"}
BEARER = [{"bearer": []}]


def op(summary: str, *, auth: str | None = None, body: dict | None = None, ok: int = 200,
       params: tuple[str, ...] = ()) -> dict:
    """One operation: auth is None (public), 'code' (the code in the path) or a role."""
    doc: dict = {
        "summary": summary,
        "responses": {
            str(ok): {"description": "Success", "content": {"application/json": {}}},
            "default": {"description": "Error with a stable code", "content": {"application/json": {"schema": ERROR}}},
        },
    }
    if auth in ("organiser", "steward"):
        doc["security"] = BEARER
        doc["description"] = f"Needs a bearer token of role {auth}" + (" (or organiser)." if auth == "steward" else ".")
    if params:
        doc["parameters"] = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params
        ]
    if body is not None:
        doc["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return doc


def obj(**props: dict) -> dict:
    return {"type": "object", "properties": props}


S, I, B = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
CHOICES = {"type": "object", "additionalProperties": {"type": "integer"},
           "description": "idea id -> 1 (approval), points (dot) or rank (ranked)"}

PATHS = {
    "/api/v1/openapi.json": {"get": op("This document")},
    "/api/v1/assembly": {
        "get": op("The assembly: question, phase, rules and counts"),
        "patch": op("Change settings (setup and submission phases)", auth="organiser", body=obj(
            question=S, briefing=S, num_groups=I, ideas_per_group=I,
            method={"enum": ["approval", "dot", "ranked"]}, max_choices=I, points=I, max_per_idea=I)),
    },
    "/api/v1/assembly/phase": {"post": op("Move to the next or previous phase", auth="organiser",
                                          body=obj(phase={"enum": ["setup", "submission", "voting", "results"]}))},
    "/api/v1/assembly/reveal": {"post": op("Reveal or hide the results", auth="organiser", body=obj(revealed=B))},
    "/api/v1/group-codes/{code}": {"get": op("A group's ideas, by its group code", params=("code",))},
    "/api/v1/group-codes/{code}/ideas": {"put": op(
        "Replace the group's ideas, slot by slot (a blank title removes that slot's idea)", params=("code",),
        body=obj(ideas={"type": "array", "items": obj(title=S, detail=S)}))},
    "/api/v1/ballot-codes": {
        "get": op("Every ballot code and whether it has voted", auth="organiser"),
        "post": op("Create a batch of ballot codes", auth="organiser", body=obj(count=I), ok=201),
    },
    "/api/v1/ballot-codes/{code}": {"get": op("A ballot: ideas in this ballot's order, earlier choices", params=("code",))},
    "/api/v1/ballot-codes/{code}/ballot": {"put": op("Cast or change this code's ballot", params=("code",),
                                                     body=obj(choices=CHOICES))},
    "/api/v1/results": {"get": op("The tally (public after the reveal; organiser tokens any time)")},
    "/api/v1/print/status": {"get": op("Printer state, queue totals, batch progress and recent jobs", auth="steward")},
    "/api/v1/print/group-cards": {"post": op("Queue every group card, each followed by new ballot slips", auth="steward",
                                             body=obj(slips_per_group=I), ok=202)},
    "/api/v1/print/ballot-slips": {"post": op("Issue new ballot codes and queue a slip for each", auth="steward",
                                              body=obj(count=I), ok=202)},
    "/api/v1/print/paper-ballots": {"post": op("Issue new codes and queue a paper ballot for each (voting phase)",
                                               auth="steward", body=obj(count=I), ok=202)},
    "/api/v1/print/results-slip": {"post": op("Queue the results slip (after the reveal)", auth="steward", ok=202)},
    "/api/v1/print/kit-ready": {"post": op("Queue the kit-ready slip with a setup code", auth="organiser", ok=202)},
    "/api/v1/print/jobs/{job_id}/cancel": {"post": op("Cancel a job still waiting", auth="steward", params=("job_id",))},
    "/api/v1/print/jobs/{job_id}/reprint": {"post": op("Queue the same slip again", auth="steward",
                                                       params=("job_id",), ok=202)},
    "/api/v1/kit-status": {"get": op("Health for the status lights: web_ok, printer, uplink, sync")},
    "/api/v1/groups": {"get": op("Groups with their codes", auth="organiser")},
    "/api/v1/groups/{group_id}": {"patch": op("Rename a group", auth="organiser", params=("group_id",), body=obj(name=S))},
    "/api/v1/ideas": {"get": op("Every idea, with hidden and merged ones and proposing groups", auth="organiser")},
    "/api/v1/ideas/{idea_id}/hide": {"post": op("Hide or show an idea", auth="organiser", params=("idea_id",), body=obj(hidden=B))},
    "/api/v1/ideas/{idea_id}/merge": {"post": op("Merge an idea into another (into: null undoes it)", auth="organiser",
                                                 params=("idea_id",), body=obj(into={"type": ["string", "null"]}))},
    "/api/v1/stewards": {
        "get": op("Steward codes (labels only)", auth="organiser"),
        "post": op("Create a steward code (shown once)", auth="organiser", body=obj(label=S), ok=201),
    },
    "/api/v1/stewards/{steward_id}": {"delete": op("Withdraw a steward code", auth="organiser", params=("steward_id",))},
    "/api/v1/export/{name}.{fmt}": {"get": op("Export ideas, ballots or tally as csv or json", auth="organiser",
                                              params=("name", "fmt"))},
    "/api/v1/status": {"get": op("Phase and counts for the steward dashboard", auth="steward")},
    "/api/v1/paper-ballots/{code}": {
        "get": op("A paper ballot's code: ideas and whether it has voted", auth="steward", params=("code",)),
        "put": op("Enter a paper ballot; replace must be true over a phone vote", auth="steward", params=("code",),
                  body=obj(choices=CHOICES, replace=B)),
    },
}

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "venuekit", "version": "1", "description":
             "Every organiser, steward and participant action of a venuekit kit. Errors are "
             "{\"error\": {\"code\": ..., \"message\": ...}} with a stable code."},
    "paths": PATHS,
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                       "description": "`venuekit token --role organiser|steward` prints one"}},
        "schemas": {"Error": obj(error=obj(code=S, message=S))},
    },
}


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(DOCUMENT)
