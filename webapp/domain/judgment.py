"""Majority judgment: every idea graded on one fixed scale, ranked by its median grade.

Stored encoding — whole numbers 1..6, best highest, so a ballot stays a mapping to positive
whole numbers:

    6 Excellent · 5 Very good · 4 Good · 3 Fair · 2 Poor · 1 Reject · absent = blank

A blank counts as Reject: every ballot grades every idea on it, so each idea is judged by the
same number of ballots (a ballot with every idea blank is still refused as empty).

Rank: by majority value (Balinski and Laraki). An idea's majority grade is the lower median of
its grades (with an even number of grades, the lower of the two middle ones). Ideas with the
same majority grade are separated by removing one majority grade from each and taking the
majority grade of what is left, again and again; the first difference decides. Ideas whose
whole sequences are equal (that is, exactly the same number of each grade) share a rank, are
marked tied and are listed by idea number.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from .errors import N_

if TYPE_CHECKING:  # voting imports this module inside tally(); the types only matter to readers
    from .voting import Rules, Tally

REJECT, POOR, FAIR, GOOD, VERY_GOOD, EXCELLENT = 1, 2, 3, 4, 5, 6
TOP = EXCELLENT
# Best first, as ballots and results list them.
GRADES = (EXCELLENT, VERY_GOOD, GOOD, FAIR, POOR, REJECT)
GRADE_NAMES = {
    EXCELLENT: N_("Excellent"),
    VERY_GOOD: N_("Very good"),
    GOOD: N_("Good"),
    FAIR: N_("Fair"),
    POOR: N_("Poor"),
    REJECT: N_("Reject"),
}


def median_grade(counts: Mapping[int, int]) -> int | None:
    """The lower median of the grades counted (None when there are none)."""
    total = sum(counts.values())
    if not total:
        return None
    position = (total - 1) // 2  # 0-based, in grades sorted worst first
    seen = 0
    for grade in sorted(counts):
        seen += counts[grade]
        if seen > position:
            return grade
    raise AssertionError("unreachable: the position is below the total")


def majority_value(counts: Mapping[int, int]) -> tuple[int, ...]:
    """The majority grades met while removing one majority grade at a time, until none is left.

    Comparing these tuples (larger first) is the Balinski–Laraki order."""
    left = {grade: n for grade, n in counts.items() if n > 0}
    sequence = []
    while left:
        grade = median_grade(left)
        assert grade is not None
        sequence.append(grade)
        left[grade] -= 1
        if not left[grade]:
            del left[grade]
    return tuple(sequence)


def tally(rules: Rules, ideas: Sequence[tuple[str, int]], ballots: Iterable[Mapping[str, int]],
          merged: Mapping[str, str]) -> Tally:
    from .voting import Tally, TallyRow, fold, rank_rows

    rows = {idea_id: TallyRow(idea_id, number, levels={g: 0 for g in GRADES}) for idea_id, number in ideas}
    count = 0
    for ballot in ballots:
        count += 1
        folded = fold(rules, ballot, merged)
        for idea_id, row in rows.items():
            value = folded.get(idea_id, 0)
            graded = 1 <= value <= TOP
            row.levels[value if graded else REJECT] += 1
            if graded:
                row.supporters += 1
    values = {}
    for idea_id, row in rows.items():
        row.marked = row.supporters
        row.median = median_grade(row.levels)
        row.score = row.median or 0
        values[idea_id] = majority_value(row.levels)
    return Tally(rules.method, count, rank_rows(rows.values(), lambda row: values[row.idea_id]))
