"""The captive portal: answer every OS's connectivity probe and send strays to the landing page."""
from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, jsonify, redirect, request, url_for

from webapp.domain.portal import CAPTIVE, WINDOWS_REDIRECT, check_for, normalise_host
from webapp.security import sign_in, store
from webapp.services import portal

bp = Blueprint("portal", __name__)


def portal_url() -> str:
    """The landing page on the kit's own address (what phones are sent to)."""
    host = current_app.config.get("PORTAL_HOST")
    if not host:
        return url_for("participant.landing", _external=True)
    return f"http://{host}/"


def own_hosts() -> set[str]:
    hosts = {normalise_host(h) for h in current_app.config.get("PORTAL_HOSTS", ())}
    if current_app.config.get("PORTAL_HOST"):
        hosts.add(normalise_host(current_app.config["PORTAL_HOST"]))
    return hosts


def is_own_host() -> bool:
    """True for requests addressed to the kit itself; in laptop mode (no PORTAL_HOST) always."""
    if not current_app.config.get("PORTAL_HOST"):
        return True
    return normalise_host(request.host) in own_hosts()


def client_address() -> str:
    return request.remote_addr or "?"


def gate():
    """Runs before every request: connectivity checks get their deliberate answer (a redirect
    while the phone is captive, the answer its OS expects once released), other hosts a redirect."""
    check = check_for(request.host, request.path)
    if check is not None:
        if portal.state(store(), client_address()) == CAPTIVE:
            return redirect(portal_url(), 302)
        online = check.answer
        response = Response(online.body, status=online.status)
        if online.content_type is None:
            del response.headers["Content-Type"]
        else:
            response.headers["Content-Type"] = online.content_type
        response.headers.extend(online.headers)
        response.headers["Cache-Control"] = "no-store"
        return response
    if request.path == WINDOWS_REDIRECT or not is_own_host():
        return redirect(portal_url(), 302)
    return None


@bp.get("/api/captive")
def captive_api():
    """RFC 8908 Captive Portal API (DHCP option 114 names it only when an https
    captive_api_url is configured: see pi/netconfig.py)."""
    captive = portal.state(store(), client_address()) == CAPTIVE
    body = {"captive": captive, "user-portal-url": portal_url()}
    response = jsonify(body)
    response.content_type = "application/captive+json"
    response.headers["Cache-Control"] = "private"
    return response


def release_client(reason: str) -> None:
    """Called after a participant finishes a step: their OS may now hear "online"."""
    portal.release(store(), client_address(), reason, current_app.config["PORTAL_RELEASE_HOURS"])


def release_with(reason: str):
    """The release as a write to make inside the step's own transaction (one disk sync, not
    two); None when this phone is released already."""
    address = client_address()
    if portal.state(store(), address) != CAPTIVE:
        return None
    hours = current_app.config["PORTAL_RELEASE_HOURS"]
    return lambda db: portal.release_in(db, address, reason, hours)


def sign_in_staff(role: str, credential: str) -> None:
    """Staff work in their own browsers, so the portal lets their phones go at sign-in."""
    release_client("staff")
    sign_in(role, credential)


def register(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, gate)
    app.register_blueprint(bp)
