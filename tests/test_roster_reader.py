"""The roster reader on real ICE workbooks: every layout, hyperlinks, and the traps of DESIGN §3."""

import re
import zipfile

import pytest

from helpers import sheet
from open287g.sources import ice_roster


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
