"""Welsh kept complete: every marked string has a Welsh translation with the same placeholders,
and no template holds text that is not marked.

Until a Welsh pass covers new strings, `test_every_marked_string_has_welsh` fails and lists
them: run `.venv/bin/pytest -q tests/webapp/test_catalogue.py`, then `make messages` and
`pybabel update -i webapp/translations/messages.pot -d webapp/translations`, translate the
listed entries in webapp/translations/cy/LC_MESSAGES/messages.po, and run it again.
"""
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from tests.webapp.i18n_check import CY_PO, ROOT, TEMPLATES, extract, has_words, template_text, translation_problems


def welsh() -> Catalog:
    with CY_PO.open("rb") as source:
        return read_po(source, locale="cy")


def test_every_marked_string_has_welsh():
    problems = translation_problems(extract(), welsh())
    assert problems == [], f"{len(problems)} strings lack Welsh:\n" + "\n".join(problems)


def test_every_template_text_is_marked():
    offenders = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.name.endswith("_style.html"):
            continue  # a stylesheet partial, included inside a <style> tag: no text to read
        bare = [piece for piece in template_text(path.read_text()) if has_words(piece)]
        if bare:
            offenders[str(path.relative_to(ROOT))] = bare
    assert offenders == {}


def test_extraction_sees_variable_lookups_marked_where_defined():
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in extract() if m.id}
    # Method names and the default group name are looked up or formatted by variable.
    assert {"Approval", "Dot voting", "Ranked (Borda count)", "Group %(n)d", "setup", "voting"} <= ids


def test_the_template_check_finds_bare_text_and_read_attributes():
    found = template_text('<p>Hello {{ _("there") }}</p><img alt="A cat"><input type="submit" value="Go">'
                          '<input placeholder="{{ _(\'x\') }}"><td data-label="Name">{% if x %}{% endif %}</td>'
                          '<style>p{color:red}</style><script>var a = "b";</script>')
    assert [piece for piece in found if has_words(piece)] == ["Hello", "A cat", "Go", "Name"]
    assert not has_words("venuekit · ABC-DEF-GHJ") and not has_words("K7QF-9M2")


def test_the_welsh_check_finds_missing_empty_fuzzy_and_wrong_placeholders():
    source = Catalog()
    for text in ("Fine", "Missing", "Empty", "Fuzzy", "Hello %(name)s", "Open {address}"):
        source.add(text)
    source.add(("%(num)d idea", "%(num)d ideas"))
    source.add(("one point", "%(num)d points"))
    po = Catalog(locale="cy")
    po.add("Fine", "Iawn")
    po.add("Empty", "")
    po.add("Fuzzy", "Niwlog", flags=["fuzzy"])
    po.add("Hello %(name)s", "Helo %(enw)s")
    po.add("Open {address}", "Agor {address}")
    po.add(("%(num)d idea", "%(num)d ideas"), ("%(num)d syniad", "", "", "", "", ""))
    po.add(("one point", "%(num)d points"), ("dim pwyntiau", "un pwynt", "dau bwynt", "tri phwynt", "chwe phwynt",
                                             "%(num)d pwynt"))
    problems = translation_problems(source, po)
    kinds = ("no Welsh entry", "Welsh missing or empty", "Welsh marked fuzzy", "placeholders differ",
             "Welsh missing or empty")
    assert len(problems) == len(kinds) and all(p.startswith(k) for p, k in zip(problems, kinds)), problems
    assert "'Missing'" in problems[0] and "'%(num)d idea'" in problems[4]
