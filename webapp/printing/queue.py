"""What the kit prints: payloads built from the assembly, queued as durable jobs."""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable
from urllib.parse import urlsplit

from webapp.boot import settings_file
from webapp.domain import codes, judgment, support
from webapp.domain.errors import N_, Conflict, DomainError, NotFound
from webapp.domain.phases import Phase
from webapp.services import assembly, auth, ballots, ideas, results
from webapp.services import clock as kit_clock
from webapp.services.common import new_id, now, whole_number
from webapp.storage import Store
from webapp.sync import identity

from . import paper

MAX_BATCH = 500


@dataclass(frozen=True)
class KitInfo:
    """What every slip needs to know about the kit: its name, Wi-Fi and address."""

    name: str  # `kit_name` from the settings file; slips print identity.kit_name() of it
    ssid: str
    password: str
    url: str  # the kit's address as phones reach it, ending in /

    @classmethod
    def from_config(cls, config, url: str) -> "KitInfo":
        return cls(config["KIT_NAME"], config["WIFI_SSID"], config["WIFI_PASSWORD"], url.rstrip("/") + "/")

    @property
    def address(self) -> str:
        return urlsplit(self.url).netloc


def kit_url(config, fallback: str | None = None) -> str:
    """The kit's address for printed QR codes: the portal address on a kit (phones reach its
    port 80, which the kit redirects to the app), else `fallback`, else this machine at the
    app's own port (`web_port`)."""
    if config.get("PORTAL_HOST"):
        return f"http://{config['PORTAL_HOST']}/"
    return fallback or f"http://127.0.0.1:{config.get('WEB_PORT', 8000)}/"


def _add(db, kind: str, payload: dict, label: str, batch: str | None) -> str:
    job_id = new_id()
    stamp = now()
    db["print_jobs"].insert({
        "id": job_id, "kind": kind, "payload": json.dumps(payload, ensure_ascii=False), "label": label,
        "batch": batch, "status": "queued", "attempts": 0, "created_at": stamp, "updated_at": stamp,
    })
    return job_id


def _group_card(kit: KitInfo, group: dict, query: str = "") -> dict:
    shown = codes.display(group["code"], codes.GROUP)
    # The number prints large on its own; a name is added only if the organiser gave one.
    name = "" if group["name"] in ("", f"Group {group['number']}") else group["name"]
    return {"group_number": group["number"], "group_name": name, "code": shown,
            "url": f"{kit.url}g/{group['code']}{query}", "address": kit.address,
            "ssid": kit.ssid, "password": kit.password}


def _slip(kit: KitInfo, code: str, query: str = "") -> dict:
    """`query` keeps the slip's language on the page its QR code opens (see paper.qr_query)."""
    return {"ballots": [{"code": codes.display(code, codes.BALLOT), "url": f"{kit.url}b/{code}{query}"}],
            "address": kit.address, "ssid": kit.ssid}


class OrganiserOnly(DomainError):
    status = 403


def _without_setup_code(store: Store, payload: dict) -> dict:
    """A kit-ready payload as it may print now: once an organiser has signed up, without the code.

    A setup code resets the organiser passphrase, so after sign-up no slip carries one, whoever
    prints it (button, page, reprint); a lost passphrase is reset from the kit's console.
    """
    if auth.has_organiser(store):
        return {k: v for k, v in payload.items() if k not in ("setup_code", "setup_url")}
    return payload


def kit_ready(store: Store, kit: KitInfo, *, only_if_no_organiser: bool = False) -> str | None:
    """Queue the kit-ready slip (Wi-Fi, address; the setup code only before sign-up).
    Skipped if one is already queued."""
    if only_if_no_organiser and auth.has_organiser(store):
        return None
    payload = {"kit_name": identity.kit_name(store, kit.name), "ssid": kit.ssid, "password": kit.password,
               "url": kit.url, **paper.extras(store, "kit_ready")}
    if not auth.has_organiser(store):
        payload |= {"setup_code": codes.display(auth.setup_code(store), codes.SETUP),
                    "setup_url": f"{kit.url}organiser/signin"}
    with store.write() as db:
        if db.execute("SELECT 1 FROM print_jobs WHERE kind = 'kit_ready' AND status = 'queued'").fetchone():
            return None
        return _add(db, "kit_ready", payload, "Kit-ready slip", None)


def group_cards(store: Store, kit: KitInfo, slips_per_group: object, group_ids: list[str] | None = None,
                *, large_print: bool = False) -> str:
    """Queue every group's card (or the named groups'), each followed by its ballot slips."""
    slips = whole_number(slips_per_group, field=N_("ballot slips per group"), low=0, high=50)
    groups = [g for g in assembly.groups(store) if group_ids is None or g["id"] in group_ids]
    if not groups:
        raise DomainError("no_groups", N_("There are no groups yet: set the number of groups first."))
    fresh: list[str] = []
    while len(fresh) < slips * len(groups):
        fresh += ballots.issue_codes(store, min(1000, slips * len(groups) - len(fresh)))
    batch = new_id()
    query = paper.qr_query(store)
    card = paper.extras(store, "group_card", large_print=large_print, wifi_password=bool(kit.password))
    slip = paper.extras(store, "ballot_slip", large_print=large_print)
    with store.write() as db:
        for index, group in enumerate(groups):
            _add(db, "group_card", {**_group_card(kit, group, query), **card}, f"Group card {group['number']}", batch)
            for code in fresh[index * slips : (index + 1) * slips]:
                _add(db, "ballot_slip", {**_slip(kit, code, query), **slip},
                     f"Ballot slip {codes.display(code, codes.BALLOT)}", batch)
    return batch


def next_group_card(store: Store, kit: KitInfo, slips_per_group: int) -> str:
    """The Print button: the next group whose card has not been queued, with its slips; once
    every group has its card, another run of ballot slips."""
    queued = {json.loads(r["payload"]).get("group_number") for r in store.query(
        "SELECT payload FROM print_jobs WHERE kind = 'group_card' AND status != 'cancelled'")}
    for group in assembly.groups(store):
        if group["number"] not in queued:
            return group_cards(store, kit, slips_per_group, [group["id"]])
    return ballot_slips(store, kit, slips_per_group)


def ballot_slips(store: Store, kit: KitInfo, count: object, *, large_print: bool = False) -> str:
    """Issue `count` new ballot codes and queue a slip for each."""
    count = whole_number(count, field=N_("number of ballot slips"), low=1, high=MAX_BATCH)
    fresh = ballots.issue_codes(store, count)
    batch = new_id()
    query = paper.qr_query(store)
    slip = paper.extras(store, "ballot_slip", large_print=large_print)
    with store.write() as db:
        for code in fresh:
            _add(db, "ballot_slip", {**_slip(kit, code, query), **slip},
                 f"Ballot slip {codes.display(code, codes.BALLOT)}", batch)
    return batch


def paper_ballots(store: Store, count: object, *, large_print: bool = False) -> str:
    """Issue `count` new codes and queue a paper ballot listing every idea for each."""
    count = whole_number(count, field=N_("number of paper ballots"), low=1, high=MAX_BATCH)
    state = assembly.get(store)
    if state["phase"] is not Phase.VOTING:
        raise Conflict("wrong_phase", N_("Paper ballots list the final ideas, so they print once voting is open."))
    on_ballot = sorted(ideas.visible(store), key=lambda i: i["number"])
    if not on_ballot:
        raise Conflict("no_ideas", N_("There are no ideas to put on a paper ballot yet."))
    rules = state["rules"].as_dict()
    fresh = ballots.issue_codes(store, count)
    batch = new_id()
    # Idea titles and the question print as written, in whatever language they were written.
    extra = paper.extras(store, "paper_ballot", large_print=large_print)
    with store.write() as db:
        for code in fresh:
            payload = {"code": codes.display(code, codes.BALLOT), "question": state["question"],
                       "method": rules["method"], "max_choices": rules["max_choices"], "points": rules["points"],
                       "max_per_idea": rules["max_per_idea"],
                       "ideas": [{"number": i["number"], "title": i["title"]} for i in on_ballot], **extra}
            _add(db, "paper_ballot", payload, f"Paper ballot {codes.display(code, codes.BALLOT)}", batch)
    return batch


def results_slip(store: Store, kit: KitInfo, *, large_print: bool = False) -> str:
    """Queue the results slip; only once the results are revealed."""
    state = assembly.get(store)
    if not (state["phase"] is Phase.RESULTS and state["revealed"]):
        raise Conflict("not_revealed", N_("The results slip can be printed once the results are revealed."))
    counts = assembly.counts(store)
    unit = "votes" if state["rules"].method == "approval" else "points"
    language = paper.choice(store)
    board = results.leaderboard(store)
    method = state["rules"].method
    payload = {"question": state["question"], "kit_name": identity.kit_name(store, kit.name),
               "results": [{"title": r["title"], "count": r["score"],
                            "line": _result_line(language, method, unit, r), **_levels(r)}
                           for r in board],
               "ballots_cast": counts["ballots_cast"], "ballots_issued": counts["ballots_issued"],
               # Empty when the kit's clock was never set: the slip says "time unknown", not 1970.
               "time": kit_clock.stamp(store) or "",
               "unit": unit, **paper.extras(store, "results_slip", large_print=large_print)}
    keys = next((list(r["levels"]) for r in board if r.get("levels")), None)
    if keys and method in LEVEL_NAMES:
        payload["level_names"] = [_in_paper_language(language, LEVEL_NAMES[method].get(key, str(key)))
                                  for key in keys]
    with store.write() as db:
        return _add(db, "results_slip", payload, "Results slip", None)


# What each level of a graded method is called, by its stored value (best first in a tally's
# `levels`): the legend of the chart and of the results slip's segmented bars.
LEVEL_NAMES: dict[str, dict[int, str]] = {"support": support.LEVEL_NAMES, "judgment": judgment.GRADE_NAMES}
SUPPORT_LINES = (N_("%(num)d%% in support · passes"), N_("%(num)d%% in support · does not pass"))
JUDGMENT_LINE = N_("Majority grade: %(grade)s")


def _in_paper_language(language: str, text: str, **params: object) -> str:
    return paper.bilingual([paper.catalogue(lang).gettext(text) % params if params else
                            paper.catalogue(lang).gettext(text) for lang in paper.CHOICES[language]])


def _result_line(language: str, method: str, unit: str, row: dict) -> str:
    """An idea's result worded for the slip: its share and pass or fail (support levels), its
    majority grade (majority judgment), else its count with the unit."""
    if method == "support" and row.get("levels") is not None:
        return _in_paper_language(language, SUPPORT_LINES[0 if row.get("passed") else 1], num=row["score"])
    if method == "judgment" and row.get("levels") is not None:
        grade = judgment.GRADE_NAMES.get(row.get("median") or 0)
        if grade:
            return paper.bilingual([paper.catalogue(lang).gettext(JUDGMENT_LINE)
                                    % {"grade": paper.catalogue(lang).gettext(grade)}
                                    for lang in paper.CHOICES[language]])
    return paper.result_line(language, unit, row["score"])


def _levels(row: dict) -> dict:
    """A graded row's counts per level (best first: support levels, grades), for a segmented bar."""
    levels = row.get("levels")
    return {"levels": [int(count) for count in levels.values()]} if levels else {}


def mandate_slip(store: Store, kit: KitInfo, *, large_print: bool = False) -> str:
    """Queue the mandate slip: the elected delegates and the mandate's ideas (see
    webapp.services.delegates.mandate); once there is an election result or a passed idea."""
    from webapp.services import delegates

    language = paper.choice(store)
    first = paper.CHOICES[language][0]
    gettext = paper.catalogue(first).gettext
    data = delegates.mandate(store, identity.kit_name(store, kit.name), gettext)
    if not data["delegates"] and not data["tied"] and not data["mandate"]:
        raise Conflict("no_mandate", N_("There is no mandate to print yet: no election result and no passed idea."))
    units = {"approval": "votes"}
    items = []
    for item in data["mandate"]:
        row = {"score": item["score"], "passed": True, "median": item["median"], "levels": {}}  # all passed
        # Worded as on the results slip: share and "passes", majority grade, or the count.
        line = _result_line(language, item["method"], units.get(item["method"], "points"), row)
        items.append({"round": item["round_number"], "title": item["title"], "line": line})
    payload = {"kit_name": data["kit_name"], "time": kit_clock.stamp(store) or "",
               "delegates": [{"order": p["order"], "name": p["name"]} for p in data["delegates"]],
               "tied": [p["name"] for p in data["tied"]], "items": items,
               **paper.extras(store, "mandate_slip", large_print=large_print)}
    with store.write() as db:
        return _add(db, "mandate_slip", payload, "Mandate slip", None)


def settings_problem(store: Store, kit: KitInfo, problems: list[settings_file.SettingsProblem],
                     gettext: Callable[[str], str] = str) -> str | None:
    """Queue the *settings problem* slip (file, line, what is wrong, what was used instead);
    nothing when there are no problems or the same slip is already waiting."""
    if not problems:
        return None
    payload = settings_file.slip_payload(identity.kit_name(store, kit.name), problems, gettext)
    stored = json.dumps(payload, ensure_ascii=False)
    with store.write() as db:
        if db.execute("SELECT 1 FROM print_jobs WHERE kind = 'settings_problem' AND status = 'queued' "
                      "AND payload = ?", [stored]).fetchone():
            return None
        return _add(db, "settings_problem", payload, "Settings problem slip", None)


def reprint(store: Store, job_id: str, *, by_organiser: bool = False) -> str:
    """Queue the same slip again (a jammed card, a lost slip): same code, same payload.

    The kit-ready slip is the organiser's alone (before sign-up it carries the setup code)."""
    row = store.one("SELECT kind, payload, label FROM print_jobs WHERE id = ?", [job_id])
    if row is None:
        raise NotFound("unknown_job", N_("There is no such print job."))
    payload = json.loads(row["payload"])
    if row["kind"] == "kit_ready":
        if not by_organiser:
            raise OrganiserOnly("organiser_only", N_("Only the organiser can print the kit-ready slip."))
        payload = _without_setup_code(store, payload)
    with store.write() as db:
        return _add(db, row["kind"], payload, f"{row['label']} (again)", None)


def cancel(store: Store, job_id: str) -> None:
    with store.write() as db:
        changed = db.execute("UPDATE print_jobs SET status = 'cancelled', updated_at = ? "
                             "WHERE id = ? AND status = 'queued'", [now(), job_id]).rowcount
        if not changed:
            raise Conflict("not_queued", N_("Only a job still waiting in the queue can be cancelled."))


def cancel_all(store: Store) -> int:
    with store.write() as db:
        return db.execute("UPDATE print_jobs SET status = 'cancelled', updated_at = ? WHERE status = 'queued'",
                          [now()]).rowcount


def jobs(store: Store, limit: int = 50) -> list[dict]:
    """The newest jobs first, for the steward's queue.

    `next_try_in_s` counts seconds from now on the kit's own clock (its date may be wrong, the
    difference is right); None when no retry is planned. `reprint`: it was cut off part-way
    and prints (or printed) marked REPRINT; `replaced_by`: the job with the fresh code(s).
    """
    rows = store.query(
        "SELECT id, kind, label, batch, status, attempts, last_error, next_attempt_at, reprint, replaced_by, "
        "created_at, printed_at FROM print_jobs ORDER BY seq DESC LIMIT ?", [limit])
    current = time.time()
    for row in rows:
        due = row.pop("next_attempt_at")
        waiting = due is not None and row["status"] == "queued"
        row["next_try_in_s"] = max(0, math.ceil(datetime.fromisoformat(due).timestamp() - current)) if waiting else None
        row["reprint"] = bool(row["reprint"])
    return rows


def progress(store: Store) -> dict:
    """Queue totals and each unfinished batch's progress (printed of all)."""
    totals = {r["status"]: r["n"] for r in store.query("SELECT status, count(*) AS n FROM print_jobs GROUP BY status")}
    batches = store.query(
        """SELECT batch, count(*) AS total, sum(status = 'printed') AS printed, min(created_at) AS started
           FROM print_jobs WHERE batch IS NOT NULL GROUP BY batch
           HAVING sum(status IN ('queued', 'printing')) > 0 ORDER BY started""")
    return {"queued": totals.get("queued", 0) + totals.get("printing", 0), "printed": totals.get("printed", 0),
            "failed": totals.get("failed", 0), "batches": batches}
