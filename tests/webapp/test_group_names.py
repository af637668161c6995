"""Default group names are made when shown, in the reader's language; the organiser sets the
kit's default language, which decides pages opened without a choice and names sent upstream."""
import json
import sqlite3

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from tests.conftest import make_assembly
from webapp.app import create_app
from webapp.services import assembly, kit_language
from webapp.storage import open_store
from webapp.storage.migrations import MIGRATIONS
from webapp.sync import bundle

MIGRATION = "0011_default_group_names"


def welsh_app(tmp_path, data="data"):
    """An app whose Welsh catalogue holds the default group name and the landing's button."""
    catalog = Catalog(locale="cy")
    catalog.add("Group %(n)d", "Grŵp %(n)d", flags=["python-format"])
    catalog.add(assembly.DEFAULT_QUESTION, "Sut gallwn ni?")
    target = tmp_path / "translations" / "cy" / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with (target / "messages.mo").open("wb") as out:
        write_mo(out, catalog)
    return create_app({"DATA_DIR": str(tmp_path / data), "TESTING": True,
                       "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path / "translations")})


def test_new_groups_store_no_name_and_show_one_per_language(tmp_path):
    app = welsh_app(tmp_path)
    store = app.extensions["venuekit"].store
    made = make_assembly(store, phase="submission", groups=2)
    assert [g["name"] for g in assembly.groups(store)] == ["", ""]
    code = made["groups"][0]["code"]
    client = app.test_client()
    assert "<h1>Group 1</h1>" in client.get(f"/g/{code}").get_data(as_text=True)
    assert "<h1>Grŵp 1</h1>" in client.get(f"/g/{code}?lang=cy").get_data(as_text=True)


def test_the_default_question_is_shown_in_the_readers_language_until_one_is_typed(tmp_path):
    app = welsh_app(tmp_path)
    store = app.extensions["venuekit"].store
    client = app.test_client()
    assert "<h1>Sut gallwn ni?</h1>" in client.get("/?lang=cy").get_data(as_text=True)
    assert f"<h1>{assembly.DEFAULT_QUESTION}</h1>" in client.get("/").get_data(as_text=True)
    assembly.update_settings(store, {"question": "Beth nesaf?"})
    assert "<h1>Beth nesaf?</h1>" in client.get("/").get_data(as_text=True)


def test_an_empty_rename_gives_the_default_back(store):
    make_assembly(store, phase="setup", groups=1)
    group = assembly.groups(store)[0]
    assembly.rename_group(store, group["id"], "Window")
    assert assembly.group_name(1, assembly.groups(store)[0]["name"]) == "Window"
    assembly.rename_group(store, group["id"], "  ")
    assert assembly.groups(store)[0]["name"] == ""
    assert assembly.group_name(1, "", lambda s: "Grŵp %(n)d") == "Grŵp 1"


def test_the_migration_empties_stored_default_names_only(tmp_path):
    names = [name for name, _ in MIGRATIONS]
    open_store(tmp_path, migrations=MIGRATIONS[: names.index(MIGRATION)]).close()
    conn = sqlite3.connect(tmp_path / "venuekit.db")
    stamp = "2026-01-01T00:00:00.000+00:00"
    with conn:
        for gid, number, name in (("g1", 1, "Group 1"), ("g2", 2, "Group 7"), ("g3", 3, "Table by the window"),
                                  ("g4", 4, "Group 4")):
            conn.execute("INSERT INTO groups (id, number, name, code, created_at) VALUES (?, ?, ?, ?, ?)",
                         [gid, number, name, f"CODE{number}", stamp])
    before = conn.execute("SELECT max(seq) FROM outbox").fetchone()[0]
    conn.close()
    store = open_store(tmp_path)
    got = {r["id"]: r["name"] for r in store.query("SELECT id, name FROM groups")}
    assert got == {"g1": "", "g2": "Group 7", "g3": "Table by the window", "g4": ""}
    # The change goes upstream like any rename.
    sent = store.query("SELECT record_id FROM outbox WHERE seq > ? AND record_type = 'group'", [before])
    assert {r["record_id"] for r in sent} == {"g1", "g4"}


def test_records_for_the_hub_name_default_groups_in_the_kits_language(tmp_path):
    app = welsh_app(tmp_path)
    store = app.extensions["venuekit"].store
    make_assembly(store, phase="setup", groups=1)
    kit_language.TRANSLATIONS, saved = tmp_path / "translations", kit_language.TRANSLATIONS
    kit_language._translations.cache_clear()
    try:
        def group_body() -> dict:
            return [r["body"] for r in bundle._outbox(store, 0) if r["type"] == "group"][-1]

        assert group_body()["name"] == "Group 1"
        kit_language.set_default_language(store, "cy")
        assert group_body()["name"] == "Grŵp 1"
    finally:
        kit_language.TRANSLATIONS = saved
        kit_language._translations.cache_clear()
    assert json.loads(store.scalar("SELECT body FROM outbox WHERE record_type = 'group'"))["name"] == ""


def test_the_organiser_sets_the_kits_language(tmp_path, organiser, store, client):
    page = organiser.get("/organiser/").get_data(as_text=True)
    assert 'name="language"' in page
    assert organiser.post("/organiser/language", data={"csrf_token": organiser.csrf, "language": "cy"}).status_code == 303
    assert kit_language.default_language(store) == "cy"
    # No ?lang=, a phone set to English: the organiser's Welsh. A phone set to Welsh, or a
    # ?lang=en choice, still wins.
    assert 'lang="cy"' in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in client.get("/?lang=en", headers={"Accept-Language": "cy"}).get_data(as_text=True)
    organiser.post("/organiser/language", data={"csrf_token": organiser.csrf, "language": "en"})
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert 'lang="cy"' in client.get("/", headers={"Accept-Language": "cy-GB,en;q=0.5"}).get_data(as_text=True)
    # A language the kit does not speak is refused and changes nothing.
    organiser.post("/organiser/language", data={"csrf_token": organiser.csrf, "language": "xx"})
    assert kit_language.default_language(store) == "en"


def test_the_page_language_order():
    class NoStore:
        @staticmethod
        def scalar(*_):
            return "cy"

    assert kit_language.page_language("en", "cy", NoStore) == "en"
    assert kit_language.page_language(None, "en", NoStore) == "cy"
    assert kit_language.page_language(None, None, NoStore) == "cy"
    assert kit_language.page_language("xx", "cy", NoStore) == "cy"


def test_the_phone_language_follows_the_phones_order():
    from werkzeug.datastructures import LanguageAccept
    from werkzeug.http import parse_accept_header

    def phone(header: str):
        return kit_language.phone_language(parse_accept_header(header, LanguageAccept))

    assert phone("cy-GB,en;q=0.5") == "cy"
    assert phone("en-GB,cy;q=0.5") == "en"
    assert phone("fr,cy;q=0.3") == "cy"
    assert phone("fr") is None and phone("") is None


def test_a_phones_language_is_read_the_same_from_a_short_kept_header_and_a_long_one(client):
    long_welsh = ", ".join(f"x{n};q=0.{n % 9 + 1}" for n in range(40)) + ", cy;q=0.05"
    assert len(long_welsh) > 200  # past what is kept: parsed every time
    for _ in range(2):  # the second time from what was kept
        for header, lang in (("cy-GB,en;q=0.5", "cy"), ("en-GB,en;q=0.9", "en"), (long_welsh, "cy"),
                             ("cy;q=0, en", "en")):
            page = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
            assert f'lang="{lang}"' in page, header
