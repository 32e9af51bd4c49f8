"""State law and mandate compliance (DOMAIN §4): our reviewed table of laws, whom each counted mandate covers
(checked against a sample verified by hand), Florida's compliance reproduced from ICE's own workbook, the
agreements a ban flags for review, and the CLI, API and pages that answer from them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook

from helpers import SHARED, in_browser, overflow, run, visit
from open287g.domain import laws as law_table
from open287g.domain.vocab import data_rows
from open287g.queries import laws as law_queries
from open287g.web.app import create_app

DOMAIN = SHARED.parent / "docs" / "DOMAIN.md"
NEWEST = SHARED / "sheets/ice/participating/2026-03-27/participatingAgencies03272026am.xlsx"  # MANIFEST: newest
NEWEST_DAY = dt.date(2026, 3, 27)


@pytest.fixture(scope="module")
def client(built):
    return TestClient(create_app(built))


# -- the table ------------------------------------------------------------------------------------


def test_every_law_has_its_citation_and_its_sources_in_domain():
    """Each row cites a web address and names sources that DOMAIN §9 lists; each state DOMAIN §4's table
    names is in ours."""
    text = DOMAIN.read_text(encoding="utf-8")
    sources = text[text.index("## 9. Sources") :]
    # [RF-STANCE]'s rows, which DOMAIN §9 names as a source, give their own addresses
    stance = (SHARED / "reference" / "state_287g_legislation_stance.csv").read_text(encoding="utf-8")
    rows = data_rows("state_laws.csv")
    assert len(rows) >= 20
    for r in rows:
        assert re.match(r"https?://\S+$", r["citation_url"]), r["law_id"]
        cited = sources if "RF-STANCE" not in r["sources"].split() else sources + stance
        assert r["citation_url"] in cited, f"{r['law_id']}: its citation is not among its sources' addresses"
        for key in r["sources"].split():
            assert f"[{key}]" in sources, f"{r['law_id']}: source {key} is not in DOMAIN §9"
        assert r["verified"] in ("yes", "no") and r["summary_en"] and r["summary_es"], r["law_id"]
    laws_section = text[text.index("## 4. State laws") : text.index("## 5.")]
    named = {m for m in re.findall(r"^\| ([A-Z][a-z]+(?: [A-Z][a-z]+)?) \|", laws_section, re.M)}
    from open287g.domain.vocab import state_names

    codes = {code for code, name in state_names().items() if name in named}
    assert codes and codes <= {r["state"] for r in rows}, sorted(codes - {r["state"] for r in rows})


def test_the_unverified_rows_are_the_ones_domain_marks():
    """DOMAIN §4 marks the laws it could not verify; our table says `verified: no` for those states' rows."""
    unverified = {r["state"] for r in data_rows("state_laws.csv") if r["verified"] == "no"}
    assert {"ME", "NM", "VA", "VT"} <= unverified
    assert not {"FL", "TX", "GA", "MD", "CA"} & unverified


@pytest.mark.parametrize(
    ("column", "value", "says"),
    [
        ("citation_url", "", "every law needs its citation"),
        ("effect", "forbids", "effect must be one of"),
        ("signed_on", "13/02/2025", "dates must be YYYY-MM-DD"),
        ("sources", "see DOMAIN", "sources are the keys of DOMAIN §9"),
        ("summary_es", " ", "summary in English and Spanish"),
    ],
)
def test_a_bad_row_stops_with_one_line_naming_the_table_and_the_line(monkeypatch, column, value, says):
    rows = data_rows("state_laws.csv")
    rows[3] = {**rows[3], column: value}
    monkeypatch.setattr(law_table, "data_rows", lambda name: rows)
    with pytest.raises(ValueError) as e:
        law_table.state_laws()
    message = str(e.value)
    assert "\n" not in message and message.startswith(f"state_laws.csv: line 5 ({rows[3]['law_id']}): "), message
    assert says in message


def test_the_dates_a_law_binds_from():
    assert law_table.in_force_from(dt.date(2025, 6, 20), dt.date(2026, 1, 1), 2025) == (
        dt.date(2026, 1, 1),
        "effective",
    )
    assert law_table.in_force_from(dt.date(2025, 2, 13), None, 2025) == (dt.date(2025, 2, 13), "signed")
    assert law_table.in_force_from(None, None, 2025) == (dt.date(2026, 1, 1), "year")  # surely law by then
    assert law_table.review_from(dt.date(2026, 2, 17), None) == dt.date(2026, 2, 17)
    assert law_table.review_from(dt.date(2026, 2, 17), dt.date(2026, 7, 1)) == dt.date(2026, 7, 1)


def test_the_warehouse_holds_every_row_and_counts_the_three_mandates(con):
    n = con.execute("SELECT count(*) FROM state_laws").fetchone()[0]
    assert n == len(data_rows("state_laws.csv"))
    counted = con.execute("SELECT state FROM state_laws WHERE counted ORDER BY 1").fetchall()
    assert [s for (s,) in counted] == ["FL", "GA", "TX"]  # Florida's 2022 law is amended: only SB 2-C counts


# -- whom a mandate covers --------------------------------------------------------------------------

# Checked by hand on 2026-12-04 against the FBI roster (reference/fbi_lee_2025_agencies.csv: the county's row of
# agency type County whose name is the county's alone, or says Sheriff) and ICE's workbooks (the agency's rows,
# its TYPE and COUNTY), reading each file directly:
# - Duval: Florida's consolidated Jacksonville Sheriff's Office (FL0160000) runs the county's jail.
# - Miami-Dade: the sheriff (re-created 2025) and the county's Corrections and Rehabilitation department, which ICE
#   lists under two spellings (two records of ours); Orange: the sheriff and the county's Corrections Department
#   (the county, not the sheriff, runs that jail); Pasco: the sheriff, "Pasco County Jail" and the Board of County
#   Commissioners / Pasco County Corrections; Volusia: the sheriff and the county's Division of Corrections.
# - Texas: Harris (TX1010000), Dallas (TX0570000) and Travis (TX2270000) sheriffs hold no agreement ICE lists
#   (their counties' only agencies on the lists are city police); all 254 counties are covered.
# - Georgia: Cobb's sheriff is the roster's "Cobb" (GA0330000), not the Cobb County Police Department
#   (GA0330200), which is not covered; Morgan's sheriff is on ICE's list but not on the roster (placed by its
#   county name); Johnson, Macon, Taliaferro and Telfair have no sheriff on the roster (only city police), so
#   the county is covered with no ORI.
SAMPLE = {
    "12031": ("fl-sb2c-2025", "FL0160000", {"FL/jacksonville-sheriffs-office": "sheriff"}),
    "12086": (
        "fl-sb2c-2025",
        "FL0130000",
        {
            "FL/miami-dade-sheriffs-office": "sheriff",
            "FL/miami-dade-corrections-and-rehabilitation": "jail",
            "FL/miami-dade-county-corrections-and-rehabilitation": "jail",
        },
    ),
    "12095": (
        "fl-sb2c-2025",
        "FL0480000",
        {"FL/orange-county-sheriffs-office": "sheriff", "FL/orange-county-corrections-department": "jail"},
    ),
    "12101": (
        "fl-sb2c-2025",
        "FL0510000",
        {"FL/pasco-county-sheriffs-office": "sheriff", "FL/pasco-county-jail": "jail", "FL/pasco-county-bocc": "jail"},
    ),
    "12127": (
        "fl-sb2c-2025",
        "FL0640000",
        {"FL/volusia-county-sheriffs-office": "sheriff", "FL/volusia-county-division-of-corrections": "jail"},
    ),
    "48201": ("tx-sb8-2025", "TX1010000", {}),
    "48113": ("tx-sb8-2025", "TX0570000", {}),
    "48453": ("tx-sb8-2025", "TX2270000", {}),
    "13067": ("ga-hb1105-2024", "GA0330000", {"GA/cobb-county-sheriffs-office": "sheriff"}),
    "13211": ("ga-hb1105-2024", None, {"GA/morgan-county-sheriffs-office": "sheriff"}),
    "13167": ("ga-hb1105-2024", None, {}),
    "13193": ("ga-hb1105-2024", None, {}),
    "13265": ("ga-hb1105-2024", None, {}),
    "13271": ("ga-hb1105-2024", None, {}),
}


@pytest.mark.parametrize("fips", sorted(SAMPLE))
def test_the_covered_agencies_match_the_hand_verified_sample(con, fips):
    law, ori, agencies = SAMPLE[fips]
    rows = con.execute(
        "SELECT law_id, ori, agency_id, role FROM law_coverage WHERE county_fips = ? ORDER BY agency_id", [fips]
    ).fetchall()
    assert {r[0] for r in rows} == {law} and {r[1] for r in rows} == {ori}
    assert {r[2]: r[3] for r in rows if r[2]} == agencies


def test_every_county_of_a_mandate_state_is_covered_and_no_police_department(con):
    counts = dict(con.execute("SELECT state, count(DISTINCT county_fips) FROM law_coverage GROUP BY 1").fetchall())
    assert counts == {"FL": 67, "TX": 254, "GA": 159}
    police = con.execute("SELECT agency_name FROM law_coverage WHERE agency_name ILIKE '%police%'").fetchall()
    assert police == []


def test_no_sheriff_takes_the_county_police_departments_ori(con, shared):
    """The FBI names a county's sheriff by the county alone and its police in full: a sheriff of ours never
    carries the police department's ORI (Cobb, Gwinnett, Gaston and Horry once did)."""
    with (shared / "reference" / "fbi_lee_2025_agencies.csv").open(encoding="utf-8") as fh:
        name = {r["ori"]: r["pub_agency_name"] for r in csv.DictReader(fh)}
    sheriffs = con.execute("SELECT agency_id, ori FROM agencies WHERE name ILIKE '%sheriff%' AND ori IS NOT NULL")
    wrong = [(a, name[o]) for a, o in sheriffs.fetchall() if "police" in name.get(o, "").lower()]
    assert wrong == []
    assert con.execute("SELECT ori FROM agencies WHERE agency_id = 'GA/cobb-county-sheriffs-office'").fetchone() == (
        "GA0330000",
    )


# -- compliance ------------------------------------------------------------------------------------


def _fold(county: str) -> str:
    return re.sub(r"[^a-z]", "", county.lower().replace("county", "").replace("saint", "st"))


def test_florida_compliance_on_the_newest_day_from_first_principles(con, shared):
    """ICE's newest shared workbook read directly: a Florida county complies when a row of it names the county
    and an agency whose name says sheriff, corrections, jail or detention (not police). The 67 counties come
    from the county list. The answer must be the same county by county."""
    rows = CalamineWorkbook.from_path(str(NEWEST)).get_sheet_by_index(0).to_python()
    assert rows[0][:4] == ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY"]
    keeper = re.compile(r"sheriff|correction|jail|detention", re.I)
    listed = {
        _fold(str(r[3]))
        for r in rows[1:]
        if str(r[0]).strip() == "FLORIDA" and keeper.search(str(r[1])) and "police" not in str(r[1]).lower()
    }
    with (shared / "reference" / "county_fips_aor_uwchr.csv").open(encoding="utf-8") as fh:
        counties = {r["geoid"]: r["name"].split(",")[0] for r in csv.DictReader(fh) if r["geoid_state"] == "12"}
    assert len(counties) == 67
    expected = {fips for fips, name in counties.items() if _fold(name) in listed}

    answer = law_queries.compliance(con, "FL", NEWEST_DAY)
    assert answer["list_day"] == NEWEST_DAY and answer["law"]["law_id"] == "fl-sb2c-2025"
    active = {c["county_fips"] for c in answer["counties"] if c["status"] == "active"}
    assert active == expected
    assert answer["summary"] == {
        "covered": 67,
        "active": len(expected),
        "pending": 0,
        "none": 67 - len(expected),
        "compliant": len(expected),
        "share": round(len(expected) / 67, 4),
    }
    assert len(expected) == 67  # every Florida county's sheriff or jail is on ICE's list


def test_florida_before_the_law_and_the_days_after_it(con):
    before = law_queries.compliance(con, "FL", dt.date(2025, 1, 31))["summary"]
    assert before["covered"] == 67 and before["active"] < 67
    answer = law_queries.compliance(con, "FL", NEWEST_DAY)
    start = answer["law"]["in_force_from"]
    assert start == dt.date(2025, 2, 13)
    for county in answer["counties"]:
        for a in county["agencies"]:
            if a["signed"]:
                assert a["days_after_law"] == (a["signed"] - start).days
        signed = [a["signed"] for a in county["agencies"] if a["status"] == "active" and a["signed"]]
        assert county["since"] == (min(signed) if signed else None)


def test_texas_and_georgia_count_what_their_laws_require(con):
    tx = law_queries.compliance(con, "TX", NEWEST_DAY)
    assert tx["law"]["effect"] == "requires" and tx["summary"]["covered"] == 254
    harris = next(c for c in tx["counties"] if c["county_fips"] == "48201")
    assert harris["status"] == "none" and harris["agencies"] == []
    assert tx["summary"]["compliant"] == tx["summary"]["active"]  # requires: pending is not compliance
    ga = law_queries.compliance(con, "GA", NEWEST_DAY)
    assert ga["law"]["effect"] == "requires_to_apply"
    assert ga["summary"]["compliant"] == ga["summary"]["active"] + ga["summary"]["pending"]
    cobb = next(c for c in ga["counties"] if c["county_fips"] == "13067")
    assert [a["agency_id"] for a in cobb["agencies"]] == ["GA/cobb-county-sheriffs-office"]


def test_the_monthly_share_ends_with_the_days_answer_and_matches_each_month(con):
    answer = law_queries.compliance(con, "TX", NEWEST_DAY)
    months = answer["monthly"]
    assert months[0]["month"] == "2025-06"  # SB 8 was signed on 20 June 2025 (in force 1 January 2026)
    last = months[-1]
    assert last["as_of"] == NEWEST_DAY
    assert {k: last[k] for k in answer["summary"]} == answer["summary"]
    for row in months[::4]:  # the one query over every month-end agrees with the day's answer on each
        assert law_queries.compliance(con, "TX", row["as_of"])["summary"] == {k: row[k] for k in answer["summary"]}


def test_a_state_without_a_counted_mandate_has_no_compliance(con):
    assert law_queries.compliance(con, "CA") is None and law_queries.compliance(con, "WY") is None


# -- flags -----------------------------------------------------------------------------------------


def test_maryland_flags_the_county_agreements_listed_after_its_ban(con):
    """SB 245 / HB 444 (17 February 2026): the agreements ICE still listed on or after that day are flagged with
    their dates. DOMAIN §4 names nine counties; Frederick's was last listed on 13 February 2026, before the law,
    so it is not flagged."""
    flags = law_queries.flags(con, "MD")
    assert len(flags) == 8
    assert all(f["law_id"] == "md-sb245-2026" and f["last_listed"] >= dt.date(2026, 2, 17) for f in flags)
    assert not [f for f in flags if "Frederick" in f["agency_name"]]
    frederick = con.execute(
        "SELECT max(last_listed) FROM agreements WHERE state = 'MD' AND agency_name ILIKE 'Frederick%'"
    ).fetchone()[0]
    assert frederick == dt.date(2026, 2, 13)
    counties = {re.sub(r" County.*", "", f["agency_name"]) for f in flags}
    assert counties == {"Allegany", "Carroll", "Cecil", "Garrett", "Harford", "St. Mary's", "Washington", "Wicomico"}
    for f in flags:
        assert f["days_listed_after"] == (f["last_listed"] - f["review_from"]).days


def test_only_bans_and_restrictions_in_force_flag(con):
    effects = con.execute("SELECT DISTINCT l.effect, l.status FROM law_flags f JOIN state_laws l USING (law_id)")
    assert set(effects.fetchall()) <= {("bans", "in_force"), ("restricts", "in_force")}
    assert law_queries.flags(con, "FL") == []


# -- the CLI, the API and the pages ------------------------------------------------------------------


def test_the_cli_and_the_api_give_the_same_answers(built, client):
    pairs = [
        (["laws"], "/api/v1/laws"),
        (["laws", "--state", "MD", "--flags"], "/api/v1/laws/flags?state=MD"),
        (["compliance", "--state", "FL"], "/api/v1/compliance/FL"),
        (["compliance", "--state", "GA", "--counties"], "/api/v1/compliance/GA/counties"),
        (
            ["compliance", "--state", "texas", "--monthly", "--on", "2026-01-31"],
            "/api/v1/compliance/TX/monthly?on=2026-01-31",
        ),
    ]
    for args, url in pairs:
        result = run(built, *args, "--format", "json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == client.get(url).json(), url


def test_the_csv_twins_hold_the_rows(built, client):
    r = client.get("/api/v1/compliance/FL/counties?format=csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0]) == list(law_queries.COMPLIANCE_FIELDS)
    assert {row["county_fips"] for row in rows} == {
        c["county_fips"] for c in client.get("/api/v1/compliance/FL").json()["counties"]
    }
    cli = run(built, "compliance", "--state", "FL", "--format", "csv")
    assert cli.exit_code == 0 and list(csv.DictReader(io.StringIO(cli.stdout))) == rows
    laws = list(csv.DictReader(io.StringIO(client.get("/api/v1/laws?format=csv").text)))
    assert len(laws) == len(data_rows("state_laws.csv"))


def test_bad_requests_say_what_is_wrong(built, client):
    r = client.get("/api/v1/compliance/CA")
    assert r.status_code == 404 and "CA" in r.json()["detail"]
    assert client.get("/api/v1/compliance/ZZ").status_code == 400
    assert client.get("/api/v1/compliance/FL?on=2019-01-01").status_code == 400
    result = run(built, "compliance", "--state", "CA")
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        "error: --state: CA has no mandate whose covered agencies we count (those that do: FL, GA, TX)"
    )


def test_the_table_mode_says_the_summary(built):
    result = run(built, "compliance", "--state", "FL", "--on", "2026-03-27")
    assert result.exit_code == 0
    assert "67 of 67 counties comply (100%)" in result.output


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_state_pages_say_the_law_and_the_home_page_marks_the_states(client, lang):
    fl = client.get(f"/states/FL?lang={lang}").text
    assert 'id="law-fl-sb2c-2025"' in fl and 'table class="compliance"' in fl and "svg" in fl
    assert fl.count('<tr class="comp-') == 67
    md = client.get(f"/states/MD?lang={lang}").text
    assert md.count("/agencies/MD/") >= 8 and 'table class="flags"' in md
    assert ("Prohíbe" if lang == "es" else "Bans") in md
    ca = client.get(f"/states/CA?lang={lang}").text
    assert 'id="law-ca-sb54-2017"' in ca and 'table class="compliance"' not in ca
    home = client.get(f"/?lang={lang}").text
    assert home.count('class="law law-mandate"') == 3 and home.count('class="law law-ban"') >= 6
    assert 'href="/states/MD' in home.split("law-marks")[1]


@in_browser
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_law_sections_in_a_browser(server, browser, lang, width):
    for path, shot in (("/states/FL", "state-FL-law"), ("/states/MD", "state-MD-law")):
        page, problems = visit(browser, f"{server}{path}?lang={lang}", f"{shot}-{lang}-{width}", width)
        assert problems == [] and overflow(page) == 0
        assert page.locator("section.laws h2").inner_text() == ("Ley estatal" if lang == "es" else "State law")
        if path == "/states/FL":
            assert page.locator("svg.shares").count() == 1
            assert page.locator("table.compliance tbody tr").count() == 67
        else:
            assert page.locator("table.flags tbody tr").count() == 8
        page.close()
