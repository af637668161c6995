"""The room's screen, one mode per phase: the ideas wall while groups send ideas, the numbered
list that matches the paper ballot (with a QR and the Wi-Fi name) while the room votes, the
counts after voting closes, and the chart with the leaderboard once revealed. A countdown
started by staff shows over every mode.

Everything is drawn on the kit (the chart and the QR as inline SVG), so the screen works with
no JavaScript: it reloads itself (`_live.html`'s meta refresh). With JavaScript, live.js fetches
/projector/fragment whenever the kit changes.

**Paging.** Ideas first shrink to fit (three sizes of type, more columns); past the smallest,
they are split into pages. The page is not remembered anywhere: it is `?page=N` in the address,
and each page's reload goes to the next one (the meta refresh's `url=`; live.js follows the
fragment's `data-page-next` the same way), wrapping round to the first. So every screen moves
through the pages on its own, and a new idea appears on whichever page it falls.
"""
from __future__ import annotations

import functools
from typing import Any, Sequence

from flask import Blueprint, current_app, make_response, render_template, request, url_for
from flask_babel import gettext
from markupsafe import Markup

from printer.qr import qr_matrix
from webapp.domain.phases import Phase
from webapp.printing import queue
from webapp.security import store
from webapp.services import assembly, content, ideas, results, timer
from webapp.services import clock as kit_clock
from webapp.sync import state as sync_state

from .chart import bar_chart

bp = Blueprint("projector", __name__, url_prefix="/projector")

# How much fits at each size on a 1080p screen, counted in lines (a long title takes two):
# the wall's size classes, largest first, then pages at the smallest.
FITS = (("wall-l", 8), ("wall-m", 14), ("wall-s", 24))
LONG_TITLE = 60  # characters past which a title wraps at the larger sizes
PAGE_SECONDS = 10  # long enough to read a page from the back of the room
CHART_ROWS = 5  # what fits on one 1080p screen at a size read from 15 m; the list below has ten


def _weight(idea: dict) -> int:
    return 2 if len(idea["title"]) > LONG_TITLE else 1


def fit(items: Sequence[dict]) -> tuple[str, list[list[dict]]]:
    """The size class for `items` and the pages they take (one page unless even the smallest
    size cannot hold them all). Items are never split across pages."""
    total = sum(_weight(item) for item in items)
    for size, room in FITS:
        if total <= room:
            return size, [list(items)]
    size, room = FITS[-1]
    pages: list[list[dict]] = [[]]
    used = 0
    for item in items:
        weight = _weight(item)
        if used + weight > room and pages[-1]:
            pages.append([])
            used = 0
        pages[-1].append(item)
        used += weight
    return size, pages


def _page_number(count: int) -> int:
    """`?page=N` of this request, wrapped into range (a stale address after ideas were hidden
    still lands on a page)."""
    raw = request.args.get("page", "0")
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else 0
    return number % count if count else 0


def _paged(items: Sequence[dict]) -> dict:
    size, pages = fit(items)
    number = _page_number(len(pages))
    return {"size": size, "items": pages[number], "page": number + 1, "pages": len(pages),
            "next": (number + 1) % len(pages)}


def _wall(items: list[dict]) -> list[dict]:
    """A page's ideas gathered under their groups, in group order."""
    groups: list[dict] = []
    for idea in items:
        if not groups or groups[-1]["number"] != idea["group_number"]:
            groups.append({"number": idea["group_number"], "name": idea["group_name"], "ideas": []})
        groups[-1]["ideas"].append(idea)
    return groups


@functools.lru_cache(maxsize=8)
def qr_svg(data: str) -> Markup:
    """A QR code as inline SVG (one path, dark on white with its quiet zone), from the same
    encoder the slips use. Cached: the kit's address rarely changes."""
    matrix = qr_matrix(data)
    size = len(matrix)
    path = "".join(f"M{x} {y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="qr" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges" aria-hidden="true" focusable="false">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>'
    )


def chart_rows(board: list[dict], method: str, limit: int = CHART_ROWS) -> list[dict[str, Any]]:
    """Leaderboard rows as the chart draws them: graded methods (support levels, majority
    judgment) as stacked bars of their levels, named in the page's language."""
    names = queue.LEVEL_NAMES.get(method, {})
    rows = []
    for row in board[:limit]:
        rank = f"{row['rank']}{'=' if row.get('tied') else ''}"
        shown: dict[str, Any] = {"label": f"{rank}. {row['title']}", "value": row.get("score", 0)}
        if row.get("levels"):
            shown["levels"] = {gettext(names[key]) if key in names else str(key): count
                               for key, count in row["levels"].items()}
        if method == "support" and row.get("levels") is not None:
            shown["value_text"] = gettext("%(num)d%%", num=row.get("score", 0))
        elif method == "judgment" and row.get("median") in names:
            shown["value_text"] = gettext(names[row["median"]])
        rows.append(shown)
    return rows


def _timer() -> dict | None:
    running = timer.current(store())
    if running is not None:
        # The end time only means something when the kit's clock was set; what is left always does.
        running["show_end"] = kit_clock.stamp(store()) is not None
    return running


def _context() -> dict:
    state = assembly.get(store())
    revealed = state["phase"] is Phase.RESULTS and state["revealed"]
    context: dict[str, Any] = {"assembly": state, "counts": assembly.counts(store()), "board": [],
                               "combined": None, "timer": _timer(), "paged": None}
    if revealed:
        # The tally is only computed once it may be shown: nothing leaks before the reveal.
        board = results.leaderboard(store(), gettext)
        question = assembly.question_text(state["question"], gettext)
        shown = chart_rows(board, state["rules"].method)
        context["board"] = board
        context["chart"] = Markup(bar_chart(
            shown, title=gettext("Results: %(question)s", question=question),
            desc=gettext("Bar chart of the top %(n)d ideas, best first; the same figures are in the list below.",
                         n=len(shown))))
        context["combined"] = sync_state.combined_results(store())
    elif state["phase"] is Phase.SUBMISSION:
        wall = ideas.visible(store(), gettext)
        wall.sort(key=lambda idea: (idea["group_number"], idea["number"]))
        context["paged"] = _paged(wall)
        context["wall"] = _wall(context["paged"]["items"])
    elif state["phase"] is Phase.VOTING:
        # The ballot's ideas, cached per change of the assembly (ballots do not move it).
        context["paged"] = _paged(sorted(content.snapshot(store()).ideas, key=lambda idea: idea["number"]))
        kit = queue.KitInfo.from_config(current_app.config, queue.kit_url(current_app.config, request.host_url))
        context["join"] = {"url": kit.url, "address": kit.address, "ssid": kit.ssid, "qr": qr_svg(kit.url)}
    paged = context["paged"]
    if paged and paged["pages"] > 1:
        context["refresh"] = PAGE_SECONDS
        context["refresh_url"] = url_for("projector.screen", page=paged["next"])
        context["page_next"] = url_for("projector.fragment", page=paged["next"])
    return context


@bp.get("/")
def screen():
    return render_template("projector.html", **_context())


@bp.get("/fragment")
def fragment():
    response = make_response(render_template("_projector_body.html", **_context()))
    # The front keeps this answer for a room of screens (webapp/front.py) and would gzip it
    # again for each of them: three quarters of what a kept answer cost. So the app compresses
    # it even behind the front (webapp/app.py), once per change; the front keeps a plain copy too.
    response.compress_in_app = True
    return response
