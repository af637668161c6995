"""The mandate slip: what it says, in what order (structure, not pixels)."""
import pytest

from printer.errors import JobPayloadError
from printer.layouts import render_job
from tests.printer.text_spy import spy

MANDATE = {
    "kit_name": "Llandeilo",
    "time": "",
    "delegates": [{"order": 1, "name": "Ann Jones"}, {"order": 2, "name": "Bo Evans"}],
    "tied": ["Cy", "Dee"],
    "items": [{"round": 1, "title": "Open the library on Sundays", "line": "12 votes"},
              {"round": 3, "title": "A bus to the hospital", "line": "81% in support \u00b7 passes"},
              {"round": 3, "title": "Solar panels on the school"}],
}


def test_the_slip_lists_delegates_in_order_then_the_decisions_by_round(monkeypatch):
    drawn = spy(monkeypatch)
    [image] = render_job("mandate_slip", MANDATE, 576)
    assert image.width == 576 and image.mode in ("1", "L")
    texts = drawn.texts()
    assert texts[:3] == ["Mandate", "Llandeilo", "Delegates"]
    order = [texts.index(t) for t in ("1. Ann Jones", "2. Bo Evans", "Tied for the last seat, to be settled:",
                                      "Cy, Dee", "Decisions they carry", "Round 1", "Open the library on Sundays",
                                      "12 votes", "Round 3", "A bus to the hospital", "Solar panels on the school")]
    assert order == sorted(order)
    assert texts.count("Round 3") == 1  # one heading per round
    assert texts[-1] == "time unknown \u00b7 Llandeilo"  # the clock was never set: no made-up date


def test_an_empty_mandate_says_none_yet(monkeypatch):
    drawn = spy(monkeypatch)
    render_job("mandate_slip", {**MANDATE, "delegates": [], "tied": [], "items": []}, 384)
    assert drawn.texts().count("None yet") == 2


def test_labels_are_drawn(monkeypatch):
    drawn = spy(monkeypatch)
    render_job("mandate_slip", {**MANDATE, "labels": {"mandate_title": "Mandad", "mandate_round": "Rownd {round}"}})
    assert drawn.texts()[0] == "Mandad" and "Rownd 3" in drawn.texts()


@pytest.mark.parametrize("bad, named", [
    ({"delegates": [{"order": 0, "name": "Ann"}]}, "'order'"),
    ({"delegates": "Ann"}, "'delegates'"),
    ({"items": [{"round": 1}]}, "'title'"),
    ({"tied": [3]}, "'tied'"),
])
def test_a_bad_payload_is_refused_with_a_reason(bad, named):
    with pytest.raises(JobPayloadError) as info:
        render_job("mandate_slip", {**MANDATE, **bad})
    assert named in str(info.value)
