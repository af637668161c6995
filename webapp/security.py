"""Sign-in sessions for staff, CSRF tokens for every form, and slowing down code guessing."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from functools import wraps
from typing import Callable

from flask import abort, current_app, g, redirect, request, session, url_for


PARTICIPANT_ENDPOINTS = ("participant.group_page", "participant.ballot_page")
# JSON endpoints authenticate every call themselves (bearer tokens, signatures), not by cookie.
CSRF_EXEMPT_BLUEPRINTS = ("api", "hub_api")


def store():
    return current_app.extensions["venuekit"].store


def staff_role() -> str | None:
    """'organiser' or 'steward' for a signed-in browser; organisers may do what stewards do."""
    return session.get("role")


def sign_in(role: str) -> None:
    session.clear()
    session["role"] = role
    session["csrf"] = secrets.token_urlsafe(24)
    session.permanent = True


def sign_out() -> None:
    session.clear()


def require_role(role: str) -> Callable:
    """Decorator for staff pages: organisers pass every check, stewards only steward pages."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            current = staff_role()
            if current == "organiser" or current == role:
                return view(*args, **kwargs)
            endpoint = "organiser.signin" if role == "organiser" else "steward.signin"
            return redirect(url_for(endpoint, next=request.path))

        return wrapped

    return decorate


def _participant_token(code: str) -> str:
    # Participants carry no cookie, so their token is bound to the code in the URL instead.
    key = current_app.secret_key.encode()
    return hmac.new(key, f"participant:{code}".encode(), hashlib.sha256).hexdigest()[:32]


def csrf_token() -> str:
    """The token a form on this page must send back."""
    if request.endpoint in PARTICIPANT_ENDPOINTS:
        return _participant_token(request.view_args.get("code", ""))
    token = session.get("csrf")
    if token is None:
        token = session["csrf"] = secrets.token_urlsafe(24)
    return token


def check_csrf() -> None:
    """Refuse a form post without the right token (API calls use bearer tokens instead)."""
    if request.method != "POST" or request.blueprint in CSRF_EXEMPT_BLUEPRINTS or request.blueprint is None:
        return
    sent = request.form.get("csrf_token", "")
    if request.endpoint in PARTICIPANT_ENDPOINTS:
        expected = _participant_token(request.view_args.get("code", ""))
    else:
        expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent, expected):
        g.csrf_failed = True
        abort(400, description="csrf")


class GuessLimiter:
    """Token buckets that slow down wrong codes without locking out a room behind one NAT.

    Each phone (address + browser) has a small bucket; the address as a whole has a larger one,
    so a hundred phones behind one access point can each mistype a few times.
    """

    def __init__(self, per_client: int = 10, client_refill_s: float = 20.0,
                 per_address: int = 60, address_refill_s: float = 2.0):
        self.rules = {"client": (per_client, client_refill_s), "address": (per_address, address_refill_s)}
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self._lock = threading.Lock()

    def _keys(self, address: str, agent: str) -> list[tuple[str, str]]:
        client = hashlib.sha256(f"{address}|{agent}".encode()).hexdigest()[:16]
        return [("client", client), ("address", address)]

    def _level(self, kind: str, key: str, now: float) -> float:
        capacity, refill = self.rules[kind]
        tokens, stamp = self._buckets.get((kind, key), (capacity, now))
        return min(capacity, tokens + (now - stamp) / refill)

    def wait_seconds(self, address: str, agent: str) -> int:
        """0 if this client may try a code now, else how long it should wait."""
        now = time.monotonic()
        with self._lock:
            waits = []
            for kind, key in self._keys(address, agent):
                level = self._level(kind, key, now)
                if level < 1:
                    waits.append((1 - level) * self.rules[kind][1])
            return int(max(waits) + 1) if waits else 0

    def failed(self, address: str, agent: str) -> None:
        """Count one wrong code against the client and its address."""
        now = time.monotonic()
        with self._lock:
            for kind, key in self._keys(address, agent):
                self._buckets[(kind, key)] = (max(0.0, self._level(kind, key, now) - 1), now)
            if len(self._buckets) > 50_000:
                self._buckets.clear()


def client_identity() -> tuple[str, str]:
    return request.remote_addr or "?", request.headers.get("User-Agent", "")[:200]
