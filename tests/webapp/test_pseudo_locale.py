"""Pseudo-locale: with a catalogue whose every translation is the English in full-width letters
inside ⟦ ⟧ ("Save" reads ⟦Ｓａｖｅ⟧), no piece of text a person reads on any page state or printed
slip may hold a plain ASCII letter. One that does came through no translation, so it would stay
English on a Welsh page: a bare string, or a word put into a translated sentence by a
placeholder (a field's name, a state) without being translated itself.

What people typed (question, idea titles, group and steward names, settings values) is seeded
with a Ω prefix and ignored; codes, addresses and the allowed words of
tests/webapp/i18n_check.py are the same in every language.
"""
from __future__ import annotations

import io
import re

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import Translations

from tests.conftest import csrf_from, make_assembly
from tests.webapp.i18n_check import ALLOWED, extract, has_words, read_text
from webapp.app import create_app
from webapp.printing import paper
from webapp.services import assembly, auth

OPEN, CLOSE = "⟦", "⟧"
TYPED = re.compile(r"Ω\S*")
ASCII_LETTER = re.compile(r"[A-Za-z]")
# Placeholders stay as they are (the code fills them in); every other ASCII letter goes full-width.
_PLACEHOLDER_OR_LETTER = re.compile(r"%\([A-Za-z_]\w*\)[-#0 +]*\d*(?:\.\d+)?[sdifrx]|%[sdifrx%]|\{[A-Za-z_]\w*\}|[A-Za-z]")


def pseudo(text: str) -> str:
    """"Save %(n)d" -> "⟦Ｓａｖｅ %(n)d⟧"."""
    wide = _PLACEHOLDER_OR_LETTER.sub(lambda m: chr(ord(m[0]) + 0xFEE0) if len(m[0]) == 1 else m[0], text)
    return f"{OPEN}{wide}{CLOSE}"


def pseudo_catalogue() -> Catalog:
    """English with every translation in pseudo-locale letters."""
    catalog = Catalog(locale="en")
    for message in extract():
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            catalog.add(message.id, tuple(pseudo(m) for m in message.id), flags=message.flags)
        else:
            catalog.add(message.id, pseudo(message.id), flags=message.flags)
    return catalog


@pytest.fixture(scope="module")
def pseudo_mo() -> bytes:
    out = io.BytesIO()
    write_mo(out, pseudo_catalogue())
    return out.getvalue()


def untranslated(pieces: list[str], allowed: frozenset[str] = frozenset()) -> list[str]:
    """The pieces holding words that came through no translation (`allowed`: more words that
    are the same in every language)."""
    words = ALLOWED | allowed
    return [piece for piece in pieces if has_words(TYPED.sub(" ", piece), words, letters=ASCII_LETTER)]


def settings_file_words() -> frozenset[str]:
    """What the settings file holds is typed as it is in every language: the settings' names
    and the words their values are chosen from."""
    from pi.netconfig import MODES
    from printer.config import HELP, KINDS
    from webapp.config import SETTINGS

    return frozenset({*SETTINGS, *HELP, *KINDS, *MODES, "printer", "network", "buttons", "uplinks", "GB"})


@pytest.fixture
def pseudo_app(tmp_path, pseudo_mo):
    target = tmp_path / "translations" / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "messages.mo").write_bytes(pseudo_mo)
    # Pretend network radios: NetworkManager's own words (quoted on the page) stay out of it.
    return create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True, "KIT_NAME": "Ωkit",
                       "UPLINKS": {"manager": "fake", "root": str(tmp_path / "root")},
                       "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path / "translations")})


def seed(store, phase: str) -> dict:
    """An assembly in `phase` whose typed text is all marked Ω."""
    made = make_assembly(store, phase=phase, groups=3, voters=4)
    with store.write() as db:
        db.execute("UPDATE rounds SET question = 'Ωquestion', briefing = 'Ωbriefing'")
        db.execute("UPDATE ideas SET title = 'Ωidea' || number, detail = CASE WHEN detail = '' THEN '' "
                   "ELSE 'Ωdetail' END")
    if made["groups"]:
        assembly.rename_group(store, made["groups"][0]["id"], "Ωwindow")  # the others keep the default
    auth.create_steward_code(store, "Ωdoor")
    auth.create_steward_code(store, "")  # no label: the default one, shown in the page's language
    return made


def signed_in(app, store, role: str):
    client = app.test_client()
    if role == "organiser":
        page = client.get("/organiser/signin").get_data(as_text=True)
        client.post("/organiser/signin", data={"csrf_token": csrf_from(page), "setup_code": auth.setup_code(store),
                                               "passphrase": "correct horse"})
    else:
        code = auth.create_steward_code(store, "Ωfloor")
        page = client.get("/steward/signin").get_data(as_text=True)
        client.post("/steward/signin", data={"csrf_token": csrf_from(page), "code": code})
    return client


STAFF_PAGES = ("/organiser/", "/organiser/groups", "/organiser/ideas", "/organiser/codes", "/organiser/stewards",
               "/organiser/access", "/organiser/hub/", "/organiser/results-out/", "/steward/", "/steward/fragment",
               "/steward/paper", "/steward/print/", "/steward/print/fragment")
OPEN_PAGES = ("/", "/accessibility", "/ballot", "/group", "/projector/", "/projector/fragment", "/nowhere",
              "/organiser/signin", "/steward/signin")


def offenders_on(client, paths, found: dict, allowed: frozenset[str] = frozenset()) -> None:
    for path in paths:
        response = client.get(path)
        if not (response.mimetype or "").startswith("text/html"):
            continue
        bad = untranslated(read_text(response.get_data(as_text=True)), allowed)
        if bad:
            found[f"{path} ({response.status_code})"] = bad


@pytest.mark.parametrize("phase", ["setup", "submission", "voting", "results"])
def test_every_page_state_is_translated(pseudo_app, phase):
    store = pseudo_app.extensions["venuekit"].store
    made = seed(store, phase)
    if phase == "results":
        assembly.reveal(store, True)
    found: dict = {}
    anyone = pseudo_app.test_client()
    offenders_on(anyone, OPEN_PAGES, found)
    group_code = made["groups"][1]["code"]
    paths = [f"/g/{group_code}", "/g/ZZZZ-ZZZ", "/b/ZZZ-ZZZ-ZZZ"]
    if made["codes"]:
        paths.append(f"/b/{made['codes'][0]}")
    offenders_on(anyone, paths, found)
    # Errors in the participant flow: mistyped and unknown codes, an empty ballot.
    offenders_on(anyone, ["/group?code=X", "/group?code=", "/ballot?code=X", "/ballot?code=ABC-DEF-GHJ"], found)
    if phase == "voting":
        code = made["codes"][1]
        ballot = anyone.get(f"/b/{code}").get_data(as_text=True)
        for data in ({}, {"idea": str(made["ideas"][0]["number"])}):
            sent = anyone.post(f"/b/{code}", data={"csrf_token": csrf_from(ballot), **data}, follow_redirects=True)
            bad = untranslated(read_text(sent.get_data(as_text=True)))
            if bad:
                found[f"POST /b/ {sorted(data)}"] = bad
    organiser = signed_in(pseudo_app, store, "organiser")
    offenders_on(organiser, STAFF_PAGES, found)
    steward = signed_in(pseudo_app, store, "steward")
    offenders_on(steward, ("/steward/", "/steward/print/"), found)
    if made["codes"]:
        offenders_on(steward, [f"/steward/paper/{made['codes'][2]}"], found)
    assert found == {}, "text outside translation:\n" + "\n".join(f"{k}: {v}" for k, v in found.items())


def test_the_check_catches_text_that_went_through_no_translation():
    assert pseudo("Save %(n)d of {total}") == "⟦Ｓａｖｅ %(n)d ｏｆ {total}⟧"
    assert untranslated([pseudo("Save"), pseudo("Question:") + " Ωquestion", pseudo("Open %(p)s") % {"p": pseudo("voting")},
                         "K7Q-F9M-2XT", "venuekit", "ideas.csv"]) == []
    # A bare string, and a word placed into a translated sentence without being translated.
    assert untranslated([pseudo("Save") + " now", "Group 1", pseudo("Open %(p)s") % {"p": "voting"}]) == [
        "⟦Ｓａｖｅ⟧ now", "Group 1", "⟦Ｏｐｅｎ voting⟧"]


@pytest.fixture
def pseudo_paper(monkeypatch, pseudo_mo):
    translations = Translations(io.BytesIO(pseudo_mo))
    monkeypatch.setattr(paper, "catalogue", lambda lang: translations)


def test_every_printed_slip_label_is_translated(pseudo_paper, pseudo_mo):
    found = {}
    for kind in paper.KIND_LABELS:
        # A label's {placeholders} are filled in by printer/ with the slip's data.
        bad = untranslated([re.sub(r"\{\w+\}", " ", text) for text in paper.labels(kind, "en").values()])
        if bad:
            found[kind] = bad
    # The settings-problem slip is worded by the boot step, in the kit's language.
    from webapp.boot import settings_file

    problem = settings_file.SettingsProblem(3, "wifi_country", "\u201c%(given)s\u201d is not a two-letter "
                                            "country code such as GB, IE or FR.", {"given": "ΩNarnia"}, "defaults")
    slip = settings_file.slip_payload("Ωkit", [problem], Translations(io.BytesIO(pseudo_mo)).gettext)
    shown = [*slip["labels"].values(), *(line[k] for line in slip["problems"] for k in ("where", "what", "used"))]
    bad = untranslated([re.sub(r"\{\w+\}", " ", text) for text in shown], settings_file_words())
    if bad:
        found["settings_problem"] = bad
    for unit in paper.RESULT_LINES:
        # Counted lines go through ngettext: only a plural entry in the catalogue answers it.
        bad = untranslated([paper.result_line("en", unit, n) for n in (1, 2, 7)])
        if bad:
            found[f"result line ({unit})"] = bad
    assert found == {}, "text outside translation:\n" + "\n".join(f"{k}: {v}" for k, v in found.items())


def test_error_and_hub_pages_are_translated(tmp_path, pseudo_mo):
    target = tmp_path / "translations" / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "messages.mo").write_bytes(pseudo_mo)
    hub = create_app({"DATA_DIR": str(tmp_path / "hub"), "TESTING": True, "HUB": True, "KIT_NAME": "Ωhub",
                      "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path / "translations")})
    store = hub.extensions["venuekit"].store
    made = seed(store, "voting")
    # A ballot in the hub's online room: the room is listed among the venues.
    from webapp.services import ballots

    ballots.cast(store, made["codes"][0], {made["ideas"][0]["id"]: 1}, source="phone")
    with store.write() as db:  # a round key is typed by the organiser, like the question
        db.execute("UPDATE rounds SET round_key = 'Ωkey'")
    found: dict = {}
    organiser = signed_in(hub, store, "organiser")
    offenders_on(organiser, ("/hub/", "/organiser/", "/nowhere"), found)
    # A form sent without its CSRF token: the 400 page.
    refused = organiser.post("/organiser/settings", data={"question": "Ωq"})
    assert refused.status_code == 400
    bad = untranslated(read_text(refused.get_data(as_text=True)))
    if bad:
        found["POST without CSRF"] = bad
    assert found == {}, "text outside translation:\n" + "\n".join(f"{k}: {v}" for k, v in found.items())


def post_and_read(client, path: str, data: dict, found: dict, label: str) -> None:
    page = client.get(path).get_data(as_text=True)
    token = csrf_from(page) if 'name="csrf_token"' in page else getattr(client, "csrf", "")
    response = client.post(path, data={"csrf_token": token, **data}, follow_redirects=True)
    bad = untranslated(read_text(response.get_data(as_text=True)))
    if bad:
        found[f"{label} ({response.status_code})"] = bad


@pytest.mark.parametrize("method", ["dot", "ranked"])
def test_ballots_errors_notices_and_print_jobs_are_translated(pseudo_app, method):
    store = pseudo_app.extensions["venuekit"].store
    made = seed(store, "voting")
    # The method is fixed once voting opens: set it in the database as a re-run would.
    with store.write() as db:
        db.execute("UPDATE rounds SET rules = json_set(rules, '$.method', ?)", [method])
    found: dict = {}
    anyone = pseudo_app.test_client()
    code, paper_code = made["codes"][0], made["codes"][1]
    first = made["ideas"][0]["number"]
    post_and_read(anyone, f"/b/{code}", {f"idea-{first}": "999"}, found, "bad ballot")
    post_and_read(anyone, f"/b/{code}", {f"idea-{first}": "1"}, found, "ballot saved")
    offenders_on(anyone, [f"/b/{code}"], found)
    steward = signed_in(pseudo_app, store, "steward")
    page = steward.get(f"/steward/paper/{code}").get_data(as_text=True)
    # A code that voted by phone: the steward must tick replace.
    sent = steward.post(f"/steward/paper/{code}", data={"csrf_token": csrf_from(page), f"idea-{first}": "1"})
    assert sent.status_code == 409
    bad = untranslated(read_text(sent.get_data(as_text=True)))
    if bad:
        found["paper over a phone vote"] = bad
    post_and_read(steward, f"/steward/paper/{paper_code}", {f"idea-{first}": "1"}, found, "paper saved")
    offenders_on(steward, ["/steward/?saved=1", "/steward/paper?code=X", "/steward/paper?code=ABC-DEF-GHJ"], found)
    organiser = signed_in(pseudo_app, store, "organiser")
    for action, extra in (("group_cards", {"slips": "1"}), ("ballot_slips", {"count": "2"}),
                          ("paper_ballots", {"count": "1"}), ("kit_ready", {}), ("ballot_slips", {"count": "x"}),
                          ("results_slip", {}), ("nothing", {})):
        post_and_read(organiser, "/steward/print/", {"action": action, **extra}, found, f"print {action}")
    with store.write() as db:
        db.execute("UPDATE print_jobs SET status = 'failed', attempts = 2, last_error = 'Ωoffline' "
                   "WHERE seq = (SELECT min(seq) FROM print_jobs)")
        db.execute("UPDATE print_jobs SET reprint = 1 WHERE kind = 'ballot_slip'")
    assert {r["kind"] for r in store.query("SELECT kind FROM print_jobs")} >= {
        "group_card", "ballot_slip", "paper_ballot", "kit_ready"}
    offenders_on(organiser, ["/steward/print/", "/steward/print/fragment", "/organiser/codes"], found)
    post_and_read(organiser, "/organiser/settings", {"num_groups": "x"}, found, "settings refused")
    assert found == {}, "text outside translation:\n" + "\n".join(f"{k}: {v}" for k, v in found.items())


def test_group_forms_and_settings_messages_are_translated(pseudo_app):
    store = pseudo_app.extensions["venuekit"].store
    made = seed(store, "submission")
    found: dict = {}
    anyone = pseudo_app.test_client()
    group = f"/g/{made['groups'][1]['code']}"
    post_and_read(anyone, group, {"title-1": "Ω" * 200}, found, "title too long")
    post_and_read(anyone, group, {"title-1": "", "detail-1": "Ωdetail"}, found, "detail without title")
    post_and_read(anyone, group, {"title-1": "Ωnew"}, found, "ideas saved")
    organiser = signed_in(pseudo_app, store, "organiser")
    organiser.csrf = csrf_from(organiser.get("/organiser/").get_data(as_text=True))
    post_and_read(organiser, "/organiser/settings", {"num_groups": "x", "question": "Ωq"}, found, "bad number")
    post_and_read(organiser, "/organiser/settings", {"question": ""}, found, "empty question")
    post_and_read(organiser, "/organiser/settings", {"max_choices": "0"}, found, "bad limit")
    post_and_read(organiser, "/organiser/settings", {"question": "Ωq"}, found, "settings saved")
    post_and_read(organiser, "/organiser/language", {"language": "en"}, found, "language saved")
    post_and_read(organiser, "/organiser/phase", {"phase": "results"}, found, "phase refused")
    post_and_read(organiser, "/organiser/hub/", {"hub_url": "ftp://hub", "code": "x"}, found, "enrolment refused")
    assert found == {}, "text outside translation:\n" + "\n".join(f"{k}: {v}" for k, v in found.items())


@pytest.mark.parametrize("storage", ["low", "full"])
def test_kit_states_settings_problems_and_tokens_are_translated(pseudo_app, tmp_path, storage):
    from webapp.boot import settings_file

    store = pseudo_app.extensions["venuekit"].store
    seed(store, "submission")
    with store.write() as db:  # the question no one has typed yet is interface text
        db.execute("UPDATE rounds SET question = ?", [assembly.DEFAULT_QUESTION])
    boot = tmp_path / "boot.toml"
    # Every value and the misspelt name are typed by the organiser: Ω marks them.
    boot.write_text('wifi_country = "ΩNarnia"\nslips_per_group = "Ωmany"\nnetwork_mode = "Ωwifi"\n'
                    '"Ωkit_nmae" = "x"\nweb_port = 99999999\n[printer]\nkind = "Ωlaser"\n')
    settings_file.load_boot_settings(boot, tmp_path / "data", store)
    assert settings_file.recorded_problems(store)
    auth.create_token(store, "steward", "Ωscript")
    auth.revoke_token(store, auth.tokens(store)[0]["id"])
    auth.create_token(store, "organiser", "Ωreport")
    pseudo_app.jinja_env.globals["storage_state"] = lambda: storage
    found: dict = {}
    organiser = signed_in(pseudo_app, store, "organiser")
    offenders_on(organiser, STAFF_PAGES + ("/organiser/signin",), found, settings_file_words())
    offenders_on(pseudo_app.test_client(), ("/", "/organiser/signin", "/projector/"), found)
    assert found == {}, "text outside translation:\n" + "\n".join(f"{k}: {v}" for k, v in found.items())
