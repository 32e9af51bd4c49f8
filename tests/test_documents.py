"""MOA documents: archived and read (text layer, OCR), linked to their agreements, searchable; bad
PDFs rejected with one line each and nothing else changed."""

from __future__ import annotations

import hashlib
import io
import json
import shutil

import duckdb
import pytest

from helpers import SHARED, run, sheet
from open287g import ocr, pipeline, search
from open287g.archive import Archive
from open287g.cache import Cache

MOA = SHARED / "moa" / "pdfs"
ETOWAH = MOA / "ALABAMA" / "Elmore_County_Sheriff's_Office" / "287gJEM_%20etowahCoAL_06-09-2020.pdf"
LAKE_CITY = MOA / "FLORIDA" / "Lake_City_Police_Department" / "Lake_City_PD_FL_TFM_MOA_04.29.25.pdf"
GEORGIA_DPS = MOA / "GEORGIA" / "Georgia_Department_of_Public_Safety" / "georgiaDeptPublicSafety_TFM_MOA_03.10.25.pdf"


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_shared_moa_is_archived_read_and_linked_or_listed(con):
    docs = con.execute("SELECT status, count(*) FROM documents GROUP BY 1").fetchall()
    assert docs == [("ok", 80)]
    observed = con.execute(
        "SELECT count(DISTINCT sha256), min(date_basis), max(date_basis) FROM observations WHERE kind_hint = 'moa'"
    ).fetchone()
    assert observed == (80, "documents_csv", "documents_csv")  # dated by moa/moa_sample.csv
    # each one either linked to an agreement or listed as unmatched: no third state
    unlinked = {r[0] for r in con.execute("SELECT file_name FROM documents WHERE len(agreement_ids) = 0").fetchall()}
    check = con.execute("SELECT n FROM qa_checks WHERE check_name = 'documents_unmatched'").fetchone()
    assert check == (len(unlinked),)
    linked = con.execute("SELECT count(*) FROM documents WHERE len(agreement_ids) > 0").fetchone()[0]
    assert linked >= 76, unlinked  # every shared MOA's file name is on the roster; a few texts are unreadable
    # agreements point at documents linked to them, and only those
    bad = con.execute(
        """SELECT a.agreement_id FROM agreements a WHERE a.moa_sha256 IS NOT NULL AND NOT EXISTS (
             SELECT 1 FROM document_links l WHERE l.sha256 = a.moa_sha256 AND l.agreement_id = a.agreement_id
             AND l.status = 'linked')"""
    ).fetchall()
    assert bad == []


def test_a_file_linked_to_the_wrong_agreement_is_a_mismatch_not_a_link(con):
    """ICE linked the Georgia Department of Public Safety's TFM to Gilmer County's WSO row."""
    rows = dict(
        con.execute(
            "SELECT agreement_id, status FROM document_links WHERE sha256 = $s", {"s": sha(GEORGIA_DPS)}
        ).fetchall()
    )
    assert rows["GA/gilmer-county-sheriffs-office/WSO/2026-01-26"] == "mismatch"
    reason = con.execute(
        "SELECT reason FROM document_links WHERE sha256 = $s AND agreement_id LIKE 'GA/gilmer%'",
        {"s": sha(GEORGIA_DPS)},
    ).fetchone()[0]
    assert "TFM" in reason and "WSO" in reason
    gilmer = con.execute(
        "SELECT moa_sha256 FROM agreements WHERE agreement_id = 'GA/gilmer-county-sheriffs-office/WSO/2026-01-26'"
    ).fetchone()
    assert gilmer == (None,)


def test_an_agency_with_several_models_gets_each_models_pdf(con):
    rows = con.execute(
        """SELECT a.model, d.model, d.file_name FROM agreements a JOIN documents d ON d.sha256 = a.moa_sha256
           WHERE a.agency_id IN ('KY/grayson-county-detention-center', 'MN/jackson-county-sheriffs-office',
                                 'AZ/la-paz-county-sheriffs-office') ORDER BY 3"""
    ).fetchall()
    assert len(rows) == 6
    assert all(listed == read for listed, read, _ in rows), rows
    assert {m for m, _, _ in rows} == {"JEM", "WSO"}


def test_scanned_pages_are_ocred_and_marked(con):
    pages = con.execute(
        "SELECT page, ocr, text FROM document_pages WHERE sha256 = $s ORDER BY page", {"s": sha(ETOWAH)}
    ).fetchall()
    assert [p for p, o, _ in pages if o] == [1, 3, 4, 6, 7, 8, 11]  # no text layer on these
    assert "Etowah County Sheriff" in pages[0][2]  # read by OCR
    doc = con.execute("SELECT ocr_pages FROM documents WHERE sha256 = $s", {"s": sha(ETOWAH)}).fetchone()
    assert doc == ([1, 3, 4, 6, 7, 8, 11],)


def test_search_finds_the_passage_and_its_page(built, con):
    path = search.fresh(built, con)
    hits, total = search.search(path, '"steering committee"')
    assert total >= 28  # every 2019-20 MOA and the pre-template Texas AG TFM (DOMAIN §2.6)
    assert all("«Steering" in h.snippet or "«steering" in h.snippet.lower() for h in hits)
    r = run(built, "documents", "--search", "Garrity", "--format", "json")
    assert r.exit_code == 0, r.output
    found = json.loads(r.stdout)
    assert found and {"sha256", "page", "snippet", "file_name"} <= set(found[0])
    # words FTS5 would read as syntax are plain words here
    assert search.search(path, 'NEAR( "unbalanced')[1] >= 0


def test_moa_command_reads_any_pdf_outside_the_archive(tmp_path):
    loose = tmp_path / "somewhere.pdf"
    shutil.copy(LAKE_CITY, loose)
    r = run(tmp_path / "none.duckdb", "moa", loose, "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    for key in ("model", "state", "agency", "signatures", "authorities", "template_revision", "ocr_pages"):
        assert key in doc
    assert doc["model"] == "TFM" and doc["state"] == "FL" and doc["template_revision"] == "Revised 03/07/2025"
    assert len(doc["authorities"]) == 9 and all(isinstance(a, str) for a in doc["authorities"])
    for s in doc["signatures"]:
        assert s["party"] in ("ICE", "LEA", "other") and set(s) >= {"name", "title", "date"}
        assert s["date"] is None or len(s["date"]) == 10


def test_a_rebuild_never_ocrs_a_page_twice(built_copy, monkeypatch):
    def no_ocr(image, dpi=300):
        raise AssertionError("OCR ran again")

    monkeypatch.setattr(ocr, "recognise", no_ocr)
    archive = Archive(built_copy.with_name("open287g.archive"))
    assert pipeline.build(built_copy, archive, force=True, cache=Cache.beside(built_copy))


# -- bad input ---------------------------------------------------------------------------------


def _encrypted() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(LAKE_CITY).pages[:2]:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _image_only() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (850, 1100), 255).save(out, "PDF", resolution=100)  # a blank scan: OCR reads nothing
    return out.getvalue()


BAD = {
    "truncated.pdf": (lambda: LAKE_CITY.read_bytes()[:60000], "truncated PDF"),
    "encrypted.pdf": (_encrypted, "encrypted PDF"),
    "empty.pdf": (lambda: b"", "empty file"),
    "blank_scan.pdf": (_image_only, "no text on any page"),
    "not_a_pdf.pdf": (lambda: b"<html><title>Access Denied</title></html>", "not a PDF"),
}


@pytest.fixture()
def base(tmp_path):
    db = tmp_path / "w.duckdb"
    r = run(
        db,
        "import",
        "--observed",
        "2026-03-02",
        sheet("ice/participating/2026-03-02/participatingAgencies03022026am.xlsx"),
    )
    assert r.exit_code == 0, r.output
    return db


def test_bad_pdfs_are_rejected_one_line_each_and_change_nothing(base, tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    for name, (make, _) in BAD.items():
        (folder / name).write_bytes(make())
    with duckdb.connect(str(base), read_only=True) as c:
        before = c.execute("SELECT * FROM agreements ORDER BY agreement_id").fetchall()
    r = run(base, "import", "--observed", "2026-03-03", folder)
    assert r.exit_code == 1
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == len(BAD), r.stderr
    for name, (_, problem) in BAD.items():
        assert any(name in e and problem in e for e in errors), (name, errors)
    with duckdb.connect(str(base), read_only=True) as c:
        assert c.execute("SELECT * FROM agreements ORDER BY agreement_id").fetchall() == before
        rejected = c.execute("SELECT count(*) FROM files WHERE kind = 'moa' AND status = 'rejected'").fetchone()[0]
        listed = c.execute("SELECT count(*) FROM documents WHERE status = 'rejected'").fetchone()[0]
    assert rejected == listed == len(BAD)
    for name in BAD:
        data = (folder / name).read_bytes()
        kept = base.with_name("w.archive") / "objects" / hashlib.sha256(data).hexdigest()[:2]
        assert (kept / hashlib.sha256(data).hexdigest()).read_bytes() == data


@pytest.mark.parametrize("name", sorted(BAD))
def test_moa_command_on_a_bad_pdf_says_one_line(tmp_path, name):
    make, problem = BAD[name]
    bad = tmp_path / name
    bad.write_bytes(make())
    r = run(tmp_path / "w.duckdb", "moa", bad)
    assert r.exit_code == 1
    assert r.stderr.strip().count("\n") == 0 and str(bad) in r.stderr and problem in r.stderr, r.stderr
