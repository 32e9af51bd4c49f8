"""Geography on the real data: jurisdiction levels, county FIPS (checked against a hand-verified
sample), coverage from first principles, and the map's county shapes."""

import csv
import datetime as dt

import pytest

from helpers import REPO, SHARED
from open287g import atlas, queries
from open287g.domain import vocab
from open287g.sources import reference, us_atlas
from open287g.stages.geography import Counties, Roster, county_table, jurisdiction_level

NEWEST = dt.date(2026, 3, 27)
SAMPLE = REPO / "tests" / "data" / "geo_sample.csv"


@pytest.fixture(scope="module")
def counties():
    rows = reference.read("county_population", (SHARED / "reference" / "county_aor_population_uwchr.csv").read_bytes())
    return county_table(us_atlas.read(atlas.path(us_atlas.COUNTIES).read_bytes()), rows)


def test_hand_verified_sample(con):
    """50 agencies across all levels; tests/data/geo_sample.csv says how each was verified."""
    rows = list(csv.DictReader(SAMPLE.open()))
    assert len(rows) == 50 and {r["expected_level"] for r in rows} == {"county", "municipal", "state", "other"}
    for r in rows:
        assert r["how_verified"].strip()
        got = con.execute(  # the sample names agencies by the ids of its day: they resolve forever
            "SELECT jurisdiction_level, county_fips_all FROM agencies WHERE agency_id = ?",
            [queries.resolve_agency(con, r["agency_id"])],
        ).fetchall()
        assert got, r["agency_id"]
        level, fips = got[0]
        expected = [f for f in r["expected_fips"].split("|") if f]
        assert level == r["expected_level"], r["agency_id"]
        if len(expected) <= 1:
            assert fips == expected, r["agency_id"]
        else:  # a city or office in several counties: ours are among them, principal county included
            assert set(fips) <= set(expected) and fips and fips[0] in expected, (r["agency_id"], fips)


def test_almost_every_local_agency_has_a_county(con):
    missing, total = con.execute(
        """SELECT count(*) FILTER (county_fips IS NULL), count(*) FROM agencies
           WHERE status = 'active' AND jurisdiction_level <> 'state'"""
    ).fetchall()[0]
    assert total > 1200 and missing / total < 0.02


def test_cli_agencies_contract(built):
    import json

    from helpers import run

    r = run(built, "agencies", "--on", "2026-03-27", "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert len(rows) > 1300
    for a in rows:
        assert {"agency_id", "name", "state", "jurisdiction_level", "county_fips", "models"} <= a.keys()
        assert len(a["state"]) == 2 and a["jurisdiction_level"] in ("county", "municipal", "state", "other")
        assert a["county_fips"] is None or (len(a["county_fips"]) == 5 and a["county_fips"].isdigit())
        assert a["models"] and set(a["models"]) <= {"JEM", "TFM", "WSO"}
    territories = {a["state"] for a in rows} & {"GU", "MP"}
    assert territories == {"GU", "MP"}  # kept, not dropped


@pytest.mark.parametrize(
    "state, county, fips, how",
    [
        ("LA", "Calacasieu Parish", "22019", "typo"),  # sheet typo for Calcasieu
        ("TX", "Lampass County", "48281", "typo"),
        ("TX", "Somervill", "48425", "typo"),
        ("KS", "Sedgqick County", "20173", "typo"),
        ("FL", "St. Johns County", "12109", "exact"),
        ("FL", "Miami-Dade County", "12086", "exact"),
        ("VA", "Hopewell County", "51670", "independent_city"),
        ("VA", "Fairfax County", "51059", "exact"),  # the county, not the city of Fairfax
        ("AR", "Bowie County", None, "none"),  # a Texas county: no Arkansas county is one slip away
        ("GU", "Guam", "66010", "exact"),
    ],
)
def test_county_names_to_fips(counties, state, county, fips, how):
    assert Counties(counties).find(state, county) == (fips, how)


def test_roster_names_differ_from_the_sheet():
    roster = Roster(
        [
            {
                "ori": "LA0100000",
                "name": "Calcasieu Parish Sheriffs Dept",
                "state": "LA",
                "counties": ["CALCASIEU"],
                "agency_type": "County",
            },
            {"ori": "FL0050700", "name": "Melbourne", "state": "FL", "counties": ["BREVARD"], "agency_type": "City"},
            {
                "ori": "FL0051500",
                "name": "Melbourne Village",
                "state": "FL",
                "counties": ["BREVARD"],
                "agency_type": "City",
            },
        ]
    )
    assert roster.find("LA", "Calcasieu Parish Sheriff's Office", "county")["ori"] == "LA0100000"
    assert roster.find("FL", "Melbourne Police Department", "municipal")["ori"] == "FL0050700"
    assert roster.find("FL", "City of Melbourne Police Dept.", "municipal")["ori"] == "FL0050700"
    assert roster.find("LA", "Calcasieu Parish Sheriff's Office", "municipal") is None  # wrong kind


@pytest.mark.parametrize(
    "name, sheet_type, state, level",
    [
        ("Harris County Sheriff's Office", "municipal", "TX", "county"),
        ("Okaloosa County Board of County Commissioners", "county", "FL", "county"),
        ("Indian River Shores Department of Public Safety", "municipal", "FL", "municipal"),
        ("Florida Highway Patrol", None, "FL", "state"),
        ("Texas Office of the Attorney General", "state", "TX", "state"),
        ("Lancaster County District Attorney's Office", "county", "PA", "other"),
        ("Bexar County Constable Precinct 3", "municipal", "TX", "other"),
        ("University of Central Florida Police Department", "municipal", "FL", "other"),
        ("Lee County Port Authority", "county", "FL", "other"),
        ("West Virginia National Guard", "state", "WV", "state"),
        ("Stamford Police Department", "county", "TX", "municipal"),
    ],
)
def test_jurisdiction_levels(name, sheet_type, state, level):
    assert jurisdiction_level(name, sheet_type, state)[0] == level


def test_coverage_from_first_principles(con, counties):
    """North Carolina has no statewide agreement: its covered counties are the counties its local
    agencies name in the sheet's COUNTY column, and its population their sum."""
    pub = queries.in_effect(con, NEWEST)
    cells = {
        c
        for (c,) in con.execute(
            "SELECT DISTINCT trim(county_raw) FROM roster_rows WHERE publication_id = ? AND state = 'NC'", [pub]
        ).fetchall()
    }
    nc = {c["name"].lower(): c for c in counties if c["state"] == "NC"}
    expected = {nc[c.lower()]["fips"] for c in cells if c.lower() in nc}
    # the one cell that is no NC county ('Albemarle County', the Albemarle District Jail) is placed by
    # the reviewed table, which the test reads as data
    reviewed = {
        r["name"]: r["county_fips"].split("|") for r in vocab.data_rows("agency_places.csv") if r["state"] == "NC"
    }
    assert cells - {c for c in cells if c.lower() in nc} == {"Albemarle County"}
    expected |= set(reviewed["Albemarle District Jail"])
    row = queries.coverage_by(con, NEWEST, "state").filter(state="NC").to_dicts()[0]
    assert row["counties"] == len(expected) and not row["statewide"]
    assert row["population"] == sum(c["population"] for c in counties if c["fips"] in expected)
    # Texas has statewide agreements (DPS, the Attorney General): every county is covered
    tx = queries.coverage_by(con, NEWEST, "state").filter(state="TX").to_dicts()[0]
    assert tx["counties"] == tx["counties_total"] == 254 and tx["statewide"]


def test_coverage_totals_add_up(con):
    c = queries.coverage(con, NEWEST)
    assert c["local"]["counties"] <= c["counties"] <= c["counties_total"]
    assert 0 < c["population"] <= c["population_total"]
    for model in ("JEM", "TFM", "WSO"):
        assert c["by_model"][model]["counties"] <= c["counties"]
    early = queries.coverage(con, dt.date(2021, 1, 31))
    assert early["counties"] < c["counties"] and early["statewide_agreements_in"]


def test_every_assigned_county_has_a_shape_on_the_map(con):
    """The map draws us-atlas's Albers counties (50 states and DC); what it cannot draw is Puerto Rico
    and the territories, and the home page names those that are covered."""
    from open287g.web import charts, mapsvg

    shapes = mapsvg.county_paths()
    assert len(shapes) == 3142
    assigned = {f for (f,) in con.execute("SELECT DISTINCT county_fips FROM agency_counties").fetchall()}
    states = dict(con.execute("SELECT fips, state FROM counties").fetchall())
    undrawn = {states[f] for f in assigned - shapes.keys()}
    assert assigned and undrawn <= {"PR", "GU", "MP", "AS", "VI"}
    # the ACS table and the atlas agree on every county of the 50 states and DC
    assert {states[f] for f in states.keys() - shapes.keys()} <= {"PR", "GU", "MP", "AS", "VI"}
    assert not shapes.keys() - states.keys()
    figures = queries.county_figures(con, NEWEST).to_dicts()
    assert charts.not_drawn(figures, shapes) == ["GU", "MP"]  # statewide agreements there


def test_county_figures_for_the_map(con):
    figures = queries.county_figures(con, NEWEST)
    assert figures.height == con.execute("SELECT count(*) FROM counties").fetchall()[0][0]
    harris_tx = figures.filter(fips="48201").to_dicts()[0]
    assert harris_tx["covered"] and harris_tx["statewide_models"]
    assert figures["covered"].sum() == queries.coverage(con, NEWEST)["counties"]


def test_cli_coverage_csv_is_flat(built):
    """One record as CSV: nested figures as their own columns, lists joined with '|', no Python reprs."""
    import csv
    import io

    from helpers import run

    r = run(built, "coverage", "--on", "2026-03-27", "--format", "csv")
    assert r.exit_code == 0, r.output
    (row,) = csv.DictReader(io.StringIO(r.stdout))
    assert row["by_model_JEM_counties"].isdigit() and row["local_population"].isdigit()
    assert "GU" in row["statewide_agreements_in"].split("|")
    assert not any(c in r.stdout for c in "[]{}'")
