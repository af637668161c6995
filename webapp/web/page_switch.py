"""The switches every page offers, the language and (participant pages) large print: each leads
to this same page with one choice changed.

"This same page" is the page's own address without its one-off query (a "saved" note, a typed
code): opening a code lookup again would count as another guess at a code, so its switch leads to
the page where the code is typed instead. A page shown for a form posted to an action address of
its own (an expired form's error) switches to the page that shows that form.
"""
from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from babel import Locale
from flask import Flask, current_app, request, url_for
from flask_babel import get_locale
from werkzeug.exceptions import HTTPException

from webapp.errors import fresh_form_url
from webapp.services.kit_language import LANGUAGES

# Pages reached by typing a code, and where the code is typed instead.
CODE_LOOKUPS = {"participant.find_group": "participant.landing", "participant.find_ballot": "participant.landing",
                "steward.find_paper": "steward.dashboard"}
# Query items that are not one-off: where a sign-in page goes next survives a switch.
KEPT_QUERY = ("next",)


def this_page() -> tuple[str, dict]:
    """The endpoint and values of this page, to build its address with one choice changed."""
    rule = request.url_rule
    if rule is not None and request.method in ("GET", "HEAD"):
        # The rule this GET already matched: matching the path again for each switch was a
        # visible share of a page's work.
        endpoint, args = rule.endpoint, request.view_args or {}
    else:
        adapter = current_app.url_map.bind("")
        try:
            endpoint, args = adapter.match(request.path, method="GET")
        except HTTPException:
            endpoint, args = _page_of_action(adapter)
    if endpoint in CODE_LOOKUPS:
        return CODE_LOOKUPS[endpoint], {}
    kept = {name: request.args[name] for name in KEPT_QUERY if request.args.get(name)}
    return endpoint, {**args, **kept}


def _page_of_action(adapter) -> tuple[str, dict]:
    # An address that only takes a POST (or none at all): the page whose form posts there, as
    # an expired form's error page offers, else the start page.
    try:
        return adapter.match(urlsplit(fresh_form_url()).path, method="GET")
    except HTTPException:
        return "participant.landing", {}


@cache
def own_name(code: str) -> str:
    """A language named in itself ("Cymraeg", "English"), as a switch shows it to its readers."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def languages() -> list[dict]:
    """Each language the kit speaks, named in itself, with this page's address in it (the
    current one has none: it is where the reader already is). The address carries large print
    if it is on, as every address does."""
    current = str(get_locale())
    endpoint, args = this_page()
    return [{"code": code, "name": own_name(code), "current": code == current,
             "url": None if code == current else url_for(endpoint, **{**args, "lang": code})}
            for code in LANGUAGES]


def install(app: Flask) -> None:
    app.jinja_env.globals.update(language_switch=languages)
