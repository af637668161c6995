"""The event report and the whole-event export: every round with its counts, results and ideas.

The report page (webapp/web/organiser_rounds.py) and the event export read the same figures, so
what the organiser prints is what the file says. A round's results are only *shown* once it
reached its results phase; the export, like the per-round tally export, always has them.
"""
from __future__ import annotations

from typing import Callable

from webapp.domain.phases import Phase
from webapp.storage import Store

from . import assembly, ideas, results, rounds


def counts(store: Store, round_id: str) -> dict:
    """A round's figures: groups, ideas, ballots by phone and on paper, and turnout against the
    ballot codes issued (codes belong to the event, so every round is measured against them)."""
    row = assembly.counts(store, round_id)
    cast, issued = row["ballots_cast"], row["ballots_issued"]
    return {
        "groups": row["groups"], "groups_submitted": row["groups_submitted"], "ideas": row["ideas"],
        "ballots_cast": cast, "paper_ballots": row["paper_ballots"], "phone_ballots": cast - row["paper_ballots"],
        "ballots_issued": issued,
        # A whole percent; None with no codes issued (a turnout of nothing is not 0 %).
        "turnout": round(100 * cast / issued) if issued else None,
    }


def by_group(every: list[dict]) -> list[dict]:
    """A round's ideas under the group that sent them, groups in number order."""
    groups: dict[int, dict] = {}
    for idea in every:
        group = groups.setdefault(idea["group_number"], {"number": idea["group_number"],
                                                         "name": idea["group_name"], "ideas": []})
        group["ideas"].append(idea)
    return [groups[n] for n in sorted(groups)]


def summary(store: Store, round_row: dict, gettext: Callable[[str], str] = str) -> dict:
    """One round as the report shows it; `round_row` is a row of rounds.every()."""
    this = rounds.get(store, round_row["id"])
    has_results = this["phase"] is Phase.RESULTS
    every = ideas.all_ideas(store, gettext, this["id"])
    drawn = this["drawn_from"]
    return {
        **this,
        "current": bool(round_row.get("current")),
        "question_shown": assembly.question_text(this["question"], gettext),
        "counts": counts(store, this["id"]),
        "has_results": has_results,
        "board": results.leaderboard(store, gettext, this["id"]) if has_results else [],
        "groups": by_group(every),
        "drawn_number": drawn.get("number") if drawn else None,
    }


def every_round(store: Store, gettext: Callable[[str], str] = str) -> list[dict]:
    return [summary(store, row, gettext) for row in rounds.every(store)]


def event_export(store: Store) -> dict:
    """Every round: key, question, rules, counts, tally rows and ideas (as the per-round exports)."""
    state = assembly.get(store)
    out = []
    for row in rounds.every(store):
        this = rounds.get(store, row["id"])
        tally = results.current_tally(store, this["id"])
        drawn = this["drawn_from"]
        out.append({
            "number": this["number"], "round_key": this["round_key"], "kind": this["kind"], "seats": this["seats"],
            "question": this["question"], "briefing": this["briefing"], "phase": this["phase"].value,
            "current": bool(row["current"]), "rules": this["rules"].as_dict(),
            "drawn_from": {k: v for k, v in drawn.items() if k != "round"} if drawn else None,
            "counts": counts(store, this["id"]),
            "tally": {"ballots_cast": tally.ballots,
                      "rows": results.tally_rows(results.leaderboard(store, round_id=this["id"]))},
            "ideas": results.ideas_export(store, this["id"]),
        })
    return {"assembly_id": state["id"], "rounds": out}


EVENT_COLUMNS = ["round_number", "round_key", "round_kind", "round_question", "method", "idea_id", "number",
                 "title", "detail", "group_number", "proposing_groups", "hidden", "merged_into", "rank", "tied",
                 "score", "supporters", "share", "passed", "median"]


def event_rows(store: Store) -> list[dict]:
    """One row per round × idea; an idea off the ballot (hidden, merged) has no rank."""
    rows = []
    for data in event_export(store)["rounds"]:
        tallied = {r["idea_id"]: r for r in data["tally"]["rows"]}
        for idea in data["ideas"]:
            mark = tallied.get(idea["id"], {})
            rows.append({
                "round_number": data["number"], "round_key": data["round_key"], "round_kind": data["kind"],
                "round_question": data["question"], "method": data["rules"]["method"], "idea_id": idea["id"],
                **{k: idea[k] for k in ("number", "title", "detail", "group_number", "proposing_groups", "hidden",
                                        "merged_into")},
                **{k: mark.get(k) for k in ("rank", "tied", "score", "supporters", "share", "passed", "median")},
            })
    return rows
