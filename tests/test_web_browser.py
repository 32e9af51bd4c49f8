"""The pages in a real browser: Debian's chromium driven by Playwright, against the server started on
127.0.0.1. Screenshots land in artifacts/screenshots/."""

import io
import os
import re

import duckdb
import pytest
from pypdf import PdfReader

from helpers import CHROMIUM, SHOTS, axe_violations, overflow, visit
from open287g.exports.datasets import DATASETS
from open287g.web import mapsvg

if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip("Debian chromium is not installed (.ci/run installs it)", allow_module_level=True)


@pytest.mark.parametrize(
    "path, shot",
    [
        ("/", "home"),
        ("/states/TX", "state-tx"),
        ("/agencies/MN/freeborn-county-sheriffs-office", "agency"),
        ("/changes?since=2026-03-01", "changes"),
        ("/?lang=es", "home-es"),
        ("/counties/48201", "county"),
    ],
)
def test_pages_load_cleanly(server, browser, path, shot):
    page, problems = visit(browser, server + path, shot)  # (visit checks the answer is a 200)
    assert problems == []  # no console error, no request to anywhere but this server
    assert page.locator("h1").first.inner_text().strip()
    page.close()


def test_map_has_one_shape_per_county(server, browser):
    page, _ = visit(browser, server + "/", "map")
    shapes = page.locator("svg.map path.c")
    assert shapes.count() == len(mapsvg.county_paths()) > 3100
    assert page.locator("svg.map path.m-tfm").count() > 100
    harris = page.locator('svg.map path[data-fips="48201"] title').text_content()
    assert harris.startswith("Harris, TX")
    page.close()


def test_the_map_holds_nothing_to_tab_through_and_a_click_opens_a_county(server, browser):
    page, problems = visit(browser, server + "/?lang=es", "map-click")
    assert page.locator("svg.map a, svg.map [tabindex], svg.map [href]").count() == 0
    assert page.locator("svg.map").get_attribute("role") == "img"
    page.locator('svg.map path[data-fips="48201"]').dispatch_event("click")
    page.wait_for_url("**/counties/48201?lang=es")
    assert page.locator("p.answer").inner_text().startswith("Sí, pero no las agencias del propio condado")
    assert problems == []
    page.close()


def test_language_switch(server, browser):
    page, _ = visit(browser, server + "/agencies/MN/freeborn-county-sheriffs-office", "switch-before")
    page.get_by_role("link", name="Español").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", name="Historial").count() == 1
    page.get_by_role("link", name="Cambios").click()
    page.wait_for_load_state("networkidle")
    assert "lang=es" in page.url and page.locator("html").get_attribute("lang") == "es"
    page.close()


def test_keyboard_reaches_the_search_box(server, browser):
    page, _ = visit(browser, server + "/", "keyboard")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip"
    page.fill("#q", "freeborn")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("link", name="Freeborn County Sheriff's Office").count() == 1
    page.close()


def longest_briefs(built, n: int = 10) -> list[str]:
    """The agencies whose printed brief holds the most: agreements, MOAs on file (their signatures and powers)
    and events."""
    with duckdb.connect(str(built), read_only=True) as con:
        rows = con.execute(
            """SELECT a.agency_id,
                      (SELECT count(*) FROM agreements g WHERE g.agency_id = a.agency_id) * 20
                      + (SELECT count(*) FROM agreements g WHERE g.agency_id = a.agency_id
                         AND g.moa_sha256 IN (SELECT sha256 FROM documents)) * 30
                      + (SELECT count(*) FROM events e WHERE e.agency_id = a.agency_id)
                      + length(a.name) / 10 AS size
               FROM agencies a ORDER BY size DESC, a.agency_id LIMIT $n""",
            {"n": n},
        ).fetchall()
    return [r[0] for r in rows]


def test_the_ten_longest_agency_briefs_print_on_one_page_saying_where_from(server, browser, built):
    """The brief a county official hands out: one Letter page, with the day of the list, the source,
    each MOA's address and the page's own address on it."""
    briefs = [(a, "en") for a in ["MN/freeborn-county-sheriffs-office", *longest_briefs(built)]]
    for agency, lang in briefs + [(a, "es") for a, _ in briefs]:
        page = browser.new_page()
        page.goto(f"{server}/agencies/{agency}?lang={lang}")
        page.wait_for_load_state("networkidle")
        moa_links = page.eval_on_selector_all("a.moa-url", "els => els.map(e => e.href)")
        pdf = page.pdf(format="Letter")
        page.close()
        name = re.sub(r"[^a-z0-9]+", "-", agency.lower())
        (SHOTS / f"brief-{name}-{lang}.pdf").write_bytes(pdf)
        printed = PdfReader(io.BytesIO(pdf))
        assert len(printed.pages) == 1, f"{agency} ({lang}): the brief prints on {len(printed.pages)} pages"
        text = printed.pages[0].extract_text()
        flat = re.sub(r"\s+", "", text)  # a long address wraps
        said = ("As of", "Source: ICE") if lang == "en" else ("Al ", "Fuente: listas")
        assert all(s in text for s in said), agency
        assert f"{server}/agencies/{agency}?lang={lang}" in flat, f"{agency}: the page's address is not printed"
        for href in moa_links:
            assert href in flat, f"{agency}: the MOA address {href} is not printed"


# Every page type, in both languages, on a desktop and on a phone: axe-core (npm) finds no WCAG A/AA violation.
PAGE_TYPES = [
    "/",
    "/states/TX",
    "/states/CA",  # a state without agreements
    "/states/FL",  # a mandate: whom it covers, the compliance chart and table
    "/states/MD",  # a ban: the agreements it flags for review
    "/counties/48201",
    "/counties/13135",  # past agreements only
    "/agencies/TX/ellis-county-sheriffs-office",
    "/agencies/FL/lake-city-police-department",
    "/models/JEM",
    "/changes?since=2026-03-01",
    "/search?q=harris",
    "/search?q=police",
    "/documents",
    "/documents?q=steering",
    "/documents/ae6108b586ecba39c8b179d1ee25318c30ea9c44345a7d441ce91d049c366d6d",
    "/methodology",
    "/arrests",
    "/agencies/GA/gwinnett-county-sheriffs-office",  # arrests linked through its landmarks
    "/downloads",
    "/what-is-287g",
    "/docs",
    "/pending",
    "/?on=2025-06-01",  # any day: the page says which
    "/agencies/TX/ellis-county-sheriffs-office?on=2025-06-01",
]


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("path", PAGE_TYPES)
def test_no_accessibility_violations(server, browser, path, lang, width):
    sep = "&" if "?" in path else "?"
    assert axe_violations(browser, f"{server}{path}{sep}lang={lang}", width) == []


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("path", PAGE_TYPES)
def test_every_page_fits_a_phone(server, browser, path, lang):
    """At 390 px nothing makes the page scroll sideways: wide tables scroll inside their own box."""
    sep = "&" if "?" in path else "?"
    name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")[:60] or "home"
    shot = f"phone-{name}-{lang}"
    page, problems = visit(browser, f"{server}{path}{sep}lang={lang}", shot, width=390)
    assert overflow(page) == 0 and problems == []
    page.close()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_arrests_page_draws_its_charts_and_places_the_landmarks(server, browser, lang):
    page, problems = visit(browser, f"{server}/arrests?lang={lang}", f"arrests-{lang}")
    assert problems == []
    assert page.locator("svg.columns").count() == 2 and page.locator("svg.shares").count() == 1
    assert page.locator("svg.columns rect.bar").count() > 40  # four fiscal years and every month
    rows = page.locator("table.landmarks tbody tr")
    assert rows.count() == 20
    assert "GWINNETT COUNTY JAIL" in rows.first.inner_text()
    assert page.locator("table.landmarks a[href*='/agencies/GA/gwinnett-county-sheriffs-office']").count() == 1
    heading = page.locator("h1").inner_text()
    assert heading == (
        "Arrestos 287(g) en los registros del propio ICE" if lang == "es" else "287(g) arrests in ICE's own records"
    )
    page.close()
    agency, problems = visit(
        browser, f"{server}/agencies/GA/gwinnett-county-sheriffs-office?lang={lang}", f"agency-arrests-{lang}"
    )
    assert problems == [] and agency.locator("#outcomes-title").count() == 1
    assert agency.locator("section.outcomes table").first.locator("tbody tr").count() == 4  # FY2016-FY2019
    agency.close()


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_newer_releases_sections_read_in_both_languages(server_ddp, browser, lang, width):
    """The criminality labels and the detainers (made releases of the newer kind, tests/ddp_files.py): shown,
    nothing scrolls sideways on a phone, and no WCAG A/AA violation."""
    page, problems = visit(browser, f"{server_ddp}/arrests?lang={lang}#detainers", f"arrests-ddp-{lang}-{width}", width)
    assert not problems
    heading = "Órdenes de retención enviadas a cárceles y prisiones" if lang == "es" else "Detainers sent to jails"
    assert heading in page.inner_text("#detainers")
    assert page.locator("#criminality + p + .scroll table tbody tr").count() == 3
    assert overflow(page) == 0
    page.close()
    assert axe_violations(browser, f"{server_ddp}/arrests?lang={lang}", width) == []


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_downloads_page_shows_the_data_dictionary(server, browser, lang, width):
    """Every exported dataset has its disclosure; opened on a phone, each column's meaning is in view, not
    scrolled off to the side."""
    page, problems = visit(browser, f"{server}/downloads?lang={lang}", f"downloads-{lang}-{width}", width=width)
    assert problems == [] and page.locator(".dictionary details").count() == len(DATASETS)
    page.locator("#dict-agreements summary").click()
    cell = page.locator("#dict-agreements tbody tr").first.locator("td").last
    assert "e.g. TX/" in cell.inner_text()
    box = cell.bounding_box()
    assert box is not None and box["x"] + box["width"] <= width and overflow(page) == 0
    assert page.locator("#datasets + p code").first.inner_text() == "open287g export --to DIR"
    page.close()
