"""Delegate seats and the run-off shortlist, on hand-worked examples."""
import pytest

from webapp.domain.errors import DomainError
from webapp.domain.seats import elect
from webapp.domain.shortlist import shortlist
from webapp.domain.voting import Rules, tally

PEOPLE = [("A", 1), ("B", 2), ("C", 3), ("D", 4)]
APPROVAL = Rules("approval", max_choices=4)
RANKED = Rules("ranked", max_choices=4)


def ranked(*names: str) -> dict[str, int]:
    return {name: rank for rank, name in enumerate(names, start=1)}


def test_approval_most_approvals_win_in_order():
    ballots = [{"A": 1, "B": 1}, {"A": 1, "C": 1}, {"A": 1, "B": 1}, {"D": 1}]
    result = elect(APPROVAL, PEOPLE, ballots, 2)
    assert (result.elected, result.tied, result.open_seats) == (("A", "B"), (), 0)
    assert result.votes == {"A": 3, "B": 2, "C": 1, "D": 1}
    assert not result.tie_at_last_seat


def test_approval_tie_at_the_last_seat_is_left_to_the_organiser():
    ballots = [{"A": 1, "B": 1}, {"A": 1, "C": 1}, {"A": 1, "B": 1, "C": 1}, {"D": 1}]
    result = elect(APPROVAL, PEOPLE, ballots, 2)
    # A 3, B 2, C 2, D 1: A is elected, B and C tie for the second seat.
    assert (result.elected, result.tied, result.open_seats) == (("A",), ("B", "C"), 1)
    assert result.tie_at_last_seat
    # A tie that does not reach past the last seat is no tie.
    assert elect(APPROVAL, PEOPLE, ballots, 3).elected == ("A", "B", "C")


def test_fewer_candidates_than_seats_elects_them_all():
    assert elect(APPROVAL, PEOPLE[:2], [{"A": 1}], 3).elected == ("A", "B")
    assert set(elect(RANKED, PEOPLE[:2], [ranked("B")], 3).elected) == {"A", "B"}


def test_stv_droop_quota_and_gregory_surplus():
    ballots = [ranked("A", "B")] * 4 + [ranked("A", "C")] * 2 + [ranked("C")] * 3 + [ranked("D", "C")] * 2
    result = elect(RANKED, PEOPLE, ballots, 2)
    # 11 ballots, quota 11 // 3 + 1 = 4. Stage 1: A 6 (elected), C 3, D 2, B 0. A's surplus 2
    # goes on at 2/6 of each ballot: B 4/3, C 3 + 2/3. Nobody reaches 4: B goes (its ballots end
    # there); then D goes, its 2 to C (17/3): C is elected, not B.
    assert result.quota == 4
    assert (result.elected, result.tied) == (("A", "C"), ())
    assert result.votes == {"A": 6, "B": 0, "C": 3, "D": 2}


def test_stv_exclusion_tie_broken_by_the_earlier_stage():
    ballots = [ranked("A")] * 4 + [ranked("B")] * 3 + [ranked("C", "B")] * 2 + [ranked("D", "C")]
    result = elect(RANKED, PEOPLE, ballots, 1)
    # Quota 6. D goes first, its ballot to C: B 3, C 3 tie; at stage 1 C had fewer (2 to 3), so C
    # goes and both its ballots reach B (5); then A (4) goes and B is the last one left.
    assert (result.elected, result.tied) == (("B",), ())


def test_stv_unbroken_tie_is_reported_not_drawn():
    result = elect(RANKED, PEOPLE[:2], [ranked("A"), ranked("B"), ranked("A", "B"), ranked("B", "A")], 1)
    assert (result.elected, result.tied, result.open_seats) == ((), ("A", "B"), 1)
    assert result.tie_at_last_seat


def test_stv_candidates_nobody_ranked_tie_for_the_seats_left():
    result = elect(RANKED, PEOPLE, [ranked("A")] * 10, 3)
    # A is elected on the quota (3); B, C, D have no votes at all and tie for two seats.
    assert (result.elected, result.tied, result.open_seats) == (("A",), ("B", "C", "D"), 2)


def test_stv_single_seat_is_the_instant_runoff():
    ballots = [ranked("A", "B")] * 4 + [ranked("B")] * 3 + [ranked("C", "B")] * 2
    # Quota 5. C goes, its 2 to B: B 5 beats A 4, though A led on first preferences.
    assert elect(RANKED, PEOPLE[:3], ballots, 1).elected == ("B",)


def test_seats_refuse_other_methods_and_no_seats():
    with pytest.raises(DomainError):
        elect(Rules("dot"), PEOPLE, [], 1)
    with pytest.raises(DomainError):
        elect(APPROVAL, PEOPLE, [], 0)


# -- run-off shortlist -------------------------------------------------------------------------
IDEAS = [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)]


def test_shortlist_widens_to_keep_ties_at_the_cut():
    result = tally(Rules("approval"), IDEAS, [{"a": 1, "b": 1, "c": 1}, {"a": 1, "b": 1, "c": 1}, {"a": 1, "d": 1}])
    # a 3, b 2, c 2, d 1, e 0.
    two = shortlist(result, 2)
    assert (two.idea_ids, two.widened) == (["a", "b", "c"], True)
    three = shortlist(result, 3)
    assert (three.idea_ids, three.widened) == (["a", "b", "c"], False)
    assert shortlist(result, 1).idea_ids == ["a"]
    everything = shortlist(result, 10)
    assert (len(everything.rows), everything.widened) == (5, False)
    with pytest.raises(ValueError):
        shortlist(result, 0)


def test_shortlist_of_a_support_tally_follows_its_order():
    result = tally(Rules("support"), IDEAS[:3], [{"a": 2, "b": 4, "c": 5}, {"a": 5, "b": 4, "c": 4}])
    # b and c: both fully in support; c has the strong mark. a: half.
    assert shortlist(result, 1).idea_ids == ["c"]
    assert shortlist(result, 2).idea_ids == ["c", "b"]


def test_shortlist_takes_the_results_boards_dict_rows_too():
    result = tally(Rules("approval"), IDEAS, [{"a": 1, "b": 1}, {"c": 1, "a": 1}])
    board = [{**row.as_dict(), "title": row.idea_id.upper()} for row in result.rows]
    short = shortlist(board, 1)
    assert (short.idea_ids, short.widened) == (["a"], False)
    assert shortlist(board, 2).idea_ids == ["a", "b", "c"] and shortlist(board, 2).widened


def test_seats_as_dict_is_plain_json():
    import json

    result = elect(APPROVAL, PEOPLE, [{"A": 1, "B": 1}, {"A": 1, "C": 1}], 2)
    data = json.loads(json.dumps(result.as_dict()))
    assert data == {"method": "approval", "seats": 2, "ballots": 2, "elected": ["A"], "tied": ["B", "C"],
                    "open_seats": 1, "quota": None, "votes": {"A": 2, "B": 1, "C": 1, "D": 0},
                    "tie_at_last_seat": True}


def test_stv_many_equal_candidates_stays_quick_and_reports_a_tie():
    crowd = [(f"c{n}", n) for n in range(1, 11)]
    result = elect(RANKED, crowd, [ranked(f"c{n}") for n in range(1, 11)], 1)
    # Ten candidates with one first preference each: the count cannot tell them apart.
    assert result.elected == () and result.open_seats == 1 and len(result.tied) >= 2
