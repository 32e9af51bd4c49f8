"""The record as ICE posted it: every example of the fidelity rules, as a table of expected decisions on
the real data, and, for the cases that happened after the shared data ends (2026-03-27), workbooks made
from a real one (rows renamed, added or re-linked in its XML)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable

import pytest

from helpers import rewrite, run, sheet
from open287g import queries

D = dt.date
BASE = "ice/participating/2026-03-27/participatingAgencies03272026am.xlsx"


def one(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchone()


def agreement(con, agreement_id: str) -> dict:
    cur = con.execute("SELECT * FROM agreements WHERE agreement_id = ?", [agreement_id])
    row = cur.fetchone()
    assert row is not None, agreement_id
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def events(con, agreement_id: str, kind: str) -> list[tuple]:
    return con.execute(
        "SELECT date, rule FROM events WHERE agreement_id = ? AND kind = ? ORDER BY date", [agreement_id, kind]
    ).fetchall()


def check_items(con, name: str) -> list[str]:
    return one(con, "SELECT items FROM qa_checks WHERE check_name = ?", name)[0]


HARDEE, WEBB = "FL/hardee-county-sheriffs-office/TFM/2025-02-26", "TX/webb-county-sheriffs-office/JEM/2025-10-17"
OTTAWA = "OK/ottawa-county-sheriffs-office/TFM/2025-02-23"

# (rule, example, expectation on the warehouse built from all of ../shared/data)
DECISIONS: list[tuple[str, str, Callable]] = [
    # 1. reverts and back-fills
    (
        "revert",
        "pending list empty in the new files of 2025-11-20 and 2025-11-21 after three rows on 2025-11-19",
        lambda con: (
            [queries.counts(con, D(2025, 11, d))["pending"] for d in (19, 20, 21, 22)] == [3, 0, 0, 0]
            and one(con, "SELECT count(*) FROM events WHERE kind = 'pending_removed' AND date = '2025-11-20'")[0] == 3
        ),
    ),
    (
        "back-fill",
        "pendingAgencies05222025pm.xlsx (saved 2025-05-22 19:53, first seen 2025-05-25) takes its place in the past",
        lambda con: (
            one(
                con,
                "SELECT backfilled, effective_from FROM postings WHERE file_name = 'pendingAgencies05222025pm.xlsx'",
            )
            == (True, D(2025, 5, 22))
            and queries.counts(con, D(2025, 5, 25))["pending_rows"] == 65
            and one(con, "SELECT count(*) FROM events WHERE kind = 'pending_listed' AND date = '2025-05-25'")[0] == 0
        ),
    ),
    (
        "back-fill",
        "Harris County Sheriff's Office GA WSO, signed 2025-05-22, is not pending again on 2025-05-25",
        lambda con: (
            not any(
                r["agency_name"] == "Harris County Sheriff's Office" and r["state"] == "GA"
                for r in queries.agreements(con, on=D(2025, 5, 25), status="pending").to_dicts()
            )
        ),
    ),
    # 2. re-dating of a row that never had an MOA
    (
        "unlinked_redated",
        "Hardee County SO FL TFM 2025-02-26 -> 2025-05-08 is one agreement with a corrected date",
        lambda con: (
            agreement(con, HARDEE)["signed"] == D(2025, 5, 8)
            and agreement(con, HARDEE)["status"] == "active"
            and events(con, HARDEE, "date_revised") == [(D(2025, 5, 12), "unlinked_redated")]
            and queries.resolve_agreement(con, "FL/hardee-county-sheriffs-office/TFM/2025-05-08") == HARDEE
        ),
    ),
    (
        "unlinked_redated",
        "Webb County SO TX JEM 2025-10-17 -> 2025-12-02 is one agreement with a corrected date",
        lambda con: (
            agreement(con, WEBB)["signed"] == D(2025, 12, 2)
            and events(con, WEBB, "date_revised") == [(D(2025, 12, 2), "unlinked_redated")]
            and not events(con, WEBB, "superseded")
        ),
    ),
    (
        "pending_between",
        "Rooks County SO KS WSO: back on the pending list between 2025-07-31 and 2025-09-09, so two signings",
        lambda con: (
            agreement(con, "KS/rooks-county-sheriffs-office/WSO/2025-07-31")["status"] == "ended"
            and agreement(con, "KS/rooks-county-sheriffs-office/WSO/2025-09-09")["status"] == "active"
        ),
    ),
    # 3. mislinked MOAs (renewals are made from a real sheet below)
    (
        "moa_mislinked",
        "Wayne County SO GA TFM linked to Whitfield County's 2020 JEM MOA: flagged, not its MOA",
        lambda con: (
            [
                k
                for (k,) in con.execute(
                    "SELECT kind FROM events WHERE agreement_id = 'GA/wayne-county-sheriffs-office/TFM/2026-01-30' "
                    "AND kind LIKE 'moa%'"
                ).fetchall()
            ]
            == ["moa_mislinked"]
            and agreement(con, "GA/wayne-county-sheriffs-office/TFM/2026-01-30")["moa_url"] is None
            and agreement(con, "GA/wayne-county-sheriffs-office/TFM/2026-01-30")["moa_mislinked_to"]
            == "Whitfield County Sheriff's Office"
        ),
    ),
    (
        "moa_mislinked",
        "Melbourne Beach PD FL: the neighbouring Melbourne PD's MOA pasted into its row (2025-06-27)",
        lambda con: (
            events(con, "FL/melbourne-beach-police-department/TFM/2025-05-13", "moa_mislinked")
            == [(D(2025, 6, 27), "names City of Melbourne Police Department")]
            and agreement(con, "FL/melbourne-beach-police-department/TFM/2025-05-13")["moa_url"].endswith(
                "MelbourneBeachPoliceDeptFL_TFM_MOA_05132025.pdf"
            )
        ),
    ),
    (
        "moa_mislinked",
        "check lists exactly the MOA links that name another agency that signed (or a body in another state)",
        lambda con: (
            sorted({i.split(" on ")[0] for i in check_items(con, "moa_mislinked")})
            == [
                "FL/edgewood-police-department/TFM/2025-04-10",
                "FL/florida-fish-and-wildlife-conservation-commission/TFM/2025-02-14",
                "FL/melbourne-beach-police-department/TFM/2025-05-13",
                "FL/sebastian-police-department/TFM/2025-04-15",
                "GA/gilmer-county-sheriffs-office/WSO/2026-01-26",
                "GA/wayne-county-sheriffs-office/TFM/2026-01-30",
                "ND/mercer-county-sheriffs-office/TFM/2025-06-13",
                "PA/lancaster-county-sheriffs-office/TFM/2025-04-24",
                "PA/montour-county-sheriffs-office/TFM/2025-06-12",
            ]
        ),
    ),
    # 4. signing dates against the MOA's own date
    (
        "signed_settled",
        "Melbourne Beach PD FL: SIGNED 2025-04-14 (Melbourne PD's date) -> 2025-05-13, its MOA's (reviewed)",
        lambda con: (
            (lambda a: (a["signed"], a["signed_listed"], a["signed_basis"]))(
                agreement(con, "FL/melbourne-beach-police-department/TFM/2025-05-13")
            )
            == (D(2025, 5, 13), D(2025, 4, 14), "reviewed")
        ),
    ),
    (
        "signed_settled",
        "Ottawa County SO OK: SIGNED 2025-02-23, MOA 02232026, first listed 2026-02-27 -> 2026-02-23 (rule)",
        lambda con: (
            (lambda a: (a["signed"], a["signed_listed"], a["signed_basis"], a["moa_file_date"]))(agreement(con, OTTAWA))
            == (D(2026, 2, 23), D(2025, 2, 23), "moa_year", D(2026, 2, 23))
        ),
    ),
    (
        "signed_settled",
        "Mohawk Village PD NY: SIGNED 2016-03-19, first listed 2026-03-20 -> 2026-03-19 (reviewed)",
        lambda con: agreement(con, "NY/mohawk-village-police-department/TFM/2016-03-19")["signed"] == D(2026, 3, 19),
    ),
    (
        "signed_settled",
        "Monmouth County SO NJ: the addendum's date 2019-03-08 -> the MOA's 2016-06-08 (reviewed)",
        lambda con: (
            agreement(con, "NJ/monmouth-county-sheriffs-office-addendum/JEM/2019-03-08")["signed"] == D(2016, 6, 8)
        ),
    ),
    (
        "signed_kept",
        "Nicholas County SO WV: MOA file named 01072025 beside SIGNED and first listing 2026-01-07: SIGNED kept",
        lambda con: (
            (lambda a: (a["signed"], a["signed_basis"]))(
                agreement(con, "WV/nicholas-county-sheriffs-office/TFM/2026-01-07")
            )
            == (D(2026, 1, 7), "listed")
        ),
    ),
    (
        "signed_vs_moa_date",
        "check lists the disagreements it does not settle, and not the settled ones",
        lambda con: (
            any(i.startswith("FL/north-port-police-department/") for i in check_items(con, "signed_vs_moa_date"))
            and not any(i.startswith(OTTAWA) for i in check_items(con, "signed_vs_moa_date"))
        ),
    ),
    # 5. duplicate rows
    (
        "duplicate",
        "FDEP's row dated 2025-02-14 (July 2025, with FDEP's own MOA link) is folded into FDEP's 2025-04-24 TFM",
        lambda con: (
            one(
                con,
                "SELECT count(*) FROM agreements WHERE agreement_id LIKE ?",
                "FL/florida-department-of-env%/TFM/2025-02-14",
            )[0]
            == 0
            and queries.resolve_agreement(con, "FL/florida-department-of-environmental-protection/TFM/2025-02-14")
            == "FL/florida-department-of-environmental-protection/TFM/2025-04-24"
            and not events(con, "FL/florida-department-of-environmental-protection/TFM/2025-04-24", "date_revised")
        ),
    ),
    (
        "duplicate",
        "Moore County SO 'TN' WSO on 2025-09-03, a copy of the Texas row, is folded into it",
        lambda con: (
            queries.resolve_agreement(con, "TN/moore-county-sheriffs-office/WSO/2025-08-28")
            == "TX/moore-county-sheriffs-office/WSO/2025-08-28"
            and queries.resolve_agency(con, "TN/moore-county-sheriffs-office") == "TX/moore-county-sheriffs-office"
            and len(check_items(con, "duplicate_rows")) == 2
        ),
    ),
    # 6. relabels and one body under two names
    (
        "relabel",
        "Cambria County SO -> Cambria County Prison (PA WSO 2025-07-31): one agreement, two agencies",
        lambda con: (
            one(
                con,
                "SELECT kind, decision FROM identity_links WHERE old_name = 'Cambria County Sheriff''s Office' "
                "AND new_name = 'Cambria County Prison'",
            )
            == ("relabel", "same")
            and one(
                con, "SELECT count(*) FROM agreements WHERE agreement_id LIKE 'PA/cambria-county-%/WSO/2025-07-31'"
            )[0]
            == 1
        ),
    ),
    (
        "alias",
        "UCF Board of Trustees and UCF Police Department are one agency (reviewed alias)",
        lambda con: (
            queries.resolve_agency(con, "FL/university-of-central-florida-board-of-trustees")
            == queries.resolve_agency(con, "FL/university-of-central-florida-police-department")
        ),
    ),
    (
        "alias",
        "Florida DFS and its Criminal Investigation Division are one agency (reviewed alias)",
        lambda con: (
            queries.resolve_agency(con, "FL/florida-department-of-financial-services")
            == queries.resolve_agency(con, "FL/criminal-investigation-division-department-of-financial-services")
        ),
    ),
    # 8. canonical names
    *[
        (
            "canonical_name",
            f"{listed} is shown as {shown}, ICE's spelling kept in names",
            lambda con, listed=listed, shown=shown, agency=agency: (
                one(con, "SELECT name, list_contains(names, ?) FROM agencies WHERE agency_id = ?", listed, agency)
                == (shown, True)
            ),
        )
        for agency, listed, shown in [
            ("MI/berrien-county-sheriffs-office", "Berrian County Sheriff's Offic", "Berrien County Sheriff's Office"),
            ("TX/dimmit-county-sheriffs-office", "Dimmit Couny Sheriff's Office", "Dimmit County Sheriff's Office"),
            (
                "NY/cattaraugus-county-sheriffs-office",
                "Cattaraugus Counry Sheriff's Office",
                "Cattaraugus County Sheriff's Office",
            ),
            ("VA/hopewell-sheriffs-office", "Hopewell County Sheriff's Office", "Hopewell Sheriff's Office"),
        ]
    ],
    (
        "canonical_name",
        "old ids keep resolving: berrian-county-sheriffs-offic, alachua-police-departent, hopewell-county-...",
        lambda con: (
            [
                queries.resolve_agency(con, i)
                for i in (
                    "MI/berrian-county-sheriffs-offic",
                    "FL/alachua-police-departent",
                    "VA/hopewell-county-sheriffs-office",
                )
            ]
            == ["MI/berrien-county-sheriffs-office", "FL/alachua-police-department", "VA/hopewell-sheriffs-office"]
        ),
    ),
    (
        "canonical_id",
        "Grundy County SO TN WSO, once printed as signed in 5025: its id carries 2025, the 5025 id resolves",
        lambda con: (
            queries.resolve_agreement(con, "TN/grundy-county-sheriffs-office/WSO/5025-07-07")
            == "TN/grundy-county-sheriffs-office/WSO/2025-07-07"
        ),
    ),
    (
        "state_fixed",
        "Ellis County SO KS's WSO, first listed under TX beside Ellis County SO TX's JEM: KS's agreement, two agencies",
        lambda con: (
            queries.resolve_agreement(con, "TX/ellis-county-sheriffs-office/WSO/2025-07-07")
            == "KS/ellis-county-sheriffs-office/WSO/2025-07-07"
            and agreement(con, "KS/ellis-county-sheriffs-office/WSO/2025-07-07")["agency_id"]
            == "KS/ellis-county-sheriffs-office"
            and one(con, "SELECT county_fips FROM agencies WHERE agency_id = 'KS/ellis-county-sheriffs-office'")[0]
            == "20051"
            and [
                r[0]
                for r in con.execute(
                    "SELECT model FROM agreements WHERE agency_id = 'TX/ellis-county-sheriffs-office'"
                ).fetchall()
            ]
            == ["JEM"]
        ),
    ),
    # 9. pending -> signed across spellings and counties
    (
        "pending_to_signed",
        "Scranton PD SC, pending with 'Lackawanna County', is the agreement signed 2025-07-31",
        lambda con: (
            agreement(con, "SC/scranton-police-department/TFM/2025-07-31")["pending_first_listed"] == D(2025, 7, 31)
        ),
    ),
    (
        "pending_to_signed",
        "Yoakum PD TX, pending in 'Lavaca', signed in 'Yoakum County' the next day: one agency and agreement",
        lambda con: (
            agreement(con, "TX/yoakum-police-department/TFM/2025-11-24")["pending_first_listed"] == D(2025, 11, 24)
            and queries.resolve_agreement(con, "TX/yoakum-police-department-yoakum-county/TFM/2025-11-24")
            == "TX/yoakum-police-department/TFM/2025-11-24"
        ),
    ),
    (
        "pending_to_signed",
        "Christian County \"Sherrif's\" Office MO on the pending list is Christian County Sheriff's Office",
        lambda con: (
            one(con, "SELECT count(*) FROM agencies WHERE agency_id LIKE 'MO/christian-county-sherrif%'")[0] == 0
            and queries.resolve_agency(con, "MO/christian-county-sherrifs-office")
            == "MO/christian-county-sheriffs-office"
        ),
    ),
]


@pytest.mark.parametrize("rule,example,expect", DECISIONS, ids=[f"{r}: {e[:60]}" for r, e, _ in DECISIONS])
def test_expected_decision(con, rule, example, expect):
    assert expect(con), example


# -- workbooks made from a real one, for the cases after the shared data ends ----------------------


def _serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def made(
    saved: str,
    add: list[tuple[str, str, str, str, str, dt.date]] = (),
    rename: dict[str, str] | None = None,
    relink: dict[str, str] | None = None,
) -> bytes:
    """The real 2026-03-27 sheet saved at `saved` (ISO time), with rows added (state, agency, type,
    county, model, signed), shared strings renamed and hyperlink targets replaced."""
    import io
    import zipfile

    def sheet_xml(xml: bytes) -> bytes:
        last = max(int(n) for n in re.findall(rb'<row r="(\d+)"', xml))
        rows = []
        for i, (state, agency, kind, county, model, signed) in enumerate(add, start=last + 1):
            cells = [_cell(f"{c}{i}", v) for c, v in zip("ABCDE", (state, agency, kind, county, model), strict=True)]
            cells.append(f'<c r="F{i}"><v>{_serial(signed)}</v></c>')
            rows.append(f'<row r="{i}">{"".join(cells)}</row>')
        return xml.replace(b"</sheetData>", "".join(rows).encode() + b"</sheetData>")

    def changes(name: str, data: bytes) -> bytes:
        if name == "docProps/core.xml":
            return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + saved.encode(), data)
        if name == "xl/worksheets/sheet1.xml" and add:
            return sheet_xml(data)
        if name == "xl/sharedStrings.xml":
            for old, new in (rename or {}).items():
                data = data.replace(f"<t>{old}</t>".encode(), f"<t>{new}</t>".encode())
        if name == "xl/worksheets/_rels/sheet1.xml.rels":
            for old, new in (relink or {}).items():
                data = data.replace(old.encode(), new.encode())
        return data

    src = sheet(BASE).read_bytes()
    zin, out = zipfile.ZipFile(io.BytesIO(src)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, changes(item.filename, zin.read(item)))
    return out.getvalue()


def imported(db, tmp_path, day: str, name: str, data: bytes) -> None:
    path = tmp_path / day / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    r = run(db, "import", "--observed", day, path)
    assert r.exit_code == 0, r.output


def test_a_new_file_equal_to_an_older_list_steps_back_and_a_late_copy_does_not(tmp_path):
    """Re-observing a file already archived changes nothing; a new file with an older list's content
    is that list again (events compare it with the list before it)."""
    from helpers import sheet

    db = tmp_path / "w.duckdb"
    five = sheet("ice/pending/2025-11-18/pendingAgencies11182025pm.xlsx")  # 5 rows
    three = sheet("ice/pending/2025-11-19/pendingAgencies11192025pm.xlsx")  # 3 rows
    for day, path in (("2025-11-18", five), ("2025-11-19", three), ("2025-11-20", five)):
        assert run(db, "import", "--observed", day, path).exit_code == 0
    counts = json.loads(run(db, "counts", "--on", "2025-11-20", "--format", "json").stdout)
    assert counts["pending_rows"] == 3  # the late copy of the 11-18 file does not step back

    def resaved(when: str) -> bytes:
        return rewrite(
            "ice/pending/2025-11-18/pendingAgencies11182025pm.xlsx",
            "docProps/core.xml",
            lambda b: re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + when.encode(), b),
        )

    # ICE puts the five-row list up again as a new file: the record steps back to it
    imported(db, tmp_path, "2025-11-21", "pendingAgencies11212025am.xlsx", resaved("2025-11-21T14:00:00Z"))
    counts = json.loads(run(db, "counts", "--on", "2025-11-21", "--format", "json").stdout)
    assert counts["pending_rows"] == 5
    changes = json.loads(run(db, "changes", "--since", "2025-11-21", "--format", "json").stdout)
    listed = [c for c in changes if c["kind"] == "pending_listed" and c["date"] == "2025-11-21"]
    assert len(listed) == 5 - 3 + len([c for c in changes if c["kind"] == "pending_removed"])  # vs the 3-row list
    assert listed and all(c["to_sha256"] and c["from_sha256"] for c in listed)

    # a copy saved on 11-18 evening that reaches us only on 11-22 is a back-fill: it changes the past,
    # not 11-22
    imported(db, tmp_path, "2025-11-22", "pendingAgencies11182025late.xlsx", resaved("2025-11-18T23:00:00Z"))
    counts = json.loads(run(db, "counts", "--on", "2025-11-22", "--format", "json").stdout)
    assert counts["pending_rows"] == 5
    pubs = json.loads(run(db, "check", "--format", "json").stdout)
    backfill = {c["check_name"]: c for c in pubs}["backfilled_postings"]
    assert backfill["n"] == 1 and "in effect from 2025-11-18" in backfill["items"][0]


@pytest.fixture()
def with_march(built_copy):
    return built_copy


def test_renewal_that_ice_does_not_redate(with_march, tmp_path):
    """Jacksonville SO FL JEM, signed 2020-06-09, re-linked on 2026-04-21 to a 2026 MOA: renewed."""
    data = made(
        "2026-04-21T15:00:00Z",
        relink={"287gJEM_JacksonvilleCoFl2020-06-09.pdf": "JacksonvilleCoFL_JEM_MOA_04052026.pdf"},
    )
    imported(with_march, tmp_path, "2026-04-21", "participatingAgencies04212026pm.xlsx", data)
    got = json.loads(run(with_march, "agency", "FL/jacksonville-sheriffs-office", "--format", "json").stdout)
    jem = next(a for a in got["agreements"] if a["model"] == "JEM")
    assert jem["renewed_on"] == "2026-04-05" and jem["signed"] == "2020-06-09"
    changes = json.loads(run(with_march, "changes", "--since", "2026-04-21", "--format", "json").stdout)
    kinds = {(c["agreement_id"], c["kind"]): c for c in changes}
    renewed = kinds[("FL/jacksonville-sheriffs-office/JEM/2020-06-09", "renewed")]
    assert renewed["moa_date"] == "2026-04-05" and renewed["previous_moa_url"].endswith("2020-06-09.pdf")
    assert ("FL/jacksonville-sheriffs-office/JEM/2020-06-09", "moa_changed") not in kinds


def test_relabel_same_state_model_and_date(with_march, tmp_path):
    """Haskell PD -> Haskell County SO, OK TFM, 2026-03-28: names without a word in common, the only
    change of its state/model/date block. Made here on the Texas Haskell PD's row, relabelled as
    another body (a Knox County SO), its MOA link kept: one agreement relabelled, not an ending and a
    new signing."""
    data = made(
        "2026-03-28T15:00:00Z",
        rename={"Haskell Police Department": "Knox County Sheriff's Office"},
    )
    imported(with_march, tmp_path, "2026-03-28", "participatingAgencies03282026pm.xlsx", data)
    changes = json.loads(run(with_march, "changes", "--since", "2026-03-28", "--format", "json").stdout)
    mine = [c for c in changes if c["agreement_id"] == "TX/haskell-police-department/TFM/2026-01-26"]
    assert [(c["kind"], c["rule"]) for c in mine if c["kind"] == "renamed"] == [("renamed", "only_change_in_block")]
    assert {c["agency_id"] for c in mine} == {"TX/knox-county-sheriffs-office"}  # listed under its new label
    assert not [c for c in changes if c["kind"] in ("ended", "listed")]


def test_two_names_listed_side_by_side_are_two_agencies(with_march, tmp_path):
    """Parker County TX: the District Attorney's TFM renamed to the (County) Attorney's Office, then a
    District Attorney TFM listed beside it: two agencies, whatever the rename decided."""
    da, ca = "Parker County District Attorney's Office", "Parker County Attorney's Office"
    row = ("TEXAS", da, "County", "Parker County", "Task Force Model", D(2026, 3, 30))
    renamed = ("TEXAS", ca, *row[2:])
    both = [renamed, ("TEXAS", da, "County", "Parker County", "Task Force Model", D(2026, 4, 30))]
    for day, rows in (("2026-04-01", [row]), ("2026-04-05", [renamed]), ("2026-05-01", both)):
        name = f"participatingAgencies{day[5:7]}{day[8:]}{day[:4]}pm.xlsx"
        imported(with_march, tmp_path, day, name, made(f"{day}T15:00:00Z", rows))
    listed = json.loads(run(with_march, "agreements", "--state", "TX", "--format", "json").stdout)
    parker = {a["agency_name"]: a for a in listed if a["agency_name"] in (da, ca)}
    assert set(parker) == {da, ca}
    assert parker[da]["agency_id"] != parker[ca]["agency_id"]
    assert parker[ca]["signed"] == "2026-03-30" and parker[da]["signed"] == "2026-04-30"
