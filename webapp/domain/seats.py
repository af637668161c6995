"""Delegate elections: who fills `seats` seats, from approval or ranked ballots over candidates.

Approval: the candidates with the most approvals win. If the last seat(s) fall among
candidates with equal approvals, those above the tie are elected and the tied ones are
reported for the organiser to settle (by lot, or a new vote): the count never picks one.

Ranked: single transferable vote. Quota (Droop): floor(valid ballots / (seats + 1)) + 1,
where a valid ballot ranks at least one candidate. Each stage counts every ballot, at its
current value, for its highest-ranked continuing candidate. Every candidate at or over the
quota is elected (most votes first); the surplus of each is passed on by the weighted
inclusive Gregory method: every ballot counting for that candidate keeps going at its value
times surplus / the candidate's votes, in exact fractions. When nobody reaches the quota the
candidate with the fewest votes is excluded and their ballots go on at their value. When as
many candidates are left as seats, they are all elected. A tie for exclusion is broken by
the most recent earlier stage at which the tied candidates had unequal votes (fewest goes);
candidates with no votes at all are excluded together when that leaves enough candidates.
A tie still standing is not broken at random: the count is followed for each possible
exclusion; candidates elected in every case are elected, and those elected in some cases
only are reported as tied for the remaining seat(s), for the organiser to settle.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Iterable, Mapping, Sequence

from .errors import N_
from .voting import BallotError, Rules

# How many possible counts are followed through unbroken exclusion ties before the rest are
# settled by candidate number (a bound on work; real elections stay far below it).
BRANCH_LIMIT = 64


@dataclass(frozen=True)
class Seats:
    """`elected`: sure winners in order of election. `tied`: candidates tied for the
    `open_seats` seats still to fill (empty when the count settled every seat). `votes`:
    approvals (approval) or first preferences (ranked) per candidate."""

    method: str
    seats: int
    ballots: int
    elected: tuple[str, ...]
    tied: tuple[str, ...] = ()
    open_seats: int = 0
    quota: int | None = None
    votes: dict[str, int] = field(default_factory=dict)

    @property
    def tie_at_last_seat(self) -> bool:
        return bool(self.tied)

    def as_dict(self) -> dict:
        return {**asdict(self), "elected": list(self.elected), "tied": list(self.tied),
                "tie_at_last_seat": self.tie_at_last_seat}


def elect(rules: Rules, candidates: Sequence[tuple[str, int]], ballots: Iterable[Mapping[str, int]],
          seats: int) -> Seats:
    """Count a delegate election; `candidates` are (id, number) pairs, ballots as validated."""
    if not isinstance(seats, int) or isinstance(seats, bool) or seats < 1:
        raise BallotError("bad_seats", N_("There must be at least one seat."))
    number = dict(candidates)
    if rules.method == "approval":
        return _approval(number, list(ballots), seats)
    if rules.method == "ranked":
        return _stv(number, list(ballots), seats)
    raise BallotError("bad_method", N_("Delegates are elected by approval or ranked ballots."))


def _approval(number: dict[str, int], ballots: list[Mapping[str, int]], seats: int) -> Seats:
    counts = {c: 0 for c in number}
    counted = 0
    for ballot in ballots:
        marked = [c for c, v in ballot.items() if c in counts and v > 0]
        counted += bool(marked)
        for c in marked:
            counts[c] += 1
    order = sorted(number, key=lambda c: (-counts[c], number[c]))
    if len(order) <= seats or counts[order[seats - 1]] != counts[order[seats]]:
        return Seats("approval", seats, counted, tuple(order[:seats]), votes=counts)
    last = counts[order[seats - 1]]
    sure = tuple(c for c in order if counts[c] > last)
    tied = tuple(c for c in order if counts[c] == last)
    return Seats("approval", seats, counted, sure, tied, seats - len(sure), votes=counts)


class _Count:
    """One STV count; `run` follows every unbroken exclusion tie and returns each outcome."""

    def __init__(self, number: dict[str, int], papers: list[tuple[tuple[str, ...], Fraction]], seats: int):
        self.number, self.seats = number, seats
        self.quota = Fraction(len(papers) // (seats + 1) + 1)
        self.papers = papers
        self.branches = 1

    def votes(self, papers, continuing: frozenset[str]) -> dict[str, Fraction]:
        totals = {c: Fraction(0) for c in continuing}
        for prefs, value in papers:
            for c in prefs:
                if c in continuing:
                    totals[c] += value
                    break
        return totals

    def run(self, papers, continuing: frozenset[str], elected: tuple[str, ...],
            history: tuple[dict[str, Fraction], ...]) -> list[tuple[str, ...]]:
        while len(elected) < self.seats and continuing:
            votes = self.votes(papers, continuing)
            history = history + (votes,)
            best_first = sorted(continuing, key=lambda c: (-votes[c], self.number[c]))
            if len(continuing) <= self.seats - len(elected):
                return [elected + tuple(best_first)]
            reached = [c for c in best_first if votes[c] >= self.quota]
            if reached:
                for c in reached:
                    factor = (votes[c] - self.quota) / votes[c]
                    papers = [(prefs, value * factor if _top(prefs, continuing) == c else value)
                              for prefs, value in papers]
                continuing = continuing - set(reached)
                elected = elected + tuple(reached)
                continue
            lowest = self.lowest(continuing, votes, history)
            if len(lowest) == 1:
                continuing = continuing - {lowest[0]}
                continue
            if votes[lowest[0]] == 0 and len(continuing) - len(lowest) >= self.seats - len(elected):
                continuing = continuing - set(lowest)  # nobody's ballot moves: who goes first is moot
                continue
            if self.branches + len(lowest) - 1 > BRANCH_LIMIT:
                continuing = continuing - {max(lowest, key=self.number.__getitem__)}
                continue
            self.branches += len(lowest) - 1
            outcomes = []
            for c in lowest:
                outcomes += self.run(papers, continuing - {c}, elected, history)
            return outcomes
        return [elected]

    @staticmethod
    def lowest(continuing: frozenset[str], votes: dict[str, Fraction],
               history: tuple[dict[str, Fraction], ...]) -> list[str]:
        low = min(votes[c] for c in continuing)
        tied = sorted(c for c in continuing if votes[c] == low)
        for stage in reversed(history[:-1]):
            if len(tied) == 1:
                break
            fewest = min(stage.get(c, Fraction(0)) for c in tied)
            tied = [c for c in tied if stage.get(c, Fraction(0)) == fewest]
        return tied


def _top(prefs: tuple[str, ...], continuing: frozenset[str]) -> str | None:
    return next((c for c in prefs if c in continuing), None)


def _stv(number: dict[str, int], ballots: list[Mapping[str, int]], seats: int) -> Seats:
    papers = []
    for ballot in ballots:
        prefs = tuple(c for c in sorted(ballot, key=ballot.__getitem__) if c in number and ballot[c] > 0)
        if prefs:
            papers.append((prefs, Fraction(1)))
    firsts = {c: 0 for c in number}
    for prefs, _ in papers:
        firsts[prefs[0]] += 1
    count = _Count(number, papers, seats)
    outcomes = count.run(papers, frozenset(number), (), ())
    quota = int(count.quota)
    sure = set.intersection(*(set(o) for o in outcomes))
    elected = tuple(c for c in outcomes[0] if c in sure)
    if all(set(o) == set(outcomes[0]) for o in outcomes):
        return Seats("ranked", seats, len(papers), tuple(outcomes[0]), quota=quota, votes=firsts)
    tied = tuple(sorted(set().union(*outcomes) - sure, key=number.__getitem__))
    open_seats = min(seats, len(number)) - len(sure)
    return Seats("ranked", seats, len(papers), elected, tied, open_seats, quota=quota, votes=firsts)
