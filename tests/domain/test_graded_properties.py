"""Properties of support levels, majority judgment, delegate seats and the shortlist."""
from __future__ import annotations

import statistics

from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.domain import judgment, support
from webapp.domain.seats import elect
from webapp.domain.shortlist import shortlist
from webapp.domain.voting import Rules, tally

DOMAIN = settings(max_examples=80, deadline=None, derandomize=True, database=None)


@st.composite
def graded(draw, method: str, max_ideas: int = 6, max_ballots: int = 20):
    top = support.TOP if method == "support" else judgment.TOP
    n = draw(st.integers(1, max_ideas))
    ideas = [(f"i{k}", k + 1) for k in range(n)]
    ids = [i for i, _ in ideas]
    ballot = st.dictionaries(st.sampled_from(ids), st.integers(1, top), min_size=1)
    rules = Rules(method, threshold=draw(st.integers(1, 100)))
    return rules, ideas, draw(st.lists(ballot, max_size=max_ballots))


@DOMAIN
@given(graded("support"))
def test_support_share_pass_and_counts_agree(drawn):
    rules, ideas, cast = drawn
    for row in tally(rules, ideas, cast).rows:
        marks = [b[row.idea_id] for b in cast if row.idea_id in b]
        backing = sum(1 for m in marks if m >= support.SUPPORT)
        assert sum(row.levels.values()) == row.marked == len(marks)
        assert 0 <= row.share <= 1
        assert row.supporters == backing
        assert row.passed == (bool(marks) and backing / len(marks) * 100 >= rules.threshold - 1e-9)
        assert abs(row.score - row.share * 100) <= 0.5


@DOMAIN
@given(graded("support"))
def test_support_rank_follows_share(drawn):
    rules, ideas, cast = drawn
    rows = tally(rules, ideas, cast).rows
    for a in rows:
        for b in rows:
            if a.share > b.share:
                assert a.rank < b.rank


@DOMAIN
@given(graded("support"), st.data())
def test_a_ballot_in_support_never_lowers_the_share(drawn, data):
    rules, ideas, cast = drawn
    target = data.draw(st.sampled_from([i for i, _ in ideas]))
    mark = data.draw(st.sampled_from([support.SUPPORT, support.STRONGLY_SUPPORT]))
    before = {r.idea_id: r for r in tally(rules, ideas, cast).rows}[target]
    after = {r.idea_id: r for r in tally(rules, ideas, cast + [{target: mark}]).rows}[target]
    assert after.share >= before.share
    assert after.passed or not before.passed


@DOMAIN
@given(graded("judgment"))
def test_majority_grade_is_the_lower_median_with_blanks_as_reject(drawn):
    rules, ideas, cast = drawn
    rows = tally(rules, ideas, cast).rows
    for row in rows:
        grades = [b.get(row.idea_id, judgment.REJECT) for b in cast]
        assert row.median == (statistics.median_low(grades) if grades else None)
        assert row.supporters == sum(1 for b in cast if row.idea_id in b)
    for a in rows:
        for b in rows:
            if (a.median or 0) > (b.median or 0):
                assert a.rank < b.rank


@DOMAIN
@given(graded("judgment"))
def test_adding_a_best_and_a_worst_ballot_keeps_the_order(drawn):
    rules, ideas, cast = drawn
    extremes = [{i: judgment.EXCELLENT for i, _ in ideas}, {i: judgment.REJECT for i, _ in ideas}]
    before = [(r.idea_id, r.rank, r.tied) for r in tally(rules, ideas, cast).rows]
    after = [(r.idea_id, r.rank, r.tied) for r in tally(rules, ideas, extremes + cast).rows]
    assert after == before


@DOMAIN
@given(graded("judgment"))
def test_ideas_tie_exactly_when_their_grades_are_the_same(drawn):
    rules, ideas, cast = drawn
    rows = tally(rules, ideas, cast).rows
    for a in rows:
        for b in rows:
            if a is not b:
                assert (a.rank == b.rank) == (a.levels == b.levels)


@DOMAIN
@given(graded("support"), st.integers(1, 8))
def test_shortlist_keeps_the_top_n_and_everything_tied_with_it(drawn, n):
    rules, ideas, cast = drawn
    result = tally(rules, ideas, cast)
    short = shortlist(result, n)
    assert len(short.rows) >= min(n, len(ideas))
    assert short.widened == (len(short.rows) > n)
    kept = set(short.idea_ids)
    last = max(r.rank for r in short.rows)
    for row in result.rows:
        assert (row.idea_id in kept) == (row.rank <= last)
    if short.widened:
        assert sum(1 for r in short.rows if r.rank == last) > 1


@st.composite
def delegate_election(draw, method: str):
    n = draw(st.integers(1, 6))
    people = [(f"p{k}", k + 1) for k in range(n)]
    ids = [p for p, _ in people]
    pick = st.lists(st.sampled_from(ids), min_size=1, unique=True)
    if method == "approval":
        ballot = pick.map(lambda chosen: {p: 1 for p in chosen})
    else:
        ballot = pick.map(lambda chosen: {p: r for r, p in enumerate(chosen, start=1)})
    return people, draw(st.lists(ballot, max_size=25)), draw(st.integers(1, 4))


@DOMAIN
@given(st.sampled_from(["approval", "ranked"]), st.data())
def test_seats_are_filled_or_left_to_a_reported_tie(method, data):
    people, cast, seats = data.draw(delegate_election(method))
    rules = Rules(method, max_choices=6)
    result = elect(rules, people, cast, seats)
    assert len(set(result.elected)) == len(result.elected)
    assert not set(result.elected) & set(result.tied)
    assert len(result.elected) + result.open_seats == min(seats, len(people))
    assert result.tie_at_last_seat == (result.open_seats > 0)
    if result.tied:
        assert len(result.tied) > result.open_seats
    shuffled = data.draw(st.permutations(cast))
    again = elect(rules, people, shuffled, seats)
    assert (set(again.elected), set(again.tied)) == (set(result.elected), set(result.tied))
    if method == "ranked" and cast:
        # A candidate with a quota of first preferences is always elected.
        for person, firsts in result.votes.items():
            if firsts >= result.quota:
                assert person in result.elected


@DOMAIN
@given(st.sampled_from(["support", "judgment"]), st.data())
def test_merging_counts_the_better_mark_once(method, data):
    rules, ideas, cast = data.draw(graded(method))
    if len(ideas) < 2:
        return
    source, target = data.draw(st.permutations([i for i, _ in ideas]))[:2]
    remaining = [(i, n) for i, n in ideas if i != source]
    rows = {r.idea_id: r for r in tally(rules, remaining, cast, merged={source: target}).rows}
    assert source not in rows
    best = [max(b.get(source, 0), b.get(target, 0)) for b in cast]
    expected = {}
    for mark in best:
        if mark or method == "judgment":
            expected[mark or judgment.REJECT] = expected.get(mark or judgment.REJECT, 0) + 1
    assert {k: v for k, v in rows[target].levels.items() if v} == expected
    assert rows[target].marked == sum(1 for mark in best if mark)
