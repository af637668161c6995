"""With the real Welsh catalogue, a participant's and a steward's pages in Welsh hold none of the
English interface sentences: every one the page shows has its Welsh there instead."""
from __future__ import annotations

import re

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.conftest import csrf_from, make_assembly
from tests.webapp.i18n_check import CY_PO, read_text
from webapp.app import create_app
from webapp.services import auth

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


@pytest.fixture(scope="module")
def welsh_catalogue():
    with CY_PO.open("rb") as source:
        return read_po(source, locale="cy")


def english_sentences(catalogue) -> set[str]:
    """Fixed English pieces (between placeholders) of four words or more whose Welsh differs:
    one of them on a Welsh page is English that was not translated."""
    pieces = set()
    for message in catalogue:
        if not message.id or isinstance(message.id, tuple) or message.string == message.id:
            continue
        for piece in PLACEHOLDER.split(message.id):
            piece = " ".join(piece.split()).strip(" .,:;·—")
            if len(piece.split()) >= 4:
                pieces.add(piece)
    return pieces


def test_welsh_pages_show_no_english_sentences(tmp_path, welsh_catalogue):
    target = tmp_path / "translations" / "cy" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as out:
        write_mo(out, welsh_catalogue)
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True,
                      "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path / "translations")})
    store = app.extensions["venuekit"].store
    made = make_assembly(store, phase="voting", voters=3)
    english = english_sentences(welsh_catalogue)
    assert len(english) > 100  # the check has something to look for
    client = app.test_client()
    code = made["codes"][0]
    pages = {path: client.get(path) for path in ("/?lang=cy", f"/g/{made['groups'][0]['code']}?lang=cy",
                                                 f"/b/{code}?lang=cy", "/ballot?code=X&lang=cy", "/accessibility?lang=cy",
                                                 "/projector/?lang=cy", "/steward/signin?lang=cy")}
    ballot = pages[f"/b/{code}?lang=cy"].get_data(as_text=True)
    pages["thank-you"] = client.post(f"/b/{code}?lang=cy", data={"csrf_token": csrf_from(ballot),
                                                                 "idea": str(made["ideas"][0]["number"])},
                                     follow_redirects=True)
    steward = app.test_client()
    signin = steward.get("/steward/signin?lang=cy").get_data(as_text=True)
    steward.post("/steward/signin?lang=cy", data={"csrf_token": csrf_from(signin),
                                                  "code": auth.create_steward_code(store, "Door")})
    pages["steward"] = steward.get("/steward/?lang=cy")
    # The same check finds English where English is asked for: it would find it on a Welsh page.
    in_english = " ".join(read_text(client.get("/?lang=en").get_data(as_text=True)))
    assert [piece for piece in english if piece in in_english]
    found = {}
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert 'lang="cy"' in html, name
        text = " ".join(read_text(html))
        left = sorted(piece for piece in english if piece in text)
        if left:
            found[name] = left
    assert found == {}
