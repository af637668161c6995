"""Small helpers shared by the service modules."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from webapp.domain.errors import N_, DomainError
from webapp.domain.text import normalise, whole_number

__all__ = ["clean_text", "new_id", "now", "whole_number"]


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def new_id() -> str:
    """Globally unique, so records from many kits can be joined upstream without clashes."""
    return str(uuid.uuid4())


def clean_text(value: object, *, field: str, max_len: int, required: bool, multiline: bool = False,
               **field_params: object) -> str:
    """`value` through the text boundary (webapp.domain.text.normalise), then checked for
    presence and for length in characters; a DomainError names the field otherwise.

    Single-line fields keep no line breaks; `multiline` fields keep line feeds only.
    `field` is an N_-marked name, translated with the message; `field_params` fill it in.
    """
    text = normalise("" if value is None else str(value), field=field, multiline=multiline, **field_params)
    if required and not text:
        raise DomainError("required", N_("Please fill in %(field)s."), field=field, **field_params)
    if len(text) > max_len:
        raise DomainError(
            "too_long", N_("%(field)s is too long: at most %(n)d characters."), field=field, n=max_len,
            **field_params
        )
    return text
