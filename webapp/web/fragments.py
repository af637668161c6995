"""`each_idea(view, chosen, macro, *extra)`: a ballot's ideas, each idea's markup rendered once
and reused for every ballot that shows it.

The ballot page lists every idea, and rendering (and escaping) that list was most of a vote's
work. Each idea's markup depends only on the idea, the choice shown for it, the page's language
and its display options, so the macro's output is kept per (macro, content version, idea, chosen
value, extra arguments, language, the request's query without `saved`): `?lang=`, large print
and any other switch carried in the address get their own entries. The content version moves on
any change to the assembly or its ideas (webapp/services/content.py), so an entry is never shown
for data it was not made from. The macro must read nothing but its arguments. Only the order is
per ballot: the loop is here, in Python, because a template loop costs more per idea than a
cached idea does.

Lists are bounded in number (least recently used dropped first) and each in size, so neither
made-up query strings nor made-up choices in a refused form can grow memory; at worst they
cost a re-render.

`page_fragment(macro, per_page=False)`: the same for the markup every page repeats, the site
footer and the language switch. Its macro reads the page's language and display switches (in
the key, as above) and, with `per_page`, which page this is (endpoint, values, and the query
that `page_options` keeps): the ballot page and its "vote saved" page share one entry. Only a
GET page is looked up: a page shown for a POST works out its switches from the form's action.
"""
from __future__ import annotations

import threading

from cachetools import LRUCache
from flask import Flask, has_request_context, request
from flask_babel import get_locale
from markupsafe import Markup

MAX_LISTS = 32
# Ideas x the values shown with them: 60 ideas ranked 1-5 are 360. A page past it is still right,
# only rendered (a refused form can show any value up to 100, and must not grow memory).
MAX_PER_LIST = 512
MAX_PAGE_FRAGMENTS = 1024
OPTIONS_KEY = "venuekit.fragment_options"


class Fragments:
    def __init__(self, maxsize: int = MAX_LISTS):
        # One entry per kind of list (macro, content version, extra arguments, language and
        # display switches), each a dict of that list's ideas: a page looks up the list once and
        # then each idea in a plain dict, as hashing a nested key per idea and keeping 60 entries
        # in recency order cost more than the cached markup saved.
        self.cache: LRUCache = LRUCache(maxsize=maxsize)
        # Apart, so one entry per ballot code (the language switch) never evicts the ideas.
        self.pages: LRUCache = LRUCache(maxsize=MAX_PAGE_FRAGMENTS)
        self.lock = threading.Lock()

    def each_idea(self, view: dict, chosen: dict, macro, *extra) -> Markup:
        """`macro(idea, chosen value, *extra)` for every idea of `view`, in the ballot's order."""
        version = view.get("version")
        ideas = view["ideas"]
        if version is None:  # a view not from ballot_view: nothing safe to key on
            return Markup("").join(macro(idea, chosen.get(idea["id"]), *extra) for idea in ideas)
        base = (macro._func.__code__, version, extra, page_options())
        with self.lock:
            known = self.cache.get(base)
            if known is None:
                known = self.cache[base] = {}
        keys = [(idea["id"], chosen.get(idea["id"])) for idea in ideas] if chosen else \
            [(idea["id"], None) for idea in ideas]
        found = [known.get(key) for key in keys]
        for index, html in enumerate(found):
            if html is None:
                html = found[index] = Markup(macro(ideas[index], keys[index][1], *extra))
                # Two threads may render the same idea at once: the same markup, either kept.
                if len(known) < MAX_PER_LIST:
                    known[keys[index]] = html
        return Markup("".join(found))  # each one is Markup already: no second escape

    def page_fragment(self, macro, *extra, per_page: bool = False) -> Markup:
        """`macro(*extra)`, kept per language, display switches and (`per_page`) page."""
        if not has_request_context() or request.method not in ("GET", "HEAD") or request.url_rule is None:
            return Markup(macro(*extra))
        key = (macro._func.__code__, extra, page_options(), request.script_root)
        if per_page:
            key += (request.url_rule.endpoint, tuple(sorted((request.view_args or {}).items())))
        with self.lock:
            html = self.pages.get(key)
        if html is None:
            html = Markup(macro(*extra))
            with self.lock:
                self.pages[key] = html
        return html

    def clear(self) -> None:
        with self.lock:
            self.cache.clear()
            self.pages.clear()


def page_options() -> tuple:
    """What besides the arguments can change a fragment: language and display switches.
    Worked out once per request."""
    if not has_request_context():
        return ("", b"")
    environ = request.environ
    options = environ.get(OPTIONS_KEY)
    if options is None:
        query = request.query_string
        if b"saved" in query:
            query = b"&".join(p for p in query.split(b"&") if not p.startswith(b"saved="))
        options = environ[OPTIONS_KEY] = (str(get_locale()), query)
    return options


def install(app: Flask) -> None:
    fragments = Fragments()
    app.extensions["venuekit_fragments"] = fragments
    app.jinja_env.globals["each_idea"] = fragments.each_idea
    app.jinja_env.globals["page_fragment"] = fragments.page_fragment
