"""What each kind of slip prints, as small frozen records built from stored JSON payloads.

Print jobs are stored by the web app as JSON, so every record here has ``from_payload``,
which checks the fields and raises JobPayloadError with a readable message when one is
missing or of the wrong type. Fixed wording on a slip can be replaced per job with an
optional ``"labels": {key: text}`` mapping (see printer/layouts.py for the keys), which is
how the web app prints slips in the assembly's language. ``"large_print": true`` lays a
slip out in large type (and splits a paper ballot over more slips).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import urlsplit

from .errors import JobPayloadError

METHODS = ("approval", "dot", "ranked", "support", "judgment")
# Methods where each idea gets one mark on a fixed scale; the marks' names are the labels
# "<method>_<value>", best (highest value) first.
MARK_SCALES = {"support": 5, "judgment": 6}


def _need(payload: Mapping[str, Any], key: str) -> Any:
    if key not in payload or payload[key] is None:
        raise JobPayloadError(f"The print job has no {key!r}.")
    return payload[key]


def _text(payload: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = payload.get(key, default) if default is not None else _need(payload, key)
    if value is None:
        value = default
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise JobPayloadError(f"The print job's {key!r} should be text.")
    return str(value)


def _int(payload: Mapping[str, Any], key: str, default: int | None = None, low: int = 0) -> int:
    value = payload.get(key, default) if default is not None else _need(payload, key)
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise JobPayloadError(f"The print job's {key!r} should be a whole number of at least {low}.")
    return value


def _large(payload: Mapping[str, Any]) -> bool:
    value = payload.get("large_print", False)
    if not isinstance(value, bool):
        raise JobPayloadError("The print job's 'large_print' should be true or false.")
    return value


def _list(payload: Mapping[str, Any], key: str) -> list:
    value = _need(payload, key)
    if not isinstance(value, list):
        raise JobPayloadError(f"The print job's {key!r} should be a list.")
    return value


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise JobPayloadError(f"Each entry of the print job's {what!r} should be an object.")
    return value


def display_code(code: str) -> str:
    """A code as people type it: upper case; a bare code is split into groups of three."""
    code = code.strip().upper()
    if re.search(r"[\s\-]", code) or len(code) <= 4:
        return re.sub(r"\s+", "-", code)
    return "-".join(code[i : i + 3] for i in range(0, len(code), 3))


def address_of(url: str) -> str:
    """The part of a URL a person types: ``http://venue.kit/g/ABC`` -> ``venue.kit``."""
    parts = urlsplit(url)
    return parts.netloc or url


@dataclass(frozen=True)
class Labels:
    """Per-job replacements for the fixed wording of a layout."""

    overrides: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> "Labels":
        raw = payload.get("labels") or {}
        if not isinstance(raw, Mapping) or not all(isinstance(v, str) for v in raw.values()):
            raise JobPayloadError("The print job's 'labels' should map names to text.")
        return cls(tuple(sorted((str(k), v) for k, v in raw.items())))

    def get(self, key: str, default: str, **values: Any) -> str:
        template = dict(self.overrides).get(key, default)
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            # A translation with a broken placeholder still prints the English wording.
            return default.format(**values)


@dataclass(frozen=True)
class WiFi:
    ssid: str
    password: str | None  # None or "" means an open network

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> "WiFi":
        password = payload.get("password")
        if password is not None and not isinstance(password, str):
            raise JobPayloadError("The print job's 'password' should be text.")
        return cls(_text(payload, "ssid"), password or None)


@dataclass(frozen=True)
class KitReady:
    kit_name: str
    wifi: WiFi
    url: str
    setup_code: str | None  # only before the organiser signs up: after, the slip has no setup part
    setup_url: str | None
    labels: Labels = field(default_factory=Labels)
    large: bool = False

    @classmethod
    def from_payload(cls, p: Mapping[str, Any]) -> "KitReady":
        code = display_code(_text(p, "setup_code")) if p.get("setup_code") is not None else None
        setup_url = _text(p, "setup_url") if code else None
        return cls(_text(p, "kit_name"), WiFi.from_payload(p), _text(p, "url"), code, setup_url,
                   Labels.from_payload(p), _large(p))


@dataclass(frozen=True)
class GroupCard:
    group_name: str
    group_number: int | None
    code: str
    url: str  # the group's submission page, code included
    address: str  # what people type into the browser
    wifi: WiFi
    labels: Labels = field(default_factory=Labels)
    large: bool = False

    @classmethod
    def from_payload(cls, p: Mapping[str, Any]) -> "GroupCard":
        number = _int(p, "group_number", 0, low=0) if p.get("group_number") is not None else None
        name = _text(p, "group_name", "")
        if not name and number is None:
            raise JobPayloadError("The print job needs a 'group_name' or a 'group_number'.")
        url = _text(p, "url")
        return cls(name, number, display_code(_text(p, "code")), url,
                   _text(p, "address", address_of(url)), WiFi.from_payload(p), Labels.from_payload(p),
                   _large(p))


@dataclass(frozen=True)
class Ballot:
    code: str
    url: str


@dataclass(frozen=True)
class BallotSlips:
    """One or many ballot slips; each ballot becomes its own cut slip."""

    ballots: tuple[Ballot, ...]
    address: str
    ssid: str
    labels: Labels = field(default_factory=Labels)
    large: bool = False

    @classmethod
    def from_payload(cls, p: Mapping[str, Any]) -> "BallotSlips":
        entries = _list(p, "ballots") if "ballots" in p else [p]
        ballots = tuple(
            Ballot(display_code(_text(e, "code")), _text(e, "url"))
            for e in (_mapping(e, "ballots") for e in entries)
        )
        if not ballots:
            raise JobPayloadError("The print job's 'ballots' list is empty.")
        return cls(ballots, _text(p, "address", address_of(ballots[0].url)), _text(p, "ssid", ""),
                   Labels.from_payload(p), _large(p))


@dataclass(frozen=True)
class Idea:
    number: int
    title: str
    count: int = 0
    line: str = ""  # a results line already worded (e.g. "42 votes"), instead of the results_line label


@dataclass(frozen=True)
class ResultIdea(Idea):
    """An idea on the results slip; ``levels`` (support levels, strongest support first) are
    counts per level, printed as one segmented bar."""

    levels: tuple[int, ...] = ()


@dataclass(frozen=True)
class PaperBallot:
    code: str
    question: str
    method: str
    ideas: tuple[Idea, ...]
    max_choices: int = 5
    points: int = 10
    max_per_idea: int = 3
    labels: Labels = field(default_factory=Labels)
    large: bool = False

    @classmethod
    def from_payload(cls, p: Mapping[str, Any]) -> "PaperBallot":
        method = _text(p, "method", "approval")
        if method not in METHODS:
            raise JobPayloadError(f"The print job's 'method' should be one of {', '.join(METHODS)}.")
        ideas = []
        for position, entry in enumerate(_list(p, "ideas"), start=1):
            entry = _mapping(entry, "ideas")
            ideas.append(Idea(_int(entry, "number", position, low=0), _text(entry, "title")))
        return cls(display_code(_text(p, "code")), _text(p, "question"), method, tuple(ideas),
                   _int(p, "max_choices", 5, low=1), _int(p, "points", 10, low=1),
                   _int(p, "max_per_idea", 3, low=1), Labels.from_payload(p), _large(p))


@dataclass(frozen=True)
class ResultsSlip:
    question: str
    results: tuple[ResultIdea, ...]  # best first; ``count`` is votes, points or Borda score
    ballots_cast: int
    ballots_issued: int
    time: str
    kit_name: str
    unit: str = "votes"
    top: int = 5
    labels: Labels = field(default_factory=Labels)
    large: bool = False
    level_names: tuple[str, ...] = ()  # the legend for ``levels``, already in the slip's language

    @classmethod
    def from_payload(cls, p: Mapping[str, Any]) -> "ResultsSlip":
        results = []
        for position, entry in enumerate(_list(p, "results"), start=1):
            entry = _mapping(entry, "results")
            levels = _list(entry, "levels") if "levels" in entry else []
            if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in levels):
                raise JobPayloadError("The print job's 'levels' should be whole numbers of at least 0.")
            results.append(ResultIdea(_int(entry, "number", position, low=0), _text(entry, "title"),
                                      _int(entry, "count", low=0), _text(entry, "line", ""), tuple(levels)))
        names = _list(p, "level_names") if "level_names" in p else []
        if not all(isinstance(name, str) for name in names):
            raise JobPayloadError("The print job's 'level_names' should be a list of text.")
        return cls(_text(p, "question"), tuple(results), _int(p, "ballots_cast", low=0),
                   _int(p, "ballots_issued", low=0), _text(p, "time"), _text(p, "kit_name"),
                   _text(p, "unit", "votes"), _int(p, "top", 5, low=1), Labels.from_payload(p), _large(p),
                   tuple(names))


@dataclass(frozen=True)
class SettingsLine:
    where: str  # e.g. "Line 3 · wifi_country"
    what: str  # what is wrong
    used: str  # what the kit used instead


@dataclass(frozen=True)
class SettingsProblem:
    """What was wrong in the settings file; every line comes already worded (and translated)."""

    kit_name: str
    file: str
    problems: tuple[SettingsLine, ...]
    labels: Labels = field(default_factory=Labels)
    large: bool = False

    @classmethod
    def from_payload(cls, p: Mapping[str, Any]) -> "SettingsProblem":
        lines = tuple(SettingsLine(_text(e, "where", ""), _text(e, "what"), _text(e, "used", ""))
                      for e in (_mapping(e, "problems") for e in _list(p, "problems")))
        if not lines:
            raise JobPayloadError("The print job's 'problems' list is empty.")
        return cls(_text(p, "kit_name", ""), _text(p, "file"), lines, Labels.from_payload(p), _large(p))


@dataclass(frozen=True)
class MandateEntry:
    round: int
    title: str
    line: str = ""  # the idea's result, already worded in the slip's language


@dataclass(frozen=True)
class MandateSlip:
    """The elected delegates (in order of election) and the decisions they carry."""

    kit_name: str
    time: str
    delegates: tuple[tuple[int, str], ...]  # (order, name)
    tied: tuple[str, ...]
    items: tuple[MandateEntry, ...]
    labels: Labels = field(default_factory=Labels)
    large: bool = False

    @classmethod
    def from_payload(cls, p: Mapping[str, Any]) -> "MandateSlip":
        delegates = tuple((_int(e, "order", low=1), _text(e, "name"))
                          for e in (_mapping(e, "delegates") for e in _list(p, "delegates")))
        tied = _list(p, "tied") if "tied" in p else []
        if not all(isinstance(name, str) for name in tied):
            raise JobPayloadError("The print job's 'tied' should be a list of text.")
        items = tuple(MandateEntry(_int(e, "round", low=1), _text(e, "title"), _text(e, "line", ""))
                      for e in (_mapping(e, "items") for e in _list(p, "items")))
        return cls(_text(p, "kit_name", ""), _text(p, "time", ""), delegates, tuple(tied), items,
                   Labels.from_payload(p), _large(p))


KINDS: dict[str, type] = {
    "kit_ready": KitReady,
    "group_card": GroupCard,
    "ballot_slip": BallotSlips,
    "paper_ballot": PaperBallot,
    "results_slip": ResultsSlip,
    "settings_problem": SettingsProblem,
    "mandate_slip": MandateSlip,
}


def parse_payload(kind: str, payload: Mapping[str, Any]) -> Any:
    """The record for a job of ``kind``; JobPayloadError when the kind or payload is wrong."""
    if kind not in KINDS:
        raise JobPayloadError(f"Unknown kind of print job {kind!r}; expected one of {', '.join(KINDS)}.")
    if not isinstance(payload, Mapping):
        raise JobPayloadError("The print job's payload should be an object.")
    return KINDS[kind].from_payload(payload)
