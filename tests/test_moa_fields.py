"""The fields read from the 80 shared MOAs, against labels made by reading the documents.

How the labels were made (tests/data/moa_labels.csv, one row per document, and
tests/data/moa_label_signatures.csv, one row per signature block): two readers each took 40 of the
80 PDFs and, without running or reading this project's extractor, looked at the page images of every
document (rendered with poppler's pdftoppm at 90–100 dpi, zoomed to 200–400 dpi on doubtful dates),
using pdftotext and tesseract only to find the pages. They wrote down the model and the state, the
agency party as the opening paragraph prints it, the revision line as printed, the number of
enumerated authorities, whether a Steering Committee clause is present, the addenda, and for each
signature block its page, party (ICE, the agency, or other), printed name, title, date and how the
date appears (typed, digital stamp, date stamp, handwritten, none); a handwritten date was left
empty unless it could be read with certainty. Each row's `notes` says which pages were looked at and
what was odd.

The bars (issue "MOA documents"): model and state 100%; agency and authority count at least 95%.
Printed dates (typed, stamped, digital) at least 95% (93 of 97 are read; the four left are stamps and
typed dates that neither the text layer nor tesseract at 300 or 600 dpi reads legibly: Alaska DOC's and
York County's digital stamps, Ellis County's and Sweetwater County's typed dates). A date the reader
left empty or wrote otherwise is never to be read: no signature date may be wrong (never guessed).
Handwritten dates are read only where OCR is sure: their hit rate is printed apart.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass

import pytest
from rapidfuzz import fuzz

from helpers import REPO
from open287g.domain import moa_text

LABELS = REPO / "tests" / "data" / "moa_labels.csv"
SIGNATURES = REPO / "tests" / "data" / "moa_label_signatures.csv"
PRINTED = ("typed", "stamped", "digital")
FLOOR = 0.95  # printed dates read right: the bar (93 of 97 read)


def labels() -> dict[str, dict]:
    with LABELS.open(encoding="utf-8") as fh:
        return {r["sha256"]: r for r in csv.DictReader(fh)}


def signature_labels() -> list[dict]:
    by_file = {r["file"]: sha for sha, r in labels().items()}
    with SIGNATURES.open(encoding="utf-8") as fh:
        return [{**r, "sha256": by_file[r["file"]]} for r in csv.DictReader(fh)]


@pytest.fixture(scope="module")
def read(built):
    import duckdb

    with duckdb.connect(str(built), read_only=True) as con:
        docs = {
            r[0]: dict(zip(("sha256", "model", "state", "agency", "revision_date", "n_authorities", "file_name"), r))
            for r in con.execute(
                "SELECT sha256, model, state, agency, revision_date, n_authorities, file_name FROM documents"
            ).fetchall()
        }
        sigs: dict[str, list[dict]] = {}
        for r in con.execute(
            "SELECT sha256, block, party, date, date_kind, date_reason FROM document_signatures"
        ).fetchall():
            sigs.setdefault(r[0], []).append(dict(zip(("sha256", "block", "party", "date", "date_kind", "reason"), r)))
    return docs, sigs


def _agency_key(name: str | None) -> str:
    """A name as the test compares it: case, apostrophes, an acronym in brackets and a trailing state
    code aside ("Crow Wing County Sheriff's Office, MN" is "crow wing county sheriffs office")."""
    text = (name or "").lower().replace("’", "'").replace("'", "")
    text = re.sub(r"\(.*?\)", " ", text)
    text = re.sub(r"[^a-z0-9 ]", " ", text)
    text = re.sub(r"\s(?:[a-z]{2})$", "", " ".join(text.split()))
    return text


def rate(hits: int, total: int) -> float:
    return hits / total if total else 1.0


def test_labels_cover_every_shared_moa(read):
    docs, _ = read
    assert set(labels()) == set(docs)


def test_model_and_state_are_all_right(read):
    docs, _ = read
    wrong = [
        (d["file_name"], d["model"], d["state"], lab["model"], lab["state"])
        for sha, lab in labels().items()
        for d in [docs[sha]]
        if (d["model"], d["state"]) != (lab["model"], lab["state"])
    ]
    assert wrong == []


def test_agency_and_authority_count_are_right_at_least_95_percent(read):
    docs, _ = read
    lab = labels()
    agency = [
        sha for sha, r in lab.items() if fuzz.ratio(_agency_key(docs[sha]["agency"]), _agency_key(r["agency"])) >= 85
    ]
    count = [sha for sha, r in lab.items() if str(docs[sha]["n_authorities"]) == r["n_authorities"]]
    print(f"agency {len(agency)}/{len(lab)}, authority count {len(count)}/{len(lab)}")
    assert rate(len(agency), len(lab)) >= 0.95, sorted(docs[s]["file_name"] for s in set(lab) - set(agency))
    assert rate(len(count), len(lab)) >= 0.95, sorted(docs[s]["file_name"] for s in set(lab) - set(count))


def test_revision_line_is_read(read):
    docs, _ = read
    right = 0
    for sha, r in labels().items():
        m = re.search(r"(\d+)/(\d+)/(\d+)", r["template_revision"])
        want = None
        if m:
            year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
            want = f"{year:04d}-{int(m[1]):02d}-{int(m[2]):02d}"
        got = docs[sha]["revision_date"].isoformat() if docs[sha]["revision_date"] else None
        right += got == want
    print(f"revision {right}/80")
    assert right >= 76


def _found(sigs: dict[str, list[dict]], label: dict) -> dict | None:
    same = [s for s in sigs.get(label["sha256"], []) if s["block"] == label["block"] and s["party"] == label["party"]]
    return same[0] if same else None


def test_no_signature_date_is_wrong(read):
    """Whatever is read is right: a date the readers saw otherwise, or could not read, is never given."""
    _, sigs = read
    wrong = []
    for label in signature_labels():
        got = _found(sigs, label)
        if got and got["date"] and got["date"].isoformat() != label["date"]:
            wrong.append((label["file"], label["block"], label["party"], got["date"], label["date"] or None))
    assert wrong == []


def test_printed_signature_dates(read):
    _, sigs = read
    printed = [label for label in signature_labels() if label["date_kind"] in PRINTED]
    right = [
        label
        for label in printed
        if (got := _found(sigs, label)) and got["date"] and got["date"].isoformat() == label["date"]
    ]
    handwritten = [label for label in signature_labels() if label["date_kind"] == "handwritten" and label["date"]]
    read_hw = [
        label
        for label in handwritten
        if (got := _found(sigs, label)) and got["date"] and got["date"].isoformat() == label["date"]
    ]
    print(f"printed dates {len(right)}/{len(printed)}; handwritten read {len(read_hw)}/{len(handwritten)}")
    assert rate(len(right), len(printed)) >= FLOOR
    # every unread date says why
    for got in (s for v in sigs.values() for s in v):
        assert got["date"] is not None or got["reason"]


# -- the rules behind the dates, on pages made for them ------------------------------------------


@dataclass(frozen=True)
class _Page:
    number: int
    text: str
    halves: tuple[str, str] | None = None
    rereads: tuple = ()
    digital_signatures: tuple = ()
    ocr: bool = False
    unsure: tuple = ()


@dataclass(frozen=True)
class _Read:
    text: str
    halves: tuple[str, str] = ("", "")
    dpi: int = 600
    unsure: tuple = ()


SIGNING = "By signing this MOA, each party represents it is fully authorized to enter into this MOA.\n"
ICE_BLOCK = "For ICE:\nDate: {}\nName: Todd M. Lyons\nTitle: Acting Director\n"
LEA_BLOCK = "For the LEA:\nDate: {}\nName: Jane Roe\nTitle: Sheriff\n"


def _dates(*pages, observed=dt.date(2025, 6, 1)) -> dict[str, tuple]:
    f = moa_text.read(list(pages), observed)
    return {s.party: (s.date.isoformat() if s.date else None, s.date_kind, s.date_reason) for s in f.signatures}


def test_an_office_date_stamp_is_read_as_stamped():
    page = _Page(7, SIGNING + "Date: JAN 2 2 2020\nActing Executive Associate Director\nU.S. Immigration and Customs")
    assert _dates(page, observed=dt.date(2020, 3, 1))["ICE"][:2] == ("2020-01-22", "stamped")


def test_a_year_cut_by_ocr_takes_the_one_full_date_of_that_day_on_the_page():
    text = SIGNING + LEA_BLOCK.format("") + ICE_BLOCK.format("March 26, oS") + "March 26, 2025\n"
    assert _dates(_Page(9, text))["ICE"][0] == "2025-03-26"
    two = text + "March 26, 2024\n"  # two years for that day: neither is taken
    assert _dates(_Page(9, two))["ICE"][0] is None


def test_a_third_partys_block_is_other():
    left = (
        LEA_BLOCK.format("February 17, 2025") + "For OAG:\nDate: February 17, 2025\nTitle: Attorney General of Kansas\n"
    )
    right = ICE_BLOCK.format("February 18, 2025")
    got = _dates(_Page(9, SIGNING + left + right, halves=(left, right)))
    assert {k: v[0] for k, v in got.items()} == {"LEA": "2025-02-17", "other": "2025-02-17", "ICE": "2025-02-18"}


def test_dates_only_the_page_image_gives_are_taken_when_its_readings_agree():
    text = SIGNING + LEA_BLOCK.format("____") + ICE_BLOCK.format("o_atec 04/~:")
    agree = (_Read(SIGNING + ICE_BLOCK.format("04/10/2025"), dpi=300), _Read(SIGNING + ICE_BLOCK.format("04/10/2025")))
    got = _dates(_Page(9, text, rereads=agree))["ICE"]
    assert got[0] == "2025-04-10" and "page image at 300, 600 dpi" in got[2]
    one = (_Read(SIGNING + ICE_BLOCK.format("Date: __"), dpi=300), _Read(SIGNING + ICE_BLOCK.format("04/10/2025")))
    assert _dates(_Page(9, text, rereads=one))["ICE"][0] == "2025-04-10"
    differ = (_Read(SIGNING + ICE_BLOCK.format("04/10/2025"), dpi=300), _Read(SIGNING + ICE_BLOCK.format("04/16/2025")))
    got = _dates(_Page(9, text, rereads=differ))["ICE"]
    assert got[0] is None and "two dates (2025-04-10, 2025-04-16)" in got[2]
    printed = _Page(9, SIGNING + LEA_BLOCK.format("____") + ICE_BLOCK.format("04/11/2025"), rereads=differ)
    assert _dates(printed)["ICE"][0] == "2025-04-11"  # the text's own date stands


def test_the_pdfs_own_digital_signature_dates_the_block_on_its_side():
    left, right = LEA_BLOCK.format("____"), ICE_BLOCK.format("____")
    page = _Page(7, SIGNING + left + right, halves=(left, right), digital_signatures=((True, "2020-06-09"),))
    got = _dates(page, observed=dt.date(2020, 7, 1))
    assert got["ICE"][:2] == ("2020-06-09", "digital") and got["LEA"][0] is None
