"""Captive-portal detection: one table of every connectivity check and the answer it expects.

An OS that gets the exact "online" answer believes the network works and closes or never opens
its portal window; any other answer (we send a redirect to the kit) means "captive", so the OS
opens its portal window — the one browser that reliably reaches the kit while offline.

Each entry says where its answer comes from: the OS's own configuration or source, or the page
the real server sends. Change an answer only against its source.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OnlineAnswer:
    """What the real server sends: status, Content-Type (None for an empty 204), body, headers."""

    status: int
    body: str = ""
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Check:
    """One connectivity check: the names and paths it asks for and the answer meaning "online"."""

    family: str
    hosts: tuple[str, ...]
    paths: tuple[str, ...]
    answer: OnlineAnswer
    source: str
    # The path alone identifies the check, on any host: vendors' builds of Android ask their
    # own hosts (connect.rom.miui.com, connectivitycheck.platform.hicloud.com ...) the same path.
    any_host: bool = False


APPLE_SUCCESS = "<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"
FIREFOX_CANONICAL = (
    '<meta http-equiv="refresh" content="0;url=https://support.mozilla.org/kb/captive-portal"/>'
)
KINDLE_STUB = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">\n'
    "<html>\n<head>\n<title>Kindle Reachability Probe Page</title>\n"
    '<META http-equiv="Content-Type" content="text/html; charset=iso-8859-1">\n'
    "<!--81ce4465-7167-4dcb-835b-dcc9e44c112a created with python 2.5 uuid.uuid4()-->\n"
    "</head>\n"
    '<body bgcolor="#ffffff" text="#000000">\n'
    "81ce4465-7167-4dcb-835b-dcc9e44c112a\n"
    "</body>\n</html>\n"
)
# NetworkManager counts this header as "online" whatever its `response=` setting expects
# (HEADER_STATUS_ONLINE in src/core/nm-connectivity.c); the distributions' servers send it.
NM_STATUS = (("X-NetworkManager-Status", "online"),)
NM_ONLINE = "NetworkManager is online\n"
EMPTY_204 = OnlineAnswer(204)

CHECKS: tuple[Check, ...] = (
    Check("android", ("connectivitycheck.gstatic.com", "www.google.com", "play.googleapis.com",
                      "connectivitycheck.android.com", "clients1.google.com", "clients3.google.com",
                      "www.gstatic.com"),
          ("/generate_204", "/gen_204"), EMPTY_204,
          "Android NetworkStack NetworkMonitor: DEFAULT_HTTP_URL connectivitycheck.gstatic.com/"
          "generate_204, DEFAULT_FALLBACK_URL www.google.com/gen_204, DEFAULT_OTHER_FALLBACK_URLS "
          "play.googleapis.com/generate_204; ChromeOS portal detection clients3.google.com",
          any_host=True),
    Check("apple", ("captive.apple.com", "www.apple.com", "www.appleiphonecell.com", "www.ibook.info",
                    "www.itools.info", "www.airport.us", "www.thinkdifferent.us"),
          ("/hotspot-detect.html", "/library/test/success.html"),
          OnlineAnswer(200, APPLE_SUCCESS, "text/html"),
          "the page captive.apple.com/hotspot-detect.html serves (iOS, iPadOS, macOS Captive "
          "Network Assistant); www.apple.com/library/test/success.html serves the same",
          any_host=True),
    Check("apple", ("captive.apple.com",), ("/",), OnlineAnswer(200, APPLE_SUCCESS, "text/html"),
          "captive.apple.com serves the same Success page at its root"),
    Check("windows", ("www.msftconnecttest.com", "ipv6.msftconnecttest.com"), ("/connecttest.txt",),
          OnlineAnswer(200, "Microsoft Connect Test", "text/plain"),
          "Microsoft NCSI (Network Connectivity Status Indicator) docs: ActiveWebProbeHost "
          "www.msftconnecttest.com, ActiveWebProbeContent \"Microsoft Connect Test\"",
          any_host=True),
    Check("windows", ("www.msftncsi.com",), ("/ncsi.txt",),
          OnlineAnswer(200, "Microsoft NCSI", "text/plain"),
          "Microsoft NCSI docs, Windows 7 to 8.1: www.msftncsi.com/ncsi.txt, \"Microsoft NCSI\"",
          any_host=True),
    Check("edge", ("edge-http.microsoft.com",), ("/captiveportal/generate_204",), EMPTY_204,
          "Microsoft Edge's own captive-portal check, edge-http.microsoft.com/captiveportal/generate_204"),
    Check("firefox", ("detectportal.firefox.com",), ("/canonical.html",),
          OnlineAnswer(200, FIREFOX_CANONICAL, "text/html"),
          "Firefox prefs captivedetect.canonicalURL and captivedetect.canonicalContent"),
    Check("firefox", ("detectportal.firefox.com",), ("/success.txt",),
          OnlineAnswer(200, "success\n", "text/plain"),
          "Firefox prefs network.connectivity-service.IPv4.url / IPv6.url (success.txt?ipv4, ?ipv6)"),
    Check("gnome", ("nmcheck.gnome.org",), ("/check_network_status.txt",),
          OnlineAnswer(200, NM_ONLINE, "text/plain", NM_STATUS),
          "GNOME's host for NetworkManager's check, [connectivity] uri=http://nmcheck.gnome.org/"
          "check_network_status.txt; NetworkManager's default response \"NetworkManager is online\""),
    Check("ubuntu", ("connectivity-check.ubuntu.com",), ("/",),
          OnlineAnswer(204, headers=NM_STATUS),
          "Ubuntu's network-manager-config-connectivity-ubuntu, /usr/lib/NetworkManager/conf.d/"
          "20-connectivity-ubuntu.conf: uri=http://connectivity-check.ubuntu.com./ (trailing dot); "
          "the server answers 204"),
    Check("debian", ("network-test.debian.org",), ("/nm",),
          OnlineAnswer(200, NM_ONLINE, "text/plain", NM_STATUS),
          "Debian's network-manager-config-connectivity-debian: uri=http://network-test.debian.org/nm"),
    Check("arch", ("ping.archlinux.org",), ("/nm-check.txt",),
          OnlineAnswer(200, NM_ONLINE, "text/plain", NM_STATUS),
          "Arch Linux networkmanager package, /usr/lib/NetworkManager/conf.d/20-connectivity.conf: "
          "uri=http://ping.archlinux.org/nm-check.txt"),
    Check("fedora", ("fedoraproject.org",), ("/static/hotspot.txt",),
          OnlineAnswer(200, "OK", "text/plain", NM_STATUS),
          "Fedora's NetworkManager-config-connectivity-fedora, 20-connectivity-fedora.conf: "
          "uri=http://fedoraproject.org/static/hotspot.txt, response=OK"),
    Check("kde", ("networkcheck.kde.org",), ("/",),
          OnlineAnswer(200, "OK", "text/plain", NM_STATUS),
          "KDE's host for NetworkManager's check, [connectivity] uri=http://networkcheck.kde.org/; "
          "it answers OK"),
    Check("kindle", ("spectrum.s3.amazonaws.com",),
          ("/kindle-wifi/wifistub.html", "/kindle-wifi/wifistub-eink.html"),
          OnlineAnswer(200, KINDLE_STUB, "text/html"),
          "the Kindle Reachability Probe Page at spectrum.s3.amazonaws.com/kindle-wifi/"
          "wifistub.html (Kindle e-readers; Fire tablets use Android's check)"),
)

# Windows opens this in a browser when it finds a portal; it never has an "online" answer.
WINDOWS_REDIRECT = "/redirect"

CAPTIVE = "captive"
RELEASED = "released"

_BY_HOST_AND_PATH = {(host, path): check for check in CHECKS
                     for host in check.hosts for path in check.paths}
_BY_PATH = {path: check for check in CHECKS if check.any_host for path in check.paths}


def normalise_host(host: str) -> str:
    """A Host header as a bare lower-case name: no port, no IPv6 brackets, no trailing dot
    (Ubuntu asks for `connectivity-check.ubuntu.com.` so no search domain is appended)."""
    host = (host or "").strip().lower()
    if host.startswith("["):
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def check_for(host: str, path: str) -> Check | None:
    """The connectivity check a request is, if any: its own host and path first, then a path
    that means the same check on any host."""
    return _BY_HOST_AND_PATH.get((normalise_host(host), path)) or _BY_PATH.get(path)
