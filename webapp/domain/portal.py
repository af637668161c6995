"""Captive-portal detection: what each operating system's connectivity probe expects.

An OS that gets the exact "online" answer believes the network works and closes or never opens
its portal window; any other answer (we send a redirect to the kit) means "captive", so the OS
opens its portal window — the one browser that reliably reaches the kit while offline.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OnlineAnswer:
    status: int
    body: str
    content_type: str


APPLE_SUCCESS = "<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"
FIREFOX_CANONICAL = (
    '<meta http-equiv="refresh" content="0;url=https://support.mozilla.org/kb/captive-portal"/>'
)

# path -> (family, the answer that means "online")
PROBES: dict[str, tuple[str, OnlineAnswer]] = {
    "/generate_204": ("android", OnlineAnswer(204, "", "text/plain")),
    "/gen_204": ("android", OnlineAnswer(204, "", "text/plain")),
    "/hotspot-detect.html": ("apple", OnlineAnswer(200, APPLE_SUCCESS, "text/html")),
    "/library/test/success.html": ("apple", OnlineAnswer(200, APPLE_SUCCESS, "text/html")),
    "/connecttest.txt": ("windows", OnlineAnswer(200, "Microsoft Connect Test", "text/plain")),
    "/ncsi.txt": ("windows", OnlineAnswer(200, "Microsoft NCSI", "text/plain")),
    "/canonical.html": ("firefox", OnlineAnswer(200, FIREFOX_CANONICAL, "text/html")),
    "/success.txt": ("firefox", OnlineAnswer(200, "success\n", "text/plain")),
}

# Windows opens this in a browser when it finds a portal; it never has an "online" answer.
WINDOWS_REDIRECT = "/redirect"

PROBE_HOSTS = (
    "connectivitycheck.gstatic.com", "connectivitycheck.android.com", "clients1.google.com",
    "clients3.google.com", "www.google.com", "play.googleapis.com", "captive.apple.com",
    "www.apple.com", "www.appleiphonecell.com", "www.ibook.info", "www.itools.info",
    "www.airport.us", "www.thinkdifferent.us", "www.msftconnecttest.com", "www.msftncsi.com",
    "ipv6.msftconnecttest.com", "detectportal.firefox.com", "nmcheck.gnome.org",
)

CAPTIVE = "captive"
RELEASED = "released"


def probe_for(path: str) -> tuple[str, OnlineAnswer] | None:
    """The probe a request path is, if any (on whatever host it was sent to)."""
    return PROBES.get(path)
