"""The slips the kit prints, each drawn as 1-bit images at the printer's dot width.

``render_job(kind, payload, width)`` is the entry point; the fixed wording below can be
replaced per job through the payload's ``labels`` mapping, by these keys. A job with
``large_print`` gets larger type throughout, and a paper ballot then lists at most
LARGE_IDEAS_PER_SLIP ideas on each slip, the rest on further slips with the same code.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from PIL import Image, ImageDraw

from . import jobs
from .canvas import Slip, bar, boxed, captioned, marked
from .errors import LayoutError
from .mandate import LABELS as MANDATE_LABELS, mandate_slip
from .marks import graded_ideas
from .qr import MIN_MODULE_DOTS, qr_image, qr_matrix, wifi_uri
from .text import Style, text_block, text_width

DEFAULT_WIDTH = 576
LARGE_IDEAS_PER_SLIP = 5

LABELS = {
    "kit_ready_title": "Kit ready",
    "wifi_network": "Wi-Fi: {ssid}",
    "wifi_password": "Password: {password}",
    "wifi_open": "Open network (no password)",
    "scan_wifi": "Scan to join the Wi-Fi",
    "kit_address": "Address: {url}",
    "organiser_setup": "Organiser setup",
    "setup_code": "Setup code",
    "scan_setup": "Scan to set up the kit",
    "setup_private": "Keep this slip private: the setup code lets someone run the assembly.",
    "group_title": "Group {number}",
    "qr_join": "1. Join the Wi-Fi",
    "qr_group": "2. Open your group page",
    "group_code": "Group code",
    "step_wifi": "1. Join the Wi-Fi \u201c{ssid}\u201d ({password_note})",
    "step_wifi_password": "password: {password}",
    "step_wifi_open": "no password",
    "step_stay": "2. If your phone asks 'Stay connected?', tap Yes",
    "step_open": "3. Open {address} and type the code",
    "ballot_code": "Your ballot code",
    "how_to_vote": "Open {address} and type this code to vote.",
    "how_to_vote_wifi": "Join the Wi-Fi \u201c{ssid}\u201d, open {address} and type this code to vote.",
    "keep_slip": "Keep this slip: it is your vote",
    "paper_ballot_title": "Paper ballot",
    "paper_ballot_code": "Ballot code",
    "approval_instructions": "Tick up to {max_choices} ideas.",
    "dot_instructions": "Share {points} points between the ideas, at most {max_per_idea} per idea: write the points in the boxes.",
    "ranked_instructions": "Rank your top {max_choices}: write 1 by your favourite, 2 by the next, and so on.",
    "support_instructions": "For each recommendation, tick one box: how much you support it. Leave it blank if you do not want to mark it.",
    "judgment_instructions": "For each idea, tick one box: the grade you give it. An idea left blank counts as Reject.",
    "support_5": "Strongly support",
    "support_4": "Support",
    "support_3": "Neutral",
    "support_2": "Oppose",
    "support_1": "Strongly oppose",
    "judgment_6": "Excellent",
    "judgment_5": "Very good",
    "judgment_4": "Good",
    "judgment_3": "Fair",
    "judgment_2": "Poor",
    "judgment_1": "Reject",
    "paper_ballot_footer": "Give this ballot to a steward.",
    "paper_ballot_part": "Part {part} of {parts}",
    "paper_ballot_more": "More ideas on the next slip: keep the slips together.",
    "results_title": "Results",
    "results_line": "{count} {unit}",
    "ballots_cast": "Ballots cast: {cast} of {issued} issued",
    "results_footer": "{time} \u00b7 {kit_name}",
    "time_unknown": "time unknown",
    "reprint": "REPRINT",
    "settings_title": "Settings problem",
    "settings_file": "File: {file}",
    "settings_used": "Used instead: {used}",
    "settings_footer": "The kit is running on the settings above. Correct the file on the SD card's boot partition and restart the kit.",
    **MANDATE_LABELS,
}


def _label(record: Any, key: str, **values: Any) -> str:
    return record.labels.get(key, LABELS[key], **values)


def _qr_row(slip: Slip, items: list[tuple[str, str]], max_each: int) -> None:
    """QR codes with captions, side by side when they fit, otherwise one under another.

    Side by side, both codes get the same module size and the same height so their
    captions line up.
    """
    gap = slip.sizes.body
    counts = [len(qr_matrix(d)) for d, _ in items]
    each = min(max_each, (slip.inner - gap * (len(items) - 1)) // len(items))
    module = min(8, min(each // c for c in counts))
    if len(items) > 1 and module >= MIN_MODULE_DOTS:
        side = max(counts) * module
        blocks = []
        for (data, caption), count in zip(items, counts):
            square = Image.new("L", (side, side), 255)
            code = qr_image(data, count * module)
            square.paste(code, ((side - code.width) // 2, (side - code.height) // 2))
            blocks.append(captioned(square, caption, max(side, each), slip.sizes.small))
        slip.side_by_side(blocks, gap)
        return
    for data, caption in items:
        slip.add(captioned(qr_image(data, min(max_each * 2, slip.inner)), caption, slip.inner, slip.sizes.small))
        slip.space()


def kit_ready(record: jobs.KitReady, width: int) -> list[Image.Image]:
    slip = Slip(width, record.large)
    s = slip.sizes
    slip.text(_label(record, "kit_ready_title"), s.title, "bold", "center")
    slip.text(record.kit_name, s.heading, "bold", "center")
    slip.rule()
    slip.text(_label(record, "wifi_network", ssid=record.wifi.ssid), s.body, "bold", "center")
    if record.wifi.password:
        slip.text(_label(record, "wifi_password", password=record.wifi.password), s.body, "regular", "center")
    else:
        slip.text(_label(record, "wifi_open"), s.body, "regular", "center")
    slip.space()
    uri = wifi_uri(record.wifi.ssid, record.wifi.password)
    slip.add(captioned(qr_image(uri, min(slip.inner, width * 3 // 5)), _label(record, "scan_wifi"),
                       slip.inner, s.small))
    slip.space()
    slip.text(_label(record, "kit_address", url=record.url), s.body, "bold", "center")
    if record.setup_code is None:  # the organiser has signed up: no setup part
        return [slip.image()]
    slip.rule()
    slip.text(_label(record, "organiser_setup"), s.heading, "bold", "center")
    slip.text(_label(record, "setup_code"), s.small, "regular", "center")
    slip.code(record.setup_code)
    slip.space()
    slip.add(captioned(qr_image(record.setup_url, min(slip.inner, width // 2)), _label(record, "scan_setup"),
                       slip.inner, s.small))
    slip.space()
    slip.text(_label(record, "setup_private"), s.small, "regular", "center")
    return [slip.image()]


def group_card(record: jobs.GroupCard, width: int) -> list[Image.Image]:
    slip = Slip(width, record.large)
    s = slip.sizes
    if record.group_number is not None:
        slip.text(_label(record, "group_title", number=record.group_number), s.code, "bold", "center")
        slip.text(record.group_name, s.heading, "bold", "center")
    else:
        slip.text(record.group_name, s.title, "bold", "center")
    slip.space()
    _qr_row(slip, [(wifi_uri(record.wifi.ssid, record.wifi.password), _label(record, "qr_join")),
                   (record.url, _label(record, "qr_group"))], max_each=width * 2 // 5)
    slip.space()
    slip.text(_label(record, "group_code"), s.small, "regular", "center")
    slip.code(record.code)
    slip.rule()
    note = (_label(record, "step_wifi_password", password=record.wifi.password) if record.wifi.password
            else _label(record, "step_wifi_open"))
    # The password is offered too: a bilingual label puts each language's own note in its sentence.
    slip.text(_label(record, "step_wifi", ssid=record.wifi.ssid, password_note=note,
                     password=record.wifi.password or ""), s.body)
    slip.text(_label(record, "step_stay"), s.body)
    slip.text(_label(record, "step_open", address=record.address), s.body)
    return [slip.image()]


def ballot_slips(record: jobs.BallotSlips, width: int) -> list[Image.Image]:
    how = (_label(record, "how_to_vote_wifi", ssid=record.ssid, address=record.address) if record.ssid
           else _label(record, "how_to_vote", address=record.address))
    images = []
    for ballot in record.ballots:
        slip = Slip(width, record.large)
        s = slip.sizes
        slip.text(_label(record, "ballot_code"), s.small, "regular", "center")
        slip.code(ballot.code)
        slip.space()
        slip.add(qr_image(ballot.url, min(slip.inner, width // 2)))
        slip.space()
        slip.text(how, s.body, "regular", "center")
        slip.space()
        slip.text(_label(record, "keep_slip"), s.body, "bold", "center")
        images.append(slip.image())
    return images


def _numbered(slip: Slip, number: int, text: str, size: int, face: str = "regular",
              box: Image.Image | None = None) -> None:
    """A row: optional write-in box, the number in its own column, then the wrapped text.

    The number has its own column so it stays on the left even when the text is
    right-to-left (bidi would otherwise move "3." to the far end of an Arabic title).
    """
    gap = size // 2
    number_style = Style(size, face, "right")
    column = round(text_width("00.", number_style)) + 2
    left = (box.width + gap) if box is not None else 0
    label = text_block(f"{number}.", column, number_style)
    block = text_block(text, slip.inner - left - column - gap, Style(size, face))
    height = max(box.height if box is not None else 0, block.height)
    row = Image.new("L", (slip.inner, height + size // 4), 255)
    if box is not None:
        row.paste(box, (0, 0))
    top = (box.height - min(box.height, block.height)) // 2 if box is not None else 0
    row.paste(label, (left, top))
    row.paste(block, (left + column + gap, top))
    slip.add(row, "left")


def paper_ballot(record: jobs.PaperBallot, width: int) -> list[Image.Image]:
    # Large print splits the list: each part repeats the code so a steward can put them together.
    per_slip = LARGE_IDEAS_PER_SLIP if record.large else max(1, len(record.ideas))
    parts = [record.ideas[i : i + per_slip] for i in range(0, len(record.ideas), per_slip)] or [()]
    images = []
    for part, ideas in enumerate(parts, start=1):
        slip = Slip(width, record.large)
        s = slip.sizes
        slip.text(_label(record, "paper_ballot_title"), s.heading, "bold", "center")
        slip.text(_label(record, "paper_ballot_code"), s.small, "regular", "center")
        slip.code(record.code, s.title)
        if len(parts) > 1:
            slip.text(_label(record, "paper_ballot_part", part=part, parts=len(parts)), s.body, "bold", "center")
        slip.rule()
        if part == 1:
            slip.text(record.question, s.body, "bold")
            slip.space()
            limits = {"max_choices": record.max_choices, "points": record.points,
                      "max_per_idea": record.max_per_idea}
            slip.text(_label(record, f"{record.method}_instructions", **limits), s.body)
            slip.rule()
        side = round(s.body * 1.4)
        top = jobs.MARK_SCALES.get(record.method)
        if top:
            # Support levels and grades: the idea, then a row of captioned boxes, one per mark.
            names = [_label(record, f"{record.method}_{value}") for value in range(top, 0, -1)]
            graded_ideas(slip, ideas, names, _numbered)
        else:
            # Points and ranks are written in, so those boxes are wider than a tick box.
            box = boxed((side, side) if record.method == "approval" else (side * 2, side))
            for idea in ideas:
                _numbered(slip, idea.number, idea.title, s.body, box=box)
            slip.rule()
        last = part == len(parts)
        slip.text(_label(record, "paper_ballot_footer" if last else "paper_ballot_more"), s.small, "regular", "center")
        images.append(slip.image())
    return images


# Support levels print as one bar cut into parts, strongest support first; a thermal printer
# has only black, so each part has a pattern of its own: (x, y) -> black?
LEVEL_PATTERNS: tuple[Callable[[int, int], bool], ...] = (
    lambda x, y: True,
    lambda x, y: (x + y) % 2 == 0,
    lambda x, y: (x + y) % 4 == 0,
    lambda x, y: x % 4 == 0 and y % 4 == 0,
    lambda x, y: y % 4 == 1,  # lines, so the last level is not mistaken for the empty track
)


def _pattern_fill(image: Image.Image, box: tuple[int, int, int, int], level: int) -> None:
    paint = LEVEL_PATTERNS[level % len(LEVEL_PATTERNS)]
    pixels = image.load()
    for y in range(box[1], box[3]):
        for x in range(box[0], box[2]):
            if paint(x, y):
                pixels[x, y] = 0


def segmented_bar(levels: tuple[int, ...], length: int, full: int, height: int) -> Image.Image:
    """A results bar ``length`` long in an outlined track ``full`` wide, cut into one part per
    level in proportion to its count; the cuts are rounded from the running sum (so the parts
    fill ``length`` exactly) and drawn as 2-dot black lines."""
    track = bar(0, full, height)
    total = sum(levels)
    draw = ImageDraw.Draw(track)
    start = running = 0
    for level, count in enumerate(levels):
        running += count
        end = round(length * running / total) if total else 0
        if end > start:
            _pattern_fill(track, (start, 0, end, height), level)
            draw.rectangle((max(end - 2, 0), 0, end - 1, height - 1), fill=0)
        start = end
    return track


def _legend(slip: Slip, names: tuple[str, ...]) -> None:
    s = slip.sizes
    for level, name in enumerate(names):
        swatch = boxed((s.body * 2, s.small), 1)
        _pattern_fill(swatch, (0, 0, swatch.width, swatch.height), level)
        label = text_block(name, slip.inner - swatch.width - s.small, Style(s.small, "regular", "start", 1.2))
        row = Image.new("L", (slip.inner, max(label.height, swatch.height)), 255)
        row.paste(swatch, (0, (row.height - swatch.height) // 2))
        row.paste(label, (swatch.width + s.small // 2, 0))
        slip.add(row, "left")


def results_slip(record: jobs.ResultsSlip, width: int) -> list[Image.Image]:
    slip = Slip(width, record.large)
    s = slip.sizes
    slip.text(_label(record, "results_title"), s.title, "bold", "center")
    slip.text(record.question, s.body, "bold", "center")
    slip.rule()
    shown = record.results[: record.top]
    if record.level_names and any(idea.levels for idea in shown):
        _legend(slip, record.level_names)
        slip.rule()
    # A bar is as long as the idea's count, or with support levels its ballots counted in them.
    sizes = [sum(idea.levels) if idea.levels else idea.count for idea in shown]
    best = max(sizes, default=0)
    for rank, (idea, size) in enumerate(zip(shown, sizes), start=1):
        _numbered(slip, rank, idea.title, s.body, "bold")
        line = idea.line or _label(record, "results_line", count=idea.count, unit=record.unit)
        label = text_block(line, slip.inner // 3, Style(s.small, "regular", "right", 1.2))
        track = slip.inner - label.width - s.small // 2
        row = Image.new("L", (slip.inner, max(label.height, s.small)), 255)
        filled = round(track * size / best) if best else 0
        drawn = segmented_bar(idea.levels, filled, track, s.small) if idea.levels else bar(filled, track, s.small)
        row.paste(drawn, (0, (row.height - s.small) // 2))
        row.paste(label, (slip.inner - label.width, 0))
        slip.add(row, "left")
        slip.space(s.small // 2)
    slip.rule()
    slip.text(_label(record, "ballots_cast", cast=record.ballots_cast, issued=record.ballots_issued),
              s.body, "regular", "center")
    # An empty time means the kit's clock was never set: say so rather than print a wrong date.
    when = record.time or _label(record, "time_unknown")
    slip.text(_label(record, "results_footer", time=when, kit_name=record.kit_name),
              s.small, "regular", "center")
    return [slip.image()]


def settings_problem(record: jobs.SettingsProblem, width: int) -> list[Image.Image]:
    slip = Slip(width, record.large)
    s = slip.sizes
    slip.text(_label(record, "settings_title"), s.title, "bold", "center")
    if record.kit_name:
        slip.text(record.kit_name, s.heading, "bold", "center")
    slip.text(_label(record, "settings_file", file=record.file), s.small, "regular", "center")
    for problem in record.problems:
        slip.rule()
        if problem.where:
            slip.text(problem.where, s.body, "bold")
        slip.text(problem.what, s.body)
        if problem.used:
            slip.text(_label(record, "settings_used", used=problem.used), s.small)
    slip.rule()
    slip.text(_label(record, "settings_footer"), s.small, "regular", "center")
    return [slip.image()]


LAYOUTS: dict[str, Callable[[Any, int], list[Image.Image]]] = {
    "kit_ready": kit_ready,
    "group_card": group_card,
    "ballot_slip": ballot_slips,
    "paper_ballot": paper_ballot,
    "results_slip": results_slip,
    "settings_problem": settings_problem,
    "mandate_slip": mandate_slip,
}


def render_job(kind: str, payload: Mapping[str, Any], width: int = DEFAULT_WIDTH,
               reprint: bool = False) -> list[Image.Image]:
    """Lay out a stored print job as one 1-bit image per slip (each slip is cut on its own).

    ``reprint`` puts a "REPRINT" bar on top of every slip: the job was cut off part-way
    before, so a torn copy of the same slip (and code) may exist.
    Raises JobPayloadError for a bad payload, LayoutError when it cannot fit the paper.
    """
    record = jobs.parse_payload(kind, payload)
    try:
        images = LAYOUTS[kind](record, width)
    except ValueError as exc:
        if isinstance(exc, LayoutError):
            raise
        raise LayoutError(str(exc)) from exc
    if reprint:
        images = [marked(image, _label(record, "reprint")) for image in images]
    return images
