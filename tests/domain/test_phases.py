import pytest

from webapp.domain.phases import Phase, PhaseError, allows_moderation, allows_settings_change, check_move, parse


def move(a, b, ballots=0, ideas=3):
    check_move(Phase(a), Phase(b), ballots_cast=ballots, ideas_visible=ideas)


@pytest.mark.parametrize("a,b", [("setup", "submission"), ("submission", "voting"), ("voting", "results"),
                                 ("results", "voting"), ("submission", "setup"), ("voting", "submission")])
def test_one_step_moves_are_allowed(a, b):
    move(a, b)


@pytest.mark.parametrize("a,b,code", [("setup", "voting", "skip_phase"), ("setup", "results", "skip_phase"),
                                      ("voting", "voting", "same_phase"), ("results", "setup", "skip_phase")])
def test_other_moves_are_refused(a, b, code):
    with pytest.raises(PhaseError) as info:
        move(a, b)
    assert info.value.code == code


def test_voting_cannot_go_back_once_a_ballot_exists():
    with pytest.raises(PhaseError) as info:
        move("voting", "submission", ballots=1)
    assert info.value.code == "ballots_exist"
    move("voting", "submission", ballots=0)


def test_voting_needs_an_idea():
    with pytest.raises(PhaseError) as info:
        move("submission", "voting", ideas=0)
    assert info.value.code == "no_ideas"


def test_unknown_phase():
    with pytest.raises(PhaseError) as info:
        parse("lunch")
    assert info.value.code == "unknown_phase"


def test_settings_and_moderation_windows():
    assert allows_settings_change(Phase.SETUP) and allows_settings_change(Phase.SUBMISSION)
    assert not allows_settings_change(Phase.VOTING)
    assert allows_moderation(Phase.SUBMISSION, ballots_cast=5)
    assert allows_moderation(Phase.VOTING, ballots_cast=0)
    assert not allows_moderation(Phase.VOTING, ballots_cast=1)
    assert not allows_moderation(Phase.RESULTS, ballots_cast=0)
