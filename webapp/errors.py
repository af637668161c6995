"""Every failure becomes a clear page for people or a JSON error with a stable code for scripts."""
from __future__ import annotations

from flask import Flask, Response, g, jsonify, make_response, render_template, request
from flask_babel import gettext, lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from webapp.domain.errors import DomainError

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
CSRF_MESSAGE = _l("This form has expired. Go back, reload the page and try again.")


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, **extra) -> Response:
    if wants_json():
        response = jsonify({"error": {"code": code, "message": message, **extra}})
    else:
        response = make_response(render_template("error.html", message=message, status=status))
    response.status_code = status
    return response


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return error_response(exc.status, exc.code, exc.translated(gettext))

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
        app.logger.exception("unhandled error")
        code, message = HTTP_CODES[500]
        return error_response(500, code, str(message))
