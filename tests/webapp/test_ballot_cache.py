"""The ballot page reads the assembly and its ideas once per change, not once per request, yet
shows a change made anywhere (another worker process, the CLI, a second connection) on the next
page; the "vote saved" page is short; a vote checked against an old reading is refused."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import csrf_from, make_assembly
from webapp.domain.errors import Conflict
from webapp.domain.voting import BallotError
from webapp.services import assembly, ballots, content, ideas
from webapp.storage import open_store


def numbers_on(page: str) -> set[str]:
    return set(re.findall(r'name="idea" value="(\d+)"', page))


def other_store(app):
    """A second connection to the kit's database, as another worker process has."""
    return open_store(app.config["DATA_DIR"])


def test_a_page_reads_only_the_code_the_version_and_the_ballot(app, client, store, voting):
    client.get(f"/b/{voting['codes'][0]}")  # the first page reads everything once
    statements = []
    store.db.conn.set_trace_callback(statements.append)
    try:
        assert client.get(f"/b/{voting['codes'][1]}").status_code == 200
    finally:
        store.db.conn.set_trace_callback(None)
    assert not [s for s in statements if "FROM ideas" in s or "FROM rounds" in s or "assembly JOIN" in s], statements
    # One statement for the code, the content version and the ballot; one for the kit's language.
    assert len(statements) == 2 and "FROM ballot_codes LEFT JOIN ballots" in statements[0], statements


def test_an_idea_hidden_through_another_connection_leaves_the_next_page(app, client, store, voting):
    code = voting["codes"][0]
    assert numbers_on(client.get(f"/b/{code}").get_data(as_text=True)) == {"1", "2", "3", "4", "5", "6"}
    elsewhere = other_store(app)
    ideas.set_hidden(elsewhere, voting["ideas"][0]["id"], True)
    assert "1" not in numbers_on(client.get(f"/b/{code}").get_data(as_text=True))
    ideas.set_hidden(elsewhere, voting["ideas"][0]["id"], False)
    assert "1" in numbers_on(client.get(f"/b/{code}").get_data(as_text=True))


def test_a_phase_change_by_another_process_shows_on_the_next_page(app, client, store, voting):
    code = voting["codes"][0]
    assert "<form method=\"post\"" in client.get(f"/b/{code}").get_data(as_text=True)
    subprocess.run(
        [sys.executable, "-c",
         "import sys; from webapp.storage import open_store; from webapp.services import assembly; "
         "assembly.set_phase(open_store(sys.argv[1]), 'results')", app.config["DATA_DIR"]],
        check=True, timeout=60,
    )
    page = client.get(f"/b/{code}").get_data(as_text=True)
    assert "Voting has closed" in page and "<form method=\"post\"" not in page


def test_a_vote_checked_before_voting_closed_elsewhere_is_refused(app, store, voting):
    code = voting["codes"][0]
    view = ballots.ballot_view(store, code, with_ballot=False)
    assembly.set_phase(other_store(app), "results")
    with pytest.raises(Conflict) as refused:
        ballots.cast(store, code, {voting["ideas"][0]["id"]: 1}, view=view)
    assert refused.value.code == "wrong_phase"
    assert store.scalar("SELECT count(*) FROM ballots") == 0


def test_a_vote_checked_before_an_idea_was_hidden_is_checked_again(app, store, voting):
    code = voting["codes"][0]
    view = ballots.ballot_view(store, code, with_ballot=False)
    hidden = voting["ideas"][0]["id"]
    ideas.set_hidden(other_store(app), hidden, True)
    with pytest.raises(BallotError) as refused:  # checked again: the idea is no longer on the ballot
        ballots.cast(store, code, {hidden: 1}, view=view)
    assert refused.value.code == "unknown_idea"
    kept = ballots.cast(store, code, {voting["ideas"][1]["id"]: 1}, view=view)
    assert kept["revision"] == 1


def test_the_snapshot_is_shared_until_the_version_moves(app, store, voting):
    first = content.snapshot(store)
    assert content.snapshot(store) is first
    assembly.rename_group(other_store(app), voting["groups"][0]["id"], "Renamed")
    second = content.snapshot(store)
    assert second.version > first.version
    assert "Renamed" in {name for idea in second.ideas for name in idea["proposers"]}


def vote(client, code, numbers, **query):
    page = client.get(f"/b/{code}", query_string=query).get_data(as_text=True)
    return client.post(f"/b/{code}", query_string=query,
                       data={"csrf_token": csrf_from(page), "idea": [str(n) for n in numbers]})


def test_the_saved_page_is_short_and_lists_what_was_chosen(client, store, voting):
    code = voting["codes"][0]
    response = vote(client, code, [2, 5])
    saved = client.get(response.headers["Location"])
    html = saved.get_data(as_text=True)
    assert saved.status_code == 200
    assert "your vote is saved" in html
    assert "<form method=\"post\"" not in html and 'name="idea"' not in html
    assert "Idea 1b" in html and "Idea 3a" in html and "Idea 1a" not in html  # numbers 2 and 5
    assert f'href="/b/{code}"' in html  # change the vote
    full = client.get(f"/b/{code}").get_data(as_text=True)
    assert len(html) < len(full) * 0.8


def test_the_saved_page_keeps_the_language_and_ranked_order(client, store):
    made = make_assembly(store, method="ranked", max_choices=3)
    code = made["codes"][0]
    page = client.get(f"/b/{code}?lang=cy").get_data(as_text=True)
    response = client.post(f"/b/{code}?lang=cy", data={"csrf_token": csrf_from(page), "idea-4": "1", "idea-2": "2"})
    assert response.status_code == 303 and "lang=cy" in response.headers["Location"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'lang="cy"' in html and f'href="/b/{code}?lang=cy"' in html
    assert html.index("Idea 2b") < html.index("Idea 1b")  # rank 1 (#4) before rank 2 (#2)


def test_cached_choices_never_carry_one_ballot_into_another(client, store):
    made = make_assembly(store, method="dot", points=4, max_per_idea=2)
    first, second = made["codes"][:2]
    page = client.get(f"/b/{first}").get_data(as_text=True)
    assert client.post(f"/b/{first}", data={"csrf_token": csrf_from(page), "idea-3": "2"}).status_code == 303
    mine = client.get(f"/b/{first}").get_data(as_text=True)
    theirs = client.get(f"/b/{second}").get_data(as_text=True)
    assert re.search(r'name="idea-3"[^>]*>.*?<option value="2" selected>', mine, re.S)
    assert "selected" not in theirs
    assert client.get(f"/b/{second}?lang=cy").get_data(as_text=True).count('name="idea-') == 6


def _order_on(page: str) -> list[str]:
    return re.findall(r'name="idea" value="(\d+)"', page)


def test_a_refused_vote_and_a_saved_page_of_no_vote_show_the_ballots_own_order(client, store):
    made = make_assembly(store, groups=6, max_choices=2)  # 12 ideas: orders differ between ballots
    orders = {}
    for code in made["codes"][:6]:
        orders[code] = _order_on(client.get(f"/b/{code}").get_data(as_text=True))
    assert len(set(map(tuple, orders.values()))) > 1  # not the number order for everyone
    for code, order in orders.items():
        page = client.get(f"/b/{code}").get_data(as_text=True)
        refused = client.post(f"/b/{code}", data={"csrf_token": csrf_from(page), "idea": order[:3]})
        assert refused.status_code == 400
        assert _order_on(refused.get_data(as_text=True)) == order
        unvoted = client.get(f"/b/{code}?saved=1")  # no vote yet: the ballot itself
        assert _order_on(unvoted.get_data(as_text=True)) == order


def test_each_vote_is_sent_to_its_own_saved_page_with_the_switches_it_came_with(client, store, voting):
    from urllib.parse import parse_qs, urlsplit

    for query in ({}, {"lang": "cy"}, {"lang": "cy", "print": "large"}):
        for code in voting["codes"][:3]:  # the address is made once per query, then filled in
            reply = vote(client, code, [1], **query)
            assert reply.status_code == 303
            target = urlsplit(reply.headers["Location"])
            assert target.path == f"/b/{code}"
            assert parse_qs(target.query) == {"saved": ["1"], **{k: [v] for k, v in query.items()}}


def test_a_view_read_as_a_new_round_starts_shows_the_ballot_of_its_own_snapshots_round(store, voting, monkeypatch):
    from webapp.services import rounds

    code = voting["codes"][0]
    ballots.cast(store, code, {voting["ideas"][0]["id"]: 1})
    before = content.snapshot(store)  # round 1, with this code's ballot
    assembly.set_phase(store, "results")
    rounds.start_next(store, {"from_round": "1", "top": "2", "question": "Run-off"})
    assert ballots.ballot_view(store, code)["ballot"] is None  # nothing cast in round 2 yet
    # The code is read as round 2 begins, the snapshot still as round 1: the ballot shown must be
    # round 1's, the snapshot's, not round 2's.
    monkeypatch.setattr(content, "snapshot", lambda store, seen=None: before)
    view = ballots.ballot_view(store, code)
    assert view["assembly"]["round_id"] == before.assembly["round_id"]
    assert view["ballot"] is not None and view["ballot"]["round_id"] == before.assembly["round_id"]
    assert view["ballot"]["choices"] == {voting["ideas"][0]["id"]: 1}


def test_a_ballot_read_with_its_code_has_every_column_of_the_ballots_table(store, voting):
    # The view's one statement and `current` name the columns: a column added to the table must
    # be added there too, or the two ways of reading a ballot would differ.
    assert ballots._BALLOT_COLUMNS == tuple(row["name"] for row in store.query("PRAGMA table_info(ballots)"))
    code = voting["codes"][0]
    ballots.cast(store, code, {voting["ideas"][0]["id"]: 1})
    view = ballots.ballot_view(store, code)
    assert view["ballot"] == ballots.current(store, view["ballot_id"])
    assert view["ballot"]["choices"] == {voting["ideas"][0]["id"]: 1}
