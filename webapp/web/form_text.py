"""Form bodies must be UTF-8: anything else is refused with a clear message, not guessed at.

Werkzeug decodes a form body leniently: raw bytes that are not UTF-8 make its parser give up
and return an empty form (so the CSRF check then fails and the page says "this form has
expired"), and a percent-escape such as %FF is kept as the three characters "%FF". Neither
tells the person what went wrong. This parser decodes strictly and answers 400 "not valid
text" before any view (or the CSRF check) sees the form. (Multipart bodies, which the kit's
forms never send, keep werkzeug's U+FFFD for undecodable bytes: valid text, if not helpful.)
"""
from __future__ import annotations

from typing import IO
from urllib.parse import parse_qsl

from flask import Flask, Request
from flask_babel import gettext
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.formparser import FormDataParser

from webapp.domain.text import INVALID_BYTES


class InvalidFormText(BadRequest):
    """A form body that is not UTF-8 (raw bytes or percent-escapes)."""

    description = "invalid_text"


class StrictFormParser(FormDataParser):
    """Werkzeug's parser, but a urlencoded body must be UTF-8 through and through."""

    def _parse_urlencoded(self, stream: IO[bytes], mimetype: str, content_length: int | None,
                          options: dict[str, str]) -> tuple[IO[bytes], MultiDict, MultiDict]:
        # The stream is already limited to MAX_CONTENT_LENGTH by the request.
        try:
            items = parse_qsl(stream.read().decode("utf-8"), keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            # Not a ValueError to the caller: werkzeug would swallow that and hand on an empty form.
            raise InvalidFormText() from None
        return stream, self.cls(items), self.cls()


class StrictFormRequest(Request):
    """Flask's request with the strict form parser."""

    form_data_parser_class = StrictFormParser


def install(app: Flask) -> None:
    """Use the strict parser for every request and answer its refusal like any other error."""
    from webapp.errors import error_response

    app.request_class = StrictFormRequest

    @app.errorhandler(InvalidFormText)
    def invalid_form_text(exc: InvalidFormText):
        return error_response(400, "invalid_text", gettext(INVALID_BYTES))
