"""Properties of the tally, for every voting method, over generated ideas and ballots.

The domain properties (order, sums, merges) run on webapp.domain.voting alone; the ones about how
ballots are recorded (a revote replaces, phone and paper count alike) go through the services and a
real store, because that is where a ballot is replaced or marked as paper.
"""
from __future__ import annotations

import tempfile
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp.domain.voting import GRADED, METHODS, Rules, points_for, scale_top, tally, validate
from webapp.services import assembly, ballots, ideas, results
from webapp.storage import open_store

RULES = {"approval": Rules("approval", max_choices=3), "dot": Rules("dot", points=10, max_per_idea=4),
         "ranked": Rules("ranked", max_choices=3), "support": Rules("support", threshold=60),
         "judgment": Rules("judgment")}
# The methods whose score is a sum of what each ballot gives (graded ones have their own
# properties in test_graded_properties.py).
SUMMED = tuple(m for m in METHODS if m not in GRADED)
DOMAIN = settings(max_examples=60, deadline=None, derandomize=True, database=None)
STORED = settings(max_examples=15, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow])


def ballot_for(rules: Rules, idea_ids: list[str]) -> st.SearchStrategy[dict[str, int]]:
    """A ballot the method's rules accept, in the canonical form `validate` gives."""
    most = min(len(idea_ids), rules.points if rules.method == "dot" else
               len(idea_ids) if rules.method in GRADED else rules.max_choices)
    chosen = st.lists(st.sampled_from(idea_ids), min_size=1, max_size=most, unique=True)
    if rules.method == "approval":
        raw = chosen.map(lambda ids: {i: 1 for i in ids})
    elif rules.method in GRADED:
        raw = chosen.flatmap(lambda ids: st.lists(st.integers(1, scale_top(rules)), min_size=len(ids),
                                                  max_size=len(ids)).map(lambda marks: dict(zip(ids, marks))))
    elif rules.method == "ranked":
        raw = chosen.map(lambda ids: {i: rank for rank, i in enumerate(ids, start=1)})
    else:
        raw = chosen.flatmap(lambda ids: st.lists(st.integers(1, rules.max_per_idea), min_size=len(ids),
                                                  max_size=len(ids)).map(lambda pts: _cap(dict(zip(ids, pts)), rules)))
    return raw.map(lambda choices: validate(rules, choices, set(idea_ids)))


def _cap(choices: dict[str, int], rules: Rules) -> dict[str, int]:
    """Trim points so the ballot spends at most `points` in all."""
    left, capped = rules.points, {}
    for idea_id, value in choices.items():
        if left > 0:
            capped[idea_id] = min(value, left)
            left -= capped[idea_id]
    return capped


@st.composite
def election(draw, method: str, max_ideas: int = 7, max_ballots: int = 25):
    rules = RULES[method]
    n = draw(st.integers(1, max_ideas))
    idea_list = [(f"idea-{k}", k + 1) for k in range(n)]
    cast = draw(st.lists(ballot_for(rules, [i for i, _ in idea_list]), max_size=max_ballots))
    return rules, idea_list, cast


def rows(result) -> dict[str, dict]:
    return {row.idea_id: row.as_dict() for row in result.rows}


# -- the domain --------------------------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_the_order_of_ballots_does_not_matter(method):
    @DOMAIN
    @given(data=st.data())
    def check(data):
        rules, idea_list, cast = data.draw(election(method))
        shuffled = data.draw(st.permutations(cast))
        assert tally(rules, idea_list, shuffled).as_dict() == tally(rules, idea_list, cast).as_dict()

    check()


@pytest.mark.parametrize("method", SUMMED)
def test_scores_are_the_sum_of_what_the_ballots_give(method):
    @DOMAIN
    @given(election(method))
    def check(drawn):
        rules, idea_list, cast = drawn
        result = tally(rules, idea_list, cast)
        assert result.ballots == len(cast)
        for idea_id, row in rows(result).items():
            given_to = [ballot[idea_id] for ballot in cast if idea_id in ballot]
            assert row["score"] == sum(points_for(rules, value) for value in given_to)
            assert row["supporters"] == len(given_to)
            assert row["firsts"] == (given_to.count(1) if method == "ranked" else 0)
        assert sum(r.score for r in result.rows) == sum(points_for(rules, v) for b in cast for v in b.values())
        # Ranks follow the scores: a higher score never has a worse rank.
        for a in result.rows:
            for b in result.rows:
                if a.score > b.score:
                    assert a.rank < b.rank

    check()


@pytest.mark.parametrize("method", SUMMED)
def test_merging_an_idea_moves_its_scores_to_the_target(method):
    @DOMAIN
    @given(data=st.data())
    def check(data):
        rules, idea_list, cast = data.draw(election(method, max_ideas=6))
        if len(idea_list) < 2:
            return
        source, target = data.draw(st.permutations([i for i, _ in idea_list]))[:2]
        before = rows(tally(rules, idea_list, cast))
        remaining = [(i, n) for i, n in idea_list if i != source]
        after = rows(tally(rules, remaining, cast, merged={source: target}))
        assert source not in after
        both = [b for b in cast if source in b and target in b]
        if not both:
            for key in ("score", "supporters", "firsts"):
                assert after[target][key] == before[target][key] + before[source][key], key
        else:
            # A ballot that chose both still supports the merged idea once.
            expected = before[target]["supporters"] + before[source]["supporters"] - len(both)
            assert after[target]["supporters"] == expected
        for idea_id, _ in remaining:
            if idea_id != target:
                assert after[idea_id]["score"] == before[idea_id]["score"]

    check()


# -- through the services: how ballots are recorded --------------------------------------------
class Kit:
    """A store with an assembly in voting: 3 groups with 2 ideas each, 8 ballot codes."""

    def __init__(self, method: str):
        self.dir = tempfile.TemporaryDirectory()
        self.store = open_store(self.dir.name)
        assembly.ensure_assembly(self.store)
        rules = RULES[method].as_dict()
        assembly.update_settings(self.store, {"num_groups": 3, **rules})
        assembly.set_phase(self.store, "submission")
        for group in assembly.groups(self.store):
            ideas.save_for_group(self.store, group["id"], [(f"Idea {group['number']}a", ""),
                                                           (f"Idea {group['number']}b", "")])
        self.codes = ballots.issue_codes(self.store, 8)
        assembly.set_phase(self.store, "voting")
        self.rules = assembly.get(self.store)["rules"]
        self.ideas = [(i["id"], i["number"]) for i in ideas.visible(self.store)]

    def reset(self) -> None:
        with self.store.write() as db:
            db.execute("DELETE FROM ballots")

    def close(self) -> None:
        self.store.close()
        self.dir.cleanup()


@pytest.fixture(params=METHODS)
def kit(request):
    made = Kit(request.param)
    yield made
    made.close()


def casts(kit: Kit) -> st.SearchStrategy[list[tuple[int, dict[str, int], str]]]:
    """A sequence of (code index, ballot, source): codes repeat, so some votes are revotes."""
    one = st.tuples(st.integers(0, len(kit.codes) - 1), ballot_for(kit.rules, [i for i, _ in kit.ideas]),
                    st.sampled_from(["phone", "paper"]))
    return st.lists(one, min_size=1, max_size=12)


def test_a_revote_replaces_the_earlier_ballot(kit):
    @STORED
    @given(sequence=casts(kit))
    def check(sequence):
        kit.reset()
        last: dict[int, dict[str, int]] = {}
        for index, choice, source in sequence:
            ballots.cast(kit.store, kit.codes[index], choice, source=source, confirm_replace=True)
            last[index] = choice
        expected = tally(kit.rules, kit.ideas, last.values())
        assert results.current_tally(kit.store).as_dict() == expected.as_dict()
        assert kit.store.scalar("SELECT count(*) FROM ballots") == len(last)
        revisions = defaultdict(int)
        for index, _, _ in sequence:
            revisions[index] += 1
        for index, count in revisions.items():
            view = ballots.ballot_view(kit.store, kit.codes[index])
            assert view["ballot"]["revision"] == count and view["ballot"]["choices"] == last[index]

    check()


def test_phone_and_paper_ballots_count_the_same(kit):
    @STORED
    @given(sequence=casts(kit))
    def check(sequence):
        tallies = []
        for source in ("phone", "paper", None):  # None: each as the sequence says
            kit.reset()
            for index, choice, own in sequence:
                ballots.cast(kit.store, kit.codes[index], choice, source=source or own, confirm_replace=True)
            tallies.append(results.current_tally(kit.store).as_dict())
        assert tallies[0] == tallies[1] == tallies[2]

    check()
