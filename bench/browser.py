"""A phone on a poor network: the ballot page's size on the wire and its first render in Chromium.

Chromium (Debian's, driven by Playwright) loads the ballot page with a cold cache, throttled
through the DevTools protocol (Network.emulateNetworkConditions: 1 Mbit/s each way and 100 ms
of added latency per request), once per repeat in a fresh context, and once unthrottled as the
baseline. First render = the first-contentful-paint entry; load = the navigation's loadEventEnd.
"""
from __future__ import annotations

import socket
import statistics

from kit import HOST

CHROMIUM = "/usr/bin/chromium"
MBIT = 1_000_000 / 8  # bytes per second


def page_bytes(port: int, path: str) -> dict:
    """One GET as a phone sends it (gzip accepted): bytes of the response as they cross the wire."""
    request = (f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept-Encoding: gzip, deflate\r\n"
               f"Accept: text/html\r\nUser-Agent: Mozilla/5.0 (Linux; Android 14) venuekit-bench\r\n"
               f"Connection: close\r\n\r\n").encode()
    with socket.create_connection((HOST, port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    headers = head.decode("latin-1").lower()
    return {"status": int(head.split(b" ", 2)[1]), "wire_bytes": len(raw), "head_bytes": len(head) + 4,
            "body_bytes": len(body), "gzip": "content-encoding: gzip" in headers,
            "chunked": "transfer-encoding: chunked" in headers}


def _load(browser, url: str, throttle: bool) -> dict:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        if throttle:
            cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 100,
                                                          "downloadThroughput": MBIT, "uploadThroughput": MBIT})
        page.goto(url, wait_until="load", timeout=30_000)
        # The paint entry can come after the load event on a throttled page: wait for it (5 s at most).
        return page.evaluate("""() => new Promise(resolve => {
            const done = () => {
                const nav = performance.getEntriesByType('navigation')[0];
                const fcp = performance.getEntriesByName('first-contentful-paint')[0];
                const resources = performance.getEntriesByType('resource');
                resolve({fcp_ms: fcp ? fcp.startTime : null, load_ms: nav.loadEventEnd,
                         response_end_ms: nav.responseEnd, page_transfer_bytes: nav.transferSize,
                         resources: resources.length,
                         all_transfer_bytes: nav.transferSize + resources.reduce((s, r) => s + r.transferSize, 0)});
            };
            if (performance.getEntriesByName('first-contentful-paint').length) return done();
            new PerformanceObserver(done).observe({type: 'paint', buffered: true});
            setTimeout(done, 5000);
        })""")
    finally:
        context.close()


def first_render(port: int, path: str, repeats: int) -> dict:
    """Throttled loads (`repeats`) and one unthrottled, with Chromium's own timings."""
    from playwright.sync_api import sync_playwright

    url = f"http://{HOST}:{port}{path}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            _load(browser, url, False)  # the kit's first ever page of this kind, untimed
            baseline = _load(browser, url, False)
            runs = [_load(browser, url, True) for _ in range(repeats)]
        finally:
            browser.close()
    fcps = [r["fcp_ms"] for r in runs if r["fcp_ms"] is not None]
    loads = [r["load_ms"] for r in runs]
    return {"throttle": "1 Mbit/s down and up, +100 ms latency per request (CDP)", "runs": runs,
            "fcp_ms": _spread(fcps), "load_ms": _spread(loads), "unthrottled": baseline}


def _spread(values: list[float]) -> dict:
    if not values:
        return {}
    return {"min": round(min(values), 1), "median": round(statistics.median(values), 1),
            "max": round(max(values), 1), "n": len(values)}


class ProjectorPage:
    """The projector page open in Chromium, noting when its ballot count changes on screen.

    A MutationObserver on the live block records (wall-clock ms, ballots shown) at every change:
    the time a person in the room would see the new count (give or take one frame).
    """

    async def open(self, port: int) -> None:
        from playwright.async_api import async_playwright

        self._pw = await async_playwright().start()
        self._browser = await self._pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        self.page = await self._browser.new_page(viewport={"width": 1280, "height": 720})
        await self.page.goto(f"http://{HOST}:{port}/projector", wait_until="load", timeout=30_000)
        await self.page.evaluate("""() => {
            window.__seen = [];
            const read = () => {
                const el = document.getElementById('count-ballots');
                if (!el) return;
                const n = parseInt(el.textContent, 10), last = window.__seen[window.__seen.length - 1];
                if (!last || last[1] !== n) window.__seen.push([Date.now(), n]);
            };
            new MutationObserver(read).observe(document.getElementById('live'),
                                               {subtree: true, childList: true, characterData: true});
            read();
        }""")

    async def seen(self) -> list[tuple[float, int]]:
        return [(ms / 1000, n) for ms, n in await self.page.evaluate("() => window.__seen")]

    async def close(self) -> None:
        try:
            await self._browser.close()
        finally:
            await self._pw.stop()


def projector_lag(acks_epoch: list[float], seen: list[tuple[float, int]], since: float) -> dict:
    """The i-th ballot acknowledged after `since` is on screen once the count shown reaches the
    count before `since` plus i; its lag runs from its acknowledgement to that moment."""
    before = [n for t, n in seen if t <= since]
    if not before or not acks_epoch:
        return {"pairs": 0, "note": "the projector page showed no count" if not before else "no ballots"}
    base = before[-1]
    after = [(t, n) for t, n in seen if t > since]
    lags, missed = [], 0
    for i, ack in enumerate(sorted(acks_epoch), 1):
        shown = next((t for t, n in after if n >= base + i), None)
        if shown is None:
            missed += 1
        else:
            lags.append(max(shown - ack, 0.0))
    lags.sort()
    q = (lambda p: round(lags[min(len(lags) - 1, int(p / 100 * (len(lags) - 1) + 0.5))] * 1000, 1)) if lags else None
    return {"pairs": len(lags) + missed, "missed": missed, "changes_seen": len(after),
            "p50_ms": q(50) if q else None, "p99_ms": q(99) if q else None,
            "max_ms": round(lags[-1] * 1000, 1) if lags else None}
