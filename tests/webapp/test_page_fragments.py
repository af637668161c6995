"""The footer and the language switch every page repeats are made once per language, print
size and page, and the markup kept is exactly what a fresh render gives."""
from __future__ import annotations

import re

import pytest

FOOTER = re.compile(r'<footer class="site">.*?</footer>', re.S)
SWITCH = re.compile(r'<nav class="langs".*?</nav>', re.S)


def _fresh(monkeypatch, app):
    """Render every fragment afresh, as the templates did before they were kept."""
    fragments = app.extensions["venuekit_fragments"]
    monkeypatch.setattr(fragments.pages, "get", lambda key: None)


def _parts(page: str) -> tuple[list[str], list[str]]:
    return FOOTER.findall(page), SWITCH.findall(page)


@pytest.mark.parametrize("query", ["", "?lang=cy", "?print=large", "?lang=cy&print=large"])
def test_kept_markup_is_what_a_fresh_render_gives(app, client, voting, monkeypatch, query):
    code = voting["codes"][0]
    paths = [f"/b/{code}{query}", f"/b/{code}{query}{'&' if query else '?'}saved=1", f"/{query}",
             f"/organiser/signin{query}", f"/accessibility{query}"]
    kept = [client.get(path).get_data(as_text=True) for path in paths * 2]  # the second round hits
    _fresh(monkeypatch, app)
    fresh = [client.get(path).get_data(as_text=True) for path in paths * 2]
    for before, after in zip(kept, fresh):
        footers, switches = _parts(before)
        assert len(footers) == 1 and len(switches) == 1
        assert (footers, switches) == _parts(after)


def test_the_saved_page_and_other_ballots_reuse_the_ballot_pages_switch_with_their_own_code(app, client, voting):
    fragments = app.extensions["venuekit_fragments"]
    first, second = voting["codes"][:2]
    client.get(f"/b/{first}?lang=cy")
    made = len(fragments.pages)
    assert made == 2  # the footer (any page) and this page's switch
    saved = client.get(f"/b/{first}?lang=cy&saved=1").get_data(as_text=True)
    assert len(fragments.pages) == made
    other = client.get(f"/b/{second}?lang=cy").get_data(as_text=True)
    # Ballot pages are filled in from one skeleton (page_skeleton.py): its switch, for a stand-in code.
    assert len(fragments.pages) == made
    assert f"/b/{first}?lang=en" in SWITCH.search(saved).group(0)
    switch = SWITCH.search(other).group(0)
    assert f"/b/{second}?lang=en" in switch and first not in switch


def test_a_page_shown_for_a_post_is_not_kept(app, client, voting):
    fragments = app.extensions["venuekit_fragments"]
    reply = client.post(f"/b/{voting['codes'][0]}?lang=cy", data={"idea": ["1"]})  # no form token
    assert reply.status_code == 400
    assert SWITCH.search(reply.get_data(as_text=True))
    assert len(fragments.pages) == 0


def test_kept_page_fragments_are_bounded(app, client, voting):
    fragments = app.extensions["venuekit_fragments"]
    for n in range(40):
        client.get(f"/?lang=cy&n={n}")
    assert len(fragments.pages) == 80  # a footer and a switch per distinct query
    assert fragments.pages.maxsize <= 1024


def test_kept_idea_lists_are_bounded_and_hold_one_entry_per_idea_and_choice(app, client, voting):
    fragments = app.extensions["venuekit_fragments"]
    code = voting["codes"][0]
    client.get(f"/b/{code}")
    assert len(fragments.cache) == 1  # one list: this method's macro, version, language, options
    (ideas,) = fragments.cache.values()
    assert len(ideas) == 6 and {choice for _, choice in ideas} == {None}
    for n in range(fragments.cache.maxsize + 20):  # made-up queries: each a list of its own
        client.get(f"/b/{code}?n={n}")
    assert len(fragments.cache) == fragments.cache.maxsize <= 32
    for other in voting["codes"][1:4]:  # more ballots add no list and no entry
        client.get(f"/b/{other}?n=1")
    assert len(fragments.cache) == fragments.cache.maxsize
    assert sum(len(kept) for kept in fragments.cache.values()) == 6 * fragments.cache.maxsize


def test_a_refused_form_with_made_up_values_cannot_grow_a_kept_list(app, client, store):
    from tests.conftest import csrf_from, make_assembly
    from webapp.web.fragments import MAX_PER_LIST

    made = make_assembly(store, method="dot", groups=3, points=5, max_per_idea=3)
    code = made["codes"][0]
    token = csrf_from(client.get(f"/b/{code}").get_data(as_text=True))
    fragments = app.extensions["venuekit_fragments"]
    for value in range(4, 101):  # every one past max_per_idea: each form is refused
        form = {"csrf_token": token, **{f"idea-{n}": str(value) for n in range(1, 7)}}
        reply = client.post(f"/b/{code}", data=form)
        assert reply.status_code == 400
    assert 6 * 97 > MAX_PER_LIST  # what the forms asked to keep
    assert max(len(kept) for kept in fragments.cache.values()) <= MAX_PER_LIST
    fresh = client.get(f"/b/{code}").get_data(as_text=True)
    assert fresh.count('name="idea-') == 6
