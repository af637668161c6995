"""Helpers for the catalogue and pseudo-locale checks: extract the marked strings as `make
messages` does (in memory, never touching the repository's .pot), read a page's visible text."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

ROOT = Path(__file__).resolve().parents[2]
WEBAPP = ROOT / "webapp"
TEMPLATES = WEBAPP / "templates"
CY_PO = WEBAPP / "translations" / "cy" / "LC_MESSAGES" / "messages.po"
# The folders `make messages` extracts from.
SOURCES = ("webapp", "printer")
# The keywords `make messages` passes (-k N_ -k _l -k NP_:1,2) on top of Babel's own.
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "_l": None, "NP_": (1, 2)}

# Attributes people read (or hear): a screen reader speaks title, alt and aria-label; a
# placeholder shows in an empty field; a button's value is its text; data-label is drawn by the
# stylesheet in front of a cell when a table reflows on a narrow screen; data-announce is what
# live.js puts in the polite live region when a live screen changes.
READ_ATTRIBUTES = ("title", "alt", "aria-label", "aria-description", "placeholder", "data-label", "label",
                   "data-announce")
BUTTON_TYPES = ("submit", "button", "reset")

# Text that is the same in every language, each with why.
ALLOWED = {
    "venuekit",  # the product's name
    "Cymraeg",   # the language switch names Welsh in Welsh, whatever the page's language
    "English",   # ...and English in English, as language switches do
    "Welsh",     # the organiser's list of languages is named by CLDR (babel.Locale), not the
                 # catalogue: in the pseudo-locale (English underneath) it reads English, Welsh
    "csv", "json",  # export file formats, as in the file names
    "mock", "lgpio",  # the buttons' GPIO driver names (pi.config.PIN_FACTORIES), as configured
}

# Whole pieces that are the same in every language, each with why.
ALLOWED_PATTERNS = (
    re.compile(r"(?<![\w-])[0-9A-Z]{3,4}(?:-[0-9A-Z]{3})+(?![\w-])"),  # a code, or its shape (ABC-DEF-GHJ)
    re.compile(r"https?://\S+"),  # an address, such as an example hub address
    re.compile(r"(?<![\w.])\w+\.(?:csv|json|toml)(?!\w)"),  # a file's name: an export, the settings
    re.compile(r"\d{4}-\d\d-\d\d(?:T\d\d:\d\d(?::\d\d)?)?"),  # a time in ISO 8601
)

LETTERS = re.compile(r"[^\W\d_]")
# Placeholders: %(name)s, %s / %d, and {name} (the printed slips' labels).
PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[-#0 +]*\d*(?:\.\d+)?[sdifrx]|%[sdifrx]|\{[A-Za-z_]\w*\}")


def extract() -> Catalog:
    """Every marked message in webapp/ and printer/ (whose errors the pages show), by
    babel.cfg's mapping and the Makefile's keywords."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    catalog = Catalog()
    for folder in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT / folder), method_map, options_map, keywords=KEYWORDS, comment_tags=(), strip_comment_tags=True
        ):
            catalog.add(message, None, [(f"{folder}/{filename}", lineno)], auto_comments=comments, context=context)
    return catalog


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def translation_problems(source: Catalog, po: Catalog) -> list[str]:
    """Each marked message whose Welsh is missing, empty, fuzzy or has other placeholders."""
    problems = []
    for message in source:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        where = f"{ids[0]!r}" + "".join(f" ({file}:{line})" for file, line in message.locations[:1])
        found = po.get(message.id, context=message.context)
        if found is None:
            problems.append(f"no Welsh entry: {where}")
            continue
        if found.fuzzy:
            problems.append(f"Welsh marked fuzzy (not used): {where}")
            continue
        strings = found.string if isinstance(found.string, (tuple, list)) else (found.string,)
        if len(ids) > 1 and len(strings) != po.num_plurals:
            problems.append(f"Welsh has {len(strings)} plural forms, not {po.num_plurals}: {where}")
        if not all(s and s.strip() for s in strings):
            problems.append(f"Welsh missing or empty: {where}")
            continue
        wanted = set().union(*(placeholders(i) for i in ids))
        if len(ids) == 1:
            if placeholders(strings[0]) != wanted:
                problems.append(f"placeholders differ ({sorted(placeholders(strings[0]))} vs "
                                f"{sorted(wanted)}): {where}")
        else:
            # A plural form may leave the number out ("one idea"), never add one of its own.
            got = [placeholders(s) for s in strings]
            if any(not g <= wanted for g in got) or set().union(*got) != wanted:
                problems.append(f"plural placeholders differ ({[sorted(g) for g in got]} vs {sorted(wanted)}): "
                                f"{where}")
    return problems


SKIPPED = ("script", "style", "template", "code", "kbd", "samp")


class _Reader(HTMLParser):
    """Collects text nodes and read attribute values, outside script and style, and outside
    code/kbd/samp: a code or a command line is typed as shown, whatever the language."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self._skip += 1
        attrs = dict(attrs)
        for name in READ_ATTRIBUTES:
            if attrs.get(name):
                self.found.append(attrs[name])
        if tag == "input" and (attrs.get("type") or "").lower() in BUTTON_TYPES and attrs.get("value"):
            self.found.append(attrs["value"])
        if tag == "meta" and attrs.get("name") == "description" and attrs.get("content"):
            self.found.append(attrs["content"])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in SKIPPED:
            self._skip -= 1

    def handle_endtag(self, tag):
        if tag in SKIPPED and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.found.append(data)


def read_text(html: str) -> list[str]:
    """The pieces of text a person reads or hears on `html` (a page or a template)."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return [" ".join(piece.split()) for piece in reader.found]


def has_words(text: str, allowed: set[str] = ALLOWED, letters: re.Pattern = LETTERS) -> bool:
    """Whether `text` holds `letters` other than the allowed words and pieces."""
    for pattern in ALLOWED_PATTERNS:
        text = pattern.sub(" ", text)
    for word in allowed:
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", " ", text)
    return bool(letters.search(text))


# Jinja: comments go; expressions and statements become a mark that holds no letters.
_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
# Template blocks that are stylesheets, whose <style> tag is in the parent template.
_STYLE_BLOCK = re.compile(r"\{%-?\s*block\s+(\w*style\w*)\s*-?%\}.*?\{%-?\s*endblock(?:\s+\1)?\s*-?%\}", re.S)


# A macro may write attributes into its caller's tag: they read as text here.
_BARE_ATTRIBUTE = re.compile(r"(?<![\w-])([\w-]+)=\"[^\"]*\"")


def template_text(source: str) -> list[str]:
    """Text in a template that is outside every {{ }} and {% %}: it cannot be translated."""
    source = _JINJA_COMMENT.sub("", source)
    source = _STYLE_BLOCK.sub("", source)
    source = _JINJA.sub("\x00", source)
    pieces = [piece.replace("\x00", " ").strip() for piece in read_text(source)]
    return [_BARE_ATTRIBUTE.sub(lambda m: m.group(0) if m.group(1) in READ_ATTRIBUTES else " ", piece)
            for piece in pieces]
