"""MOA documents on the web: the API (/api/v1/documents…), the archived files (/files/{sha256}), and the pages
(agency MOA sections, /documents, /documents/{sha256}) in-process and in a real browser.

Extraction is being improved: these tests check that what the pages show comes from the document (its
signature rows, its page numbers, its OCR marks), not the values read."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from helpers import SHARED, SHOTS, in_browser, overflow, visit
from open287g import queries
from open287g.web.app import create_app, marked

MOAS = SHARED / "moa" / "pdfs"
ELLIS = "TX/ellis-county-sheriffs-office"  # a JEM with its MOA on file (and a WSO without)
LAKE_CITY = "FL/lake-city-police-department"  # a TFM with its MOA on file
FREEBORN = "MN/freeborn-county-sheriffs-office"  # no MOA on file
GILMER = "GA/gilmer-county-sheriffs-office"  # ICE links its WSO row to the Georgia DPS's TFM MOA
GEORGIA_DPS_MOA = "georgiaDeptPublicSafety_TFM_MOA_03.10.25.pdf"
SHA = re.compile(r"[0-9a-f]{64}")


@pytest.fixture(scope="module")
def client(built):
    return TestClient(create_app(built))


@pytest.fixture(scope="module")
def listed(client) -> list[dict]:
    return client.get("/api/v1/documents").json()


def by_name(listed: list[dict], name: str) -> dict:
    (doc,) = [d for d in listed if d["file_name"] == name]
    return doc


def moa_of(client, agency_id: str) -> dict:
    """The (first) document linked to an agency's agreements, whole."""
    (summary, *_) = client.get(f"/api/v1/documents?agency={agency_id}").json()
    return client.get(f"/api/v1/documents/{summary['sha256']}").json()


# -- API ------------------------------------------------------------------------------------------------------


def test_every_shared_moa_is_listed_with_its_links(listed):
    assert len(listed) == len(list(MOAS.rglob("*.pdf"))) == len({d["sha256"] for d in listed})
    assert all(SHA.fullmatch(d["sha256"]) for d in listed)
    linked = [d for d in listed if d["agreement_ids"]]
    assert linked and all(d["agency_ids"] and len(d["agency_ids"]) == len(d["agency_names"]) for d in linked)
    # every shared MOA's text agrees with a roster link of its own; ICE's wrong link (Gilmer's WSO row to the
    # Georgia DPS TFM) is refused, not a link
    assert len(linked) == len(listed)


def test_the_list_has_a_csv_twin_with_the_same_rows(client, listed):
    r = client.get("/api/v1/documents?format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["sha256"] for row in rows] == [d["sha256"] for d in listed]
    assert list(rows[0]) == list(queries.DOCUMENT_FIELDS)


def test_filters_by_agency_state_and_model(client, listed):
    mine = client.get(f"/api/v1/documents?agency={ELLIS}").json()
    assert mine and all(ELLIS in d["agency_ids"] for d in mine)
    # a former id of an agency names the same documents (Marco Island PD, first listed as "Macro Island")
    marco = client.get("/api/v1/documents?agency=FL/marco-island-police-department").json()
    assert marco and client.get("/api/v1/documents?agency=FL/macro-island-police-department").json() == marco
    # Kansas's Ellis County SO is its own agency (ICE once listed its WSO under Texas): not Texas's MOA
    assert client.get("/api/v1/documents?agency=KS/ellis-county-sheriffs-office").json() == []
    texas = client.get("/api/v1/documents?state=texas").json()
    assert texas and {d["state"] for d in texas} == {"TX"} and len(texas) < len(listed)
    tfm = client.get("/api/v1/documents?model=tfm").json()
    assert tfm and {d["model"] for d in tfm} == {"TFM"}


def test_search_answers_pages_with_the_matched_passage(client):
    r = client.get("/api/v1/documents", params={"q": "steering committee"})
    hits, total = r.json(), int(r.headers["x-total-count"])
    assert 0 < len(hits) == total <= 50
    for h in hits:
        assert SHA.fullmatch(h["sha256"]) and h["page"] >= 1 and h["file_name"]
        assert re.search(r"«steering»", h["snippet"], re.I) and re.search(r"«committee»", h["snippet"], re.I)
    # the 2025 templates deleted the clause: every hit is an MOA of 2019-20 or a pre-template text
    csv_rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/documents?q=steering+committee&format=csv").text)))
    assert [(row["sha256"], int(row["page"])) for row in csv_rows] == [(h["sha256"], h["page"]) for h in hits]


def test_search_pages_through_every_hit(client):
    first = client.get("/api/v1/documents?q=ICE&limit=50")
    total = int(first.headers["x-total-count"])
    assert total > 50  # a word on nearly every page: paging is needed
    second = client.get("/api/v1/documents?q=ICE&limit=50&offset=50").json()
    both = client.get("/api/v1/documents?q=ICE&limit=100").json()
    assert first.json() + second == both
    assert client.get(f"/api/v1/documents?q=ICE&offset={total}").json() == []


def test_search_within_an_agency(client):
    sha = moa_of(client, ELLIS)["sha256"]
    hits = client.get(f"/api/v1/documents?q=detainers&agency={ELLIS}").json()
    assert hits and {h["sha256"] for h in hits} == {sha}


def test_one_document_whole(client):
    doc = moa_of(client, ELLIS)
    assert doc["model"] == "JEM" and doc["state"] == "TX"
    assert len(doc["page_texts"]) == doc["pages"] and [p["page"] for p in doc["page_texts"]] == list(
        range(1, doc["pages"] + 1)
    )
    assert {s["party"] for s in doc["signatures"]} >= {"ICE"}
    matched = [a for a in doc["authorities_matched"] if a["matched"]]
    assert matched and all(1 <= a["page"] <= doc["pages"] and a["power_en"] and a["power_es"] for a in matched)
    assert any(link["agency_id"] == ELLIS and link["status"] == "linked" for link in doc["links"])
    # a unique prefix of the sha256 names the same document
    assert client.get(f"/api/v1/documents/{doc['sha256'][:12]}").json()["sha256"] == doc["sha256"]


def test_a_refused_link_keeps_its_reason(client, listed):
    doc = client.get(f"/api/v1/documents/{by_name(listed, GEORGIA_DPS_MOA)['sha256']}").json()
    (gilmer,) = [link for link in doc["links"] if link["agency_id"] == GILMER]
    assert gilmer["status"] == "mismatch" and gilmer["reason"]


@pytest.mark.parametrize(
    "path, status, message",
    [
        ("/api/v1/documents?q=%20%20", 400, "q: empty search"),
        ("/api/v1/documents?q=", 400, "'q' given without a value"),
        ("/api/v1/documents?q=x&limit=0", 400, "limit"),
        ("/api/v1/documents?q=x&limit=501", 400, "limit"),
        ("/api/v1/documents?q=x&offset=-1", 400, "offset"),
        ("/api/v1/documents?q=x&limit=ten", 400, "limit"),
        ("/api/v1/documents?agency=XX/nobody", 404, "no agency"),
        ("/api/v1/documents?state=Atlantis", 400, "unknown state"),
        ("/api/v1/documents?model=ABC", 400, "unknown model"),
        ("/api/v1/documents?format=xml", 400, "unknown format"),
        ("/api/v1/documents/not-a-sha", 400, "is not a sha256"),
        ("/api/v1/documents/1234", 400, "is not a sha256"),
        ("/api/v1/documents/" + "0" * 64, 404, "no document"),
    ],
)
def test_bad_parameters_get_a_clear_4xx(client, path, status, message):
    r = client.get(path)
    assert r.status_code == status and message in r.json()["detail"], r.text


def test_documents_endpoints_are_described_in_openapi(client):
    spec = client.get("/openapi.json").json()
    described = {p["name"]: p.get("description") for p in spec["paths"]["/api/v1/documents"]["get"]["parameters"]}
    assert set(described) >= {"agency", "state", "model", "q", "limit", "offset", "format"}
    assert all(described.values()), described
    assert "/api/v1/documents/{sha256}" in spec["paths"]


# -- archived files -------------------------------------------------------------------------------------------


def test_a_moa_is_served_exactly_as_received(client):
    pdf = MOAS / "TEXAS" / "Ellis_County_Sheriff's_Office" / "EllisCoTX_JEM_MOA_04.16.2025.pdf"
    data = pdf.read_bytes()
    r = client.get(f"/files/{hashlib.sha256(data).hexdigest()}")
    assert r.status_code == 200 and r.content == data
    assert r.headers["content-type"] == "application/pdf"
    assert pdf.name in r.headers["content-disposition"]


def test_the_workbooks_behind_a_change_are_served(client):
    event = client.get("/api/v1/agencies/" + ELLIS).json()["events"][0]
    for sha in (event["from_sha256"], event["to_sha256"]):
        r = client.get(f"/files/{sha}")
        assert r.status_code == 200 and r.content[:2] == b"PK"  # an .xlsx is a zip
        assert hashlib.sha256(r.content).hexdigest() == sha
        assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
        assert "attachment" in r.headers["content-disposition"] and ".xlsx" in r.headers["content-disposition"]
    page = client.get("/agencies/" + ELLIS).text
    assert f'href="/files/{event["to_sha256"]}"' in page


@pytest.mark.parametrize("sha", ["0" * 64, "nothing", "f" * 63, "../../etc/passwd"])
def test_unknown_files_are_404(client, sha):
    assert client.get("/files/" + quote(sha, safe="")).status_code == 404


def test_head_of_a_file_has_no_body(client, listed):
    r = client.head(f"/files/{listed[0]['sha256']}")
    assert r.status_code == 200 and r.content == b"" and r.headers["content-type"] == "application/pdf"


# -- pages (in-process) ---------------------------------------------------------------------------------------


def test_snippets_are_escaped_and_marked():
    assert str(marked("a <b> «steering» «committee» & «x")) == (
        "a &lt;b&gt; <mark>steering</mark> <mark>committee</mark> &amp; «x"
    )


def test_agency_page_without_a_moa_falls_back_to_the_model(client):
    page = client.get("/agencies/" + FREEBORN).text
    assert "No MOA is on file for this agreement." in page
    assert "The powers of the model, not read from this agency&#39;s MOA" in page
    assert "DOMAIN" not in page  # the powers cite the template and the law, not our notes


def test_agency_page_says_which_file_ice_links_and_why_it_is_not_the_moa(client):
    page = client.get("/agencies/" + GILMER).text
    assert GEORGIA_DPS_MOA in page and "but that document is not its MOA" in page
    assert "The powers of the model, not read from this agency&#39;s MOA" in page


def test_an_ended_agreement_speaks_in_the_past(client):
    ended = [
        a for a in client.get("/api/v1/agreements?status=ended").json() if a["moa_sha256"] and a["status"] == "ended"
    ]
    assert ended
    page = client.get("/agencies/" + ended[0]["agency_id"]).text
    assert f"This agreement ended on {ended[0]['ended_on']}" in page
    assert "The powers its MOA delegated" in page


def test_model_pages_cite_the_template_not_our_notes(client):
    for model in ("JEM", "TFM", "WSO"):
        page = client.get(f"/models/{model}").text
        assert "DOMAIN" not in page and "ICE&#39;s" in page and "MOA" in page


def test_documents_page_pages_beyond_fifty(client):
    first = client.get("/documents?q=ICE").text
    assert 'rel="next"' in first and "offset=50" in first and first.count("<mark>") >= 50
    second = client.get("/documents?q=ICE&offset=50").text
    assert '<ol class="hits" start="51">' in second and 'rel="prev"' in second


def test_documents_page_shows_unmatched_documents_apart(client, listed):
    page = client.get("/documents").text
    linked, unmatched = page.split("Not linked to any agreement", 1)
    alone = [d["file_name"] for d in listed if not d["agreement_ids"]]
    assert all(f in unmatched and f not in linked for f in alone)
    assert f"({len(alone)})" in unmatched[:20]
    # a file ICE also linked to the wrong agreement is still listed with the right one
    assert GEORGIA_DPS_MOA in linked


def test_document_page_prefix_redirects_and_unknown_is_404(client, listed):
    sha = listed[0]["sha256"]
    r = client.get(f"/documents/{sha[:10]}", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == f"/documents/{sha}"
    assert client.get("/documents/" + "0" * 64).status_code == 404
    assert client.get("/documents/nonsense").status_code == 404


# -- in a real browser ----------------------------------------------------------------------------------------


@in_browser
@pytest.mark.parametrize("agency", [ELLIS, LAKE_CITY])
@pytest.mark.parametrize(
    "lang, signers, powers, page_word",
    [
        ("en", "Who signed it", "The powers this MOA delegates", "p."),
        ("es", "Quién lo firmó", "Las facultades que delega este MOA", "pág."),
    ],
)
def test_agency_page_shows_signers_and_powers_from_the_moa(
    server, browser, client, agency, lang, signers, powers, page_word
):
    doc = moa_of(client, agency)
    shot = f"moa-{agency.split('/')[1]}-{lang}"
    page, problems = visit(browser, f"{server}/agencies/{agency}?lang={lang}", shot)
    assert problems == [] and page.locator("html").get_attribute("lang") == lang
    section = page.locator("section.agreement", has=page.get_by_role("heading", name=signers))
    assert section.count() >= 1
    section = section.first
    # who signed: a row per signature read, the ICE party among them, each cited to its page
    rows = section.locator("table.signatures tbody tr")
    assert rows.count() >= 1 and section.locator("tr.party-ice").count() >= 1
    # the powers, from the document: each cited to a page of this MOA, in the page's language
    assert section.get_by_role("heading", name=powers).count() == 1
    items = section.locator("ol.powers > li")
    matched = [a for a in doc["authorities_matched"] if a["matched"]]
    assert items.count() == len(matched) > 0
    for i, a in enumerate(matched):
        item = items.nth(i)
        assert a[f"power_{lang}"] in item.inner_text()
        link = item.locator(f'a[href="/documents/{doc["sha256"]}#page-{a["page"]}"]')
        assert link.count() == 1 and link.inner_text() == f"{page_word} {a['page']}"
    # the sources: the document itself (linked) and the template the plain words follow
    sources = section.locator("ol.sources > li")
    assert sources.first.locator(f'a[href^="/documents/{doc["sha256"]}"]').count() >= 1
    assert section.locator(f'a[href="/files/{doc["sha256"]}"]').count() >= 1
    assert "DOMAIN" not in page.content()
    page.close()


@in_browser
@pytest.mark.parametrize("lang", ["en", "es"])
def test_agency_page_fits_a_phone(server, browser, lang):
    page, problems = visit(browser, f"{server}/agencies/{ELLIS}?lang={lang}", f"moa-ellis-{lang}-390", width=390)
    assert problems == [] and overflow(page) == 0
    page.close()


@in_browser
@pytest.mark.parametrize("lang, mark", [("en", "OCR"), ("es", "OCR")])
def test_document_page_marks_the_ocr_pages(server, browser, listed, lang, mark):
    scanned = next(d for d in listed if d["ocr_pages"] and len(d["ocr_pages"]) < d["pages"])  # scans and text
    page, problems = visit(browser, f"{server}/documents/{scanned['sha256']}?lang={lang}", f"document-{lang}")
    assert problems == []
    assert page.locator("section.page").count() == scanned["pages"]
    marked_pages = page.locator("section.page.ocr")
    assert marked_pages.count() == len(scanned["ocr_pages"])
    for n in scanned["ocr_pages"]:
        heading = page.locator(f"#page-{n} h3")
        assert mark in heading.inner_text() and "%" in heading.inner_text()  # the OCR mark and its confidence
    text_page = next(n for n in range(1, scanned["pages"] + 1) if n not in scanned["ocr_pages"])
    assert page.locator(f"#page-{text_page} .mark-ocr").count() == 0
    assert page.locator(f'a[href="/files/{scanned["sha256"]}"]').count() >= 1
    page.close()
    page, problems = visit(browser, f"{server}/documents/{scanned['sha256']}?lang={lang}", f"document-{lang}-390", 390)
    assert problems == [] and overflow(page) == 0
    page.close()


@in_browser
def test_search_finds_the_steering_committee_with_its_passage(server, browser):
    page, problems = visit(browser, f"{server}/documents", "documents")
    page.get_by_role("searchbox", name="Search the text of every MOA").fill('"steering committee"')
    with page.expect_navigation():
        page.get_by_role("button", name="Search").last.click()
    page.wait_for_load_state("networkidle")
    hits = page.locator("ol.hits > li")
    assert hits.count() > 0
    first = hits.first
    # the matched words in <mark> (a phrase is marked whole, words one by one)
    assert " ".join(first.locator("mark").all_inner_texts()).lower().split()[:2] == ["steering", "committee"]
    href = first.locator("a").first.get_attribute("href")
    assert re.fullmatch(r"/documents/[0-9a-f]{64}#page-\d+", href or "")
    page.screenshot(path=str(SHOTS / "documents-search.png"), full_page=True)
    first.locator("a").first.click()
    page.wait_for_load_state("networkidle")
    anchor = href.split("#")[1]
    assert page.locator(f"#{anchor}").count() == 1
    assert re.search(r"steering\s+committee", page.locator(f"#{anchor} pre").inner_text(), re.I)
    assert problems == []
    page.close()
