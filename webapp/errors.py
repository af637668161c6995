"""Every failure becomes a clear page for people or a JSON error with a stable code for scripts."""
from __future__ import annotations

from flask import Flask, Response, current_app, g, jsonify, make_response, render_template, request, url_for
from flask_babel import gettext, lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from webapp.domain.errors import DomainError
from webapp.storage.space import StorageFull, is_disk_full

HTTP_CODES = {
    400: ("bad_request", _l("Something in that request was not right. Go back and try again.")),
    401: ("unauthorised", _l("Please sign in first.")),
    403: ("forbidden", _l("You are not allowed to do that.")),
    404: ("not_found", _l("There is nothing at this address.")),
    405: ("method_not_allowed", _l("That page cannot be used that way.")),
    413: ("too_large", _l("That was too much to send at once. Shorten the text and try again.")),
    415: ("bad_content_type", _l("Send JSON with the Content-Type application/json.")),
    429: ("too_many_attempts", _l("Too many wrong codes from this phone. Wait a minute, then check the slip.")),
    500: ("internal", _l("Sorry, something went wrong on the kit. Your last action may not have been saved.")),
}
CSRF_MESSAGE = _l("This form has expired, so nothing was saved. Open a fresh form below and send it again.")


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, **extra) -> Response:
    if wants_json():
        response = jsonify({"error": {"code": code, "message": message, **extra}})
    else:
        response = make_response(render_template("error.html", message=message, status=status,
                                                 fresh_form=fresh_form_url() if code in ("csrf", "invalid_text") else None))
    response.status_code = status
    return response


# Forms posted to an action address of their own: the page that shows the form.
FORM_PAGES = {"organiser.groups": ("rename_group",), "organiser.idea_list": ("hide", "merge"),
              "access.page": ("revoke_token", "signout_everywhere")}


def fresh_form_url() -> str:
    """The page whose form was refused, to open again with a valid token: a portal window has no
    Back or Reload button. Only this kit's own addresses are used, never a Referer."""
    adapter = current_app.url_map.bind("")
    try:
        adapter.match(request.path, method="GET")
    except HTTPException:
        name = (request.endpoint or "").split(".")[-1]
        for page, actions in FORM_PAGES.items():
            if name in actions:
                return url_for(page)
        if request.blueprint in ("organiser", "access"):
            return url_for("organiser.overview")
        return url_for("participant.landing")
    return request.full_path if request.query_string else request.path


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        # `extra` (e.g. the API's `field`) adds keys to the JSON error, never to a page.
        return error_response(exc.status, exc.code, exc.translated(gettext), **getattr(exc, "extra", {}))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        code, message = HTTP_CODES.get(status, ("http_error", exc.description or ""))
        if getattr(g, "csrf_failed", False):
            code, message = "csrf", CSRF_MESSAGE
        elif status == 400 and getattr(exc, "description", "").startswith("json:"):
            code, message = "bad_json", exc.description[5:]
        response = error_response(status, code, str(message))
        if status == 405 and getattr(exc, "valid_methods", None):
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if is_disk_full(exc):  # a write outside the store's transactions (they raise StorageFull)
            app.logger.error("storage full: %s", exc)
            return domain_error(StorageFull())
        app.logger.exception("unhandled error")
        code, message = HTTP_CODES[500]
        return error_response(500, code, str(message))
