"""Errors the domain raises: a stable `code` for the API and a translatable message."""
from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; it is translated where it is shown."""
    return message


class DomainError(ValueError):
    """A request the assembly's rules refuse.

    `template` is an untranslated message with %(name)s placeholders filled from `params`, so
    the web layer can translate it for the reader before filling it in.
    """

    status = 400

    def __init__(self, code: str, template: str, **params: object):
        self.code = code
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)

    def translated(self, gettext) -> str:
        text = gettext(self.template)
        return text % self.params if self.params else text


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """Right request, wrong moment: wrong phase, code already used, confirmation needed."""

    status = 409
