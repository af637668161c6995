"""Ideas: a group's own list while submission is open, and the organiser's moderation."""
from __future__ import annotations

from typing import Callable

from sqlite_utils import Database

from webapp.domain.errors import N_, Conflict, DomainError, NotFound
from webapp.domain.phases import accepts_ideas, allows_moderation
from webapp.storage import Store

from . import assembly
from .common import clean_text, new_id, now

TITLE_MAX = 120
DETAIL_MAX = 600


def for_group(store: Store, group_id: str) -> list[dict]:
    """The group's ideas in the current round."""
    return store.query("SELECT * FROM ideas WHERE group_id = ? AND round_id = ? ORDER BY slot",
                       [group_id, assembly.get(store)["round_id"]])


def save_for_group(store: Store, group_id: str, entries: list[tuple[str, str]],
                   also: Callable[[Database], None] | None = None) -> list[dict]:
    """Set a group's ideas slot by slot: a blank title removes the idea in that slot.

    Every entry is checked before anything is written, so a bad entry changes nothing.
    `also` writes more in the same transaction.
    """
    current = assembly.get(store)
    if not accepts_ideas(current["phase"]):
        raise Conflict("wrong_phase", N_("Ideas can only be sent while submission is open."))
    if current["drawn_from"] or current["kind"] != "ideas":
        raise Conflict("drawn_round", N_("This round's ideas come from an earlier round: groups cannot add ideas."))
    round_id = current["round_id"]
    limit = current["ideas_per_group"]
    cleaned = []
    for slot, (title, detail) in enumerate(entries, start=1):
        title = clean_text(title, field=N_("idea %(slot)d title"), max_len=TITLE_MAX, required=False, slot=slot)
        detail = clean_text(detail, field=N_("idea %(slot)d detail"), max_len=DETAIL_MAX, required=False, slot=slot,
                            multiline=True)
        if detail and not title:
            raise DomainError("required", N_("Idea %(n)d has detail but no title."), n=slot)
        cleaned.append((slot, title, detail))
    if any(title for slot, title, _ in cleaned if slot > limit):
        raise DomainError("too_many_ideas", (N_("A group can send at most %(n)d idea."),
                                             N_("A group can send at most %(n)d ideas.")), n=limit)
    with store.write() as db:
        if not db.execute("SELECT 1 FROM groups WHERE id = ?", [group_id]).fetchone():
            raise NotFound("unknown_group", N_("There is no such group."))
        existing = {
            row["slot"]: row
            for row in db.query("SELECT * FROM ideas WHERE group_id = ? AND round_id = ?", [group_id, round_id])
        }
        for slot, title, detail in cleaned:
            if not title:
                continue
            row = existing.pop(slot, None)
            if row is None:
                number = db.execute("SELECT coalesce(max(number), 0) + 1 FROM ideas WHERE round_id = ?",
                                    [round_id]).fetchone()[0]
                db["ideas"].insert(
                    {
                        "id": new_id(), "round_id": round_id, "number": number, "group_id": group_id, "slot": slot,
                        "title": title, "detail": detail, "hidden": 0, "merged_into": None,
                        "created_at": now(), "updated_at": now(),
                    }
                )
            elif (row["title"], row["detail"]) != (title, detail):
                db["ideas"].update(row["id"], {"title": title, "detail": detail, "updated_at": now()})
        for row in existing.values():
            db.execute("UPDATE ideas SET merged_into = NULL WHERE merged_into = ?", [row["id"]])
            db.execute("DELETE FROM ideas WHERE id = ?", [row["id"]])
        if also is not None:
            also(db)
    return for_group(store, group_id)


def all_ideas(store: Store, gettext: Callable[[str], str] = str, round_id: str | None = None) -> list[dict]:
    """Every idea of a round (the current one) with its group and the groups that proposed it
    (merged ideas included, and for an idea drawn from an earlier round, that idea's proposers);
    groups without a name of their own are named in `gettext`'s language."""
    round_id = round_id or assembly.get(store)["round_id"]
    if store.scalar("SELECT kind FROM rounds WHERE id = ?", [round_id]) == "delegates":
        from . import delegates  # late: delegates builds on this module's neighbours

        return delegates.as_ideas(store, round_id)  # a delegates round's ballot lists its candidates
    rows = store.query(
        """SELECT ideas.*, groups.number AS group_number, groups.name AS group_name
           FROM ideas JOIN groups ON groups.id = ideas.group_id WHERE ideas.round_id = ?
           ORDER BY ideas.number""", [round_id]
    )
    by_id = {row["id"]: row for row in rows}
    for row in rows:
        row["group_name"] = assembly.group_name(row["group_number"], row["group_name"], gettext)
        row["proposers"] = [row["group_name"]]
        row["proposer_numbers"] = [row["group_number"]]
    for row in rows:
        target = by_id.get(row["merged_into"]) if row["merged_into"] else None
        if target is not None:
            target["proposers"].append(row["group_name"])
            target["proposer_numbers"].append(row["group_number"])
    drawn = [row for row in rows if row["origin_id"]]
    if drawn:
        origins = _origins(store, {row["origin_id"] for row in drawn}, gettext)
        for row in drawn:
            origin = origins.get(row["origin_id"])
            if origin is not None:
                row["proposers"], row["proposer_numbers"] = origin["proposers"], origin["proposer_numbers"]
    return rows


def _origins(store: Store, ids: set[str], gettext: Callable[[str], str]) -> dict[str, dict]:
    """The earlier rounds' ideas that `ids` name, with their proposers."""
    found: dict[str, dict] = {}
    rounds = {r["round_id"] for r in store.query(
        f"SELECT DISTINCT round_id FROM ideas WHERE id IN ({','.join('?' * len(ids))})", list(ids))}
    for earlier in rounds:
        found.update({row["id"]: row for row in all_ideas(store, gettext, earlier) if row["id"] in ids})
    return found


def visible(store: Store, gettext: Callable[[str], str] = str, round_id: str | None = None) -> list[dict]:
    """The ideas on a round's (the current round's) ballot: not hidden, not merged into another."""
    return [row for row in all_ideas(store, gettext, round_id) if not row["hidden"] and not row["merged_into"]]


def _moderate(store: Store) -> str:
    """The current round's id, if its ideas may be moderated now."""
    current = assembly.get(store)
    ballots = store.scalar("SELECT count(*) FROM ballots WHERE round_id = ?", [current["round_id"]])
    if not allows_moderation(current["phase"], ballots_cast=ballots):
        raise Conflict(
            "wrong_phase",
            N_("Ideas can be moderated during submission, or in voting before any ballot is cast."),
        )
    return current["round_id"]


def _idea(db, idea_id: str, round_id: str) -> dict:
    rows = list(db.query("SELECT * FROM ideas WHERE id = ? AND round_id = ?", [idea_id, round_id]))
    if not rows:
        raise NotFound("unknown_idea", N_("There is no such idea."))
    return rows[0]


def set_hidden(store: Store, idea_id: str, hidden: bool) -> None:
    round_id = _moderate(store)
    with store.write() as db:
        _idea(db, idea_id, round_id)
        db["ideas"].update(idea_id, {"hidden": int(hidden), "updated_at": now()})


def merge(store: Store, source_id: str, target_id: str) -> None:
    """Fold `source` into `target`: one idea on the ballot, both groups named as proposers."""
    round_id = _moderate(store)
    if source_id == target_id:
        raise DomainError("merge_self", N_("An idea cannot be merged into itself."))
    with store.write() as db:
        source = _idea(db, source_id, round_id)
        target = _idea(db, target_id, round_id)
        if target["merged_into"]:
            raise DomainError("merge_chain", N_("Merge into the idea that others were merged into."))
        # Anything already folded into the source follows it, so proposers are never lost.
        db.execute("UPDATE ideas SET merged_into = ? WHERE merged_into = ?", [target_id, source["id"]])
        db["ideas"].update(source_id, {"merged_into": target_id, "updated_at": now()})


def unmerge(store: Store, idea_id: str) -> None:
    round_id = _moderate(store)
    with store.write() as db:
        _idea(db, idea_id, round_id)
        db["ideas"].update(idea_id, {"merged_into": None, "updated_at": now()})
