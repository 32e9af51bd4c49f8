"""Departures of MOAs from the template of their family (domain/moa_templates.py), on the 80 shared MOAs
and on small made-up texts.

The shared MOAs' model and revision come from tests/data/moa_revisions.csv (labels made by reading the
revision line of each MOA's page footers, and the page image where OCR misread it; DOMAIN §2.4a), not
from the extractor: the comparison takes them as inputs. Their text is read once per session, from the
text cache kept across sessions ($OPEN287G_CACHE, default artifacts/text-cache), so no page is OCRed
twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import random
from pathlib import Path

import pytest

from helpers import REPO, SHARED
from open287g.cache import Cache
from open287g.domain import moa_templates as mt
from open287g.domain.vocab import data_rows
from open287g.stages import documents

LABELS = Path(__file__).parent / "data" / "moa_revisions.csv"
TEXT_CACHE = Path(os.environ.get("OPEN287G_CACHE", REPO / "artifacts" / "text-cache"))


@pytest.fixture(scope="session")
def moas() -> dict[str, mt.DocText]:
    """The 80 shared MOAs as DocText, by file name."""
    rows = list(csv.DictReader(LABELS.open(encoding="utf-8")))
    files = {r["sha256"]: SHARED / "moa" / "pdfs" / r["file"] for r in rows}
    for sha, path in files.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha, path
    readings = documents.read_all(sorted(files), lambda sha: files[sha].read_bytes(), Cache(TEXT_CACHE))
    out = {}
    for r in rows:
        pages = readings[r["sha256"]].pages
        assert pages is not None, r["file"]
        revision = dt.date.fromisoformat(r["revision"]) if r["revision"] else None
        out[Path(r["file"]).name] = mt.DocText(
            r["sha256"], r["model"], revision, None, [(p.number, p.text) for p in pages]
        )
    assert len(out) == 80
    return out


@pytest.fixture(scope="session")
def result(moas) -> mt.Comparison:
    return mt.analyse(list(moas.values()))


def departures(result, moas, name: str) -> list[mt.Departure]:
    return result.departures[moas[name].sha256]


def text_of(d: mt.Departure) -> str:
    return d.text or d.template_text or ""


# --- families --------------------------------------------------------------------------------------


def test_families_come_from_the_reviewed_table():
    assert mt.family("JEM", None) == "JEM 2020"
    assert mt.family("JEM", dt.date(2025, 2, 15)) == "JEM 2025"
    assert mt.family("WSO", None) == "WSO 2019-20"
    assert mt.family("WSO", dt.date(2025, 2, 14)) == mt.family("WSO", dt.date(2025, 2, 15)) == "WSO 2025"
    assert mt.family("TFM", dt.date(2025, 2, 12)) == mt.family("TFM", dt.date(2025, 3, 7)) == "TFM 2025"
    assert mt.family("TFM", dt.date(2025, 2, 14)) == "TFM 02/14/2025"
    assert mt.family("TFM", None) == "TFM pre-template"
    assert mt.family("JEM", dt.date(2026, 2, 16)) is None  # an OCR misreading of 02/15/2025: not a family
    assert mt.family(None, dt.date(2025, 2, 15)) is None
    for row in data_rows("moa_templates.csv"):
        assert row["model"] in {"JEM", "TFM", "WSO"} and "DOMAIN §" in row["reason"], row


def test_each_moa_is_compared_with_its_own_family_or_says_why_not(result, moas):
    by_name = {name: result.bases[d.sha256] for name, d in moas.items()}
    own = [b for b in by_name.values() if b.family == b.template]
    assert len(own) == 78 and all(b.reason.startswith("its own family") for b in own)
    texas = by_name["TexasOfficeAttorneyGeneral_TFM_MOA_01.30.25.pdf"]
    assert (texas.family, texas.template, texas.members) == ("TFM pre-template", "TFM 2025", 30)
    assert "has 1 MOA" in texas.reason and "nearest template of its model, TFM 2025" in texas.reason
    owyhee = by_name["OwyheeCoID_TFM_MOA_03.07.25.pdf"]
    assert (owyhee.family, owyhee.template) == ("TFM 02/14/2025", "TFM 2025")
    # a revision the table does not know (the footer misread) still finds the template of its model
    lee = moas["LeeCoSheriffsOffice_JEM_MOA_02.20.2025.pdf"]
    misread = mt.DocText(lee.sha256, "JEM", dt.date(2026, 2, 16), None, lee.pages)
    others = [d for n, d in moas.items() if n != "LeeCoSheriffsOffice_JEM_MOA_02.20.2025.pdf"]
    got = mt.analyse([*others, misread])
    assert got.bases[lee.sha256].template == "JEM 2025" and "not in the table" in got.bases[lee.sha256].reason
    assert got.departures[lee.sha256] == result.departures[lee.sha256]


# --- what the brief names ----------------------------------------------------------------------------


def test_texas_ag_pre_template_tfm_keeps_the_steering_committee_clause(result, moas):
    deps = departures(result, moas, "TexasOfficeAttorneyGeneral_TFM_MOA_01.30.25.pdf")
    assert {d.template for d in deps} == {"TFM 2025"}
    steering = [d for d in deps if "Steering Committee" in text_of(d)]
    assert [(d.change, d.section) for d in steering] == [("added", "XVI. COMMUNITY OUTREACH")]
    # and the rest of what DOMAIN §1.4 says of it: a Detention Issues section, termination at any time
    assert any(d.change == "added" and d.section == "VI. DETENTION ISSUES" and "IGSA" in text_of(d) for d in deps)
    assert any(d.change == "added" and "terminate the MOA at any time" in text_of(d) for d in deps)
    assert any(d.change == "removed" and "90-day notice" in text_of(d) for d in deps)


def test_2025_templates_deleted_the_steering_committee_clause(result):
    changes = result.family_changes
    assert {(c.before, c.after) for c in changes} == {("JEM 2020", "JEM 2025"), ("WSO 2019-20", "WSO 2025")}
    for before in ["JEM 2020", "WSO 2019-20"]:
        steering = [c for c in changes if c.before == before and "Steering Committee" in (c.before_text or "")]
        assert [(c.change, c.after_text) for c in steering] == [("removed", None)], before
        assert steering[0].section == "V. REPORTING AND DOCUMENTATION"
    # the 2025 JEM built in the three-year review (DOMAIN §1.4)
    review = [c for c in changes if c.after == "JEM 2025" and "every three years" in (c.after_text or "")]
    assert [(c.change, c.section) for c in review] == [
        ("added", "VIII. EFFECTIVE DATE, SUSPENSION, AND TERMINATION OF THIS MOA")
    ]
    # the 2025 WSO put up complaint posters in English and Spanish (DOMAIN §2.6)
    assert any(c.after == "WSO 2025" and c.change == "added" and "Spanish" in (c.after_text or "") for c in changes)


def test_loudoun_wso_addendum_is_added(result, moas):
    deps = departures(result, moas, "LoudounCountySO_WSO_MOA_032625.pdf")
    assert len(deps) == 1
    (d,) = deps
    assert (d.template, d.change, d.page) == ("WSO 2025", "added", 11)
    assert d.section.startswith("ADDENDUM TO MODIFY MEMORANDUM OF AGREEMENT")
    assert "ICE assumes responsibility for any medical expenses" in d.text


JEM_2020_ADDENDUM = [  # the nine JEMs of 2020 that carry the three-year review as a signed addendum
    "287g-DAKOTACounty-2020-06-09.pdf",
    "287gJEM_CabarrusCoNC2020-03-11.pdf",
    "287gJEM_CanadianCoOK2020-03-13.pdf",
    "287gJEM_CecilCoMD2020-03-09.pdf",
    "287gJEM_JacksonvilleCoFl2020-06-09.pdf",
    "287gJEM_LaPazCoAZ2020-03-12.pdf",
    "287gJEM_MesaPoliceDeptAZ_06-08-2020.pdf",
    "287gJEM_OkmulgeeCoOK_06-09-2020.pdf",
    "287gJEM_YorkCoSc2020-06-09.pdf",
]
JEM_2020_BUILT_IN = [  # the three with it in §VIII
    "287gJEM_BentonCoAR_06-30-2020.pdf",
    "287gJEM_KlebergCoTX_07-31-2020.pdf",
    "287gJEM_FL_DOC_FL_08-21-2020.pdf",
]
JEM_2020_NEITHER = ["287gJEM_%20etowahCoAL_06-09-2020.pdf", "287g_JEM_Knox_6-8-2020.pdf"]


def test_the_three_year_review_of_2020_jems_is_added_wherever_it_is(result, moas):
    """DOMAIN §1.4: 9 of the 14 JEMs of 2020 carry the review as an addendum, 3 in §VIII, 2 neither.
    An addendum is never template text, so the JEM 2020 template (what most of the 14 share in their
    body) has no review clause; each MOA that has it shows it as added: the nine in their addendum, the
    three in §VIII."""
    template = " ".join(text for _, text in result.templates["JEM 2020"])
    assert "Steering Committee" in template and "every three years" not in template
    for name in JEM_2020_ADDENDUM + JEM_2020_BUILT_IN + JEM_2020_NEITHER:
        review = [d for d in departures(result, moas, name) if "every three years" in text_of(d)]
        if name in JEM_2020_ADDENDUM:
            assert [(d.change, d.section[:8]) for d in review] == [("added", "ADDENDUM")], name
        elif name in JEM_2020_BUILT_IN:
            assert [(d.change, d.section[:5]) for d in review] == [("added", "VIII.")], name
            review_clause = "ICE reserves the right to conduct an internal review of this MOA every three years."
            assert review[0].text == review_clause
        else:
            assert review == [], name


def test_kbi_replacement_signature_page_lacks_the_termination_paragraphs(result, moas):
    """DOMAIN §1.4: the KBI page footed "KAN BU Rev 2/14/25" leaves out the corrective-measures and
    90-day termination-notice paragraphs."""
    removed = [d for d in departures(result, moas, "KansasBureauOfInv_TFM_MOA_02182025.pdf") if d.change == "removed"]
    gone = " ".join(d.template_text or "" for d in removed)
    assert "corrective measures, ICE will generally not terminate" in gone and "90-day notice" in gone
    assert {d.page for d in removed if "corrective" in (d.template_text or "")} == {8}


def test_findings_the_text_shows(result, moas):
    """A few departures read in the documents themselves."""
    oconee = departures(result, moas, "287gWSO_OconeeCoGa2019-12-31.pdf")  # "jurisdiction" replaced throughout
    assert any(d.change == "changed" and "[-jurisdiction-] {+Atlanta Field Office+}" in d.diff for d in oconee)
    fdoc = departures(result, moas, "287gJEM_FL_DOC_FL_08-21-2020.pdf")
    assert any("{+as long as not inconsistent with State or Federal law.+}" in (d.diff or "") for d in fdoc)
    alaska = departures(result, moas, "287gWSO_DeptOfCorrectionsAK_07-24-2020.pdf")  # the Jul 2020 WSO text
    posters = "Posters will be displayed in English and Spanish."
    assert any(d.change == "added" and posters in text_of(d) for d in alaska)


# --- noise is not a departure ------------------------------------------------------------------------

# Measured on the 80 shared MOAs (2026-12), with the thresholds of domain/moa_templates.py:
#  * the 14 TFMs "Revised 03/07/2025", whose text is the template's: 1 "changed", Troy NH's "See 8 U.S.C."
#    that OCR read "See 3 U.S.C." (numbers are never forgiven); and 14 "removed", all Marco Island's: its
#    file lacks the first page of Appendix B (13 pages, not 14), rightly reported;
#  * the 8 JEMs "Revised 02/15/2025": none; the 10 WSOs "Revised 02/15/2025": Loudoun's addendum only.
# Before the rules for misreadings were in place the same 14 TFMs showed 18 changed clauses in Candia
# NH's MOA alone ("tenns", "MQA", "QPR"). The bounds leave room for one more misreading each, not for a
# class of them: a change of rule that lets OCR noise through shows up as several.
CHANGED_BOUNDS = {(dt.date(2025, 3, 7), "TFM"): 3, (dt.date(2025, 2, 15), "JEM"): 1, (dt.date(2025, 2, 15), "WSO"): 1}


def test_moas_with_the_template_text_show_few_changes(result, moas):
    for (revision, model), bound in CHANGED_BOUNDS.items():
        members = [d for d in moas.values() if d.revision_date == revision and d.model == model]
        changed = [x for d in members for x in result.departures[d.sha256] if x.change == "changed"]
        assert len(changed) <= bound, (model, revision, [x.diff for x in changed])
    jem = [d for d in moas.values() if d.revision_date == dt.date(2025, 2, 15) and d.model == "JEM"]
    assert [x for d in jem for x in result.departures[d.sha256]] == []
    wso = [d for d in moas.values() if d.revision_date == dt.date(2025, 2, 15) and d.model == "WSO"]
    assert [x.section[:8] for d in wso for x in result.departures[d.sha256]] == ["ADDENDUM"]


def test_a_page_missing_from_the_file_shows_as_removed(result, moas):
    marco = moas["MarcoIslandPoliceDeptFL_TFM_MOA_04242025.pdf"]
    assert len(marco.pages) == 13
    deps = result.departures[marco.sha256]
    assert {(d.change, d.section, d.page) for d in deps} == {("removed", "APPENDIX B — COMPLAINT PROCEDURE", 10)}
    assert any("Complaints will be accepted from any source" in (d.template_text or "") for d in deps)


def test_pages_without_readable_text_are_not_compared(result, moas):
    """VADOC's last page is blank: what the template has there is not said to be missing. (Knox's and
    Noble's pages in a broken font are read by OCR instead of their text layer, sources/moa_pdf.py.)"""
    expected = {"VADOC_JEM_MOA_022825.pdf": (12,)}
    found = {name: result.bases[d.sha256].unreadable_pages for name, d in moas.items()}
    assert {name: pages for name, pages in found.items() if pages} == expected
    for name in expected:
        assert not [d for d in departures(result, moas, name) if d.change == "removed"], name
        assert "no readable text" in result.bases[moas[name].sha256].reason


def _misread(text: str, rng: random.Random) -> str:
    """The page as a poor OCR would read it: letters OCR confuses, words run together and split,
    punctuation lost (about one word in eight)."""
    out: list[str] = []
    glue = False
    for w in text.split(" "):
        r = rng.random()
        if r < 0.03 and "rm" in w:
            w = w.replace("rm", "nn")  # "detennination"
        elif r < 0.06 and "i" in w:
            w = w.replace("i", "l", 1)
        elif r < 0.08:
            w = w.rstrip(",")
        elif r < 0.10 and len(w) > 6:
            w = w[:3] + " " + w[3:]  # "avai lable"
        elif r < 0.12:
            w = w.replace("DHS", "OHS").replace("ICE", "lCE")
        if glue and out:
            out[-1] += w  # "ofthe"
        else:
            out.append(w)
        glue = w in {"of", "to", "in"} and rng.random() < 0.3
    return " ".join(out)


def test_the_same_text_misread_differently_shows_no_departures(moas):
    """Two MOAs with the same text and different OCR: a copy of a TFM "Revised 03/07/2025" whose every
    page is misread (about one word in eight) departs from the template no more than the original."""
    tfm = [d for d in moas.values() if d.model == "TFM" and d.revision_date is not None]
    original = moas["PortOrangePDFL_TFM_MOA_042425.pdf"]
    rng = random.Random(287)
    copy = mt.DocText("0" * 64, "TFM", original.revision_date, None, [(n, _misread(t, rng)) for n, t in original.pages])
    got = mt.analyse([*tfm, copy])
    assert got.departures[original.sha256] == []
    assert got.departures[copy.sha256] == [], [d.diff or text_of(d) for d in got.departures[copy.sha256]]


def test_output_does_not_depend_on_input_order(moas):
    some = [d for d in moas.values() if d.model == "JEM"]
    assert mt.compare(some) == mt.compare(list(reversed(some)))


# --- small made-up texts -----------------------------------------------------------------------------

BODY = """MEMORANDUM OF AGREEMENT
I. PARTIES
This Memorandum of Agreement (MOA) constitutes an agreement between U.S. Immigration and Customs
Enforcement (ICE), a component of the Department of Homeland Security (DHS), and the {agency} ({acr}),
pursuant to which ICE delegates to nominated, trained, certified, and authorized {acr} personnel the
authority to perform certain immigration enforcement functions as specified herein.
II. PURPOSE
The purpose of this collaboration is to promote public safety by facilitating the custodial transfer of
specific aliens in {acr} jail facilities to ICE for removal purposes at the time of release.
{removed}The {acr} will provide continuous access to disciplinary records of all candidates upon request by ICE.
III. RESPONSIBILITIES
ICE will provide instructors and training materials for every nominee of the {acr}.
Each {acr} nominee must pass a final examination with a minimum score of 70 percent to receive certification.
The {acr} is responsible for the salaries and benefits of all of its personnel being trained.
{added}Participating {acr} personnel {reworded} report all encounters with claims of U.S. citizenship to ICE.
IV. POINTS OF CONTACT
ICE and the {acr} points of contact for purposes of this MOA are:
For the {acr}: {agency}, {chief}
For ICE: {office}, Field Office Director
"""
REMOVED = "Each nominee will receive a copy of the complaint procedure before any training begins.\n"
ADDED = "The {acr} will pay for the medical costs of every alien held in its jail after the transfer.\n"
AGENCIES = [
    ("Foo County Sheriff's Office", "FCSO", "Sheriff", "Atlanta"),
    ("Bar City Police Department", "BCPD", "Chief of Police", "Dallas"),
    ("Baz County Jail", "BCJ", "Jail Administrator", "Miami"),
    ("Qux Township Constable Office", "QTCO", "Constable", "Boston"),
]


def _made_up(n: int, removed: bool = False, added: bool = False, reworded: bool = False) -> mt.DocText:
    agency, acr, chief, office = AGENCIES[n]
    text = BODY.format(
        agency=agency,
        acr=acr,
        chief=chief,
        office=office,
        removed="" if removed else REMOVED,
        added=ADDED.format(acr=acr) if added else "",
        reworded="may, when it sees fit and at its own pace," if reworded else "must immediately",
    )
    lines = text.splitlines()
    pages = [(1, "\n".join(lines[:9])), (2, "\n".join(lines[9:]))]
    return mt.DocText(f"{n:064d}", "JEM", dt.date(2025, 2, 15), None, pages)


def test_made_up_family_shows_each_kind_of_departure():
    docs = [_made_up(0), _made_up(1), _made_up(2), _made_up(3, removed=True, added=True, reworded=True)]
    got = mt.analyse(docs)
    # agency names, acronyms, titles and field offices are the template's blanks, not departures
    assert [got.departures[d.sha256] for d in docs[:3]] == [[], [], []]
    template = " ".join(text for _, text in got.templates["JEM 2025"])
    assert "Each nominee will receive a copy of the complaint procedure" in template
    deps = got.departures[docs[3].sha256]
    assert [(d.template, d.change, d.section, d.page) for d in deps] == [
        ("JEM 2025", "removed", "II. PURPOSE", 1),
        ("JEM 2025", "added", "III. RESPONSIBILITIES", 2),
        ("JEM 2025", "changed", "III. RESPONSIBILITIES", 2),
    ]
    removed, added, changed = deps
    assert removed.template_text == REMOVED.strip() and removed.text is None and removed.diff is None
    assert added.text == ADDED.format(acr="LEA").strip() and added.template_text is None
    assert changed.diff == (
        "Participating LEA personnel [-must immediately-] {+may, when it sees fit and at its own pace,+} "
        "report all encounters with …"
    )


def test_made_up_removed_sentence_alone():
    docs = [_made_up(0), _made_up(1), _made_up(2), _made_up(3, removed=True)]
    (dep,) = mt.compare(docs)[docs[3].sha256]
    assert (dep.change, dep.template_text) == ("removed", REMOVED.strip())


def test_made_up_family_too_small_for_a_template_is_compared_with_the_nearest():
    small = mt.DocText("9" * 64, "JEM", dt.date(2030, 1, 1), None, _made_up(3, added=True).pages)
    got = mt.analyse([_made_up(0), _made_up(1), _made_up(2), small])
    assert got.bases[small.sha256].template == "JEM 2025"
    assert [d.change for d in got.departures[small.sha256]] == ["added"]
    alone = mt.analyse([small])
    assert alone.departures[small.sha256] == [] and alone.bases[small.sha256].template is None
