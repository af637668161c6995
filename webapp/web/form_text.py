"""Form bodies must be UTF-8: anything else is refused with a clear message, not guessed at.

Werkzeug decodes a form body leniently: raw bytes that are not UTF-8 make its parser give up
and return an empty form (so the CSRF check then fails and the page says "this form has
expired"), and a percent-escape such as %FF is kept as the three characters "%FF". Neither
tells the person what went wrong. This parser decodes strictly and answers 400 "not valid
text" before any view (or the CSRF check) sees the form. (Multipart bodies, which the kit's
forms never send, keep werkzeug's U+FFFD for undecodable bytes: valid text, if not helpful.)
"""
from __future__ import annotations

import io
from typing import IO
from urllib.parse import parse_qsl

from flask import Flask, Request
from flask_babel import gettext
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, ClientDisconnected
from werkzeug.formparser import FormDataParser

from webapp.domain.text import INVALID_BYTES


SMALL_FORM_BYTES = 4096  # a ballot of every idea ticked is well under this


class InvalidFormText(BadRequest):
    """A form body that is not UTF-8 (raw bytes or percent-escapes)."""

    description = "invalid_text"


def _strict_items(body: bytes) -> list[tuple[str, str]]:
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        # Not a ValueError to the caller: werkzeug would swallow that and hand on an empty form.
        raise InvalidFormText() from None


class StrictFormParser(FormDataParser):
    """Werkzeug's parser, but a urlencoded body must be UTF-8 through and through."""

    def _parse_urlencoded(self, stream: IO[bytes], mimetype: str, content_length: int | None,
                          options: dict[str, str]) -> tuple[IO[bytes], MultiDict, MultiDict]:
        # The stream is already limited to MAX_CONTENT_LENGTH by the request.
        return stream, self.cls(_strict_items(stream.read())), self.cls()


class StrictFormRequest(Request):
    """Flask's request with the strict form parser."""

    form_data_parser_class = StrictFormParser

    def _load_form_data(self) -> None:
        # A vote is a urlencoded body of a few hundred bytes with its length given: read and
        # parsed here, since werkzeug's general path (a stream wrapper, a parser object, limits
        # looked up in the app's settings one by one) cost more than the parsing. Anything else,
        # a body the kit's limit refuses included, takes werkzeug's path.
        if "form" in self.__dict__:
            return
        length = self.content_length
        if (length is None or length > SMALL_FORM_BYTES or self.mimetype != "application/x-www-form-urlencoded"
                or (self.max_content_length is not None and length > self.max_content_length)):
            super()._load_form_data()
            return
        body = self.environ["wsgi.input"].read(length) if length else b""
        if len(body) != length:
            raise ClientDisconnected()
        d = self.__dict__
        d["stream"], d["form"], d["files"] = (
            io.BytesIO(), self.parameter_storage_class(_strict_items(body)), self.parameter_storage_class())


def install(app: Flask) -> None:
    """Use the strict parser for every request and answer its refusal like any other error."""
    from webapp.errors import error_response

    app.request_class = StrictFormRequest

    @app.errorhandler(InvalidFormText)
    def invalid_form_text(exc: InvalidFormText):
        return error_response(400, "invalid_text", gettext(INVALID_BYTES))
