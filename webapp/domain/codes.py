"""Human-typed codes: Crockford base32 alphabet, grouped for reading, with a Luhn mod 32 check character."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from .errors import N_, DomainError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# Crockford's reading rules: look-alike letters are folded onto the digits they resemble.
_FOLD = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_SEPARATORS = str.maketrans("", "", " -_.\t")


@dataclass(frozen=True)
class CodeKind:
    """How long a code of one kind is (data characters, without the check character)."""

    name: str
    data_len: int
    group: int

    @property
    def bits(self) -> int:
        return self.data_len * 5


# 8 data characters = 40 bits: unguessable in practice when wrong guesses are rate-limited.
BALLOT = CodeKind("ballot", 8, 3)
# Group codes guard a table's ideas, not a vote; still 30 bits so they cannot be walked.
GROUP = CodeKind("group", 6, 4)
STEWARD = CodeKind("steward", 8, 3)
SETUP = CodeKind("setup", 8, 3)


class CodeError(DomainError):
    """The text cannot be a valid code (wrong length, bad character or failed check)."""

    def __init__(self) -> None:
        super().__init__("bad_code", N_("That code doesn't look right — check the slip and type it again."))


def check_char(data: str) -> str:
    """Luhn mod 32 check character: catches every single typo and most swapped neighbours."""
    factor = 2
    total = 0
    for ch in reversed(data):
        addend = factor * _VALUE[ch]
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return ALPHABET[(32 - total % 32) % 32]


def generate(kind: CodeKind) -> str:
    """A new random code of the kind, in canonical form (no separators)."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(kind.data_len))
    return data + check_char(data)


def normalize(text: str, kind: CodeKind) -> str:
    """Canonical form of a typed code, or CodeError before any lookup is made."""
    cleaned = (text or "").strip().upper().translate(_SEPARATORS).translate(_FOLD)
    if len(cleaned) != kind.data_len + 1:
        raise CodeError()
    if any(c not in _VALUE for c in cleaned):
        raise CodeError()
    if check_char(cleaned[:-1]) != cleaned[-1]:
        raise CodeError()
    return cleaned


def is_valid(text: str, kind: CodeKind) -> bool:
    try:
        normalize(text, kind)
    except CodeError:
        return False
    return True


def display(code: str, kind: CodeKind) -> str:
    """Grouped for reading aloud and typing, e.g. K7Q-F9M-2XT."""
    return "-".join(code[i : i + kind.group] for i in range(0, len(code), kind.group))
