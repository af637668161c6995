"""The Flask app factory: one kit's web app over its data directory."""
from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel import Locale
from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, get_locale, lazy_gettext as _l
from markupsafe import Markup
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from webapp.config import load as load_settings
from webapp.guesses import SharedGuessLimiter
from webapp.security import GuessLimiter, check_csrf, csrf_token, forget_ended_session
from webapp.services import assembly, auth, kit_language
from webapp.services.kit_language import LANGUAGES
from webapp.storage import Store, open_store, space
from webapp.web.page_gettext import gettext as request_gettext

PHASE_LABELS = {
    "setup": _l("setup"),
    "submission": _l("submission"),
    "voting": _l("voting"),
    "results": _l("results"),
}
COMPRESS_MIN = 500
ACCEPT_LANGUAGE_KEPT = 200  # characters
CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


@dataclass
class Kit:
    """What the app holds for its kit: the store and the guess limiter (live screens are served
    by the live process, webapp/live.py)."""

    store: Store
    limiter: GuessLimiter
    data_dir: Path


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        DATA_DIR=os.environ.get("VENUEKIT_DATA", "var"),
        MAX_CONTENT_LENGTH=64 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="venuekit_staff",
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        BABEL_DEFAULT_LOCALE="en",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
    )
    if test_config:
        app.config.update(test_config)
    data_dir = Path(app.config["DATA_DIR"])
    app.config.update({k: v for k, v in load_settings(data_dir).items() if k not in (test_config or {})})
    store = open_store(data_dir)
    guard = space.watch(store, data_dir, app.config["STORAGE_RESERVE_MB"])
    assembly.ensure_assembly(store)
    app.secret_key = auth.secret_key(store)
    # Shared through the database: every worker process counts the same wrong codes.
    app.extensions["venuekit"] = Kit(store, SharedGuessLimiter(store), data_dir)

    Babel(app, locale_selector=_select_locale)
    app.jinja_env.globals.update(
        csrf_token=csrf_token, get_locale=get_locale, phase_label=lambda p: PHASE_LABELS[getattr(p, "value", p)],
        storage_state=lambda: guard.look().state, lang_field=lang_field,
        # A group the organiser did not name is "Group N" in the reader's language (not stored).
        group_name=lambda g: assembly.group_name(g["number"], g["name"], request_gettext),
        question_text=lambda a: assembly.question_text(a["question"], request_gettext),
    )
    app.url_defaults(_keep_lang)
    app.before_request(check_csrf)
    app.before_request(forget_ended_session)
    app.after_request(_harden_and_compress)

    from webapp import errors
    from webapp.api import bp as api_bp
    from webapp.web import access, form_text, hub_link, organiser, participant, portal, printing
    from webapp.web import large_print, page_gettext, page_switch, projector, results_out, steward
    from webapp.web import delegates, timer_routes

    errors.register(app)
    page_gettext.install(app)
    form_text.install(app)
    large_print.install(app)
    page_switch.install(app)
    if app.config.get("HUB"):
        _register_hub(app, data_dir)
    else:
        portal.register(app)
    app.register_blueprint(participant.bp)
    app.register_blueprint(organiser.bp)
    app.register_blueprint(access.bp)
    app.register_blueprint(steward.bp)
    app.register_blueprint(projector.bp)
    app.register_blueprint(timer_routes.bp)
    app.register_blueprint(hub_link.bp)
    app.register_blueprint(results_out.bp)
    app.register_blueprint(printing.bp)
    app.register_blueprint(delegates.bp)
    app.register_blueprint(api_bp)
    # Browsers ask for it on every first visit; a 404 there fills logs and some portal windows
    # show a broken icon.
    app.add_url_rule("/favicon.ico", "favicon", lambda: app.send_static_file("favicon.ico"))
    if app.config.get("BEHIND_FRONT"):
        from webapp.front import trust_the_front

        app.wsgi_app = trust_the_front(app.wsgi_app)
    return app


def _register_hub(app: Flask, data_dir: Path) -> None:
    """Hub mode: the kit's own pages serve the online room; /hub adds kits and combined results."""
    from webapp.hub import api as hub_api
    from webapp.hub import bundle_upload
    from webapp.hub import pages as hub_pages
    from webapp.hub.ingest import open_hub

    app.extensions["venuekit_hub"] = open_hub(data_dir)
    app.register_blueprint(hub_api.bp)
    app.register_blueprint(hub_pages.bp)
    app.register_blueprint(bundle_upload.bp)


def carried_lang() -> str | None:
    """The language chosen by ?lang= on this request, if it is one the kit speaks."""
    if not has_request_context():
        return None
    # Asked for every address a page builds: skip parsing a query that cannot hold the choice.
    query = request.query_string
    if b"lang" not in query and b"%" not in query:
        return None
    wanted = request.args.get("lang")
    return wanted if wanted in LANGUAGES else None


def _keep_lang(endpoint: str, values: dict) -> None:
    # No cookies in a portal window: a ?lang= choice rides on every address the kit hands out,
    # links, form actions and redirects alike. A language given explicitly (a switch) wins.
    lang = carried_lang()
    if lang and endpoint != "static":
        values.setdefault("lang", lang)


def lang_field() -> Markup:
    """A hidden field keeping the ?lang= choice in a GET form (its action's query is dropped)."""
    lang = carried_lang()
    return Markup('<input type="hidden" name="lang" value="%s">') % lang if lang else Markup("")


def _phone_language(header: str) -> str | None:
    # A room's phones send a handful of distinct Accept-Language headers, and parsing one was a
    # visible share of a small page's work: each is parsed once (a long one, rare, every time).
    if len(header) > ACCEPT_LANGUAGE_KEPT:
        return kit_language.phone_language(parse_accept_header(header, LanguageAccept))
    return _short_phone_language(header)


@lru_cache(maxsize=256)
def _short_phone_language(header: str) -> str | None:
    return kit_language.phone_language(parse_accept_header(header, LanguageAccept))


def _select_locale() -> Locale:
    # ?lang= (it works in a cookie-less portal window), then a phone set to a language other
    # than English, then the organiser's default: the order is explained in kit_language.
    store = current_app.extensions["venuekit"].store
    phone = _phone_language(request.headers.get("Accept-Language", "")) if has_request_context() else None
    return kit_language.locale(kit_language.page_language(carried_lang(), phone, store))


def _harden_and_compress(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # (An empty 204, such as a connectivity check's answer, has no content type at all.)
    if (response.mimetype or "").startswith("text/html"):
        response.headers.setdefault("Cache-Control", "no-store")
    if (
        # Behind the front, nginx compresses (in C, outside the workers' time), except an answer
        # the front keeps for many screens (`compress_in_app`, the projector's live part).
        (not current_app.config.get("BEHIND_FRONT") or getattr(response, "compress_in_app", False))
        # Content-coding names are case-insensitive (the front's map reads them so too).
        and "gzip" in request.headers.get("Accept-Encoding", "").lower()
        and not response.direct_passthrough
        and response.status_code == 200
        and response.mimetype.split("/")[0] in ("text", "application")
        and "Content-Encoding" not in response.headers
    ):
        body = response.get_data()
        if len(body) >= COMPRESS_MIN:
            response.set_data(gzip.compress(body, compresslevel=6))
            response.headers["Content-Encoding"] = "gzip"
            response.headers["Vary"] = "Accept-Encoding"
    return response
