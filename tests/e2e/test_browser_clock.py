"""The sign-in page's script offers the browser's time; a kit whose clock was never set takes it.

The real server and Chromium (with its clock moved two days ahead); the script must run under
the kit's Content-Security-Policy. The machine's own clock is never touched: the web app only
writes the kit's clock file.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from pi import clock

# timedatectl says "not synchronised", whatever the machine running the tests says.
pytestmark = pytest.mark.usefixtures("no_time_servers")


def test_the_organisers_browser_sets_a_never_set_clock(kit, browser, phone):
    offered = datetime.now(timezone.utc) + timedelta(days=2)
    context = browser.new_context(**phone)
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.clock.set_fixed_time(offered)
    page.goto(kit.url + "/organiser/signin")
    page.fill("#setup_code", kit.printed_setup_code())
    page.fill("#passphrase", "correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(kit.url + "/organiser/")
    expect(page.get_by_text("The kit's clock was set from this device's time.")).to_be_visible()
    saved = clock.read(kit.data_dir)
    assert saved["source"] == "browser" and saved["pending"]
    assert abs(saved["epoch"] - offered.timestamp()) < 5
    assert not errors, errors  # no CSP refusal of the script
    context.close()
