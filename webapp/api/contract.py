"""One declaration per API operation: it authorises and validates the request, and describes it.

`@operation(...)` on a view checks the bearer token, parses the JSON body into its pydantic model
(`body=` reaches the view as a keyword argument) and records what the OpenAPI document says about
it, so the checks and the document cannot drift apart.

Statuses: 400 = the request does not match the contract (malformed JSON, a field of the wrong type,
too long, out of bounds, unknown); 422 = it matches, but the assembly's rules refuse it (an idea not
on the ballot, a mistyped code); 409 = right request, wrong moment; 404 = no such thing; 507 = the
kit's storage is full and nothing was saved (code storage_full; documented on every write).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Callable

from flask import g, request
from pydantic import BaseModel, ValidationError

from webapp.domain.errors import N_, DomainError

from .common import Forbidden, Unauthorised, bearer_role

AUTH_KINDS = (None, "code", "steward", "organiser", "optional")


class InvalidRequest(DomainError):
    """The request does not match the contract; `field` names the part at fault."""

    status = 400

    def __init__(self, code: str, template: str, *, at: str | None = None, **params: object):
        super().__init__(code, template, **params)
        self.extra = {"field": at} if at else {}


class UnsupportedMediaType(DomainError):
    status = 415


class Refused(DomainError):
    """A request that matched the contract, refused by the assembly's rules."""

    status = 422


@dataclass(frozen=True)
class Operation:
    """What the document says about one route; see `operation`."""

    summary: str
    response: Any
    auth: str | None = None
    body: type[BaseModel] | None = None
    status: int = 200
    errors: tuple[int, ...] = ()
    params: dict[str, dict] = field(default_factory=dict)
    description: str = ""
    query: dict[str, dict] = field(default_factory=dict)  # optional query parameters: name -> schema


def operation(summary: str, *, response: Any, auth: str | None = None, body: type[BaseModel] | None = None,
              status: int = 200, errors: tuple[int, ...] = (), params: dict[str, dict] | None = None,
              description: str = "", query: dict[str, dict] | None = None) -> Callable:
    """Declare a route of /api/v1.

    response: a model, [model] for a list of them, or {media type: JSON schema}.
    auth: None (public), "code" (the code in the path is the credential), "steward" (a steward or
    organiser token), "organiser", or "optional" (more is shown to an organiser token).
    errors: the statuses the view itself may answer besides those its auth and body imply.
    """
    if auth not in AUTH_KINDS:
        raise ValueError(f"unknown auth kind {auth!r}")
    declared = Operation(summary, response, auth, body, status, tuple(errors), params or {}, description, query or {})

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if auth in ("steward", "organiser"):
                authorise(auth)
            if body is not None:
                kwargs["body"] = parse_body(body)
            try:
                return view(*args, **kwargs)
            except DomainError as exc:
                if exc.status != 400:
                    raise
                raise Refused(exc.code, exc.template, **exc.params) from exc

        wrapped.api_operation = declared
        return wrapped

    return decorate


def authorise(role: str) -> None:
    """Organiser tokens may do everything; steward tokens only steward calls."""
    current = bearer_role()
    if current is None:
        raise Unauthorised("unauthorised", N_("Send a valid API token: Authorization: Bearer <token>."))
    if current != "organiser" and current != role:
        raise Forbidden("forbidden", N_("This token's role may not do that."))
    g.api_role = current


def parse_body(model: type[BaseModel]) -> BaseModel:
    """The request's JSON body as `model`, or a clear 400/415 naming what is wrong."""
    if not request.is_json:
        raise UnsupportedMediaType("bad_content_type", N_("Send JSON with the Content-Type application/json."))
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidRequest("bad_json", N_("The body must be a JSON object."))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(model, exc.errors(include_url=False, include_input=False)[0]) from None


# pydantic error type -> (stable code, message); %(field)s names the field, %(limit)s its bound.
TYPE_ERRORS = (N_("%(field)s must be a whole number."), N_("%(field)s must be true or false."),
               N_("%(field)s must be text."), N_("%(field)s must be an object."), N_("%(field)s must be a list."))
ERRORS: dict[str, tuple[str, str, str | None]] = {
    "missing": ("required", N_("%(field)s is required."), None),
    "extra_forbidden": ("unknown_field", N_("Unknown field: %(field)s."), None),
    "string_too_short": ("required", N_("Please fill in %(field)s."), None),
    "string_too_long": ("too_long", N_("%(field)s is too long: at most %(limit)s characters."), "max_length"),
    "too_long": ("too_many", N_("%(field)s has too many entries: at most %(limit)s."), "max_length"),
    "greater_than_equal": ("out_of_range", N_("%(field)s must be at least %(limit)s."), "ge"),
    "less_than_equal": ("out_of_range", N_("%(field)s must be at most %(limit)s."), "le"),
    "literal_error": ("bad_value", N_("%(field)s must be one of %(limit)s."), "expected"),
    # The same code and words as the text normaliser's (webapp/domain/text.py) for a lone surrogate.
    "string_unicode": ("invalid_text", N_("%(field)s is not valid text (it holds characters that cannot be read). "
                                          "Please type it again."), None),
    "int_type": ("bad_json", TYPE_ERRORS[0], None),
    "int_parsing": ("bad_json", TYPE_ERRORS[0], None),
    "bool_type": ("bad_json", TYPE_ERRORS[1], None),
    "string_type": ("bad_json", TYPE_ERRORS[2], None),
    "dict_type": ("bad_json", TYPE_ERRORS[3], None),
    "model_type": ("bad_json", TYPE_ERRORS[3], None),
    "list_type": ("bad_json", TYPE_ERRORS[4], None),
}


def invalid(model: type[BaseModel], error: dict) -> InvalidRequest:
    """One pydantic error as the API's error: a stable code and a translatable message."""
    where = ".".join(str(part) for part in error["loc"])[:120] or "body"
    code, template, limit_key = ERRORS.get(error["type"], ("invalid", N_("%(field)s is not valid."), None))
    # A field's own code covers what is wrong with its value, not a body of the wrong shape.
    shape = code == "bad_json" and len(error["loc"]) == 1
    if error["loc"] and code not in ("unknown_field", "invalid_text") and not shape:
        code = model.field_codes.get(str(error["loc"][0]), code)
    params: dict = {"field": where}
    if "%(limit)s" in template:
        params["limit"] = str((error.get("ctx") or {}).get(limit_key, "?"))
    return InvalidRequest(code, template, at=where, **params)
