"""The words on printed slips: English, Welsh, or both with Welsh first, as the organiser chose.

Slips are queued by the steward page, the API, the kit's buttons and the boot step, most of
them outside any web request, and print in the paper's language whoever asked. So the words
are looked up here in the catalogue for that language (not the reader's) and handed to
printer/ as data inside the job: a reprint after a restart prints the very same words.
"""
from __future__ import annotations

import functools
from typing import Callable

from babel.support import NullTranslations, Translations

from webapp.domain import judgment, support
from webapp.domain.errors import N_, NP_, DomainError
from webapp.services import kit_language
from webapp.storage import Store

TRANSLATIONS = kit_language.TRANSLATIONS
SETTING = "paper.language"
# Each choice is the languages printed, in order: Welsh public bodies print Welsh first.
CHOICES: dict[str, tuple[str, ...]] = {"en": ("en",), "cy": ("cy",), "cy+en": ("cy", "en")}
CHOICE_NAMES = {"en": N_("English"), "cy": N_("Welsh"), "cy+en": N_("Welsh and English (Welsh first)")}
# Bilingual labels up to this many characters in all share a line: "Cod grŵp / Group code".
SHARED_LINE = 40
# Titles print large: each language gets its own line rather than one broken at the "/".
TITLES = {"kit_ready_title", "organiser_setup", "group_title", "paper_ballot_title", "results_title", "mandate_title"}

# The fixed wording of every slip, keyed as printer/layouts.py LABELS (the English there is
# the msgid here; tests/printing/test_paper_language.py keeps the two the same). Left out: the
# settings slip's (worded in webapp/boot/settings_file.py), the results line (worded per line
# below) and "{time} · {kit_name}", which has no words.
SLIP_LABELS = {
    "kit_ready_title": N_("Kit ready"),
    "wifi_network": N_("Wi-Fi: {ssid}"),
    "wifi_password": N_("Password: {password}"),
    "wifi_open": N_("Open network (no password)"),
    "scan_wifi": N_("Scan to join the Wi-Fi"),
    "kit_address": N_("Address: {url}"),
    "organiser_setup": N_("Organiser setup"),
    "setup_code": N_("Setup code"),
    "scan_setup": N_("Scan to set up the kit"),
    "setup_private": N_("Keep this slip private: the setup code lets someone run the assembly."),
    "group_title": N_("Group {number}"),
    "qr_join": N_("1. Join the Wi-Fi"),
    "qr_group": N_("2. Open your group page"),
    "group_code": N_("Group code"),
    "step_wifi": N_("1. Join the Wi-Fi \u201c{ssid}\u201d ({password_note})"),
    "step_wifi_password": N_("password: {password}"),
    "step_wifi_open": N_("no password"),
    "step_stay": N_("2. If your phone asks 'Stay connected?', tap Yes"),
    "step_open": N_("3. Open {address} and type the code"),
    "ballot_code": N_("Your ballot code"),
    "how_to_vote": N_("Open {address} and type this code to vote."),
    "how_to_vote_wifi": N_("Join the Wi-Fi \u201c{ssid}\u201d, open {address} and type this code to vote."),
    "keep_slip": N_("Keep this slip: it is your vote"),
    "paper_ballot_title": N_("Paper ballot"),
    "paper_ballot_code": N_("Ballot code"),
    "approval_instructions": N_("Tick up to {max_choices} ideas."),
    "dot_instructions": N_("Share {points} points between the ideas, at most {max_per_idea} per idea: "
                           "write the points in the boxes."),
    "ranked_instructions": N_("Rank your top {max_choices}: write 1 by your favourite, 2 by the next, and so on."),
    "support_instructions": N_("For each recommendation, tick one box: how much you support it. "
                               "Leave it blank if you do not want to mark it."),
    "judgment_instructions": N_("For each idea, tick one box: the grade you give it. An idea left blank counts as Reject."),
    # The marks' names, as the ballot page gives them (webapp/domain/support.py, judgment.py).
    **{f"support_{value}": name for value, name in support.LEVEL_NAMES.items()},
    **{f"judgment_{value}": name for value, name in judgment.GRADE_NAMES.items()},
    "paper_ballot_footer": N_("Give this ballot to a steward."),
    "paper_ballot_part": N_("Part {part} of {parts}"),
    "paper_ballot_more": N_("More ideas on the next slip: keep the slips together."),
    "results_title": N_("Results"),
    "ballots_cast": N_("Ballots cast: {cast} of {issued} issued"),
    "time_unknown": N_("time unknown"),
    "reprint": N_("REPRINT"),
    "mandate_title": N_("Mandate"),
    "mandate_delegates": N_("Delegates"),
    "mandate_tied": N_("Tied for the last seat, to be settled:"),
    "mandate_ideas": N_("Decisions they carry"),
    "mandate_round": N_("Round {round}"),
    "mandate_none": N_("None yet"),
}
KIND_LABELS = {
    "kit_ready": ("kit_ready_title", "wifi_network", "wifi_password", "wifi_open", "scan_wifi", "kit_address",
                  "organiser_setup", "setup_code", "scan_setup", "setup_private"),
    "group_card": ("group_title", "qr_join", "qr_group", "group_code", "step_wifi", "step_wifi_password",
                   "step_wifi_open", "step_stay", "step_open"),
    "ballot_slip": ("ballot_code", "how_to_vote", "how_to_vote_wifi", "keep_slip"),
    "paper_ballot": ("paper_ballot_title", "paper_ballot_code", "approval_instructions", "dot_instructions",
                     "ranked_instructions", "paper_ballot_footer", "paper_ballot_part", "paper_ballot_more",
                     "support_instructions", "judgment_instructions",
                     *(f"support_{v}" for v in support.LEVELS), *(f"judgment_{v}" for v in judgment.GRADES)),
    "results_slip": ("results_title", "ballots_cast", "time_unknown"),
    "mandate_slip": ("mandate_title", "mandate_delegates", "mandate_tied", "mandate_ideas", "mandate_round",
                     "mandate_none", "time_unknown"),
}
# A results line, counted in the catalogue's plural forms (Welsh has six).
# NP_, not two N_: ngettext finds only a plural entry, which two single marks never make.
RESULT_LINES = {
    "votes": NP_("%(num)d vote", "%(num)d votes"),
    "points": NP_("%(num)d point", "%(num)d points"),
}


@functools.lru_cache(maxsize=8)
def catalogue(lang: str) -> NullTranslations:
    """The kit's catalogue for `lang`; English (the msgids) needs none."""
    if lang == "en":
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS), [lang], "messages")


def choice(store: Store) -> str:
    """The organiser's paper language; until set, the kit's default language alone."""
    value = store.scalar("SELECT value FROM settings WHERE name = ?", [SETTING])
    return value if value in CHOICES else kit_language.default_language(store)


def set_choice(store: Store, value: object) -> str:
    if value not in CHOICES:
        raise DomainError("bad_paper_language", N_("Choose English, Welsh, or Welsh and English for printed slips."))
    with store.write() as db:
        db["settings"].upsert({"name": SETTING, "value": value}, pk="name")
    return str(value)


def qr_query(store: Store, value: str | None = None) -> str:
    """What a slip's QR address adds so the page opens in the slip's language: nothing for the
    kit's default language or a bilingual slip (its reader may prefer either)."""
    langs = CHOICES[value or choice(store)]
    return f"?lang={langs[0]}" if len(langs) == 1 and langs[0] != kit_language.default_language(store) else ""


def bilingual(texts: list[str], title: bool = False) -> str:
    """One label in several languages, first language first: on one line when short, else
    each language's wording as its own block."""
    unique = list(dict.fromkeys(texts))
    if not title and sum(len(t) for t in unique) + 3 * (len(unique) - 1) <= SHARED_LINE:
        return " / ".join(unique)
    return "\n".join(unique)


def _gettexts(value: str) -> list[Callable[[str], str]]:
    return [catalogue(lang).gettext for lang in CHOICES[value]]


def labels(kind: str, value: str, *, wifi_password: bool = True) -> dict[str, str]:
    """The translated labels a job of `kind` prints with, for paper language `value`."""
    gettexts = _gettexts(value)
    keys = KIND_LABELS.get(kind, ()) + ("reprint",)
    out = {key: bilingual([g(SLIP_LABELS[key]) for g in gettexts], key in TITLES) for key in keys}
    if kind == "group_card" and len(gettexts) > 1:
        # The Wi-Fi note goes inside each language's own sentence, not twice in both.
        note = "step_wifi_password" if wifi_password else "step_wifi_open"
        out["step_wifi"] = bilingual([g(SLIP_LABELS["step_wifi"]).replace("{password_note}", g(SLIP_LABELS[note]))
                                      for g in gettexts])
    return out


def result_line(value: str, unit: str, count: int) -> str:
    """"42 votes" in the paper's language(s), with the right plural form for each."""
    singular, plural = RESULT_LINES[unit]
    lines = []
    for lang in CHOICES[value]:
        try:
            lines.append(catalogue(lang).ngettext(singular, plural, count) % {"num": count})
        except (KeyError, TypeError, ValueError):  # a translation with a broken placeholder
            lines.append((singular if count == 1 else plural) % {"num": count})
    return bilingual(lines)


def extras(store: Store, kind: str, *, large_print: bool = False, wifi_password: bool = True) -> dict:
    """What a job of `kind` adds to its payload: the labels for the paper language (which is
    kept too, for the record) and large print when asked."""
    value = choice(store)
    out: dict = {"labels": labels(kind, value, wifi_password=wifi_password), "paper_language": value}
    if large_print:
        out["large_print"] = True
    return out
