"""Request helpers for the JSON API: bodies, bearer tokens, the guess limiter."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import abort, current_app, g, request

from webapp.domain.errors import N_, DomainError, NotFound
from webapp.security import client_identity, store
from webapp.services import auth


class Unauthorised(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


def json_body() -> dict:
    """The request's JSON object, or a clear error (wrong type, malformed, not an object)."""
    if not request.is_json:
        raise DomainError("bad_content_type", N_("Send JSON with the Content-Type application/json."))
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError("bad_json", N_("The body must be a JSON object."))
    return data


def bearer_role() -> str | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return auth.token_role(store(), header[7:].strip())


def require_token(role: str) -> Callable:
    """Organiser tokens may do everything; steward tokens only steward calls."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            current = bearer_role()
            if current is None:
                raise Unauthorised("unauthorised", N_("Send a valid API token: Authorization: Bearer <token>."))
            if current != "organiser" and current != role:
                raise Forbidden("forbidden", N_("This token's role may not do that."))
            g.api_role = current
            return view(*args, **kwargs)

        return wrapped

    return decorate


def guarded(lookup: Callable, *args):
    """Run a code lookup under the same wrong-code limits as the pages."""
    limiter = current_app.extensions["venuekit"].limiter
    if limiter.wait_seconds(*client_identity()):
        abort(429)
    try:
        return lookup(*args)
    except NotFound:
        limiter.failed(*client_identity())
        raise
