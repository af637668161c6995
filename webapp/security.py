"""Sign-in sessions for staff, CSRF tokens for every form, and slowing down code guessing."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
import unicodedata
from functools import wraps
from typing import Callable
from urllib.parse import unquote, urlsplit

from cachetools import LRUCache
from flask import abort, current_app, g, redirect, request, session, url_for

from webapp.services import sessions


PARTICIPANT_ENDPOINTS = ("participant.group_page", "participant.ballot_page")
# JSON endpoints authenticate every call themselves (bearer tokens, signatures), not by cookie.
CSRF_EXEMPT_BLUEPRINTS = ("api", "hub_api")


def store():
    return current_app.extensions["venuekit"].store


def staff_role() -> str | None:
    """'organiser' or 'steward' while this browser's session record counts on the kit.

    Organisers may do what stewards do. A cookie whose record has ended (revoked code, new
    passphrase, sign out everywhere, expiry) is emptied, so no page shows a role it lost.
    """
    if "staff_role" not in g:
        role = None
        # A cookie with a role but no record (forged, or from before records) counts for nothing.
        if "sid" in session or "role" in session:
            role = sessions.role_of(store(), session.get("sid"))
            if role is None:
                session.clear()
        g.staff_role = role
    return g.staff_role


def forget_ended_session() -> None:
    """Before each request: check a staff cookie against its record (no cookie, no query)."""
    # Without the cookie there is nothing to check, and not opening the session keeps a
    # participant's page free of "Vary: Cookie" (bytes on every answer to a phone).
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return
    if "sid" in session or "role" in session:
        staff_role()


def sign_in(role: str, credential: str) -> None:
    """Start a session record; the cookie carries its id, the role (for pages) and a CSRF token.

    `credential`: what was checked (see sessions.start). A session this browser had before ends:
    a copy of its old cookie must not stay signed in.
    """
    sessions.end(store(), session.get("sid"))
    session.clear()
    session["sid"] = sessions.start(store(), role, credential)
    session["role"] = role
    session["csrf"] = secrets.token_urlsafe(24)
    session.permanent = True
    g.staff_role = role


def sign_out() -> None:
    sessions.end(store(), session.get("sid"))
    session.clear()
    g.staff_role = None


NEXT_MAX = 2000


def safe_next(target: str | None, default: str) -> str:
    """`target` if it is a path on this site, else `default`: the rule for every sign-in's ?next=.

    Checked as sent and once more percent-decoded: browsers drop tabs and newlines from a URL
    and read "\\" as "/", so "/%09/evil.example" or "/\\evil.example" would leave the site, and a
    control character in a Location header is an error, not a redirect.
    """
    if not target or len(target) > NEXT_MAX:
        return default
    for text in (target, unquote(target)):
        if not text.startswith("/") or text.startswith("//") or "\\" in text:
            return default
        if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in text):
            return default
        parts = urlsplit(text)
        if parts.scheme or parts.netloc:
            return default
    return target


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


def participant_token(code: str) -> str:
    """The form token of a participant page for `code`: participants carry no cookie, so their
    token is bound to the code in the URL instead."""
    key = current_app.secret_key.encode()
    return hmac.new(key, f"participant:{code}".encode(), hashlib.sha256).hexdigest()[:32]


def csrf_token() -> str:
    """The token a form on this page must send back."""
    if request.endpoint in PARTICIPANT_ENDPOINTS:
        return participant_token(request.view_args.get("code", ""))
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
        expected = participant_token(request.view_args.get("code", ""))
    else:
        expected = session.get("csrf", "")
    # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError, so a 500).
    if not expected or not hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), expected.encode()):
        g.csrf_failed = True
        abort(400, description="csrf")


class GuessLimiter:
    """Token buckets that slow down wrong codes without locking out a room behind one NAT.

    Each phone (address + browser) has a small bucket; the address as a whole has a larger one,
    so a hundred phones behind one access point can each mistype a few times.

    Memory is bounded by evicting the least recently used buckets (cachetools' LRUCache), each
    kind in its own table: a flood of new addresses or made-up browsers pushes out only buckets
    nobody has touched for longest, never the limits of someone who keeps guessing.
    """

    def __init__(self, per_client: int = 10, client_refill_s: float = 20.0,
                 per_address: int = 60, address_refill_s: float = 2.0, *,
                 max_entries: int = 50_000, clock: Callable[[], float] = time.monotonic):
        self.rules = {"client": (per_client, client_refill_s), "address": (per_address, address_refill_s)}
        self.max_entries = max_entries
        self._clock = clock
        # kind -> key -> (tokens left, when last counted); reading a bucket marks it as used.
        self._buckets: dict[str, LRUCache] = {kind: LRUCache(maxsize=max_entries) for kind in self.rules}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return sum(len(table) for table in self._buckets.values())

    def _keys(self, address: str, agent: str) -> list[tuple[str, str]]:
        client = hashlib.sha256(f"{address}|{agent}".encode()).hexdigest()[:16]
        return [("client", client), ("address", address)]

    def _level(self, kind: str, key: str, now: float) -> float:
        capacity, refill = self.rules[kind]
        tokens, stamp = self._buckets[kind].get(key, (capacity, now))
        return min(capacity, tokens + (now - stamp) / refill)

    def wait_seconds(self, address: str, agent: str) -> int:
        """0 if this client may try a code now, else how long it should wait."""
        now = self._clock()
        with self._lock:
            waits = []
            for kind, key in self._keys(address, agent):
                level = self._level(kind, key, now)
                if level < 1:
                    waits.append((1 - level) * self.rules[kind][1])
            return int(max(waits) + 1) if waits else 0

    def failed(self, address: str, agent: str) -> None:
        """Count one wrong code against the client and its address."""
        now = self._clock()
        with self._lock:
            for kind, key in self._keys(address, agent):
                self._buckets[kind][key] = (max(0.0, self._level(kind, key, now) - 1), now)


def client_identity() -> tuple[str, str]:
    # From the environ at once (the same values as request.remote_addr and the User-Agent
    # header, after the front's address is taken): asked on every participant page.
    environ = request.environ
    return environ.get("REMOTE_ADDR") or "?", environ.get("HTTP_USER_AGENT", "")[:200]
