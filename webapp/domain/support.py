"""Support levels: every idea (a recommendation) is marked from strongly support to strongly oppose.

Stored encoding — a ballot stays a mapping to positive whole numbers, as storage, sync, the hub
and the exports expect, so the five levels are stored as 1..5:

    5 strongly support · 4 support · 3 neutral · 2 oppose · 1 strongly oppose · absent = blank

(the level on the usual -2..+2 scale is the stored value minus 3). A blank idea is left out of
the ballot; a ballot with every idea blank is refused like any empty ballot.

Result per idea: how many ballots gave each level, and the share in support = (support +
strongly support) / ballots that marked the idea (blank ones are left out of the denominator,
neutral ones are in it), as citizens' assemblies publish "% in support of those voting on it".
A recommendation passes when its share reaches the threshold: share >= threshold %, compared
exactly (2 of 3 is 66.67 %, so it passes 66 and fails 67). An idea nobody marked never passes.

Order: share (exact), then the number of strongly support marks; ideas equal on both share a
rank (marked tied) and are listed by idea number.
"""
from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from .errors import N_

if TYPE_CHECKING:  # voting imports this module inside tally(); the types only matter to readers
    from .voting import Rules, Tally

STRONGLY_OPPOSE, OPPOSE, NEUTRAL, SUPPORT, STRONGLY_SUPPORT = 1, 2, 3, 4, 5
TOP = STRONGLY_SUPPORT
# Best first, as ballots and results list them.
LEVELS = (STRONGLY_SUPPORT, SUPPORT, NEUTRAL, OPPOSE, STRONGLY_OPPOSE)
LEVEL_NAMES = {
    STRONGLY_SUPPORT: N_("Strongly support"),
    SUPPORT: N_("Support"),
    NEUTRAL: N_("Neutral"),
    OPPOSE: N_("Oppose"),
    STRONGLY_OPPOSE: N_("Strongly oppose"),
}


def share(levels: Mapping[int, int]) -> Fraction:
    """The exact share in support among the ballots that marked the idea (0 when none did)."""
    marked = sum(levels.values())
    backing = levels.get(SUPPORT, 0) + levels.get(STRONGLY_SUPPORT, 0)
    return Fraction(backing, marked) if marked else Fraction(0)


def passes(levels: Mapping[int, int], threshold: int) -> bool:
    """True when the share in support reaches `threshold` percent (and someone marked the idea)."""
    marked = sum(levels.values())
    backing = levels.get(SUPPORT, 0) + levels.get(STRONGLY_SUPPORT, 0)
    return marked > 0 and backing * 100 >= threshold * marked


def percent(value: Fraction) -> int:
    """A share as a whole percent, rounded half up (what screens and exports show as the score)."""
    return int(value * 100 + Fraction(1, 2))


def tally(rules: Rules, ideas: Sequence[tuple[str, int]], ballots: Iterable[Mapping[str, int]],
          merged: Mapping[str, str]) -> Tally:
    from .voting import Tally, TallyRow, fold, rank_rows

    rows = {idea_id: TallyRow(idea_id, number, levels={lv: 0 for lv in LEVELS}) for idea_id, number in ideas}
    count = 0
    for ballot in ballots:
        count += 1
        for idea_id, value in fold(rules, ballot, merged).items():
            row = rows.get(idea_id)
            if row is not None and 1 <= value <= TOP:
                row.levels[value] += 1
    for row in rows.values():
        exact = share(row.levels)
        row.marked = sum(row.levels.values())
        row.supporters = row.levels[SUPPORT] + row.levels[STRONGLY_SUPPORT]
        row.share = float(exact)
        row.score = percent(exact)
        row.passed = passes(row.levels, rules.threshold)

    def strength(row) -> tuple:
        return (share(row.levels), row.levels[STRONGLY_SUPPORT])

    return Tally(rules.method, count, rank_rows(rows.values(), strength))
