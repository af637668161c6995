"""A ballot page and its "vote saved" page filled in from a kept skeleton are, byte for byte,
the page a full render gives: every method, language, print size, voted or not, open or
closed, a later round; and no other ballot's code, token or choices leak into a page."""
from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_from, make_assembly
from webapp.domain.voting import Rules
from webapp.security import participant_token
from webapp.services import assembly, ballots, rounds

QUERIES = ["", "?lang=cy", "?print=large", "?lang=cy&print=large"]
LIMITS = {"approval": {"max_choices": 3}, "ranked": {"max_choices": 3}, "dot": {"points": 4, "max_per_idea": 2},
          "support": {}, "judgment": {}}


def choices_for(method: str, ideas: list[dict]) -> dict[str, int]:
    first, second = ideas[0]["id"], ideas[3]["id"]
    if method == "approval":
        return {first: 1, second: 1}
    if method == "ranked":
        return {second: 1, first: 2}
    if method == "dot":
        return {first: 2, second: 1}
    marks = [value for value, _name in Rules(method=method).marks]
    return {first: marks[0], second: marks[-1]}


def both_ways(app, client, path: str, made_by: str | None = None) -> tuple[str, str]:
    """The page filled in from a kept skeleton, made by the page at `made_by` (another ballot's,
    so anything of that ballot left in it shows) or else by this one, and rendered in full."""
    client.get(made_by or path)
    kept = client.get(path).get_data(as_text=True)
    app.config["PAGE_SKELETONS"] = False
    try:
        full = client.get(path).get_data(as_text=True)
    finally:
        app.config["PAGE_SKELETONS"] = True
    return kept, full


@pytest.mark.parametrize("method", sorted(LIMITS))
def test_filled_pages_are_the_full_render(app, client, store, method):
    made = make_assembly(store, method=method, **LIMITS[method])
    voter, fresh, maker, fresh_maker = made["codes"][3:7]
    ballots.cast(store, voter, choices_for(method, made["ideas"]))
    ballots.cast(store, maker, choices_for(method, made["ideas"][1:]))  # other ideas, other marks
    for query in QUERIES:
        saved_query = f"{query}{'&' if query else '?'}saved=1"
        for path, made_by in ((f"/b/{fresh}{query}", f"/b/{fresh_maker}{query}"),
                              (f"/b/{voter}{query}", f"/b/{maker}{query}"),
                              (f"/b/{voter}{saved_query}", f"/b/{maker}{saved_query}")):
            kept, full = both_ways(app, client, path, made_by)
            assert kept == full, path
            assert maker not in kept and fresh_maker not in kept
    # The kept skeleton is shared: a second fresh code's page is its own, not the first one's.
    other = made["codes"][2]
    page = client.get(f"/b/{other}").get_data(as_text=True)
    assert fresh not in page and voter not in page
    with app.app_context():
        assert csrf_from(page) == participant_token(other)
    assert f'action="/b/{other}"' in page


def test_closed_phases_and_a_later_round_are_the_full_render(app, client, store):
    made = make_assembly(store, method="approval", max_choices=2)
    voter, fresh = made["codes"][:2]
    ballots.cast(store, voter, choices_for("approval", made["ideas"]))
    for path in (f"/b/{fresh}", f"/b/{voter}", f"/b/{voter}?saved=1"):
        kept, full = both_ways(app, client, path)
        assert kept == full
    assembly.set_phase(store, "results")
    for path in (f"/b/{fresh}", f"/b/{voter}?saved=1"):
        kept, full = both_ways(app, client, path)
        assert kept == full and "Voting has closed" in kept and "<form" not in kept.split("<main")[1]
    rounds.start_next(store, {"question": "What next?", "from_round": "1", "top": "3"})
    assembly.update_settings(store, {"method": "ranked", "max_choices": 2})
    for phase in ("submission", "voting"):
        if assembly.get(store)["phase"].value != "voting":
            assembly.set_phase(store, phase)
    page = client.get(f"/b/{voter}").get_data(as_text=True)
    assert "Round 2" in page and 'name="r" value="2"' in page and 'type="checkbox"' not in page
    kept, full = both_ways(app, client, f"/b/{voter}?lang=cy")
    assert kept == full


def test_a_voters_choices_show_only_on_their_own_pages(client, store):
    made = make_assembly(store, method="approval", max_choices=3)
    first, second = made["codes"][:2]
    ballots.cast(store, first, {made["ideas"][0]["id"]: 1})
    ballots.cast(store, second, {made["ideas"][1]["id"]: 1})

    def ticked(code: str) -> set[str]:
        return set(re.findall(r'value="(\d+)" checked', client.get(f"/b/{code}").get_data(as_text=True)))

    assert ticked(first) == {str(made["ideas"][0]["number"])}
    assert ticked(second) == {str(made["ideas"][1]["number"])}
    saved = client.get(f"/b/{second}?saved=1").get_data(as_text=True)
    assert made["ideas"][1]["title"] in saved and made["ideas"][0]["title"] not in saved


def test_a_title_that_looks_like_a_mark_is_only_text(app, client, store):
    from webapp.web import page_skeleton

    made = make_assembly(store, phase="submission")
    group = made["groups"][0]
    from webapp.services import ideas

    ideas.save_for_group(store, group["id"], [(page_skeleton.CODE, page_skeleton.TOKEN), ("vkcode<b>", "")])
    assembly.set_phase(store, "voting")
    code = made["codes"][0]
    page = client.get(f"/b/{code}").get_data(as_text=True)
    page = client.get(f"/b/{code}").get_data(as_text=True)
    assert page.count(page_skeleton.CODE) == 1 and page.count(page_skeleton.TOKEN) == 1
    assert "vkcode&lt;b&gt;" in page


def test_kept_skeletons_are_bounded(app, client, store, voting):
    skeletons = app.extensions["venuekit_skeletons"]
    for n in range(skeletons.cache.maxsize + 20):  # made-up queries: each its own skeleton
        client.get(f"/b/{voting['codes'][0]}?n={n}")
    assert len(skeletons.cache) == skeletons.cache.maxsize <= 256
    page = client.get(f"/b/{voting['codes'][1]}?n=0").get_data(as_text=True)  # evicted: made again
    assert voting["codes"][1] in page and voting["codes"][0] not in page
