"""Combined results across venues: every kit's ballots plus the hub's online room, one tally."""
from __future__ import annotations

import json

from webapp.domain import codes
from webapp.domain.errors import N_, Conflict
from webapp.domain.phases import Phase
from webapp.domain.voting import Rules, tally
from webapp.services import assembly as room_assembly
from webapp.services import rounds as room_rounds
from webapp.services.ballots import all_choices
from webapp.services.common import new_id, now
from webapp.storage import Store

from .ingest import kits

ONLINE = "online"
# The online room's venue name: English in exports, translated on the hub's page.
ONLINE_NAME = N_("Online")


FIRST_KEY = "round-1"


def venue_records(hub: Store, kit_id: str) -> dict:
    """A kit's event as the hub holds it: each round (by round key) with its rules, question,
    visible ideas and ballots. A kit from before rounds sent one assembly: it is round 1."""
    rows = hub.query(
        "SELECT record_type, body FROM records WHERE kit_id = ? AND op = 'upsert' ORDER BY version", [kit_id]
    )
    out: dict = {"assembly": None, "rounds": {}}
    by_id: dict[str, dict] = {}
    ideas: list[dict] = []
    ballots: list[dict] = []
    for row in rows:
        body = json.loads(row["body"])
        if row["record_type"] == "assembly":
            out["assembly"] = body
        elif row["record_type"] == "round":
            by_id[body["id"]] = body
        elif row["record_type"] == "idea" and not body.get("hidden") and not body.get("merged_into"):
            ideas.append(body)
        elif row["record_type"] == "ballot":
            ballots.append(body)
    legacy = out["assembly"] if out["assembly"] and "rules" in out["assembly"] else None
    for body in by_id.values():
        out["rounds"][body["round_key"]] = {"round_id": body["id"], "number": body["number"],
                                            "question": body["question"], "rules": body["rules"],
                                            "kind": body.get("kind", "ideas"), "ideas": [], "ballots": []}
    for key, round_ in list(out["rounds"].items()):
        # Records sent before the kit's upgrade to rounds name no round: they are its round 1
        # (the upgrade sends each again with its round, after deleting the old one, so none is
        # counted twice while a kit is part-way through sending them).
        mine = {round_["round_id"], None} if round_["number"] == 1 else {round_["round_id"]}
        round_["ideas"] = sorted((i for i in ideas if i.get("round_id") in mine), key=lambda i: i["number"])
        round_["ballots"] = [b["choices"] for b in ballots if b.get("round_id") in mine]
    if legacy is not None and FIRST_KEY not in out["rounds"]:
        out["rounds"][FIRST_KEY] = {"round_id": None, "number": 1, "question": legacy["question"],
                                    "rules": legacy["rules"], "kind": "ideas",
                                    "ideas": sorted((i for i in ideas if not i.get("round_id")), key=lambda i: i["number"]),
                                    "ballots": [b["choices"] for b in ballots if not b.get("round_id")]}
    return out


def round_keys(hub: Store, room: Store | None) -> list[str]:
    """Every round key any venue has, in round order (first seen by round number)."""
    seen: dict[str, int] = {}
    for kit in kits(hub):
        for key, round_ in venue_records(hub, kit["kit_id"])["rounds"].items():
            seen[key] = min(seen.get(key, round_["number"]), round_["number"])
    if room is not None:
        for round_ in room_rounds.every(room):
            seen[round_["round_key"]] = min(seen.get(round_["round_key"], round_["number"]), round_["number"])
    return sorted(seen, key=lambda k: (seen[k], k))


def _room_round(room: Store, round_key: str) -> dict | None:
    row = room.one("SELECT id FROM rounds WHERE round_key = ?", [round_key])
    return room_rounds.get(room, row["id"]) if row else None


def venues(hub: Store, room: Store | None, round_key: str = FIRST_KEY) -> list[dict]:
    """Each venue's name, rules, ideas and ballots in the round with `round_key`: the kits,
    then the online room."""
    found = []
    for kit in kits(hub):
        round_ = venue_records(hub, kit["kit_id"])["rounds"].get(round_key)
        if round_ is None:
            continue
        found.append({"id": kit["kit_id"], "name": kit["name"], "rules": Rules.from_dict(round_["rules"]),
                      "question": round_["question"], "ideas": round_["ideas"], "ballots": round_["ballots"]})
    if room is not None:
        own = _room_round(room, round_key)
        ballots = all_choices(room, own["id"]) if own else []
        if ballots:
            found.append({"id": ONLINE, "name": ONLINE_NAME, "rules": own["rules"], "question": own["question"],
                          "ideas": [], "ballots": ballots})
    return found


def default_key(hub: Store, room: Store | None) -> str:
    """The round shown when none is asked for: the online room's current round, else the latest."""
    if room is not None:
        return room_assembly.get(room)["round_key"]
    keys = round_keys(hub, None)
    return keys[-1] if keys else FIRST_KEY


def attendance(hub: Store, room: Store | None) -> dict:
    """Ballots cast per venue in each round key: {"keys": [...], "venues": [{name, kit_id, counts}]}."""
    keys = round_keys(hub, room)
    rows = []
    for kit in kits(hub):
        rounds_ = venue_records(hub, kit["kit_id"])["rounds"]
        rows.append({"venue": kit["name"], "kit_id": kit["kit_id"],
                     "counts": [len(rounds_[k]["ballots"]) if k in rounds_ else None for k in keys]})
    if room is not None:
        counts = []
        for key in keys:
            own = _room_round(room, key)
            counts.append(len(all_choices(room, own["id"])) if own else None)
        rows.append({"venue": ONLINE_NAME, "kit_id": ONLINE, "counts": counts})
    return {"keys": keys, "venues": rows}


def _rows(result, titles: dict[str, tuple[str, str]]) -> list[dict]:
    return [{**row.as_dict(), "title": titles[row.idea_id][0], "venue": titles[row.idea_id][1]} for row in result.rows]


def combined(hub: Store, room: Store | None, rules: Rules | None = None, round_key: str | None = None) -> dict:
    """One tally over every venue's ideas and ballots in one round key, with a per-venue breakdown.

    Venues voting by another method than the combined one are listed but not added in: points
    from different methods do not mean the same thing.
    """
    round_key = round_key or default_key(hub, room)
    all_venues = venues(hub, room, round_key)
    if rules is None:
        own = _room_round(room, round_key) if room is not None else None
        rules = own["rules"] if own is not None else (all_venues[0]["rules"] if all_venues else Rules())
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
    return {"round_key": round_key, "method": rules.method, "rules": rules.as_dict(), "ballots": result.ballots,
            "rows": _rows(result, titles), "venues": breakdown, "excluded_venues": excluded}


def import_ideas(hub: Store, room: Store) -> int:
    """Copy every venue's visible ideas into the online room (same ids), so online ballots can
    choose them; one group per venue. Only while the room is in setup or submission."""
    state = room_assembly.get(room)
    if state["phase"] not in (Phase.SETUP, Phase.SUBMISSION):
        raise Conflict("wrong_phase", N_("Ideas can only be imported before online voting opens."))
    count = 0
    with room.write() as db:
        for venue in venues(hub, None, state["round_key"]):
            group = db.execute("SELECT id FROM groups WHERE name = ?", [venue["name"]]).fetchone()
            if group is None:
                number = db.execute("SELECT coalesce(max(number), 0) + 1 FROM groups").fetchone()[0]
                group_id = new_id()
                db["groups"].insert({"id": group_id, "number": number, "name": venue["name"],
                                     "code": codes.generate(codes.GROUP), "created_at": now()})
            else:
                group_id = group[0]
            for slot, idea in enumerate(venue["ideas"], start=1):
                exists = db.execute("SELECT 1 FROM ideas WHERE id = ? AND round_id = ?",
                                    [idea["id"], state["round_id"]]).fetchone()
                if exists:
                    db["ideas"].update(idea["id"], {"title": idea["title"], "detail": idea.get("detail") or "",
                                                    "updated_at": now()})
                    continue
                number = db.execute("SELECT coalesce(max(number), 0) + 1 FROM ideas WHERE round_id = ?",
                                    [state["round_id"]]).fetchone()[0]
                taken = db.execute("SELECT coalesce(max(slot), 0) FROM ideas WHERE group_id = ? AND round_id = ?",
                                   [group_id, state["round_id"]]).fetchone()[0]
                db["ideas"].insert({"id": idea["id"], "round_id": state["round_id"], "number": number, "group_id": group_id, "slot": taken + 1,
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
