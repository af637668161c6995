"""The assembly's phases and which moves between them are allowed."""
from __future__ import annotations

from enum import Enum

from .errors import N_, Conflict


class Phase(str, Enum):
    SETUP = "setup"
    SUBMISSION = "submission"
    VOTING = "voting"
    RESULTS = "results"


ORDER = [Phase.SETUP, Phase.SUBMISSION, Phase.VOTING, Phase.RESULTS]


class PhaseError(Conflict):
    """A move between phases that the rules refuse."""


def parse(value: str) -> Phase:
    try:
        return Phase(value)
    except ValueError:
        raise PhaseError("unknown_phase", N_("There is no phase called %(name)s."), name=value) from None


def check_move(current: Phase, target: Phase, *, ballots_cast: int, ideas_visible: int) -> None:
    """Raise PhaseError unless the organiser may move from `current` to `target`.

    Forward and back one step at a time. Voting can only open on at least one idea, and once a
    ballot exists voting cannot go back to submission: the ideas people voted on must not change.
    """
    step = ORDER.index(target) - ORDER.index(current)
    if step == 0:
        raise PhaseError("same_phase", N_("The assembly is already in that phase."))
    if abs(step) != 1:
        raise PhaseError("skip_phase", N_("Phases move one step at a time."))
    if target is Phase.VOTING and step == 1 and ideas_visible == 0:
        raise PhaseError("no_ideas", N_("Voting needs at least one visible idea."))
    if current is Phase.VOTING and target is Phase.SUBMISSION and ballots_cast > 0:
        raise PhaseError(
            "ballots_exist", N_("Ballots have been cast, so submission cannot reopen.")
        )


def accepts_ideas(phase: Phase) -> bool:
    return phase is Phase.SUBMISSION


def accepts_ballots(phase: Phase) -> bool:
    return phase is Phase.VOTING


def allows_settings_change(phase: Phase) -> bool:
    """The question, groups and voting method are fixed once voting opens."""
    return phase in (Phase.SETUP, Phase.SUBMISSION)


def allows_moderation(phase: Phase, *, ballots_cast: int) -> bool:
    """Hiding and merging ideas must not change what anyone has already voted on."""
    return phase is Phase.SUBMISSION or (phase is Phase.VOTING and ballots_cast == 0)
