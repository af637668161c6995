"""Every user-facing string goes through gettext, so a catalogue translates a page untouched."""
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from webapp.app import create_app

ROOT = Path(__file__).resolve().parents[2]


# Unmarked template text is found by tests/webapp/test_catalogue.py (an HTML parser that also
# reads attributes people hear), and untranslated page text by test_pseudo_locale.py.


def test_extraction_finds_strings_from_templates_and_python(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
         "-k", "N_", "-k", "_l", "-o", str(pot), str(ROOT / "webapp")],
        check=True, capture_output=True, cwd=ROOT,
    )
    catalog = read_po(pot.open("rb"))
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    for expected in ("I have a ballot code", "Choose at least one idea.",
                     "That code doesn't look right — check the slip and type it again.",
                     "Voting is open: use the code on your ballot slip."):
        assert expected in ids


def test_a_welsh_catalogue_translates_the_landing_page(tmp_path):
    po = ROOT / "webapp" / "translations" / "cy" / "LC_MESSAGES" / "messages.po"
    target = tmp_path / "translations" / "cy" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with po.open("rb") as source, (target / "messages.mo").open("wb") as out:
        write_mo(out, read_po(source))
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True,
                      "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path / "translations")})
    client = app.test_client()
    welsh = client.get("/?lang=cy").get_data(as_text=True)
    assert "Mae gen i god grŵp" in welsh and 'lang="cy"' in welsh
    by_header = client.get("/", headers={"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert "Mae gen i god grŵp" in by_header
    english = client.get("/").get_data(as_text=True)
    assert "I have a group code" in english
