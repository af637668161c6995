"""Request helpers for the JSON API: bearer tokens and the guess limiter (bodies: contract.py)."""
from __future__ import annotations

from typing import Callable

from flask import abort, current_app, request

from webapp.domain.errors import DomainError, NotFound
from webapp.security import client_identity, store
from webapp.services import auth


class Unauthorised(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


def bearer_role() -> str | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return auth.token_role(store(), header[7:].strip())


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
