"""Upgrading a kit database made before rounds: it becomes an event with one round, unchanged."""
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from webapp.services import assembly, ballots, results, rounds
from webapp.storage import open_store

PREVIOUS = Path(__file__).parent / "previous"


def _upgraded(tmp_path: Path, method: str):
    shutil.copy(PREVIOUS / f"{method}.db", tmp_path / "venuekit.db")
    before = sqlite3.connect(tmp_path / "venuekit.db")
    old = {
        "ballots": sorted(before.execute("SELECT ballot_id, choices, source, revision FROM ballots").fetchall()),
        "ideas": sorted(before.execute("SELECT id, number, group_id, slot, title, hidden, merged_into FROM ideas")
                        .fetchall()),
        "assembly": before.execute("SELECT question, phase, rules FROM assembly").fetchone(),
        "outbox": before.execute("SELECT max(seq) FROM outbox").fetchone()[0],
    }
    assert "rounds" not in {r[0] for r in before.execute("SELECT name FROM sqlite_master")}
    before.close()
    return open_store(tmp_path), old


@pytest.mark.parametrize("method", ["approval", "dot", "ranked"])
def test_an_old_database_becomes_round_one_with_every_tally_unchanged(tmp_path, method):
    store, old = _upgraded(tmp_path, method)
    expected = json.loads((PREVIOUS / f"{method}.tally.json").read_text())
    assert results.tally_export(store)["rows"] == expected
    state = assembly.get(store)
    assert (state["round_number"], state["round_key"], state["phase"].value) == (1, "round-1", "results")
    assert (state["question"], state["phase"].value) == old["assembly"][:2]
    old_rules = json.loads(old["assembly"][2])
    assert {k: state["rules"].as_dict()[k] for k in old_rules} == old_rules
    now_ballots = sorted(tuple(r.values()) for r in store.query(
        "SELECT ballot_id, choices, source, revision FROM ballots WHERE round_id = ?", [state["round_id"]]))
    assert now_ballots == old["ballots"]
    now_ideas = sorted(tuple(r.values()) for r in store.query(
        "SELECT id, number, group_id, slot, title, hidden, merged_into FROM ideas WHERE round_id = ?",
        [state["round_id"]]))
    assert now_ideas == old["ideas"]
    # The old rows are kept, not dropped.
    assert store.scalar("SELECT count(*) FROM ballots_before_rounds") == len(old["ballots"])


def test_the_upgrade_tells_the_hub_each_ballot_once_under_its_round(tmp_path):
    store, old = _upgraded(tmp_path, "approval")
    logged = store.query("SELECT record_type, record_id, op, body FROM outbox WHERE seq > ?", [old["outbox"]])
    round_id = assembly.get(store)["round_id"]
    deleted = {r["record_id"] for r in logged if r["record_type"] == "ballot" and r["op"] == "delete"}
    upserted = {r["record_id"]: json.loads(r["body"]) for r in logged
                if r["record_type"] == "ballot" and r["op"] == "upsert"}
    assert deleted == {b[0] for b in old["ballots"]}
    assert set(upserted) == {f"{round_id}:{b[0]}" for b in old["ballots"]}
    assert all(body["round_id"] == round_id for body in upserted.values())
    assert [r["record_type"] for r in logged].count("round") == 1
    ideas = [json.loads(r["body"]) for r in logged if r["record_type"] == "idea"]
    assert len(ideas) == len(old["ideas"]) and all(i["round_id"] == round_id for i in ideas)


def test_after_the_upgrade_the_same_slips_vote_again_in_a_second_round(tmp_path):
    store, old = _upgraded(tmp_path, "approval")
    first = assembly.get(store)
    before = results.tally_export(store)["rows"]
    code = store.scalar("SELECT code FROM ballot_codes ORDER BY rowid LIMIT 1")
    rounds.start_next(store, {"from_round": "1", "top": "2", "question": "Run-off"})
    second = assembly.get(store)
    assert second["round_number"] == 2 and second["drawn_from"]["round"] == first["round_id"]
    assembly.set_phase(store, "submission")
    assembly.set_phase(store, "voting")
    view = ballots.ballot_view(store, code)
    assert view["ballot"] is None  # voted in round 1, not yet in round 2
    ballots.cast(store, code, {view["ideas"][0]["id"]: 1})
    assert results.tally_export(store)["ballots_cast"] == 1
    # Round 1 is untouched by round 2's votes.
    board = results.leaderboard(store, round_id=first["round_id"])
    assert [(r["idea_id"], r["score"]) for r in board] == [(r["idea_id"], r["score"]) for r in before]
