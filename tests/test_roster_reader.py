"""The roster reader on real ICE workbooks: every layout, hyperlinks, and the traps of DESIGN §3."""

import csv
import io
import posixpath
import re
import zipfile
from xml.etree import ElementTree as ET

import openpyxl
import pytest

from helpers import SHARED, sheet
from open287g.sources import ice_roster
from open287g.stages.rows import RowStore, normalise


def read(rel):
    return ice_roster.read(sheet(rel).read_bytes())


@pytest.mark.parametrize(
    "rel, kind, layout, rows",
    [
        (
            "wayback_html_table/participating/2021-01-13/ParticipatingEntities-20210113002027.xlsx",
            "participating",
            "participating-2021-web",
            150,
        ),
        (
            "ice/participating/2025-02-21/participatingAgencies-20250221214937.xlsx",
            "participating",
            "participating-2025-02",
            151,
        ),
        (
            "ice/participating/2025-03-17/participatingAgencies-20250317231040.xlsx",
            "participating",
            "participating-2025-03",
            360,
        ),
        (
            "ice/participating/2025-07-24/participatingAgencies07242025pm.xlsx",
            "participating",
            "participating-2025-07",
            866,
        ),
        ("ice/pending/2025-02-20/pendingAgencies.xlsx", "pending", "pending-2025-02", 41),
        ("ice/pending/2025-06-20/pendingAgencies06202025am.xlsx", "pending", "pending-2025-03", None),
        ("ice/pending/2026-01-08/pendingAgencies01082026am.xlsx", "pending", "pending-2026-01", 6),
    ],
)
def test_every_layout(rel, kind, layout, rows):
    s = read(rel)
    assert (s.kind, s.layout) == (kind, layout)
    if rows is not None:
        assert len(s.rows) == rows
    assert s.columns[:2] == ["STATE", "AGENCY"] and "MODEL" in s.columns


def test_hyperlinks_come_from_the_sheet_xml():
    """Every hyperlink in the MOA column is attached to its row, and the cell text stays 'link'."""
    path = sheet("ice/participating/2025-07-24/participatingAgencies07242025pm.xlsx")
    s = ice_roster.read(path.read_bytes())
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    refs = set(re.findall(r'<hyperlink ref="G(\d+)"', xml))
    got = {str(r.row_number) for r in s.rows if "MOA" in r.links}
    assert got == refs and len(got) > 600
    quarryville = next(r for r in s.rows if "Quarryville" in r.cells["AGENCY"])
    assert quarryville.links["MOA"].startswith(
        "https://gcc02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov"
    )
    assert quarryville.cells["MOA"].strip() == "link"


def test_addendum_links_are_read():
    s = read("ice/participating/2026-03-02/participatingAgencies03022026am.xlsx")
    assert sum(1 for r in s.rows if "ADDENDUM" in r.links) > 0


def test_pending_moa_links_are_read():
    s = read("ice/pending/2026-01-08/pendingAgencies01082026am.xlsx")
    assert s.columns[-1] == "MOA"


def test_stray_second_sheet_is_ignored():
    s = read("ice/participating/2026-03-02/participatingAgencies03022026am.xlsx")
    assert s.sheet_name == "Sheet1" and s.ignored_sheets == ["Sheet2"] and len(s.rows) == 1499


def test_resaved_copy_has_no_hyperlinks():
    s = read("ice/participating/2025-03-01/participatingAgencies-20250301180751.xlsx")
    assert s.hyperlinks == 0 and s.creator is None and len(s.rows) == 239
    says_link = [r for r in s.rows if str(r.cells["MOA"]).startswith("link") and "pending" not in str(r.cells["MOA"])]
    assert len(says_link) == 135 and not any(r.links for r in s.rows)


def test_blank_row_inside_the_data_is_dropped_and_counted():
    s = read("ice/participating/2025-09-24/participatingAgencies09242025am.xlsx")
    assert s.blank_rows == 1 and 558 not in {r.row_number for r in s.rows}
    assert len(s.rows) == 1035


def test_formatted_empty_columns_do_not_become_columns():
    """Files with max_col 13: five empty unnamed columns after ADDENDUM."""
    s = read("ice/participating/2025-07-24/participatingAgencies07242025pm.xlsx")
    assert s.columns == ["STATE", "AGENCY", "TYPE", "COUNTY", "MODEL", "SIGNED", "MOA", "ADDENDUM"]


def test_kind_is_decided_by_content_not_name():
    """On 2025-09-22 ICE's participating link served the pending list."""
    s = read("ice/pending/2025-09-23/participatingAgencies09222025pm.xlsx")
    assert s.kind == "pending" and "SIGNED" not in s.columns


def test_workbook_metadata():
    s = read("ice/participating/2025-07-24/participatingAgencies07242025pm.xlsx")
    assert s.creator == "Spina, Michael" and s.modified is not None


# -- hyperlinks, checked against an independent reading of the sheet XML -----------------------------------------

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_RID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def xml_hyperlinks(data: bytes) -> dict[str, str]:
    """Cell reference -> hyperlink target of the first sheet, parsed whole with ElementTree (not the reader's
    scan of the <hyperlinks> block): the truth the reader is compared with."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    book = ET.fromstring(zf.read("xl/workbook.xml"))
    rid = next(book.iter(f"{_MAIN}sheet")).get(_RID)
    rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))}
    path = posixpath.normpath(posixpath.join("xl", rels[rid]))
    rels_path = posixpath.join(posixpath.dirname(path), "_rels", posixpath.basename(path) + ".rels")
    targets = {}
    if rels_path in zf.namelist():
        targets = {r.get("Id"): r.get("Target") for r in ET.fromstring(zf.read(rels_path)).iter(f"{_REL}Relationship")}
    out = {}
    for link in ET.fromstring(zf.read(path)).iter(f"{_MAIN}hyperlink"):
        target = targets[link.get(_RID)] if link.get(_RID) else "#" + link.get("location", "")
        assert ":" not in link.get("ref"), "ranges do not occur in ICE's sheets"
        out[link.get("ref")] = target
    return out


def reader_hyperlinks(s, letters: dict[str, str]) -> dict[str, str]:
    """The reader's row links as cell reference -> target (`letters`: canonical column -> sheet column)."""
    return {f"{letters[c]}{r.row_number}": t for r in s.rows for c, t in r.links.items()}


def normalised(s) -> dict[int, dict]:
    """Row number -> the stored row (moa_text, moa_target, moa_url, moa_state, ...), as an import makes it."""
    store = RowStore()
    pairs, _ = normalise(s, store)
    rows = store.drain()
    return {n: rows[h] for n, h in pairs}


def _pending_2026_files() -> list[dict]:
    """The pending workbooks with a MOA column, by the data's own description (sheets/sheet_versions.csv)."""
    with open(SHARED / "sheets" / "sheet_versions.csv", newline="") as f:
        return [r for r in csv.DictReader(f) if r["kind"] == "pending" and r["header"].endswith("|MOA")]


def test_pending_lists_with_a_moa_column_carry_no_hyperlink_yet():
    """Layout pending-2026-01 (2026-01-08 to 2026-02-27, 28 files) adds a MOA column, but ICE put no hyperlink in
    any of them: every MOA cell says "link pending" (unzipped: no <hyperlinks>, no worksheet .rels). The reader
    must find exactly what the XML holds: nothing, and every row stays moa_state 'pending'."""
    files = _pending_2026_files()
    assert len(files) == 28
    rows = 0
    for f in files:
        data = (SHARED / f["file"]).read_bytes()
        s = ice_roster.read(data)
        assert s.layout == "pending-2026-01" and s.columns[-1] == "MOA", f["file"]
        truth = xml_hyperlinks(data)
        assert truth == {} and int(f["hyperlinks"]) == 0, f["file"]
        assert s.hyperlinks == 0 and reader_hyperlinks(s, {"MOA": "F"}) == truth, f["file"]
        stored = normalised(s)
        assert {r.cells["MOA"] for r in s.rows} == {"link pending"}, f["file"]
        assert {(v["moa_state"], v["moa_target"], v["moa_url"]) for v in stored.values()} == {("pending", None, None)}
        rows += len(s.rows)
    assert rows == 492


# The MOAs ICE posted for two agencies of the pending list of 2026-01-08 once they signed (2026-01-26), as the
# participating list of 2026-03-27 links them (unzipped: G741 -> rId1383, G1169 -> rId1358).
PINEVILLE_MOA = "https://www.ice.gov/doclib/287gMOA/PinevillePDMO_TFM_MOA_012626.pdf"
COLLIN_MOA = "https://www.ice.gov/doclib/287gMOA/CollinCoSheriffsOfficeTX_JEM_MOA_01262026.pdf"


def _pending_with_links(rel: str, links: dict[str, str]) -> bytes:
    """A real pending-2026-01 workbook in which the MOA cells `links` (cell -> URL) say "link" and carry that
    hyperlink, written the way Excel writes them in ICE's participating lists: a shared string, a <hyperlinks>
    block before <pageMargins> and the targets in the sheet's .rels."""
    src = zipfile.ZipFile(sheet(rel))
    strings = src.read("xl/sharedStrings.xml").decode()
    unique = int(re.search(r'uniqueCount="(\d+)"', strings)[1])
    assert strings.count("<si>") == unique
    strings = strings.replace(f'uniqueCount="{unique}"', f'uniqueCount="{unique + 1}"').replace(
        "</sst>", "<si><t>link</t></si></sst>"
    )
    xml = src.read("xl/worksheets/sheet1.xml").decode()
    assert "<hyperlinks" not in xml and "xl/worksheets/_rels/sheet1.xml.rels" not in src.namelist()
    for ref in links:
        xml, n = re.subn(rf'(<c r="{ref}"[^>]*t="s"><v>)\d+(</v>)', rf"\g<1>{unique}\g<2>", xml)
        assert n == 1, ref
    block = "".join(f'<hyperlink ref="{ref}" r:id="rId{i}"/>' for i, ref in enumerate(links, 1))
    assert xml.count("<pageMargins") == 1
    xml = xml.replace("<pageMargins", f"<hyperlinks>{block}</hyperlinks><pageMargins")
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'hyperlink" Target="{url}" TargetMode="External"/>'
        for i, url in enumerate(links.values(), 1)
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = {"xl/sharedStrings.xml": strings, "xl/worksheets/sheet1.xml": xml}.get(item.filename)
            dst.writestr(item, data.encode() if data is not None else src.read(item))
        dst.writestr(
            "xl/worksheets/_rels/sheet1.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        )
    return out.getvalue()


def test_pending_moa_hyperlinks_are_attached_to_their_rows():
    """When ICE links a MOA in the pending list, the reader attaches it to that row and the row is moa_state
    'link'; the others stay 'pending'. (No real pending list has one yet: see the test above.)"""
    data = _pending_with_links(
        "ice/pending/2026-01-08/pendingAgencies01082026am.xlsx", {"F3": PINEVILLE_MOA, "F7": COLLIN_MOA}
    )
    book = openpyxl.load_workbook(io.BytesIO(data))  # the made file is a workbook Excel's readers accept
    assert {c.coordinate: c.hyperlink.target for row in book.active.iter_rows() for c in row if c.hyperlink} == {
        "F3": PINEVILLE_MOA,
        "F7": COLLIN_MOA,
    }
    assert xml_hyperlinks(data) == {"F3": PINEVILLE_MOA, "F7": COLLIN_MOA}
    s = ice_roster.read(data)
    assert (s.kind, s.layout, len(s.rows), s.hyperlinks) == ("pending", "pending-2026-01", 6, 2)
    assert reader_hyperlinks(s, {"MOA": "F"}) == {"F3": PINEVILLE_MOA, "F7": COLLIN_MOA}
    by_row = {r.row_number: r for r in s.rows}
    assert by_row[3].cells["AGENCY"] == "Pineville Police Department" and by_row[3].cells["MOA"] == "link"
    assert by_row[7].cells["AGENCY"].strip() == "Collin County Sheriff's Office" and by_row[7].cells["MOA"] == "link"
    stored = normalised(s)
    assert (stored[3]["moa_state"], stored[3]["moa_url"]) == ("link", PINEVILLE_MOA)
    assert (stored[7]["moa_state"], stored[7]["moa_url"]) == ("link", COLLIN_MOA)
    assert {stored[n]["moa_state"] for n in (2, 4, 5, 6)} == {"pending"}


# Established by unzipping participatingAgencies03272026am.xlsx: 1571 <hyperlink> elements, 1526 in column G (MOA)
# and 45 in column H (ADDENDUM), every one on a cell that says "link"; 219 of them are Outlook SafeLinks.
LEON_ADDENDUM = (
    "https://gcc02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov%2Fdoclib%2F287gMOA%2F"
    "LeonCoSheriffsOfficeFL_WSO_MOA_06252025.pdf&data=05%7C02%7CERO287g%40ice.dhs.gov%7Caa7c625afe734a3e067a08ddb8d1"
    "1211%7C1b87612a306c49d681e697c6e1a9197f%7C0%7C0%7C638869930267912053%7CUnknown%7CTWFpbGZsb3d8eyJFbXB0eU1hcGkiO"
    "nRydWUsIlYiOiIwLjAuMDAwMCIsIlAiOiJXaW4zMiIsIkFOIjoiTWFpbCIsIldUIjoyfQ%3D%3D%7C0%7C%7C%7C&sdata=R6dckZEjceepDS4A"
    "QbtTssjCR%2B9FH87v2SR%2FEepmdds%3D&reserved=0"
)


def test_participating_hyperlinks_exactly():
    data = sheet("ice/participating/2026-03-27/participatingAgencies03272026am.xlsx").read_bytes()
    s = ice_roster.read(data)
    truth = xml_hyperlinks(data)
    got = reader_hyperlinks(s, {"MOA": "G", "ADDENDUM": "H"})
    assert got == truth and s.hyperlinks == len(truth) == 1571
    assert sum(1 for r in s.rows if "MOA" in r.links) == 1526
    assert sum(1 for r in s.rows if "ADDENDUM" in r.links) == 45
    assert sum(1 for t in truth.values() if "safelinks.protection.outlook.com" in t) == 219
    by_row = {r.row_number: r for r in s.rows}
    stored = normalised(s)
    for row, agency, moa in (
        (741, "Pineville Police Department", PINEVILLE_MOA),
        (1169, "Collin County Sheriff's Office", COLLIN_MOA),
        (301, "Leon County Sheriff's Office", "https://www.ice.gov/doclib/287gMOA/287gWSO_LeonCoFl2019-10-15.pdf"),
    ):
        assert by_row[row].cells["AGENCY"].strip() == agency
        assert by_row[row].links["MOA"] == moa and by_row[row].cells["MOA"] == "link"
        assert (stored[row]["moa_state"], stored[row]["moa_url"]) == ("link", moa)
    leon = stored[301]
    assert by_row[301].links["ADDENDUM"] == leon["addendum_target"] == LEON_ADDENDUM
    assert leon["addendum_state"] == "link" and leon["addendum_repairs"] == ["safelinks"]
    assert leon["addendum_url"] == "https://www.ice.gov/doclib/287gMOA/LeonCoSheriffsOfficeFL_WSO_MOA_06252025.pdf"
    assert "ADDENDUM" not in by_row[741].links and stored[741]["addendum_state"] == "empty"


def test_pending_moa_cells_in_the_warehouse(con):
    """The import stores what the reader found: every row of a pending-2026-01 publication says "link pending"."""
    got = con.execute(
        """SELECT count(*), count(DISTINCT publication_id), list(DISTINCT moa_state), count(moa_target)
           FROM roster_rows JOIN publications USING (publication_id) WHERE layout = 'pending-2026-01'"""
    ).fetchone()
    assert got == (492, 28, ["pending"], 0)
