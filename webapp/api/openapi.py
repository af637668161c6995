"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

Built from the app's own routes and their `@operation` declarations (webapp/api/contract.py), whose
pydantic models also validate the requests: one source for both.
"""
from __future__ import annotations

import re

from flask import Flask, current_app, jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from . import bp, schemas
from .contract import Operation, operation

REF = "#/components/schemas/{model}"
ERROR = (schemas.Error, "serialization")
# Codes are typed by people: any case, with spaces or dashes; the check character is the server's.
CODE_PARAM = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[0-9A-Za-z \\t_-]+$",
              "description": "a group or ballot code as printed, in any case, dashes and spaces allowed"}
ID_PARAM = {"type": "string", "minLength": 1, "maxLength": schemas.ID_MAX}
PARAMS = {"code": CODE_PARAM}
ERROR_TEXT = {
    400: "The request does not match this document (JSON, field types, lengths, bounds, unknown fields)",
    401: "No valid bearer token",
    403: "The token's role may not do this",
    404: "No such thing (code, idea, group, job)",
    409: "Not at this moment (phase, state)",
    413: "The body is larger than the kit accepts",
    415: "The body is not JSON",
    422: "Well-formed, but the assembly's rules refuse it (for example a mistyped code)",
    429: "Too many wrong codes from this client: wait and try again",
    507: "The kit's storage is full: nothing was saved (code storage_full); tell a steward",
}
AUTH_ERRORS = {"steward": (401,), "organiser": (401, 403), "code": (404, 422, 429)}
BEARER = {"bearer": []}


def _path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _models(response) -> list[type[BaseModel]]:
    if isinstance(response, list):
        return _models(response[0])
    return [response] if isinstance(response, type) and issubclass(response, BaseModel) else []


def _content(response, refs: dict) -> dict:
    if isinstance(response, dict):
        return response
    if isinstance(response, list):
        return {"application/json": {"schema": {"type": "array", "items": refs[(response[0], "serialization")]}}}
    return {"application/json": {"schema": refs[(response, "serialization")]}}


def _operation(endpoint: str, path: str, op: Operation, refs: dict, method: str = "GET") -> dict:
    doc: dict = {"operationId": endpoint.split(".")[-1], "summary": op.summary,
                 "responses": {str(op.status): {"description": "Success", "content": _content(op.response, refs)}}}
    if op.description:
        doc["description"] = op.description
    # Which credential the operation takes: none, the code in its path, a steward or organiser token.
    doc["x-auth"] = op.auth or "none"
    statuses = set(op.errors) | set(AUTH_ERRORS.get(op.auth or "", ()))
    if method != "GET":
        statuses.add(507)  # any write may find the kit's storage full
    if op.body is not None:
        statuses |= {400, 413, 415}
        doc["requestBody"] = {"required": True,
                              "content": {"application/json": {"schema": refs[(op.body, "validation")]}}}
    for status in sorted(statuses):
        doc["responses"][str(status)] = {"description": ERROR_TEXT[status],
                                         "content": {"application/json": {"schema": refs[ERROR]}}}
    if op.auth in ("steward", "organiser"):
        doc["security"] = [BEARER]
    elif op.auth == "optional":
        doc["security"] = [{}, BEARER]
    names = re.findall(r"{([^}]+)}", path)
    parameters = [{"name": name, "in": "path", "required": True,
                   "schema": op.params.get(name, PARAMS.get(name, ID_PARAM))} for name in names]
    parameters += [{"name": name, "in": "query", "required": False, "schema": schema}
                   for name, schema in op.query.items()]
    if parameters:
        doc["parameters"] = parameters
    return doc


def build(app: Flask) -> dict:
    """The document for every /api/v1 route of `app`; a route without `@operation` is an error."""
    routes = []
    models: dict[tuple[type[BaseModel], str], None] = {ERROR: None}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(bp.url_prefix + "/"):
            continue
        op = getattr(app.view_functions[rule.endpoint], "api_operation", None)
        if op is None:
            raise LookupError(f"{rule.endpoint} has no @operation declaration")
        routes.append((rule, op))
        if op.body is not None:
            models[(op.body, "validation")] = None
        for model in _models(op.response):
            models[(model, "serialization")] = None
    refs, defs = models_json_schema(list(models), ref_template=REF)
    paths: dict = {}
    for rule, op in routes:
        path = _path(rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule.endpoint, path, op, refs, method)
    return {
        "openapi": "3.1.0",
        "info": {"title": "venuekit", "version": "1", "description":
                 "Every organiser, steward and participant action of a venuekit kit. Errors are "
                 "{\"error\": {\"code\": ..., \"message\": ..., \"field\": ...}} with a stable code. "
                 "400: the request does not match this document; 422: it does, but the assembly's rules "
                 "refuse it; 409: not at this moment."},
        "servers": [{"url": "/", "description": "this kit"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "`venuekit token --role organiser|steward` prints one"}},
            "schemas": defs.get("$defs", {}),
        },
    }


@bp.get("/openapi.json")
@operation("This document", response=schemas.OpenAPIDocument)
def openapi_document():
    cache = current_app.extensions.setdefault("venuekit_openapi", {})
    if "document" not in cache:
        cache["document"] = build(current_app._get_current_object())
    return jsonify(cache["document"])
