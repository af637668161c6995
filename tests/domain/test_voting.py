import pytest

from webapp.domain.voting import BallotError, Rules, ballot_order, tally, validate

IDEAS = [("a", 1), ("b", 2), ("c", 3), ("d", 4)]
IDS = {i for i, _ in IDEAS}


def order(result):
    return [(row.idea_id, row.rank, row.tied) for row in result.rows]


def test_approval_counts_ticks_and_caps_choices():
    rules = Rules("approval", max_choices=2)
    result = tally(rules, IDEAS, [{"a": 1, "b": 1}, {"b": 1}, {"c": 1, "b": 1}])
    assert [(r.idea_id, r.score) for r in result.rows][:3] == [("b", 3), ("a", 1), ("c", 1)]
    assert result.ballots == 3
    with pytest.raises(BallotError) as info:
        validate(rules, {"a": 1, "b": 1, "c": 1}, IDS)
    assert info.value.code == "too_many"
    with pytest.raises(BallotError):
        validate(rules, {"a": 2}, IDS)


def test_approval_tie_on_score_and_supporters_shares_the_rank_by_number():
    result = tally(Rules("approval"), IDEAS, [{"c": 1, "a": 1}, {"d": 1}])
    assert order(result) == [("a", 1, True), ("c", 1, True), ("d", 1, True), ("b", 4, False)]


def test_dot_voting_limits_and_supporters_break_ties():
    rules = Rules("dot", points=5, max_per_idea=3)
    with pytest.raises(BallotError) as info:
        validate(rules, {"a": 4}, IDS)
    assert info.value.code == "too_many"
    with pytest.raises(BallotError):
        validate(rules, {"a": 3, "b": 3}, IDS)
    assert validate(rules, {"a": 3, "b": 2, "c": 0}, IDS) == {"a": 3, "b": 2}
    # a: 3 points from one ballot; b: 3 points from three ballots -> b wins on supporters.
    result = tally(rules, IDEAS, [{"a": 3}, {"b": 1}, {"b": 1}, {"b": 1}])
    assert [(r.idea_id, r.score, r.supporters, r.rank) for r in result.rows[:2]] == [("b", 3, 3, 1), ("a", 3, 1, 2)]


def test_ranked_borda_count_with_top_k():
    rules = Rules("ranked", max_choices=3)
    ballots = [{"a": 1, "b": 2, "c": 3}, {"b": 1, "a": 2}, {"c": 1}]
    result = tally(rules, IDEAS, ballots)
    # a: 3+2 = 5, b: 2+3 = 5, c: 1+3 = 4; a and b tie on score and supporters, and on firsts (1 each).
    assert [(r.idea_id, r.score, r.rank, r.tied) for r in result.rows] == [
        ("a", 5, 1, True), ("b", 5, 1, True), ("c", 4, 3, False), ("d", 0, 4, False)
    ]


def test_ranked_supporters_break_an_equal_score():
    rules = Rules("ranked", max_choices=2)
    # a: 2 + 2 = 4 from 2 ballots; b: 1 + 2 + 1 = 4 from 3 ballots -> b ahead on supporters.
    ballots = [{"a": 1}, {"a": 1, "b": 2}, {"b": 1}, {"c": 1, "b": 2}]
    result = tally(rules, IDEAS, ballots)
    assert [(r.idea_id, r.score, r.supporters) for r in result.rows[:2]] == [("b", 4, 3), ("a", 4, 2)]
    assert not result.rows[0].tied


def test_ranked_equal_score_and_supporters_split_by_firsts():
    rules = Rules("ranked", max_choices=3)
    # a: 3 (first) + 1 (third) = 4; b: 2 + 2 = 4; both on 2 ballots; a has a first -> a ahead.
    ballots = [{"a": 1, "b": 2}, {"b": 2, "a": 3, "c": 1}]
    result = tally(rules, IDEAS, ballots)
    a = next(r for r in result.rows if r.idea_id == "a")
    b = next(r for r in result.rows if r.idea_id == "b")
    assert (a.score, a.supporters, a.firsts) == (4, 2, 1)
    assert (b.score, b.supporters, b.firsts) == (4, 2, 0)
    assert a.rank < b.rank and not a.tied


def test_ranked_validation_renumbers_gaps_and_refuses_duplicates():
    rules = Rules("ranked", max_choices=3)
    assert validate(rules, {"a": 1, "c": 3}, IDS) == {"a": 1, "c": 2}
    with pytest.raises(BallotError) as info:
        validate(rules, {"a": 1, "b": 1}, IDS)
    assert info.value.code == "duplicate_rank"
    with pytest.raises(BallotError):
        validate(rules, {"a": 4}, IDS)


@pytest.mark.parametrize("choices,code", [
    ({}, "empty_ballot"), ({"zzz": 1}, "unknown_idea"), ({"a": "1"}, "bad_value"),
    ({"a": -1}, "bad_value"), ({"a": True}, "bad_value"),
])
def test_bad_ballots_have_stable_codes(choices, code):
    with pytest.raises(BallotError) as info:
        validate(Rules("approval"), choices, IDS)
    assert info.value.code == code


def test_tally_ignores_ideas_not_on_the_ballot():
    result = tally(Rules("approval"), IDEAS[:2], [{"a": 1, "gone": 1}])
    assert [r.idea_id for r in result.rows] == ["a", "b"]
    assert result.rows[0].score == 1


def test_bad_rules_are_refused():
    with pytest.raises(BallotError):
        Rules("plurality")
    with pytest.raises(BallotError):
        Rules("dot", points=2, max_per_idea=3)
    with pytest.raises(BallotError):
        Rules("approval", max_choices=0)


def test_ballot_order_is_stable_per_ballot_and_differs_between_ballots():
    ids = [f"idea-{n}" for n in range(12)]
    first = ballot_order("ballot-1", ids)
    assert ballot_order("ballot-1", list(reversed(ids))) == first
    assert sorted(first) == sorted(ids)
    orders = {tuple(ballot_order(f"ballot-{n}", ids)) for n in range(20)}
    assert len(orders) > 15
    # Across many ballots each idea leads roughly as often as the others (no position bias).
    leads = [ballot_order(f"b{n}", ids[:4])[0] for n in range(2000)]
    assert all(350 < leads.count(i) < 650 for i in ids[:4])
