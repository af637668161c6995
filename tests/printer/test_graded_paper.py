"""Paper ballots for support levels and majority judgment: a captioned tick box per mark, per idea."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from printer import JobPayloadError, layouts, render_job
from printer.layouts import LABELS

from . import samples, text_spy
from .test_golden import difference

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("VENUEKIT_UPDATE_GOLDEN") == "1"
IDEAS = [{"number": 1, "title": samples.WELSH}, {"number": 2, "title": "Free buses for under-18s"},
         {"number": 3, "title": "A long recommendation that will certainly need to wrap onto more than one line"}]
SUPPORT = {**samples.PAPER_BALLOT, "method": "support", "ideas": IDEAS}
JUDGMENT = {**samples.PAPER_BALLOT, "method": "judgment", "ideas": IDEAS}
NAMES = {"support": [LABELS[f"support_{v}"] for v in range(5, 0, -1)],
         "judgment": [LABELS[f"judgment_{v}"] for v in range(6, 0, -1)]}


@pytest.mark.parametrize("width", [384, 576])
@pytest.mark.parametrize("payload", [SUPPORT, JUDGMENT], ids=["support", "judgment"])
def test_graded_paper_ballot_matches_golden(payload, width, tmp_path):
    image = render_job("paper_ballot", payload, width)[0]
    path = GOLDEN / f"paper_ballot_{payload['method']}-{width}.png"
    if UPDATE:
        image.save(path, optimize=True)
    assert path.exists(), f"no golden {path.name}: regenerate with VENUEKIT_UPDATE_GOLDEN=1"
    problem = difference(image, Image.open(path))
    if problem:
        image.save(tmp_path / path.name)
        pytest.fail(f"{path.name}: {problem}; actual saved at {tmp_path / path.name}")


def rows_of_boxes(monkeypatch) -> list[int]:
    """How many captioned boxes each side-by-side row of the slips holds."""
    rows: list[int] = []
    original = layouts.Slip.side_by_side

    def recording(self, blocks, gap):
        rows.append(len(blocks))
        return original(self, blocks, gap)

    monkeypatch.setattr(layouts.Slip, "side_by_side", recording)
    return rows


@pytest.mark.parametrize("method", ["support", "judgment"])
@pytest.mark.parametrize("width,large", [(576, False), (384, False), (384, True), (576, True)])
def test_every_idea_gets_one_box_per_mark_with_its_name(monkeypatch, method, width, large):
    payload = {**(SUPPORT if method == "support" else JUDGMENT), "large_print": large}
    rows = rows_of_boxes(monkeypatch)
    drawn = text_spy.spy(monkeypatch)
    slips = render_job("paper_ballot", payload, width)
    names = NAMES[method]
    assert sum(rows) == len(names) * len(IDEAS)
    texts = drawn.texts()
    for name in names:
        assert texts.count(name) == len(IDEAS), name
    assert LABELS[f"{method}_instructions"] in texts
    assert all(idea["title"] in texts for idea in IDEAS)
    assert all(slip.width == width for slip in slips)
    if width == 576 and not large:
        # 80 mm paper: the five support levels in one row; the six grades in two rows of three.
        assert rows == ([5] if method == "support" else [3, 3]) * len(IDEAS)
    if large:
        assert max(rows) < len(names)  # large type: the boxes wrap onto more rows


def test_mark_names_come_from_the_jobs_labels(monkeypatch):
    drawn = text_spy.spy(monkeypatch)
    render_job("paper_ballot", {**SUPPORT, "labels": {"support_5": "Cefnogi'n gryf"}}, 576)
    assert drawn.texts().count("Cefnogi'n gryf") == len(IDEAS)
    assert "Strongly support" not in drawn.texts()


def test_an_unknown_method_is_still_refused():
    with pytest.raises(JobPayloadError):
        render_job("paper_ballot", {**SUPPORT, "method": "plurality"}, 576)
