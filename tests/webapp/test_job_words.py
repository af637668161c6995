"""Print jobs' stored English labels and states are shown in the page's language."""
from webapp.web.job_words import job_label, job_status


def welsh(text: str) -> str:
    return {"Group card %(what)s": "Cerdyn grŵp %(what)s", "Ballot slip %(what)s": "Slip pleidlais %(what)s",
            "Results slip": "Slip canlyniadau", "%(label)s (again)": "%(label)s (eto)",
            "%(label)s (replaces %(old)s)": "%(label)s (yn lle %(old)s)", "waiting": "yn aros"}.get(text, text)


def test_labels_are_rebuilt_in_the_readers_language():
    assert job_label("Group card 3", welsh) == "Cerdyn grŵp 3"
    assert job_label("Results slip", welsh) == "Slip canlyniadau"
    assert job_label("Ballot slip K7Q-F9M-2XT (again) (again)", welsh) == "Slip pleidlais K7Q-F9M-2XT (eto) (eto)"
    assert job_label("Ballot slip AAA-BBB-CCC (replaces K7Q-F9M-2XT)", welsh) == \
        "Slip pleidlais AAA-BBB-CCC (yn lle K7Q-F9M-2XT)"
    # A label of a shape it does not know is shown as stored, never lost.
    assert job_label("Something else (again)", welsh) == "Something else (again)"
    assert job_label("Group card 3", str) == "Group card 3"


def test_states_are_words_in_the_readers_language():
    assert job_status("queued", welsh) == "yn aros"
    assert job_status("printed", str) == "printed"
    assert job_status("odd", welsh) == "odd"
