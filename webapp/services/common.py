"""Small helpers shared by the service modules."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from webapp.domain.errors import N_, DomainError


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def new_id() -> str:
    """Globally unique, so records from many kits can be joined upstream without clashes."""
    return str(uuid.uuid4())


def clean_text(value: object, *, field: str, max_len: int, required: bool) -> str:
    """Trimmed single-paragraph text within its length, or a DomainError naming the field."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\x00", "").strip()
    if required and not text:
        raise DomainError("required", N_("Please fill in %(field)s."), field=field)
    if len(text) > max_len:
        raise DomainError(
            "too_long", N_("%(field)s is too long: at most %(n)d characters."), field=field, n=max_len
        )
    return text


def whole_number(value: object, *, field: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError("not_a_number", N_("%(field)s must be a whole number."), field=field) from None
    if not low <= number <= high:
        raise DomainError(
            "out_of_range", N_("%(field)s must be from %(low)d to %(high)d."), field=field, low=low, high=high
        )
    return number
