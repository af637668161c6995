"""Accessibility checks run inside a page: axe-core's WCAG 2.2 A/AA rules, sideways scrolling,
and self-reloading forms with JavaScript off. Findings are collected, not raised, so one run
lists every problem of every page state at once."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / ".js-deps" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# A phone of today and the narrowest screen WCAG 1.4.10 (reflow) asks for.
VIEWPORTS = [(390, 844), (320, 640)]
LANGUAGES = ["en", "cy"]

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 140)}))}));
}"""

# The widest element that sticks out on the right names the culprit of sideways scrolling.
SIDEWAYS = """() => {
  const root = document.documentElement, width = root.clientWidth;
  if (root.scrollWidth <= width) { return null; }
  let worst = null, right = width;
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect().right;
    if (r > right + 0.5) { right = r; worst = el; }
  }
  const name = worst ? worst.tagName.toLowerCase() + (worst.id ? "#" + worst.id : "") +
    (worst.className && typeof worst.className === "string" ? "." + worst.className.trim().replace(/\\s+/g, ".") : "") +
    ' "' + worst.textContent.trim().slice(0, 40) + '" in ' +
    (worst.parentElement ? worst.parentElement.tagName.toLowerCase() : "") : "?";
  return {scrollWidth: root.scrollWidth, clientWidth: width, widest: name, right: Math.round(right)};
}"""

# With scripting off the parser reads <noscript> as markup, so its meta refresh is in the DOM.
TYPING_FIELDS = "input:not([type=hidden]), select, textarea"
META_REFRESH = 'meta[http-equiv="refresh" i]'


def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is missing ({AXE_JS}): run `make test`, whose set-up "
                    "(scripts/js-deps.sh) installs it from the npm registry", pytrace=False)
    return AXE_JS.read_text()


@dataclass
class Findings:
    """Everything the walk saw, by kind; each kind is asserted by its own test."""
    # (state, rule, target) -> {"help": ..., "html": ..., "where": ["en 390", ...]}
    axe: dict = field(default_factory=lambda: defaultdict(lambda: {"where": []}))
    sideways: list[str] = field(default_factory=list)
    reloads: list[str] = field(default_factory=list)
    walk: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    runs: int = 0
    nojs_pages: int = 0
    seconds: float = 0.0

    def axe_report(self) -> str:
        lines = []
        for (state, rule, target), seen in sorted(self.axe.items()):
            lines.append(f"{state}: {rule} ({seen['impact']}) at {target} [{', '.join(seen['where'])}]\n"
                         f"    {seen['help']}\n    {seen['html']}")
        return "\n".join(lines)


def check_page(page, axe_js: str, state: str, lang: str, findings: Findings) -> None:
    """Run axe and the sideways check at each viewport on the page as it stands."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_js)  # evaluated through the debugger protocol, so the CSP allows it
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        where = f"{lang} {width}"
        for violation in page.evaluate(RUN_AXE, WCAG_TAGS):
            for node in violation["nodes"]:
                seen = findings.axe[(state, violation["id"], node["target"])]
                seen.update(help=violation["help"], impact=violation["impact"], html=node["html"])
                seen["where"].append(where)
        wide = page.evaluate(SIDEWAYS)
        if wide:
            findings.sideways.append(
                f"{state} [{where}]: scrollWidth {wide['scrollWidth']} > clientWidth {wide['clientWidth']}; "
                f"widest element {wide['widest']} reaches {wide['right']}px")
        findings.runs += 1
    page.set_viewport_size({"width": VIEWPORTS[0][0], "height": VIEWPORTS[0][1]})


def check_no_self_reload(page, state: str, findings: Findings) -> None:
    """A JavaScript-off page where someone types must never reload itself under their fingers."""
    findings.nojs_pages += 1
    fields = page.locator(TYPING_FIELDS).count()
    refreshes = page.locator(META_REFRESH).count()
    if fields and refreshes:
        content = page.locator(META_REFRESH).first.get_attribute("content")
        findings.reloads.append(f"{state}: {fields} field(s) to type in and a meta refresh ({content!r})")


def submit(page, inside: str) -> None:
    """Send the form that holds `inside` (not, say, the staff pages' sign-out form)."""
    form = page.locator("form").filter(has=page.locator(inside)).first
    with page.expect_navigation():
        form.locator("button[type=submit], input[type=submit]").first.click()
