"""Large print on paper, labels in two languages, and results lines worded by the web app."""
from __future__ import annotations

import pytest
from PIL import ImageChops

from printer import JobPayloadError, render_job, to_escpos
from printer.canvas import Sizes
from printer.layouts import LARGE_IDEAS_PER_SLIP

from . import escpos_decode, samples, text_spy

TWELVE_IDEAS = {**samples.PAPER_BALLOT, "ideas": [{"number": n, "title": f"Idea number {n}"} for n in range(1, 13)]}


def _ideas_on(drawn: text_spy.Drawn, slip: int) -> list[str]:
    return [t for t in drawn.texts(slip) if t.startswith("Idea number ")]


@pytest.mark.parametrize("width", [384, 576])
def test_large_print_paper_ballot_spreads_the_ideas_over_more_slips(monkeypatch, width):
    drawn = text_spy.spy(monkeypatch)
    normal = render_job("paper_ballot", TWELVE_IDEAS, width)
    assert len(normal) == 1 and len(_ideas_on(drawn, 0)) == 12

    drawn = text_spy.spy(monkeypatch)
    large = render_job("paper_ballot", {**TWELVE_IDEAS, "large_print": True}, width)
    assert len(large) == 3
    per_slip = [len(_ideas_on(drawn, i)) for i in range(3)]
    assert per_slip == [LARGE_IDEAS_PER_SLIP, LARGE_IDEAS_PER_SLIP, 2] and max(per_slip) < 12
    for i in range(3):
        # Every part carries the code and says which part it is, so a steward can put them together.
        assert "K7Q-F9M-2XT" in drawn.texts(i) and f"Part {i + 1} of 3" in drawn.texts(i)
    assert TWELVE_IDEAS["question"] in drawn.texts(0) and TWELVE_IDEAS["question"] not in drawn.texts(1)
    assert "Give this ballot to a steward." in drawn.texts(2)
    assert "Give this ballot to a steward." not in drawn.texts(0)
    # The printer gets exactly those three slips, each cut on its own.
    decoded = escpos_decode.slips(to_escpos(large))
    assert len(decoded) == 3
    assert all(ImageChops.difference(d, i.convert("L")).getbbox() is None for d, i in zip(decoded, large))


@pytest.mark.parametrize("kind", ["group_card", "ballot_slip", "paper_ballot", "results_slip", "kit_ready"])
def test_large_print_text_is_at_least_16_point(monkeypatch, kind):
    """16 pt is 45 dots at 203 dpi; small print stays above 14 pt (39 dots)."""
    drawn = text_spy.spy(monkeypatch)
    render_job(kind, samples.PAYLOADS[kind], 384)
    normal = drawn.sizes()
    drawn = text_spy.spy(monkeypatch)
    render_job(kind, {**samples.PAYLOADS[kind], "large_print": True}, 384)
    large = drawn.sizes()
    assert min(large) >= 39 and min(normal) < 39
    assert sorted(large)[len(large) // 2] >= 45


def test_large_print_must_be_true_or_false():
    with pytest.raises(JobPayloadError, match="large_print"):
        render_job("ballot_slip", {**samples.BALLOT_SLIPS, "large_print": "yes"}, 384)


def test_a_two_language_label_prints_both_blocks_in_order(monkeypatch):
    drawn = text_spy.spy(monkeypatch)
    labels = {"keep_slip": "Cadwch y slip hwn: dyma'ch pleidlais\nKeep this slip: it is your vote"}
    bilingual = render_job("ballot_slip", {**samples.BALLOT_SLIPS, "labels": labels}, 576)[0]
    assert labels["keep_slip"] in drawn.texts(0)
    english = render_job("ballot_slip", samples.BALLOT_SLIPS, 576)[0]
    assert bilingual.height > english.height  # the second language is a block of its own


def test_the_wifi_step_may_name_the_password_itself(monkeypatch):
    """A two-language step puts each language's own password note in its sentence."""
    drawn = text_spy.spy(monkeypatch)
    labels = {"step_wifi": "1. Ymunwch â \u201c{ssid}\u201d (cyfrinair: {password})\n"
                           "1. Join \u201c{ssid}\u201d (password: {password})"}
    render_job("group_card", {**samples.GROUP_CARD, "password": "pa55word", "labels": labels}, 576)
    assert ("1. Ymunwch â \u201cvenuekit-7\u201d (cyfrinair: pa55word)\n"
            "1. Join \u201cvenuekit-7\u201d (password: pa55word)") in drawn.texts(0)


def test_a_results_line_worded_by_the_web_app_replaces_the_label(monkeypatch):
    drawn = text_spy.spy(monkeypatch)
    results = [{**r, "line": f"{r['count']} pleidlais"} for r in samples.RESULTS_SLIP["results"]]
    render_job("results_slip", {**samples.RESULTS_SLIP, "results": results}, 576)
    assert "42 pleidlais" in drawn.texts(0) and "42 votes" not in drawn.texts(0)


def test_large_print_sizes_do_not_shrink_on_narrow_paper():
    assert Sizes.for_width(384, large=True).body == Sizes.for_width(576, large=True).body >= 45
