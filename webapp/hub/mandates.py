"""Each venue's delegates and mandate, as its kit synced them.

A kit publishes its mandate (record type "mandate": the elected delegates in order, any tie at
the last seat, and the passed ideas of the rounds the organiser chose). A venue that has not
published one yet but has an election with results is still listed: its delegates are counted
here from its candidate and ballot records, by the same count the kit uses.
"""
from __future__ import annotations

import json

from webapp.domain.seats import elect
from webapp.domain.voting import BallotError, Rules
from webapp.storage import Store

from .ingest import kits


def _bodies(hub: Store, kit_id: str, record_type: str) -> list[dict]:
    rows = hub.query("SELECT body FROM records WHERE kit_id = ? AND record_type = ? AND op = 'upsert' "
                     "ORDER BY version", [kit_id, record_type])
    return [json.loads(row["body"]) for row in rows]


def counted(hub: Store, kit_id: str) -> dict | None:
    """The venue's latest delegates round with results, counted from its records (or None)."""
    rounds = [r for r in _bodies(hub, kit_id, "round") if r.get("kind") == "delegates" and r.get("phase") == "results"]
    if not rounds:
        return None
    round_ = max(rounds, key=lambda r: r["number"])
    standing = [c for c in _bodies(hub, kit_id, "candidate")
                if c.get("round_id") == round_["id"] and not c.get("withdrawn")]
    names = {c["id"]: c for c in standing}
    ballots = [b["choices"] for b in _bodies(hub, kit_id, "ballot") if b.get("round_id") == round_["id"]]
    try:
        count = elect(Rules.from_dict(round_["rules"]), [(c["id"], c["number"]) for c in standing], ballots,
                      int(round_.get("seats") or 1))
    except (BallotError, ValueError, TypeError):
        return None
    return {"round_number": round_["number"], "round_key": round_["round_key"], "question": round_["question"],
            "seats": count.seats, "ballots": count.ballots,
            "delegates": [{"order": n, "number": names[c]["number"], "name": names[c]["name"]}
                          for n, c in enumerate(count.elected, start=1)],
            "tied": [{"number": names[c]["number"], "name": names[c]["name"]} for c in count.tied]}


def venue_mandates(hub: Store) -> list[dict]:
    """Per enrolled kit: its delegates, any tie, and its mandate (empty until published)."""
    out = []
    for kit in kits(hub):
        published = _bodies(hub, kit["kit_id"], "mandate")
        entry = {"venue": kit["name"], "kit_id": kit["kit_id"], "published_at": None, "election": None,
                 "delegates": [], "tied": [], "rounds": [], "mandate": []}
        if published:
            record = published[-1]
            body = record.get("body") or {}
            entry.update({"published_at": record.get("published_at"), "election": body.get("election"),
                          "delegates": body.get("delegates") or [], "tied": body.get("tied") or [],
                          "rounds": body.get("rounds") or [], "mandate": body.get("mandate") or []})
        else:
            election = counted(hub, kit["kit_id"])
            if election is not None:
                entry.update({"election": {k: election[k] for k in ("round_number", "round_key", "question", "seats",
                                                                    "ballots")},
                              "delegates": election["delegates"], "tied": election["tied"]})
        if entry["published_at"] or entry["delegates"] or entry["tied"]:
            out.append(entry)
    return out
