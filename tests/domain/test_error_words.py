"""Domain errors are worded in the reader's language: the field a message names, and a count's
one/many form, go through the same translation as the message."""
from webapp.domain.errors import N_, DomainError
from webapp.domain.voting import BallotError, Rules, validate

WELSH = {
    "%(field)s is too long: at most %(n)d characters.": "Mae %(field)s yn rhy hir: %(n)d nod ar y mwyaf.",
    "idea %(slot)d title": "teitl syniad %(slot)d",
    "question": "cwestiwn",
    "Choose at most %(n)d idea.": "Dewiswch %(n)d syniad ar y mwyaf.",
    "Choose at most %(n)d ideas.": "Dewiswch hyd at %(n)d syniad.",
}


def welsh(text: str) -> str:
    return WELSH.get(text, text)


def test_a_field_name_is_translated_with_its_message():
    error = DomainError("too_long", N_("%(field)s is too long: at most %(n)d characters."),
                        field=N_("idea %(slot)d title"), n=120, slot=2)
    assert error.translated(welsh) == "Mae teitl syniad 2 yn rhy hir: 120 nod ar y mwyaf."
    assert str(error) == "idea 2 title is too long: at most 120 characters."
    plain = DomainError("required", N_("Please fill in %(field)s."), field=N_("question"))
    assert plain.translated(welsh) == "Please fill in cwestiwn."


def test_a_count_picks_its_one_or_many_form():
    def refused(max_choices: int, chosen: int) -> BallotError:
        try:
            validate(Rules("approval", max_choices=max_choices), {f"i{n}": 1 for n in range(chosen)},
                     {f"i{n}" for n in range(chosen)})
        except BallotError as exc:
            return exc
        raise AssertionError("the ballot was accepted")

    assert str(refused(1, 2)) == "Choose at most 1 idea."
    assert str(refused(3, 4)) == "Choose at most 3 ideas."
    assert refused(1, 2).translated(welsh) == "Dewiswch 1 syniad ar y mwyaf."
    assert refused(3, 4).translated(welsh) == "Dewiswch hyd at 3 syniad."
