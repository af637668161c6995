"""The run-off shortlist: the top N ideas of a tally, widened to keep every idea tied at the cut."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from .voting import Tally, TallyRow

Row = TallyRow | Mapping[str, Any]  # a tally row, or a row of the results board (a dict)


def _get(row: Row, key: str) -> Any:
    return row[key] if isinstance(row, Mapping) else getattr(row, key)


@dataclass(frozen=True)
class Shortlist:
    """`rows` in tally order; `widened` is True when ties at the cut made it longer than asked."""

    rows: tuple[Row, ...]
    asked: int

    @property
    def widened(self) -> bool:
        return len(self.rows) > self.asked

    @property
    def idea_ids(self) -> list[str]:
        return [_get(row, "idea_id") for row in self.rows]


def shortlist(result: Tally | Sequence[Row], n: int) -> Shortlist:
    """The top `n` ideas plus every idea sharing the rank of the n-th one.

    Ties are never cut at random: an idea equal to the last one kept is kept too, and the
    shortlist says it was widened so the organiser sees why it holds more than `n`. With `n`
    at least the number of ideas, every idea is kept. Rows may be TallyRows or dicts with
    `rank`, `number` and `idea_id` (as the results board has them).
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError("a shortlist keeps at least one idea")
    rows = sorted(result.rows if isinstance(result, Tally) else result,
                  key=lambda r: (_get(r, "rank"), _get(r, "number")))
    if len(rows) <= n:
        return Shortlist(tuple(rows), n)
    cut = _get(rows[n - 1], "rank")
    return Shortlist(tuple(row for row in rows if _get(row, "rank") <= cut), n)
