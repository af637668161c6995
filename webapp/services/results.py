"""The tally and the exports (CSV and JSON) of ideas, anonymised ballots and results."""
from __future__ import annotations

import csv
import io
import json
from typing import Callable

from webapp.domain.voting import Tally, tally
from webapp.storage import Store

from . import assembly, ideas
from . import clock as kit_clock
from .ballots import all_choices

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def current_tally(store: Store) -> Tally:
    state = assembly.get(store)
    every = ideas.all_ideas(store)
    on_ballot = [(idea["id"], idea["number"]) for idea in every if not idea["hidden"] and not idea["merged_into"]]
    merged = {idea["id"]: idea["merged_into"] for idea in every if idea["merged_into"]}
    return tally(state["rules"], on_ballot, all_choices(store), merged)


def leaderboard(store: Store, gettext: Callable[[str], str] = str) -> list[dict]:
    """Tally rows joined with the ideas' titles and proposing groups (named in `gettext`'s language)."""
    by_id = {idea["id"]: idea for idea in ideas.visible(store, gettext)}
    rows = []
    for row in current_tally(store).rows:
        idea = by_id[row.idea_id]
        rows.append({**row.as_dict(), "title": idea["title"], "proposers": idea["proposers"]})
    return rows


def ideas_export(store: Store) -> list[dict]:
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
        for idea in ideas.all_ideas(store)
    ]


def ballots_export(store: Store) -> list[dict]:
    """Anonymised: an opaque per-ballot id, never the code; no time, so order can't identify."""
    rows = store.query("SELECT ballot_id, choices, source FROM ballots ORDER BY ballot_id")
    return [
        {"ballot_id": r["ballot_id"], "source": r["source"], "choices": json.loads(r["choices"])}
        for r in rows
    ]


def tally_export(store: Store) -> dict:
    state = assembly.get(store)
    result = current_tally(store)
    board = leaderboard(store)
    return {
        "assembly_id": state["id"],
        "question": state["question"],
        "rules": state["rules"].as_dict(),
        "ballots_cast": result.ballots,
        "ballots_issued": assembly.counts(store)["ballots_issued"],
        "rows": [{k: r[k] for k in ("rank", "tied", "idea_id", "number", "title", "score", "supporters", "firsts")} for r in board],
    }


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


def export(store: Store, name: str, fmt: str) -> tuple[str, str]:
    """(body, mimetype) of one export; name is ideas, ballots or tally; fmt is csv or json."""
    if name == "tally":
        # exported_at is None when the kit's clock was never set ("clock" says so): never 1970.
        data = {**tally_export(store), **kit_clock.export_fields(store)}
        if fmt == "json":
            return json.dumps(data, ensure_ascii=False, indent=2), "application/json"
        cols = ["rank", "tied", "idea_id", "number", "title", "score", "supporters", "firsts"]
        return to_csv(data["rows"], cols), "text/csv"
    fn, cols = EXPORTS[name]
    rows = fn(store)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2), "application/json"
    return to_csv(rows, cols), "text/csv"
