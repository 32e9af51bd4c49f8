"""The front door, in-process: every page answers for ?on=D and says so, the explainer, the pending list,
state pages that name counties and carry signing dates, MOA links and their CSV, city search, the Spanish
QA table and the share metadata of each page. (In a real browser: tests/test_web_browser.py.)"""

from __future__ import annotations

import html as markup
import re

import pytest
from fastapi.testclient import TestClient

from open287g import queries
from open287g.web import sentences
from open287g.web.app import create_app

DAY = "2025-06-01"


@pytest.fixture(scope="module")
def client(built):
    return TestClient(create_app(built))


def text(client, path: str) -> str:
    """A page's HTML with its character references resolved."""
    return markup.unescape(client.get(path).text)


def words(client, path: str) -> str:
    """A page as its reader reads it: its text, without the markup (dates in sentences are <time>s)."""
    return markup.unescape(re.sub(r"<[^>]+>", "", client.get(path).text))


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/states/TX",
        "/counties/48201",
        "/models/TFM",
        "/search?q=harris",
        "/pending",
        "/what-is-287g",
        "/agencies/TX/ellis-county-sheriffs-office",
        "/changes",
    ],
)
def test_a_page_for_a_day_says_which_day_and_list_it_shows(client, path):
    html = text(client, path + ("&" if "?" in path else "?") + f"on={DAY}")
    said = words(client, path + ("&" if "?" in path else "?") + f"on={DAY}")
    assert "as it stood on June 1, 2025, when ICE's list of May 29, 2025 was in effect" in said, path
    assert f'<time datetime="{DAY}">June 1, 2025</time>' in html
    assert re.search(r'<a href="[^"]*">See today\'s</a>', html)
    # the links keep the day, as they keep the language
    assert f'href="/changes?on={DAY}"' in html


@pytest.mark.parametrize("path", ["/documents", "/methodology", "/downloads", "/docs"])
def test_a_page_that_is_the_same_every_day_says_so(client, path):
    html = text(client, f"{path}?on={DAY}")
    assert "this page is the same whatever the day" in html


def test_pages_answer_for_the_day(client):
    then = text(client, f"/?on={DAY}")
    counts = client.get(f"/api/v1/counts?on={DAY}").json()
    assert f'<span class="n">{counts["agreements"]}</span>' in then
    state = words(client, f"/states/TX?on={DAY}")
    listed = client.get(f"/api/v1/agreements?state=TX&on={DAY}").json()
    assert f"{len(listed)} agreements on ICE's list of May 29, 2025" in state
    es = words(client, f"/states/TX?on={DAY}&lang=es")
    assert "Esta página muestra el registro tal como estaba el 1 de junio de 2025" in es
    # Ellis County SO TX had its JEM on that day, not yet its WSO... and Kansas's WSO is not Texas's
    agency = words(client, f"/agencies/TX/ellis-county-sheriffs-office?on={DAY}")
    assert "listed this agency with: JEM (signed 2025-04-16)" in agency
    # a bad day is refused as a page, saying the record's range
    r = client.get("/?on=2019-01-01")
    assert r.status_code == 400 and "before the record begins" in r.text


def test_a_search_for_a_day_goes_to_the_county_for_that_day(client):
    r = client.get(f"/search?q=Harris+County,+TX&on={DAY}&lang=es", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/counties/48201?on={DAY}&lang=es"


def test_the_explainer_in_both_languages_links_the_models_and_every_page_links_it(client):
    en, es = client.get("/what-is-287g").text, client.get("/what-is-287g?lang=es").text
    for m in ("JEM", "WSO", "TFM"):
        assert f'href="/models/{m}"' in en and f'href="/models/{m}?lang=es"' in es
    assert "memorandum of agreement" in en and "memorando de acuerdo" in es
    assert "8 U.S.C. §1357(g)" in en and "not legal advice" in en and "no asesoría legal" in es
    for path in ("/", "/states/TX", "/documents", "/changes"):
        assert 'href="/what-is-287g"' in client.get(path).text, path


def test_the_pending_figure_names_its_list_and_links_to_it(client):
    home = text(client, "/")
    counts = client.get("/api/v1/counts").json()
    assert f'<a href="/pending"><span class="n">{counts["pending"]}</span>' in home
    # the pending list's own day, not the other list's
    assert "(ICE's pending list of February 27, 2026)" in words(client, "/")
    page = text(client, "/pending")
    rows = client.get("/api/v1/agreements?status=pending&on=2026-03-27").json()
    assert len(rows) == counts["pending"]
    for r in rows:
        assert r["agency_name"] in page
    # both rows of the newest pending list were signed since: the page says so
    assert f"{len(rows)} of them have been signed since" in page or "have been signed since" in page


def test_state_page_names_counties_gives_signing_dates_moa_links_and_a_csv(client):
    html = client.get("/states/TX").text
    assert '<a href="/counties/48201">Harris County</a>' in html
    assert "https://www.ice.gov/doclib/287gMOA/EllisCoTX_JEM_MOA_04.16.2025.pdf" in html
    assert '<td class="d">2025-04-16</td>' in html
    assert "/api/v1/agreements?state=TX&amp;on=2026-03-27&amp;format=csv" in html
    assert not re.search(r">\d{5}</a>", html)  # no bare FIPS for a county name
    ca = client.get("/states/CA").text
    assert "0/58" in ca
    # the agreements list carries the county's FIPS (the CSV too), statewide ones none
    tx = {a["agency_id"]: a["county_fips"] for a in client.get("/api/v1/agreements?state=TX").json()}
    assert tx["TX/ellis-county-sheriffs-office"] == "48139" and tx["TX/office-of-the-attorney-general"] is None
    assert "county_fips" in client.get("/api/v1/agreements?state=TX&format=csv").text.splitlines()[0]


def test_a_city_finds_its_county(client, con):
    found = queries.find_places(con, "Charlotte, NC")
    assert [(p["fips"], p["cities"]) for p in found] == [("37119", ["Charlotte-Mecklenburg"])]
    r = client.get("/search?q=Charlotte,+NC", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/counties/37119"
    houston = {p["fips"]: p["cities"] for p in queries.find_places(con, "Houston, TX")}
    assert houston["48201"] == ["Houston"] and houston["48225"] == []  # Harris County, and Houston County
    # a query that says "County" names no city
    cook = queries.find_places(con, "Cook County")
    assert [p["fips"] for p in cook] == ["17031", "13075", "27031"] and not any(p["cities"] for p in cook)
    html = client.get("/search?q=houston").text
    assert "Harris County" in html and "Houston" in html


def test_the_qa_table_reads_in_spanish(client, con):
    html = text(client, "/methodology?lang=es")
    for check in con.execute("SELECT check_name, detail FROM qa_checks").fetchall():
        entry = sentences.STRINGS.get("qa_" + check[0])
        assert entry and check[1].startswith(entry["en"]), f"{check[0]}: no Spanish for its detail"
        assert sentences.qa_detail({"check_name": check[0], "detail": check[1]}, "es").split(":")[0] in html


def test_every_page_has_a_description_and_open_graph_metadata(client):
    county = text(client, "/counties/48201")
    # the county's answer is its description
    assert re.search(r'<meta name="description" content="Yes, but not the county\'s own agencies: League City', county)
    assert '<meta property="og:title" content="Harris County, TX — open287g">' in county
    es = client.get("/what-is-287g?lang=es").text
    assert '<meta property="og:locale" content="es_US">' in es and "La sección 287(g)" in es


def test_an_address_with_nothing_at_it_is_a_page_and_the_api_answers_json(client):
    r = client.get("/nope?lang=es")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html") and 'lang="es"' in r.text
    api = client.get("/api/v1/nope")
    assert api.status_code == 404 and api.json()["detail"]


def test_the_changes_form_leaves_the_default_window_out_so_signing_dates_search_everything(client):
    html = text(client, "/changes")
    assert '<input type="date" name="since" value="">' in html  # the last 30 days are said, not filled in
    by_form = words(client, "/changes?since=&until=&signed_since=2025-06-01&signed_until=2025-06-30&model=WSO")
    total = client.get("/api/v1/changes?signed_since=2025-06-01&signed_until=2025-06-30&model=WSO")
    assert f"{int(total.headers['X-Total-Count']):,} changes" in by_form
    asked = text(client, "/changes?since=2026-03-01")
    assert '<input type="date" name="since" value="2026-03-01">' in asked


def test_a_huge_page_or_offset_is_refused_or_answered_never_a_server_error(client):
    """Found by the property test: page=10**20 overflowed a slice (500)."""
    for url in ("/api/v1/search?q=police&page=100000000000000000000", "/api/v1/changes?offset=10000000000000"):
        assert client.get(url).status_code == 400, url
    last = client.get("/api/v1/search?q=police&page=999999").json()
    assert last["page"] == last["pages"] and last["agencies"]  # beyond the last page: the last page
    assert client.get("/search?q=police&page=100000000000000000000").status_code == 400
