"""Staff pages and the projector for people using screen readers, keyboards, zoom or no JavaScript:
live regions, no self-reload where staff type, skip link, named table headers, unique labels,
errors tied to their field, narrow-screen tables and zoomable projector text."""
import html as htmllib
import re

import pytest

from tests.conftest import make_assembly
from webapp.services import assembly, auth, ballots

STAFF_PAGES = ["/organiser/", "/organiser/groups", "/organiser/ideas", "/organiser/codes", "/organiser/stewards",
               "/organiser/access", "/steward/", "/steward/print/"]
LIVE_PAGES = ["/steward/", "/steward/print/", "/projector/"]


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def post(client, url, **data):
    return client.post(url, data={"csrf_token": client.csrf, **data})


def plain(fragment: str) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def tag_with_id(html: str, element_id: str) -> str:
    match = re.search(rf'<[a-z]+\b[^>]*\bid="{re.escape(element_id)}"[^>]*>', html)
    assert match, f"no element with id {element_id}"
    return match.group(0)


def assert_tied_to_error(html: str, element_id: str) -> None:
    tag = tag_with_id(html, element_id)
    assert 'aria-invalid="true"' in tag and 'aria-describedby="form-error"' in tag, tag
    assert 'id="form-error"' in html


@pytest.fixture
def busy_kit(organiser, store):
    """An assembly in submission with something in every staff table."""
    made = make_assembly(store, phase="submission")
    ballots.issue_codes(store, 3)
    auth.create_token(store, "organiser", "Laptop")
    auth.create_steward_code(store, "Door")
    post(organiser, "/steward/print/", action="ballot_slips", count="2")
    return made


# -- live regions ---------------------------------------------------------------------------------
@pytest.mark.parametrize("url", LIVE_PAGES)
def test_live_pages_have_a_polite_status_region_outside_the_refreshed_block(organiser, store, url):
    make_assembly(store)
    html = page(organiser, url)
    region = tag_with_id(html, "live-status")
    assert 'aria-live="polite"' in region and 'aria-atomic="true"' in region and 'role="status"' in region
    # The region is not inside #live (which is replaced on refresh) and starts empty, so the
    # page's own load is not announced twice.
    live_start = html.index('id="live"')
    assert html.index('id="live-status"') > live_start
    assert re.search(r'id="live-status"[^>]*></p>', html)
    assert 'data-announce="' in html


def test_the_fragments_carry_a_short_summary_to_announce(steward, organiser, store):
    made = make_assembly(store)
    ballots.cast(store, made["codes"][0], {made["ideas"][0]["id"]: 1})
    dash = htmllib.unescape(page(steward, "/steward/fragment"))
    assert 'data-announce="Ballots cast: 1 of 8. Paper ballots entered: 0."' in dash
    wall = htmllib.unescape(page(steward, "/projector/fragment"))
    assert 'data-announce="Ballots cast: 1 of 8. Ideas: 6."' in wall
    assembly.set_phase(store, "results")
    assembly.reveal(store, True)
    revealed = htmllib.unescape(page(steward, "/projector/fragment"))
    assert re.search(r'data-announce="Results are up. In first place: Idea 1a, score 1."', revealed), revealed


# -- no self-reload where staff type --------------------------------------------------------------
@pytest.mark.parametrize("url", ["/steward/", "/steward/print/", "/organiser/", "/organiser/codes"])
def test_pages_where_staff_type_never_reload_themselves(organiser, store, url):
    make_assembly(store)
    html = page(organiser, url)
    assert "<input" in html
    assert 'http-equiv="refresh"' not in html.lower()


@pytest.mark.parametrize("url", ["/steward/", "/steward/print/"])
def test_live_staff_pages_offer_a_refresh_link_without_javascript(organiser, store, url):
    make_assembly(store)
    html = page(organiser, url)
    assert re.search(rf'<noscript><p><a href="{re.escape(url)}">Refresh[^<]+</a></p></noscript>', html), html


def test_the_read_only_projector_still_refreshes_itself(client, store):
    make_assembly(store)
    assert re.search(r'<noscript><meta http-equiv="refresh" content="\d+"></noscript>', page(client, "/projector/"))


# -- skip link, headers, labels, tables -----------------------------------------------------------
@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_pages_have_a_skip_link_to_main(organiser, busy_kit, url):
    html = page(organiser, url)
    skip = html.index('<a class="skip" href="#main">Skip to main content</a>')
    assert skip < html.index("<nav") and '<main id="main"' in html


def test_the_paper_ballot_page_has_the_skip_link_too(steward, store):
    made = make_assembly(store)
    html = page(steward, f"/steward/paper/{made['codes'][0]}")
    assert '<a class="skip" href="#main">Skip to main content</a>' in html


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_every_table_header_has_text(organiser, busy_kit, url):
    html = page(organiser, url)
    headers = re.findall(r"<th\b[^>]*>(.*?)</th>", html, re.DOTALL)
    assert headers, f"{url} has no table"
    assert all(plain(h) for h in headers), (url, headers)


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_no_two_controls_share_a_label(organiser, busy_kit, url):
    html = page(organiser, url)
    labels = [plain(text) for text in re.findall(r"<label\b[^>]*>(.*?)</label>", html, re.DOTALL)]
    repeated = {text for text in labels if labels.count(text) > 1}
    assert not repeated, (url, repeated)


@pytest.mark.parametrize("url", ["/organiser/groups", "/organiser/ideas", "/organiser/codes",
                                 "/organiser/stewards", "/organiser/access", "/steward/print/"])
def test_wide_tables_stack_on_a_narrow_screen(organiser, busy_kit, url):
    html = page(organiser, url)
    assert '<table class="stack"><tr class="head">' in html
    assert "@media (max-width:40rem)" in html
    # Each stacked cell that holds a value names its column.
    assert re.search(r'<td[^>]* data-label="[^"]+"', html)


# -- errors tied to their field --------------------------------------------------------------------
def test_a_bad_paper_ballot_code_is_tied_to_its_field(steward, store):
    make_assembly(store)
    html = steward.get("/steward/paper", query_string={"code": "AAA-AAA-AAA"}).get_data(as_text=True)
    assert_tied_to_error(html, "paper-code")


@pytest.mark.parametrize("action,field,value_name", [
    ("ballot_slips", "count", "count"), ("paper_ballots", "paper", "count"), ("group_cards", "slips", "slips")])
def test_a_refused_print_count_is_tied_to_its_field(organiser, store, action, field, value_name):
    make_assembly(store, phase="setup")
    html = post(organiser, "/steward/print/", action=action, **{value_name: "lots"}).get_data(as_text=True)
    assert_tied_to_error(html, field)
    others = {"count", "paper", "slips"} - {field}
    assert not any('aria-invalid' in tag_with_id(html, other) for other in others)


@pytest.mark.parametrize("data,field", [({"question": ""}, "question"), ({"num_groups": "lots"}, "num_groups"),
                                        ({"points": "0"}, "points")])
def test_a_refused_setting_is_tied_to_its_field(organiser, store, data, field):
    refused = post(organiser, "/organiser/settings", **data)
    html = page(organiser, refused.headers["Location"])
    assert_tied_to_error(html, field)
    assert html.count('aria-invalid="true"') == 1


def test_refused_codes_and_names_are_tied_to_their_field(organiser, store):
    made = make_assembly(store, phase="setup")
    html = page(organiser, post(organiser, "/organiser/codes", count="0").headers["Location"])
    assert_tied_to_error(html, "count")
    group = made["groups"][0]["id"]
    html = page(organiser, post(organiser, f"/organiser/groups/{group}/name", name="x" * 200).headers["Location"])
    assert_tied_to_error(html, f"name-{group}")
    html = post(organiser, "/organiser/stewards", label="x" * 200).get_data(as_text=True)
    assert_tied_to_error(html, "label")


def test_wrong_sign_in_codes_are_tied_to_their_field(app, organiser, store):
    fresh = app.test_client()
    form = page(fresh, "/steward/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    html = fresh.post("/steward/signin", data={"csrf_token": token, "code": "nope"}).get_data(as_text=True)
    assert_tied_to_error(html, "code")
    form = page(fresh, "/organiser/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    html = fresh.post("/organiser/signin", data={"csrf_token": token, "passphrase": "wrong one"}).get_data(as_text=True)
    assert_tied_to_error(html, "passphrase")
    assert 'aria-invalid' not in tag_with_id(html, "setup_code")


# -- the projector's type --------------------------------------------------------------------------
def _projector_sizes(html: str) -> list[str]:
    return re.findall(r"font-size:\s*([^;}\"]+)", html)


def test_projector_text_is_sized_in_units_that_follow_zoom(client, store):
    make_assembly(store)
    for html in (page(client, "/projector/"), page(client, "/projector/fragment")):
        for size in _projector_sizes(html):
            if "vw" in size or "vh" in size:
                # Viewport units only inside clamp() with rem bounds, never on their own.
                assert re.fullmatch(r"clamp\([\d.]+rem,[^,]*rem[^,]*,[\d.]+rem\)", size.replace(" ", "")), size
            else:
                assert re.fullmatch(r"[\d.]+(rem|em|%)", size.strip()), size
    body = re.search(r"body\{font-size:clamp\(([\d.]+)rem,[^,]+,([\d.]+)rem\)", page(client, "/projector/"))
    assert body, "the projector's base size is not a clamp() in rem"
    smallest, largest = float(body.group(1)), float(body.group(2))
    # Big enough for the back of a hall, and zooming can still double it (largest <= 2.5 x smallest).
    assert smallest >= 1.5 and largest <= 2.5 * smallest
