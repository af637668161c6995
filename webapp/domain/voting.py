"""Voting methods: what a valid ballot is, the per-ballot idea order, and the tally."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from .errors import N_, DomainError

METHODS = ("approval", "dot", "ranked", "support", "judgment")
# Methods where each idea gets its own mark on a fixed scale (webapp/domain/support.py,
# webapp/domain/judgment.py), stored as whole numbers 1..top, best highest.
GRADED = ("support", "judgment")
# Marked here, translated where shown (`_(name)`): a `_()` of a variable is never extracted.
METHOD_NAMES = {"approval": N_("Approval"), "dot": N_("Dot voting"), "ranked": N_("Ranked (Borda count)"),
                "support": N_("Support levels"), "judgment": N_("Majority judgment")}
# The organiser's labels for the limits, so an error names the field as the form does.
LIMIT_NAMES = {"max_choices": N_("Approval: ideas each person may choose · Ranked: how many to rank"),
               "points": N_("Dot voting: points each person has"),
               "max_per_idea": N_("Dot voting: most points on one idea"),
               "threshold": N_("Support levels: percentage in support a recommendation needs to pass")}


class BallotError(DomainError):
    """A ballot, or voting limits, that the method's rules refuse."""


@dataclass(frozen=True)
class Rules:
    """A voting method and its limits.

    approval: choose up to `max_choices` ideas. dot: spread `points` points, at most
    `max_per_idea` on one idea. ranked: rank up to `max_choices` ideas (Borda count).
    support: mark each idea from strongly support to strongly oppose; an idea passes when its
    share in support reaches `threshold` percent. judgment: grade each idea (majority judgment).
    """

    method: str = "approval"
    max_choices: int = 5
    points: int = 10
    max_per_idea: int = 3
    threshold: int = 50

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise BallotError("bad_method", N_("Unknown voting method %(name)s."), name=self.method)
        for name in LIMIT_NAMES:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100:
                raise BallotError("bad_limit", N_("%(field)s must be a whole number from 1 to 100."),
                                 field=LIMIT_NAMES[name])
        if self.method == "dot" and self.max_per_idea > self.points:
            raise BallotError("bad_limit", N_("Points per idea cannot be more than the points in all."))

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def marks(self) -> tuple[tuple[int, str], ...]:
        """A graded method's marks best first, as (stored value, name marked N_); () otherwise."""
        from . import judgment, support

        if self.method == "support":
            return tuple(support.LEVEL_NAMES.items())
        if self.method == "judgment":
            return tuple(judgment.GRADE_NAMES.items())
        return ()

    @classmethod
    def from_dict(cls, data: Mapping) -> "Rules":
        known = {k: data[k] for k in ("method", *LIMIT_NAMES) if k in data}
        return cls(**known)


def ballot_order(ballot_id: str, idea_ids: Iterable[str]) -> list[str]:
    """A stable order per ballot, different between ballots, to spread position bias."""
    # sha256(f"{ballot_id}:{idea}") for each idea, from one hash of the shared prefix.
    prefix = hashlib.sha256(f"{ballot_id}:".encode())

    def key(idea_id: str) -> bytes:
        digest = prefix.copy()
        digest.update(idea_id.encode())
        return digest.digest()

    return sorted(idea_ids, key=key)


def validate(rules: Rules, choices: Mapping[str, int], valid_ids: set[str]) -> dict[str, int]:
    """Return the ballot's choices in canonical form, or raise BallotError.

    approval: {idea: 1}; dot: {idea: points}; ranked: {idea: rank}, ranks renumbered 1..n in
    the order given so a skipped rank number (1, 3) counts as (1, 2); support: {idea: 1..5};
    judgment: {idea: 1..6} (webapp/domain/support.py, judgment.py). A value of 0 is a blank.
    """
    cleaned: dict[str, int] = {}
    for idea_id, value in choices.items():
        if idea_id not in valid_ids:
            raise BallotError("unknown_idea", N_("The ballot names an idea that is not on the ballot."))
        if not isinstance(value, int) or isinstance(value, bool):
            raise BallotError("bad_value", N_("Every choice must be a whole number."))
        if value < 0:
            raise BallotError("bad_value", N_("A choice cannot be negative."))
        if value:
            cleaned[idea_id] = value
    if not cleaned:
        if rules.method in GRADED:
            raise BallotError("empty_ballot", N_("Mark at least one idea."))
        raise BallotError("empty_ballot", N_("Choose at least one idea."))
    if rules.method in GRADED:
        top = scale_top(rules)
        if any(v > top for v in cleaned.values()):
            raise BallotError("bad_value", N_("Marks go from 1 to %(n)d."), n=top)
    elif rules.method == "approval":
        if any(v != 1 for v in cleaned.values()):
            raise BallotError("bad_value", N_("This ballot only ticks ideas."))
        if len(cleaned) > rules.max_choices:
            raise BallotError("too_many", (N_("Choose at most %(n)d idea."), N_("Choose at most %(n)d ideas.")),
                              n=rules.max_choices)
    elif rules.method == "dot":
        if any(v > rules.max_per_idea for v in cleaned.values()):
            raise BallotError("too_many", (N_("At most %(n)d point on one idea."),
                                           N_("At most %(n)d points on one idea.")), n=rules.max_per_idea)
        if sum(cleaned.values()) > rules.points:
            raise BallotError("too_many", (N_("At most %(n)d point in all."), N_("At most %(n)d points in all.")),
                              n=rules.points)
    else:
        if len(cleaned) > rules.max_choices:
            raise BallotError("too_many", (N_("Rank at most %(n)d idea."), N_("Rank at most %(n)d ideas.")),
                              n=rules.max_choices)
        if len(set(cleaned.values())) != len(cleaned):
            raise BallotError("duplicate_rank", N_("Each rank can be given to one idea only."))
        if max(cleaned.values()) > rules.max_choices:
            raise BallotError("bad_value", N_("Ranks go from 1 to %(n)d."), n=rules.max_choices)
        ordered = sorted(cleaned, key=cleaned.__getitem__)
        cleaned = {idea_id: pos for pos, idea_id in enumerate(ordered, start=1)}
    return cleaned


def scale_top(rules: Rules) -> int:
    """The best mark of a graded method (support: 5, judgment: 6)."""
    from . import judgment, support

    return support.TOP if rules.method == "support" else judgment.TOP


@dataclass
class TallyRow:
    """One idea's result. For every method: `score` orders it (support: % in support, rounded;
    judgment: the majority grade 1..6), `supporters` counts ballots that gave it something
    (support: support or strongly support; judgment: any grade), `rank`/`tied` as shown.

    Graded methods only (None otherwise, and left out of `as_dict`): `levels` {mark: ballots}
    (judgment counts a blank as Reject), `marked` (ballots that marked it), `share` (support,
    0..1), `passed` (support, against the threshold), `median` (judgment's majority grade).
    """

    idea_id: str
    number: int
    score: int = 0
    supporters: int = 0
    firsts: int = 0
    rank: int = 0
    tied: bool = False
    levels: dict[int, int] | None = None
    marked: int | None = None
    share: float | None = None
    passed: bool | None = None
    median: int | None = None

    def as_dict(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value is not None}


@dataclass
class Tally:
    method: str
    ballots: int
    rows: list[TallyRow] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"method": self.method, "ballots": self.ballots, "rows": [r.as_dict() for r in self.rows]}


def points_for(rules: Rules, value: int) -> int:
    """What one choice adds to an idea's score (Borda: rank 1 of K scores K)."""
    if rules.method == "ranked":
        return rules.max_choices - value + 1
    return value


def fold(rules: Rules, ballot: Mapping[str, int], merged: Mapping[str, str]) -> Mapping[str, int]:
    """A ballot's choices with each merged-away idea counted for the idea it was merged into.

    A ballot that chose both still gives the merged idea one choice: one tick (approval), the
    points of both (dot), the better of the two ranks (ranked), the better of the two marks
    (support, judgment: the mark nearer the top of the scale).
    """
    if not merged:
        return ballot
    folded: dict[str, int] = {}
    for idea_id, value in ballot.items():
        if value <= 0:
            continue
        target = merged.get(idea_id, idea_id)
        if target not in folded:
            folded[target] = value
        elif rules.method == "dot":
            folded[target] += value
        elif rules.method == "ranked":
            folded[target] = min(folded[target], value)
        elif rules.method in GRADED:
            folded[target] = max(folded[target], value)
    return folded


def tally(rules: Rules, ideas: Sequence[tuple[str, int]], ballots: Iterable[Mapping[str, int]],
          merged: Mapping[str, str] | None = None) -> Tally:
    """Count ballots for the ideas given as (id, number) pairs.

    Order: score, then supporters (ballots that gave the idea anything), then — ranked only —
    first preferences. Ideas equal on all three share a rank and are listed by idea number.
    `merged` maps a merged-away idea to the idea it was merged into, whose scores it adds to;
    choices for other ideas not in `ideas` (hidden) are ignored. Support levels and majority
    judgment count and order by their own rules (webapp/domain/support.py, judgment.py).
    """
    if rules.method in GRADED:
        from . import judgment, support

        return (support if rules.method == "support" else judgment).tally(rules, ideas, ballots, merged or {})
    rows = {idea_id: TallyRow(idea_id, number) for idea_id, number in ideas}
    count = 0
    for ballot in ballots:
        count += 1
        for idea_id, value in fold(rules, ballot, merged or {}).items():
            row = rows.get(idea_id)
            if row is None or value <= 0:
                continue
            row.score += points_for(rules, value)
            row.supporters += 1
            if rules.method == "ranked" and value == 1:
                row.firsts += 1

    return Tally(rules.method, count, rank_rows(rows.values(), lambda r: (r.score, r.supporters, r.firsts)))


def rank_rows(rows: Iterable[TallyRow], strength: Callable[[TallyRow], Any]) -> list[TallyRow]:
    """Rows strongest first (ties by idea number), ranked; rows of equal strength share the
    rank of the first of them and are all marked tied."""
    listed = list(rows)
    ordered = sorted(listed, key=lambda r: r.number)
    ordered.sort(key=strength, reverse=True)  # stable: equal strengths stay by number
    for pos, row in enumerate(ordered):
        if pos and strength(ordered[pos - 1]) == strength(row):
            row.rank = ordered[pos - 1].rank
            row.tied = ordered[pos - 1].tied = True
        else:
            row.rank = pos + 1
    return ordered
