"""The researcher's county x month panel on the real shared data: every county in every month of the
record, its figures the same as the coverage answer for that day (one definition of where an agreement
applies), in one request instead of one per month."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from helpers import run
from open287g import queries
from open287g.web.app import create_app


@pytest.fixture(scope="module")
def panel(built):
    import duckdb

    with duckdb.connect(str(built), read_only=True) as con:
        return queries.county_panel(con), [(m, d) for m, d in queries.snapshot_of(con).months(None)]


def test_every_county_in_every_month(panel, con):
    df, months = panel
    counties = con.execute("SELECT count(*) FROM counties").fetchone()[0]
    assert df.height == len(months) * counties and tuple(df.columns) == queries.PANEL_COLUMNS
    assert df["month"].unique().sort().to_list() == [m for m, _ in months]
    assert months[0][0] == "2021-01" and df["fips"].str.len_chars().unique().to_list() == [5]


def test_each_months_covered_counties_are_that_days_coverage(built, panel):
    import duckdb

    df, months = panel
    with duckdb.connect(str(built), read_only=True) as con:
        for month, day in months:
            covered = df.filter((df["month"] == month) & df["covered"]).height
            assert covered == queries.coverage(con, day)["counties"], month


def test_harris_county_tx_at_the_end_of_march_2026(panel):
    df, _ = panel
    row = df.filter((df["fips"] == "48201") & (df["month"] == "2026-03")).to_dicts()[0]
    assert (row["local_agencies"], row["jem"], row["tfm"], row["wso"]) == (2, 0, 2, 1)
    assert row["statewide_tfm"] == 4 and row["covered"] and str(row["day"]) == "2026-03-27"


@pytest.fixture(scope="module")
def client(built):
    return TestClient(create_app(built))


def test_the_api_gives_the_panel_as_csv_by_default_and_as_json(client):
    r = client.get("/api/v1/panel/counties?state=RI&since=2026-01&until=2026-02")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert r.status_code == 200 and tuple(rows[0]) == queries.PANEL_COLUMNS and len(rows) == 2 * 5  # RI: 5 counties
    assert 'filename="open287g-county-panel-RI-2026-01-2026-02.csv"' in r.headers["content-disposition"]
    as_json = client.get("/api/v1/panel/counties?state=RI&since=2026-01&until=2026-02&format=json").json()
    assert [(x["month"], x["fips"]) for x in as_json] == [(x["month"], x["fips"]) for x in rows]


@pytest.mark.parametrize(
    "query, message",
    [("since=2026-13", "is not a month"), ("since=2026-03&until=2026-01", "is before since"), ("by=month", "unknown")],
)
def test_the_api_refuses_a_panel_it_cannot_give(client, query, message):
    r = client.get(f"/api/v1/panel/counties?{query}")
    assert r.status_code == 400 and message in r.json()["detail"]


def test_the_cli_prints_the_same_panel(built, client):
    cli = run(built, "panel", "--state", "RI", "--since", "2026-03")
    assert cli.exit_code == 0
    assert cli.stdout == client.get("/api/v1/panel/counties?state=RI&since=2026-03").text
