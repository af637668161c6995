"""Combined results across venues: every kit's ballots plus the hub's online room, one tally."""
from __future__ import annotations

import json

from webapp.domain import codes
from webapp.domain.errors import N_, Conflict
from webapp.domain.phases import Phase
from webapp.domain.voting import Rules, tally
from webapp.services import assembly as room_assembly
from webapp.services.ballots import all_choices
from webapp.services.common import new_id, now
from webapp.storage import Store

from .ingest import kits

ONLINE = "online"
# The online room's venue name: English in exports, translated on the hub's page.
ONLINE_NAME = N_("Online")


def venue_records(hub: Store, kit_id: str) -> dict:
    """A kit's current assembly, visible ideas and ballots as the hub holds them."""
    rows = hub.query(
        "SELECT record_type, body FROM records WHERE kit_id = ? AND op = 'upsert' ORDER BY version", [kit_id]
    )
    out: dict = {"assembly": None, "ideas": [], "ballots": []}
    for row in rows:
        body = json.loads(row["body"])
        if row["record_type"] == "assembly":
            out["assembly"] = body
        elif row["record_type"] == "idea" and not body.get("hidden") and not body.get("merged_into"):
            out["ideas"].append(body)
        elif row["record_type"] == "ballot":
            out["ballots"].append(body["choices"])
    out["ideas"].sort(key=lambda i: i["number"])
    return out


def venues(hub: Store, room: Store | None) -> list[dict]:
    """Each venue's name, rules, ideas and ballots: the kits, then the online room."""
    found = []
    for kit in kits(hub):
        data = venue_records(hub, kit["kit_id"])
        if data["assembly"] is None:
            continue
        found.append({"id": kit["kit_id"], "name": kit["name"], "rules": Rules.from_dict(data["assembly"]["rules"]),
                      "question": data["assembly"]["question"], "ideas": data["ideas"], "ballots": data["ballots"]})
    if room is not None:
        state = room_assembly.get(room)
        ballots = all_choices(room)
        if ballots:
            found.append({"id": ONLINE, "name": ONLINE_NAME, "rules": state["rules"], "question": state["question"],
                          "ideas": [], "ballots": ballots})
    return found


def _rows(result, titles: dict[str, tuple[str, str]]) -> list[dict]:
    return [{**row.as_dict(), "title": titles[row.idea_id][0], "venue": titles[row.idea_id][1]} for row in result.rows]


def combined(hub: Store, room: Store | None, rules: Rules | None = None) -> dict:
    """One tally over every venue's ideas and ballots, with a per-venue breakdown.

    Venues voting by another method than the combined one are listed but not added in: points
    from different methods do not mean the same thing.
    """
    all_venues = venues(hub, room)
    if rules is None:
        rules = room_assembly.get(room)["rules"] if room is not None else (
            all_venues[0]["rules"] if all_venues else Rules())
    ideas: list[tuple[str, int]] = []
    titles: dict[str, tuple[str, str]] = {}
    ballots: list[dict] = []
    breakdown = []
    excluded = []
    for venue in all_venues:
        venue_ideas = [(i["id"], n) for n, i in enumerate(venue["ideas"], start=len(ideas) + 1)]
        for idea in venue["ideas"]:
            titles[idea["id"]] = (idea["title"], venue["name"])
        if venue["id"] != ONLINE:
            own = tally(venue["rules"], [(i["id"], i["number"]) for i in venue["ideas"]], venue["ballots"])
            breakdown.append({"venue": venue["name"], "kit_id": venue["id"], "method": venue["rules"].method,
                              "ballots": own.ballots, "rows": _rows(own, titles)})
        else:
            breakdown.append({"venue": venue["name"], "kit_id": ONLINE, "method": venue["rules"].method,
                              "ballots": len(venue["ballots"]), "rows": []})
        if venue["rules"].method != rules.method:
            excluded.append(venue["name"])
            continue
        ideas.extend(venue_ideas)
        ballots.extend(venue["ballots"])
    result = tally(rules, ideas, ballots)
    return {"method": rules.method, "rules": rules.as_dict(), "ballots": result.ballots,
            "rows": _rows(result, titles), "venues": breakdown, "excluded_venues": excluded}


def import_ideas(hub: Store, room: Store) -> int:
    """Copy every venue's visible ideas into the online room (same ids), so online ballots can
    choose them; one group per venue. Only while the room is in setup or submission."""
    state = room_assembly.get(room)
    if state["phase"] not in (Phase.SETUP, Phase.SUBMISSION):
        raise Conflict("wrong_phase", N_("Ideas can only be imported before online voting opens."))
    count = 0
    with room.write() as db:
        for venue in venues(hub, None):
            group = db.execute("SELECT id FROM groups WHERE name = ?", [venue["name"]]).fetchone()
            if group is None:
                number = db.execute("SELECT coalesce(max(number), 0) + 1 FROM groups").fetchone()[0]
                group_id = new_id()
                db["groups"].insert({"id": group_id, "number": number, "name": venue["name"],
                                     "code": codes.generate(codes.GROUP), "created_at": now()})
            else:
                group_id = group[0]
            for slot, idea in enumerate(venue["ideas"], start=1):
                exists = db.execute("SELECT 1 FROM ideas WHERE id = ?", [idea["id"]]).fetchone()
                if exists:
                    db["ideas"].update(idea["id"], {"title": idea["title"], "detail": idea.get("detail") or "",
                                                    "updated_at": now()})
                    continue
                number = db.execute("SELECT coalesce(max(number), 0) + 1 FROM ideas").fetchone()[0]
                taken = db.execute("SELECT coalesce(max(slot), 0) FROM ideas WHERE group_id = ?", [group_id]).fetchone()[0]
                db["ideas"].insert({"id": idea["id"], "number": number, "group_id": group_id, "slot": taken + 1,
                                    "title": idea["title"], "detail": idea.get("detail") or "", "hidden": 0,
                                    "merged_into": None, "created_at": now(), "updated_at": now()})
                count += 1
    return count


def records_export(hub: Store, record_type: str) -> list[dict]:
    """Every current idea or ballot record the hub holds, with the venue it came from."""
    rows = hub.query(
        """SELECT records.body, kits.name AS venue FROM records JOIN kits USING (kit_id)
           WHERE record_type = ? AND op = 'upsert' ORDER BY kits.enrolled_at, records.version""",
        [record_type],
    )
    return [{**json.loads(r["body"]), "venue": r["venue"]} for r in rows]
