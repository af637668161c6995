"""Support levels and majority judgment, on hand-worked examples."""
import pytest

from webapp.domain import judgment, support
from webapp.domain.voting import BallotError, Rules, fold, tally, validate

IDEAS = [("a", 1), ("b", 2), ("c", 3), ("d", 4)]
IDS = {i for i, _ in IDEAS}


def by_id(result):
    return {row.idea_id: row for row in result.rows}


# -- support levels ------------------------------------------------------------------------------
def test_support_levels_counts_share_and_pass_against_the_threshold():
    ballots = [{"a": 5, "b": 4, "c": 3}, {"a": 4, "b": 2, "c": 1}, {"a": 2, "b": 5}, {"a": 3, "c": 5}]
    result = tally(Rules("support", threshold=50), IDEAS, ballots)
    rows = by_id(result)
    assert rows["a"].levels == {5: 1, 4: 1, 3: 1, 2: 1, 1: 0}
    # a: 2 in support of 4 who marked it; b: 2 of 3 (one ballot left b blank); c: 1 of 3.
    assert [(r.idea_id, r.marked, r.supporters, r.score, r.rank) for r in result.rows] == [
        ("b", 3, 2, 67, 1), ("a", 4, 2, 50, 2), ("c", 3, 1, 33, 3), ("d", 0, 0, 0, 4)]
    assert rows["b"].share == pytest.approx(2 / 3)
    # Exactly half reaches a 50 % threshold; an idea nobody marked never passes.
    assert (rows["a"].passed, rows["b"].passed, rows["c"].passed, rows["d"].passed) == (True, True, False, False)
    # 2 of 3 is 66.67 %: it reaches 66 and falls short of 67 (compared exactly, not rounded).
    assert by_id(tally(Rules("support", threshold=66), IDEAS, ballots))["b"].passed
    assert not by_id(tally(Rules("support", threshold=67), IDEAS, ballots))["b"].passed
    assert result.ballots == 4 and result.method == "support"


def test_support_ties_break_on_strong_support_then_share_a_rank():
    ballots = [{"a": 5, "b": 4, "c": 4}, {"a": 4, "b": 5, "c": 4}]
    result = tally(Rules("support"), IDEAS, ballots)
    # a and b: all in support, one strong each -> tied; c: all in support but none strong.
    assert [(r.idea_id, r.rank, r.tied) for r in result.rows] == [
        ("a", 1, True), ("b", 1, True), ("c", 3, False), ("d", 4, False)]


def test_support_row_keeps_the_old_fields_and_adds_the_new_ones():
    row = tally(Rules("support"), IDEAS, [{"a": 5}]).rows[0].as_dict()
    assert {"idea_id", "number", "score", "supporters", "firsts", "rank", "tied"} <= set(row)
    assert {"levels", "marked", "share", "passed"} <= set(row)
    # The ranked/approval rows stay as they were.
    assert "levels" not in tally(Rules("approval"), IDEAS, [{"a": 1}]).rows[0].as_dict()


def test_support_and_judgment_ballots_validate_their_scale():
    assert validate(Rules("support"), {"a": 5, "b": 1, "c": 0}, IDS) == {"a": 5, "b": 1}
    for rules, bad in ((Rules("support"), 6), (Rules("judgment"), 7)):
        with pytest.raises(BallotError) as info:
            validate(rules, {"a": bad}, IDS)
        assert info.value.code == "bad_value"
    assert validate(Rules("judgment"), {"a": 6, "d": 1}, IDS) == {"a": 6, "d": 1}
    # A support or judgment ballot can mark every idea, whatever max_choices says.
    assert len(validate(Rules("support", max_choices=1), {"a": 1, "b": 2, "c": 3, "d": 4}, IDS)) == 4
    for method in ("support", "judgment"):
        with pytest.raises(BallotError) as info:
            validate(Rules(method), {"a": 0}, IDS)
        assert (info.value.code, info.value.template) == ("empty_ballot", "Mark at least one idea.")
        with pytest.raises(BallotError):
            validate(Rules(method), {"a": -1}, IDS)


def test_threshold_is_a_whole_percent_kept_in_the_rules():
    assert Rules("support").threshold == 50
    assert Rules.from_dict({"method": "support", "threshold": 80}).threshold == 80
    assert Rules.from_dict(Rules("support", threshold=75).as_dict()) == Rules("support", threshold=75)
    # Rules stored before the threshold existed read with the default.
    assert Rules.from_dict({"method": "approval", "max_choices": 3}).threshold == 50
    for bad in (0, 101, True):
        with pytest.raises(BallotError):
            Rules("support", threshold=bad)


def test_merging_keeps_the_better_mark():
    for method in ("support", "judgment"):
        rules = Rules(method)
        assert fold(rules, {"a": 2, "b": 5}, {"a": "b"}) == {"b": 5}
        assert fold(rules, {"a": 5, "b": 1}, {"a": "b"}) == {"b": 5}
        assert fold(rules, {"a": 3, "c": 1}, {"a": "b"}) == {"b": 3, "c": 1}
    result = by_id(tally(Rules("support"), IDEAS[1:], [{"a": 1, "b": 4}, {"a": 5}, {"b": 2}], merged={"a": "b"}))
    assert "a" not in result
    assert result["b"].levels == {5: 1, 4: 1, 3: 0, 2: 1, 1: 0}
    assert result["b"].marked == 3


def test_level_and_grade_names_cover_the_scale_best_first():
    assert list(support.LEVEL_NAMES) == list(support.LEVELS) == [5, 4, 3, 2, 1]
    assert list(judgment.GRADE_NAMES) == list(judgment.GRADES) == [6, 5, 4, 3, 2, 1]
    assert judgment.GRADE_NAMES[judgment.REJECT] == "Reject"
    assert support.LEVEL_NAMES[support.NEUTRAL] == "Neutral"


# -- majority judgment ---------------------------------------------------------------------------
def test_majority_judgment_ranks_by_lower_median_with_blank_as_reject():
    ballots = [{"a": 6, "b": 4, "c": 3}, {"a": 2, "b": 4, "c": 3}, {"a": 5, "b": 3}, {"a": 1, "b": 5, "c": 6}]
    result = tally(Rules("judgment"), IDEAS[:3], ballots)
    rows = by_id(result)
    # a: 1 2 5 6 -> lower median 2; b: 3 4 4 5 -> 4; c: 1 (blank) 3 3 6 -> 3.
    assert [(r.idea_id, r.median, r.score, r.rank) for r in result.rows] == [("b", 4, 4, 1), ("c", 3, 3, 2), ("a", 2, 2, 3)]
    assert rows["c"].levels == {6: 1, 5: 0, 4: 0, 3: 2, 2: 0, 1: 1}
    assert (rows["c"].marked, rows["c"].supporters) == (3, 3)
    assert not any(r.tied for r in result.rows)


def test_majority_judgment_tie_break_removes_median_grades_one_at_a_time():
    # All three have the majority grade Good (4). Remove one Good each:
    # x: 4 5 -> 4; y: 3 6 -> 3; z: 2 4 -> 2. So x, then y, then z.
    ballots = [{"x": 4, "y": 3, "z": 2}, {"x": 4, "y": 4, "z": 4}, {"x": 5, "y": 6, "z": 4}]
    ideas = [("z", 1), ("y", 2), ("x", 3)]
    result = tally(Rules("judgment"), ideas, ballots)
    assert [(r.idea_id, r.median, r.rank, r.tied) for r in result.rows] == [
        ("x", 4, 1, False), ("y", 4, 2, False), ("z", 4, 3, False)]
    assert judgment.majority_value({4: 2, 5: 1}) == (4, 4, 5)
    assert judgment.majority_value({3: 1, 4: 1, 6: 1}) == (4, 3, 6)


def test_majority_judgment_equal_grades_share_a_rank():
    ballots = [{"a": 6, "b": 2}, {"a": 2, "b": 6}, {"c": 6}]
    result = tally(Rules("judgment"), IDEAS[:3], ballots)
    # a and b: the same grades from different ballots -> tied at 1; c: 6 1 1 -> Reject.
    assert [(r.idea_id, r.rank, r.tied) for r in result.rows] == [("a", 1, True), ("b", 1, True), ("c", 3, False)]


def test_median_grade_is_the_lower_median():
    assert judgment.median_grade({3: 1, 5: 1}) == 3
    assert judgment.median_grade({1: 2, 6: 3}) == 6
    assert judgment.median_grade({}) is None
