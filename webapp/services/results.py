"""The tally and the exports (CSV and JSON) of ideas, anonymised ballots and results."""
from __future__ import annotations

import csv
import io
import json
from typing import Callable

from webapp.domain.voting import Tally, tally
from webapp.storage import Store

from . import assembly, ideas, rounds
from . import clock as kit_clock
from .ballots import all_choices

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def current_tally(store: Store, round_id: str | None = None) -> Tally:
    """The tally of a round (the current one)."""
    round_id = round_id or assembly.get(store)["round_id"]
    every = ideas.all_ideas(store, round_id=round_id)
    on_ballot = [(idea["id"], idea["number"]) for idea in every if not idea["hidden"] and not idea["merged_into"]]
    merged = {idea["id"]: idea["merged_into"] for idea in every if idea["merged_into"]}
    return tally(rounds.get(store, round_id)["rules"], on_ballot, all_choices(store, round_id), merged)


def leaderboard(store: Store, gettext: Callable[[str], str] = str, round_id: str | None = None) -> list[dict]:
    """Tally rows joined with the ideas' titles and proposing groups (named in `gettext`'s language)."""
    round_id = round_id or assembly.get(store)["round_id"]
    by_id = {idea["id"]: idea for idea in ideas.visible(store, gettext, round_id)}
    rows = []
    for row in current_tally(store, round_id).rows:
        idea = by_id[row.idea_id]
        rows.append({**row.as_dict(), "title": idea["title"], "proposers": idea["proposers"]})
    return rows


def top_with_ties(board: list[dict], n: int) -> list[dict]:
    """The first `n` rows of a leaderboard and every row tied with the n-th (a run-off's cut)."""
    if len(board) <= n:
        return list(board)
    cut = board[n - 1]["rank"]
    return [row for row in board if row["rank"] <= cut]


def ideas_export(store: Store, round_id: str | None = None) -> list[dict]:
    return [
        {
            "id": idea["id"],
            "number": idea["number"],
            "title": idea["title"],
            "detail": idea["detail"] or "",
            "group_number": idea["group_number"],
            "proposing_groups": idea["proposer_numbers"],
            "hidden": bool(idea["hidden"]),
            "merged_into": idea["merged_into"],
        }
        for idea in ideas.all_ideas(store, round_id=round_id)
    ]


def ballots_export(store: Store, round_id: str | None = None) -> list[dict]:
    """Anonymised: an opaque per-ballot id, never the code; no time, so order can't identify.
    One round's (the current one's): each round has its own ballots."""
    round_id = round_id or assembly.get(store)["round_id"]
    rows = store.query("SELECT ballot_id, choices, source FROM ballots WHERE round_id = ? ORDER BY ballot_id",
                       [round_id])
    return [
        {"ballot_id": r["ballot_id"], "source": r["source"], "choices": json.loads(r["choices"])}
        for r in rows
    ]


TALLY_COLUMNS = ["rank", "tied", "idea_id", "number", "title", "score", "supporters", "firsts"]
# Only the graded methods' rows have these (see webapp.domain.voting.TallyRow).
GRADED_COLUMNS = ["levels", "marked", "share", "passed", "median"]


def tally_rows(board: list[dict]) -> list[dict]:
    return [{k: r[k] for k in (*TALLY_COLUMNS, *GRADED_COLUMNS) if k in r} for r in board]


def tally_export(store: Store, round_id: str | None = None, *, detail: bool = False) -> dict:
    """A round's (the current round's) tally. `detail` (the export files) adds the round's
    number and key and the graded methods' figures; without it, the shape the API promises."""
    state = assembly.get(store)
    this = rounds.get(store, round_id or state["round_id"])
    result = current_tally(store, this["id"])
    board = leaderboard(store, round_id=this["id"])
    data = {
        "assembly_id": state["id"],
        "question": this["question"],
        "rules": this["rules"].as_dict(),
        "ballots_cast": result.ballots,
        "ballots_issued": assembly.counts(store, this["id"])["ballots_issued"],
        "rows": tally_rows(board) if detail else [{k: r[k] for k in TALLY_COLUMNS} for r in board],
    }
    if detail:
        data.update(round_number=this["number"], round_key=this["round_key"])
    return data


def safe_cell(value: object) -> object:
    """Defuse spreadsheet formulas in participant text (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        cells = []
        for col in columns:
            value = row.get(col)
            if isinstance(value, (list, dict)):
                value = json.dumps(value, ensure_ascii=False, sort_keys=True) if isinstance(value, dict) else " ".join(map(str, value))
            elif isinstance(value, bool):
                value = "yes" if value else "no"
            elif value is None:
                value = ""
            cells.append(safe_cell(value))
        writer.writerow(cells)
    return out.getvalue()


EXPORTS = {
    "ideas": (ideas_export, ["id", "number", "title", "detail", "group_number", "proposing_groups", "hidden", "merged_into"]),
    "ballots": (ballots_export, ["ballot_id", "source", "choices"]),
}


def export(store: Store, name: str, fmt: str, round_id: str | None = None) -> tuple[str, str]:
    """(body, mimetype) of one export; name is ideas, ballots, tally (of a round, the current
    one by default) or event (every round); fmt is csv or json."""
    if name == "event":
        from .report import EVENT_COLUMNS, event_export, event_rows

        if fmt == "json":
            data = {**event_export(store), **kit_clock.export_fields(store)}
            return json.dumps(data, ensure_ascii=False, indent=2), "application/json"
        return to_csv(event_rows(store), EVENT_COLUMNS), "text/csv"
    if name == "tally":
        # exported_at is None when the kit's clock was never set ("clock" says so): never 1970.
        data = {**tally_export(store, round_id, detail=True), **kit_clock.export_fields(store)}
        if fmt == "json":
            return json.dumps(data, ensure_ascii=False, indent=2), "application/json"
        # Support levels and majority judgment: the share in support, pass or fail and the
        # majority grade are the result councils publish, so the CSV carries them too.
        graded = any("share" in row or "median" in row for row in data["rows"])
        return to_csv(data["rows"], TALLY_COLUMNS + (GRADED_COLUMNS if graded else [])), "text/csv"
    fn, cols = EXPORTS[name]
    rows = fn(store, round_id)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2), "application/json"
    return to_csv(rows, cols), "text/csv"
