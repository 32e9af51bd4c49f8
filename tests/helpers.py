"""Paths to the real shared data, and small helpers the tests share."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("OPEN287G_SHARED_DATA", REPO.parent / "shared" / "data")).resolve()
SHEETS = SHARED / "sheets"
# The browser tests drive Debian's chromium (Playwright cannot download browsers here).
CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = REPO / "artifacts" / "screenshots"


def sheet(rel: str) -> Path:
    """A real workbook under shared/data/sheets."""
    p = SHEETS / rel
    assert p.is_file(), f"missing shared data file {p}"
    return p


def rewrite(rel: str, member: str, change) -> bytes:
    """The bytes of a real workbook with one zip member passed through `change(bytes) -> bytes`:
    the way tests make malformed files from real ones."""
    import io
    import zipfile

    src = zipfile.ZipFile(sheet(rel))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, change(data) if item.filename == member else data)
    return out.getvalue()


def run(db, *args, **kwargs):
    """The CLI on a warehouse, in-process: `run(db, "counts", "--format", "json")` (db None: the
    command line names none)."""
    from typer.testing import CliRunner

    from open287g.cli import app

    head = ["--db", str(db)] if db is not None else []
    return CliRunner().invoke(app, [*head, *map(str, args)], **kwargs)


# -- in a real browser ------------------------------------------------------------------------------

in_browser = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
    reason="Debian chromium is not installed (.ci/run installs it)",
)


def visit(browser, url: str, shot: str, width: int = 1280):
    """A page at `url` in a fresh tab: (page, problems) where problems are console errors and requests to
    anywhere but this server; a full-page screenshot goes to artifacts/screenshots/<shot>.png."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "request",
        lambda r: problems.append(r.url) if urlsplit(r.url).hostname not in ("127.0.0.1", "localhost") else None,
    )
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
    return page, problems


def overflow(page) -> int:
    """How many pixels the page is wider than the window (0: nothing scrolls sideways but tables inside)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"  # axe-core from npm (package.json), not committed


def axe_violations(browser, url: str, width: int = 1280) -> list[str]:
    """axe-core's WCAG A/AA violations on a page, one line each (rule: impact, the first elements). The
    page is opened without its CSP so that axe can be injected; every other browser test keeps the CSP."""
    page = browser.new_page(viewport={"width": width, "height": 900}, bypass_csp=True)
    try:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        page.add_script_tag(path=str(AXE))
        found = page.evaluate(
            "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}))"
            ".violations.map(v => v.id + ': ' + v.impact + ' '"
            " + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))"
        )
    finally:
        page.close()
    return list(found)
