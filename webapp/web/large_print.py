"""Large print for the participant pages: a choice that rides in the address, like ?lang=.

A captive-portal window keeps no cookies, so `?print=large` is added to every address the kit
hands out (links, form actions, redirects) and to GET forms as a hidden field, exactly as the
language is. The page itself only sets a class on <html>; the styles are sized in rem, so large
print scales with the reader's own text size and zoom rather than replacing them.
"""
from __future__ import annotations

from flask import Flask, has_request_context, request, url_for
from markupsafe import Markup

from webapp.web.page_switch import this_page

PARAM = "print"
LARGE = "large"


def active() -> bool:
    """Whether this request asked for large print."""
    if not has_request_context():
        return False
    # Asked a dozen times per page: a query without the word (nor an escaped one) cannot ask,
    # and that test is far cheaper than a miss in the parsed arguments.
    query = request.query_string
    if b"print" not in query and b"%" not in query:
        return False
    return request.args.get(PARAM) == LARGE


def keep(endpoint: str, values: dict) -> None:
    # A value given explicitly wins, even None: that is how the switch turns large print off.
    if active() and endpoint != "static":
        values.setdefault(PARAM, LARGE)


def field() -> Markup:
    """A hidden field keeping large print in a GET form (the browser drops the action's query)."""
    return Markup(f'<input type="hidden" name="{PARAM}" value="{LARGE}">') if active() else Markup("")


def switch_url() -> str:
    """This page in the other print size (see page_switch for what "this page" is)."""
    endpoint, args = this_page()
    return url_for(endpoint, **{**args, PARAM: None if active() else LARGE})


def install(app: Flask) -> None:
    app.url_defaults(keep)
    app.jinja_env.globals.update(large_print=active, print_field=field, print_switch_url=switch_url)
