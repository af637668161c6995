"""The templates' `_()` and `ngettext()`, looking the page's catalogue up once per request.

Flask-Babel's own callables find the domain, the request context, the locale and the catalogue
again for every string; a participant page says a dozen strings, and that search was a visible
share of its work. The page's language is chosen once per request (nothing in the kit switches
it half-way through a page), so the catalogue found first serves the whole page.
"""
from __future__ import annotations

from gettext import NullTranslations

from flask import Flask, g, has_request_context
from flask_babel import get_translations


def page_translations() -> NullTranslations:
    """This request's catalogue, found on first use (outside a request, found every time)."""
    if not has_request_context():
        return get_translations()
    found = g.get("_page_translations")
    if found is None:
        found = g._page_translations = get_translations()
    return found


def gettext(string: str, **variables) -> str:
    """Flask-Babel's gettext for the views, through this request's catalogue."""
    text = page_translations().ugettext(string)
    return text % variables if variables else text


def install(app: Flask) -> None:
    """Replace the gettext callables Flask-Babel gave the templates (call after Babel(app))."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: page_translations().ugettext(s),
        ngettext=lambda s, p, n: page_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: page_translations().unpgettext(c, s, p, n),
    )
