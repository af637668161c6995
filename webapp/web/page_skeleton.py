"""`skeleton_page(template, key, code, view, chosen, fill, make_context)`: a ballot's page, made once per kind of
page and then filled in for each ballot.

Two ballot pages that show the same round in the same language and display options differ
only in a few strings: the code (in the form's action and the language and print switches'
addresses), the code as printed, the form's token, and the ideas in the ballot's own order.
Rendering the whole template for every phone was most of a vote's work, so the page is
rendered once, for a stand-in code in a stand-in request (the same headers and query, the path
with the stand-in code), with a mark in place of each of those strings, and every later ballot
only replaces the marks. The marks are random per process, so nothing a participant or
organiser types can forge one; they are made of letters and digits, so neither HTML escaping
nor URL quoting changes them. What replaces them needs no escaping either: the code is the
canonical one (any other spelling was redirected to it), letters and digits like the printed
code and the token; the ideas come already escaped.

The ideas come from `each_idea` (fragments.py) as on any page: while the skeleton is rendered
it returns a mark and notes which macro and extra arguments the template asked for; each ballot
then calls it with its own view and choices. `key` must hold everything else the page depends
on besides the request's language and display options (added here): the content version,
whether the ballot has voted, the method. Entries are bounded like the fragments. With the
setting PAGE_SKELETONS off, every page is rendered in full (tests compare the two).
"""
from __future__ import annotations

import re
import secrets
import threading
from typing import Any, Callable

from cachetools import LRUCache
from flask import current_app, render_template, request, url_for
from markupsafe import Markup

from .fragments import page_options

MAX_SKELETONS = 256


def _mark(name: str) -> str:
    return f"vk{name}{secrets.token_hex(12)}"


CODE, SHOWN_CODE, TOKEN, IDEAS = (_mark(n) for n in ("code", "shown", "token", "ideas"))
MARKS = re.compile(f"({CODE}|{SHOWN_CODE}|{TOKEN}|{IDEAS})")  # split() keeps the marks (odd places)


class Skeletons:
    def __init__(self, maxsize: int = MAX_SKELETONS):
        self.cache: LRUCache = LRUCache(maxsize=maxsize)
        self.lock = threading.Lock()

    def page(self, template: str, key: tuple, code: str, view: dict, chosen: dict, fill: dict[str, str],
             make_context: Callable[[str, str], dict[str, Any]]) -> str:
        """The page for this ballot: `fill` maps SHOWN_CODE (and TOKEN if the page has a form) to
        their text here; `make_context(code, shown code)`, called only to render, gives the
        template's values."""
        if not current_app.config.get("PAGE_SKELETONS", True):  # every page rendered in full
            return render_template(template, **make_context(code, fill[SHOWN_CODE]))
        full_key = (template, key, page_options(), request.script_root)
        with self.lock:
            found = self.cache.get(full_key)
        if found is None:
            found = self._render(template, make_context)
            with self.lock:
                self.cache[full_key] = found
        parts, idea_call = found
        ideas = current_app.extensions["venuekit_fragments"].each_idea(view, chosen, *idea_call) if idea_call else ""
        fills = {CODE: code, SHOWN_CODE: fill[SHOWN_CODE], TOKEN: fill.get(TOKEN, ""), IDEAS: ideas}
        # One join over the skeleton cut at its marks: no copy of the whole page per mark.
        return "".join([fills[part] if index % 2 else part for index, part in enumerate(parts)])

    @staticmethod
    def _render(template: str, make_context: Callable[[str, str], dict[str, Any]]) -> tuple[list[str], tuple | None]:
        """The page for the stand-in code, cut at its marks: text, mark, text, ..., text."""
        asked: list[tuple] = []

        def each_idea(_view, _chosen, macro, *extra) -> Markup:
            asked.append((macro, *extra))
            return Markup(IDEAS)

        environ = dict(request.environ)
        environ["PATH_INFO"] = environ["PATH_INFO"].rsplit("/", 1)[0] + "/" + CODE
        with current_app.request_context(environ):
            html = render_template(template, each_idea=each_idea, csrf_token=lambda: TOKEN,
                                   **make_context(CODE, SHOWN_CODE))
        if len(asked) > 1:
            raise ValueError(f"{template} lists the ideas more than once")
        return MARKS.split(html), asked[0] if asked else None

    def clear(self) -> None:
        with self.lock:
            self.cache.clear()


def url_for_code(endpoint: str, code: str, **values: Any) -> str:
    """`url_for(endpoint, code=code, **values)`, made once per endpoint, values and query of this
    request (which carries the language and print switches into every address) for the stand-in
    code, then filled in: building an address was a visible share of a vote's work. `code` must
    be canonical (letters and digits, unchanged by URL quoting)."""
    key = (endpoint, tuple(sorted(values.items())), request.query_string, request.script_root)
    with _urls_lock:
        made = _urls.get(key)
    if made is None:
        made = url_for(endpoint, code=CODE, **values)
        with _urls_lock:
            _urls[key] = made
    return made.replace(CODE, code)


_urls: LRUCache = LRUCache(maxsize=MAX_SKELETONS)
_urls_lock = threading.Lock()


def install(app) -> None:
    app.extensions["venuekit_skeletons"] = Skeletons()


def skeleton_page(template: str, key: tuple, code: str, view: dict, chosen: dict, fill: dict[str, str],
                  make_context: Callable[[str, str], dict[str, Any]]) -> str:
    """See the module's docstring."""
    return current_app.extensions["venuekit_skeletons"].page(template, key, code, view, chosen, fill, make_context)
