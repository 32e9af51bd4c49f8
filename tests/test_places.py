"""Places without the reference tables: a warehouse imported from ICE's workbooks alone (the shared sheets
and their observation log, no reference folder) places agencies by the sheet's COUNTY, the county atlas
(us-atlas) and our reviewed tables; with the reference tables nothing gets worse."""

import csv

import duckdb
import pytest

from helpers import REPO, SHARED, run
from open287g import atlas, pipeline, queries
from open287g.archive import Archive
from open287g.domain import vocab
from open287g.domain.names import county_name_key
from open287g.sources import us_atlas
from open287g.stages.geography import Counties, county_table, home_counties

NON_STATE = "FROM agencies WHERE jurisdiction_level <> 'state'"


@pytest.fixture(scope="module")
def sheets_only(shared, tmp_path_factory):
    """(warehouse, import result) from ICE's workbooks alone: a folder holding only the observation log and
    the sheets (links to the shared data, nothing copied)."""
    folder = tmp_path_factory.mktemp("workbooks")
    (folder / "snapshots.csv").symlink_to(shared / "snapshots.csv")
    (folder / "sheets").symlink_to(shared / "sheets")
    root = tmp_path_factory.mktemp("sheets-only")
    result = pipeline.import_paths(root / "open287g.duckdb", Archive(root / "open287g.archive"), [folder])
    assert result.built and not result.rejected
    return root / "open287g.duckdb", result, folder


@pytest.fixture()
def alone(sheets_only):
    c = duckdb.connect(str(sheets_only[0]), read_only=True)
    yield c
    c.close()


def _placed_share(con) -> float:
    placed, total = con.execute(
        f"SELECT count(*) FILTER (regexp_full_match(county_fips, '\\d{{5}}')), count(*) {NON_STATE}"
    ).fetchall()[0]
    assert total > 1300
    return placed / total


def test_workbooks_alone_place_almost_every_local_agency(alone):
    assert queries.reference_tables(alone) == set()
    assert _placed_share(alone) >= 0.97
    assert alone.execute("SELECT count(*) FROM counties").fetchall()[0][0] == len(us_atlas_counties())


def test_county_agencies_agree_with_the_sheets_county(alone):
    """Every County agency whose COUNTY cell names a county of its state is placed there; and, from first
    principles, its county's name is one of its COUNTY cells (but for the few one-letter slips)."""
    rows = alone.execute(
        "SELECT agency_id, county_fips, sheet_county_fips FROM agencies WHERE agency_type = 'county'"
    ).fetchall()
    named = [(a, f, s) for a, f, s in rows if s]
    assert len(named) > 700 and all(f in s for _, f, s in named)
    cells = alone.execute(
        """SELECT r.agency_id, list(DISTINCT trim(r.county_raw)) FROM roster_rows r
           JOIN agencies a USING (agency_id) WHERE a.agency_type = 'county' GROUP BY 1"""
    ).fetchall()
    names = dict(alone.execute("SELECT fips, name FROM counties").fetchall())
    cells_of = dict(cells)
    same = [a for a, f, _ in named if county_name_key(names[f]) in {county_name_key(c) for c in cells_of[a]}]
    assert len(same) / len(named) >= 0.98


def test_the_reference_tables_make_nothing_worse(con, alone):
    """The full import (with the FBI roster and the ACS table) places at least as many agencies, and the
    reviewed home counties agree with the roster's first county wherever the roster places the agency."""
    assert queries.reference_tables(con) == {"fbi_roster", "county_population", "aor_states"}
    assert _placed_share(con) >= max(_placed_share(alone), 0.99)
    full = dict(
        con.execute("SELECT agency_id, county_fips_all FROM agencies WHERE county_method = 'fbi_roster'").fetchall()
    )
    reviewed = alone.execute("SELECT agency_id, county_fips_all FROM agencies WHERE county_method = 'reviewed_home'")
    pairs = [(fips, full[a]) for a, fips in reviewed.fetchall() if a in full]
    assert len(pairs) > 150 and all(mine[0] == roster[0] and set(roster) <= set(mine) for mine, roster in pairs)


def test_import_says_which_reference_tables_are_missing(sheets_only, built):
    db, result, folder = sheets_only
    (line,) = [n for n in result.notices if n.startswith("no ")]
    assert "FBI roster" in line and "county population" in line and str(folder) in line and "ORI" in line
    again = run(db, "import", folder)  # nothing new: still said, once, on one line
    assert again.exit_code == 0, again.output
    notes = [x for x in again.stderr.splitlines() if x.startswith("note: no ")]
    assert len(notes) == 1 and "FBI roster" in notes[0]


def us_atlas_counties():
    return us_atlas.read(atlas.path(us_atlas.COUNTIES).read_bytes())


@pytest.mark.parametrize(
    "fips, name",
    [
        ("48201", "Harris County"),
        ("51670", "Hopewell city"),  # Virginia's independent cities, as the Census names them
        ("51600", "Fairfax city"),
        ("51059", "Fairfax County"),
        ("24510", "Baltimore city"),
        ("29510", "St. Louis city"),
        ("29189", "St. Louis County"),
        ("32510", "Carson City"),
        ("22019", "Calcasieu Parish"),
        ("02150", "Kodiak Island"),  # Alaska: the atlas does not say borough or census area
        ("35013", "Doña Ana County"),
        ("11001", "District of Columbia"),
        ("72127", "San Juan Municipio"),
        ("66010", "Guam"),
        ("69110", "Saipan"),
    ],
)
def test_atlas_county_names(fips, name):
    county = {c["fips"]: c for c in us_atlas_counties()}[fips]
    assert county["name"] == name and vocab.state_fips()[county["state"]] == fips[:2]


@pytest.mark.parametrize(
    "state, cell, fips, how",
    [
        ("VA", "Hopewell", "51670", "independent_city"),
        ("VA", "Hopewell City", "51670", "exact"),
        ("VA", "Fairfax County", "51059", "exact"),
        ("MO", "Saint Louis County", "29189", "exact"),
        ("MO", "St. Louis City", "29510", "exact"),
        ("MO", "Ste. Genevieve County", "29186", "exact"),
        ("LA", "Saint Landry Parish", "22097", "exact"),
        ("LA", "La Salle Parish", "22059", "exact"),  # 'LaSalle' in the atlas
        ("IL", "La Salle County", "17099", "exact"),
        ("GA", "De Kalb County", "13089", "exact"),
        ("TX", "De Witt County", "48123", "exact"),
        ("FL", "Desoto County", "12027", "exact"),
        ("AK", "Kodiak Island Borough", "02150", "exact"),
        ("AK", "Anchorage Municipality", "02020", "exact"),
        ("AK", "Juneau City and Borough", "02110", "exact"),
        ("NM", "Dona Ana County", "35013", "exact"),
        ("MD", "Prince Georges County", "24033", "exact"),
        ("FL", "Miami Dade", "12086", "exact"),
        ("LA", "Calacasieu Parish", "22019", "typo"),
        ("AR", "Bowie County", None, "none"),  # a Texas county
    ],
)
def test_sheet_counties_on_the_atlas_alone(state, cell, fips, how):
    assert Counties(county_table(us_atlas_counties(), [])).find(state, cell) == (fips, how)


def test_spacing_never_picks_between_two_counties():
    counties = Counties(
        [
            {"fips": "99001", "state": "XX", "name": "Di X County"},
            {"fips": "99003", "state": "XX", "name": "Dix County"},
            {"fips": "99005", "state": "XX", "name": "DeKalb County"},
        ]
    )
    assert counties.find("XX", "Dix") == ("99003", "exact")
    assert counties.find("XX", "D ix") == (None, "none")  # 'dix' without spaces is both
    assert counties.find("XX", "De Kalb") == ("99005", "exact")


def test_population_comes_from_the_acs_table_when_imported():
    atlas_rows = [{"fips": "09001", "state": "CT", "name": "Fairfield County"}]
    acs = [
        {"fips": "09001", "name": "fairfield county", "population": 957419},
        {"fips": "09110", "name": "capitol planning region", "population": 976248},  # newer than the atlas
        {"fips": "99999", "name": "nowhere", "population": 1},
    ]
    assert county_table(atlas_rows, acs) == [
        {"fips": "09001", "state": "CT", "name": "Fairfield County", "population": 957419},
        {"fips": "09110", "name": "capitol planning region", "population": 976248, "state": "CT"},
    ]
    assert county_table(atlas_rows, [])[0]["population"] is None


def test_reviewed_home_counties_are_counties_of_their_state():
    fips_state = {c["fips"]: c["state"] for c in us_atlas_counties()}
    rows = list(csv.DictReader((REPO / "src/open287g/data/agency_home_counties.csv").open(encoding="utf-8")))
    assert len(rows) > 150 and len({(r["state"], r["name"]) for r in rows}) == len(rows)
    for r in rows:
        assert r["reason"].strip() and all(fips_state[f] == r["state"] for f in r["county_fips"].split("|")), r
    # an agency ICE renamed is found under any of its names
    assert home_counties("FL", ["Apopka PD (renamed)", "Apopka Police Dept."]) == ["12095"]
    assert home_counties("GA", ["Apopka Police Department"]) == []


def _a_workbook():
    with (SHARED / "snapshots.csv").open(newline="") as fh:
        return SHARED / next(csv.DictReader(fh))["file"]


@pytest.mark.parametrize(
    "content, problem",
    [(b"<html>not json</html>", "not us-atlas county TopoJSON"), (b'{"objects": {"counties": {}}}', "TopoJSON")],
)
def test_a_broken_atlas_stops_the_import_in_one_line(tmp_path, monkeypatch, content, problem):
    bad = tmp_path / "atlas"
    bad.mkdir()
    (bad / us_atlas.COUNTIES).write_bytes(content)
    monkeypatch.setenv(atlas.ENV, str(bad))
    r = run(tmp_path / "w.duckdb", "import", "--observed", "2026-03-27", _a_workbook())
    assert r.exit_code == 1
    (line,) = [x for x in r.stderr.splitlines() if x.strip()]
    assert line.startswith("error:") and str(bad / us_atlas.COUNTIES) in line and problem in line
    assert not (tmp_path / "w.duckdb").exists()


def test_a_missing_atlas_stops_the_import_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv(atlas.ENV, str(tmp_path))
    r = run(tmp_path / "w.duckdb", "import", "--observed", "2026-03-27", _a_workbook())
    assert r.exit_code == 1
    (line,) = [x for x in r.stderr.splitlines() if x.strip()]
    assert line.startswith("error:") and us_atlas.COUNTIES in line and atlas.ENV in line
