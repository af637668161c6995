"""The kit's default language, chosen by the organiser, and translations away from a page.

A page's language is, in order: `?lang=` (a choice carried in every address the kit hands
out); then the phone's own language when it is one the kit speaks other than English; then
the kit's default language (English unless the organiser picks another). A phone that asks
for English does not override the organiser: nearly every phone in Wales asks for English,
Welsh speakers' too, so it says little, while a phone set to Welsh was set so on purpose.
Every page offers the switch, so anyone can still change.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from babel import Locale
from babel.support import NullTranslations, Translations

from webapp.domain.errors import N_, DomainError
from webapp.services.assembly import group_name
from webapp.storage import Store

SOURCE_LANGUAGE = "en"
SETTING = "kit.language"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def _catalogued() -> tuple[str, ...]:
    # English is the source; every other language is one catalogue: adding a language is
    # adding webapp/translations/<code>/LC_MESSAGES/messages.po (compiled by `make run`).
    found = sorted(path.parents[1].name for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
    return (SOURCE_LANGUAGE, *(code for code in found if code != SOURCE_LANGUAGE))


LANGUAGES = _catalogued()


def language_names(page_language: str) -> dict[str, str]:
    """Each language the kit speaks, named in `page_language` (from CLDR, not the catalogue)."""
    return {code: Locale.parse(code).get_display_name(page_language) or code for code in LANGUAGES}


def default_language(store: Store) -> str:
    """The organiser's choice of language for pages that name none (English until chosen)."""
    value = store.scalar("SELECT value FROM settings WHERE name = ?", [SETTING])
    return value if value in LANGUAGES else SOURCE_LANGUAGE


def set_default_language(store: Store, lang: str) -> None:
    if lang not in LANGUAGES:
        raise DomainError("bad_language", N_("The kit does not speak that language."))
    with store.write() as db:
        db["settings"].upsert({"name": SETTING, "value": lang}, pk="name")


@lru_cache(maxsize=None)  # one entry per language the kit speaks
def locale(code: str) -> Locale:
    """The babel Locale of a language in LANGUAGES, parsed once: parsing it for every page was a
    visible share of a small page's work."""
    return Locale.parse(code)


def phone_language(accepted: Iterable[tuple[str, float]]) -> str | None:
    """The first language the kit speaks in a phone's list (Accept-Language, best first), by
    its main tag: "cy-GB, en;q=0.5" is Welsh. (Werkzeug's best_match would pick the exact "en"
    over "cy-GB", and "cy" from "en-GB, cy;q=0.5", against the phone's order.)"""
    for value, quality in accepted:
        main = value.split("-")[0].split("_")[0].lower()
        if quality > 0 and main in LANGUAGES:
            return main
    return None


def page_language(carried: str | None, phone_best: str | None, store: Store) -> str:
    """The order described above: ?lang=, a phone's non-English language, the kit's default."""
    if carried in LANGUAGES:
        return carried
    if phone_best in LANGUAGES and phone_best != SOURCE_LANGUAGE:
        return phone_best
    return default_language(store)


@lru_cache(maxsize=8)
def _translations(lang: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS), [lang])


def translator(lang: str) -> Callable[[str], str]:
    """gettext for `lang` with no request behind it (exports, records sent to the hub)."""
    return _translations(lang).gettext


def group_record_for_upstream(record_type: str, body: dict, gettext: Callable[[str], str]) -> dict:
    """A group record as sent to the hub: a group without a name of its own (stored empty)
    goes as "Group N" in the kit's default language, so the hub has a name to show."""
    if record_type == "group" and "name" in body and not body["name"] and "number" in body:
        return {**body, "name": group_name(body["number"], body["name"], gettext)}
    return body
