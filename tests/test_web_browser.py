"""The pages in a real browser: Debian's chromium driven by Playwright, against the server started on
127.0.0.1. Screenshots land in artifacts/screenshots/."""

import os
import re
from urllib.parse import urlsplit

import pytest

from helpers import CHROMIUM, SHOTS
from open287g.web import mapsvg

if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip("Debian chromium is not installed (.ci/run installs it)", allow_module_level=True)


def visit(browser, url, shot):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, outside = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "request",
        lambda r: outside.append(r.url) if urlsplit(r.url).hostname not in ("127.0.0.1", "localhost") else None,
    )
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
    return page, response, errors, outside


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
    page, response, errors, outside = visit(browser, server + path, shot)
    assert response.status == 200
    assert errors == [] and outside == []
    assert page.locator("h1").first.inner_text().strip()
    page.close()


def test_map_has_one_shape_per_county(server, browser):
    page, _, _, _ = visit(browser, server + "/", "map")
    shapes = page.locator("svg.map path.c")
    assert shapes.count() == len(mapsvg.county_paths()) > 3100
    assert page.locator("svg.map path.m-tfm").count() > 100
    harris = page.locator('svg.map path[data-fips="48201"] title').text_content()
    assert harris.startswith("Harris, TX")
    page.close()


def test_language_switch(server, browser):
    page, _, _, _ = visit(browser, server + "/agencies/MN/freeborn-county-sheriffs-office", "switch-before")
    page.get_by_role("link", name="Español").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", name="Historial").count() == 1
    page.get_by_role("link", name="Cambios").click()
    page.wait_for_load_state("networkidle")
    assert "lang=es" in page.url and page.locator("html").get_attribute("lang") == "es"
    page.close()


def test_keyboard_reaches_the_search_box(server, browser):
    page, _, _, _ = visit(browser, server + "/", "keyboard")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip"
    page.fill("#q", "freeborn")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("link", name="Freeborn County Sheriff's Office").count() == 1
    page.close()


def test_agency_page_prints_on_one_page(server, browser):
    page = browser.new_page()
    page.goto(server + "/agencies/MN/freeborn-county-sheriffs-office")
    pdf = page.pdf(format="Letter")
    page.close()
    (SHOTS / "agency-brief.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1  # the brief a county official hands out
