"""Errors the domain raises: a stable `code` for the API and a translatable message."""
from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; it is translated where it is shown."""
    return message


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a message with a plural form (`make messages` extracts it as one plural entry, as
    ngettext needs); count it where it is shown, with ngettext(singular, plural, n)."""
    return singular, plural


class DomainError(ValueError):
    """A request the assembly's rules refuse.

    `template` is an untranslated message with %(name)s placeholders filled from `params`, so
    the web layer can translate it for the reader before filling it in; or (one, many) for a
    message counting `n` things, both marked N_ (the Welsh of each may be the same).
    """

    status = 400

    def __init__(self, code: str, template: str | tuple[str, str], **params: object):
        self.code = code
        self.template = template
        self.params = params
        super().__init__(self.translated(str))

    def translated(self, gettext) -> str:
        template = self.template
        if isinstance(template, tuple):
            # (one, many), each marked N_: "at most 1 idea" / "at most 3 ideas", chosen by n.
            template = template[0] if self.params.get("n") == 1 else template[1]
        text = gettext(template)
        if not self.params:
            return text
        params = dict(self.params)
        if isinstance(params.get("field"), str):
            # A field's name is marked with N_ where the error is raised and read in the same
            # language as the message; it may hold the other params ("idea %(slot)d title").
            field = gettext(params["field"])
            try:
                params["field"] = field % params if "%(" in field else field
            except (KeyError, ValueError, TypeError):
                params["field"] = field
        return text % params


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """Right request, wrong moment: wrong phase, code already used, confirmation needed."""

    status = 409
