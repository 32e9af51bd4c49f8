"""Linking the landmarks of ICE's FOIA arrests to places and agencies (stages/landmarks.py), checked against a
sample labelled by hand and against counts made here from the arrest rows themselves.

The sample (tests/data/landmark_sample.csv) is 50 distinct (AOR, landmark) pairs drawn with `random.seed(287)`
and `random.sample` from the 374 distinct non-empty pairs of the 287(g) arrests. Each was labelled by a reviewer
who had not seen the linking code, from the county list, the areas of responsibility's states, our agency list,
the FBI roster and the Washington Post's curated list of 287(g) sheriffs 2005-2019, with the reason for each
label in the file. Precision is measured over the sample's strings the code links; recall is the share of all
287(g) arrests linked to an agency of our record (and so to its agreements).
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import duckdb
import pytest

from helpers import run
from open287g.domain import landmarks, tables
from open287g.queries import outcomes

SAMPLE = Path(__file__).parent / "data" / "landmark_sample.csv"


def labels() -> list[dict]:
    with SAMPLE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize(
    ("text", "kind", "county", "city", "state"),
    [
        ("GWINNETT COUNTY JAIL - 287(G)", "jail", "GWINNETT", None, None),
        ("287(G)-PASCO COUNTY SHERIFF'S OFFICE", "jail", "PASCO", None, None),
        ("YORK COUNTY (SC) JAIL 287G", "jail", "YORK", None, "SC"),
        ("DALTON, GA (WHITFIELD COUNTY)", "place", "WHITFIELD", None, "GA"),
        ("EAST BATON ROUGE PARISH PRISON", "jail", "EAST BATON ROUGE", None, None),
        ("CITY OF HOUSTON, TX HARRIS COUNTY, TX", "place", "TX HARRIS", None, "TX"),  # then "HARRIS"
        ("LA PAZ COUNTY JAIL", "jail", "LA PAZ", None, None),
        ("CAP - MARSHALL COUNTY JAIL, AL STATE", "jail", "MARSHALL", None, "AL"),
        ("HALL COUNTY DEPARTMENT OF CORRECTIONS", "jail", "HALL", None, None),
        ("TEXAS DEPT OF CRIMINAL JUSTICE, WALKER CO", "state_facility", None, None, None),
        ("LAS VEGAS UNITED STATES MARSHAL SERVICE", "federal", None, None, None),
        ("BROWNSVILLE CITY JAIL, TX", "jail", None, "BROWNSVILLE", "TX"),
        ("ROME, GA", "place", None, "ROME", "GA"),
        ("BALTIMORE CITY MD", "place", None, "BALTIMORE CITY", "MD"),
        ("NORTH LAS VEGAS POLICE DEPARTMENT", "agency", None, "NORTH LAS VEGAS", None),
        ("DTN GENERAL AREA, NON-SPECIFIC", "nonspecific", None, None, None),
        ("LOS ANGELES COUNTY GENERAL AREA, NON-SPECIFIC", "nonspecific", "LOS ANGELES", None, None),
        ("287g", "nonspecific", None, None, None),
        ("BUTNER BOP FACILITY", "federal", None, None, None),
        ("HIGH DESERT STATE PRISON (NDOC)", "state_facility", None, None, None),
        ("COBB COUNTY STATE COURT PROBATION", "other", "COBB", None, None),
        ("CAP-DAKOTA COUNTY JAIL, NE STATE", "jail", "DAKOTA", None, "NE"),
    ],
)
def test_a_landmark_is_read_for_its_kind_and_names(text, kind, county, city, state):
    got = landmarks.read(text)
    assert (got.kind, got.counties[0] if got.counties else None, got.city, got.state) == (kind, county, city, state)
    assert landmarks.read(text.lower()).text == got.text == " ".join(text.upper().split())


def test_every_arrest_landmark_is_linked_once_and_counted_as_the_rows_count(con):
    assert (
        con.execute("SELECT count(*), count(DISTINCT (aor, landmark)) FROM landmark_links").fetchone()
        == con.execute(
            "SELECT count(DISTINCT (aor, landmark)), count(DISTINCT (aor, landmark)) FROM foia_arrests "
            "WHERE landmark IS NOT NULL"
        ).fetchone()
    )
    assert (
        con.execute("SELECT sum(arrests), sum(arrests_287g) FROM landmark_links").fetchone()
        == con.execute(
            "SELECT count(*), count(*) FILTER (WHERE method = '287(g) Program') FROM foia_arrests WHERE landmark "
            "IS NOT NULL"
        ).fetchone()
    )
    # what the rule never links, and what a link always carries
    assert not con.execute(
        "SELECT count(*) FROM landmark_links WHERE basis = 'rule' AND kind IN ('nonspecific', 'federal', "
        "'state_facility') AND link <> 'none'"
    ).fetchone()[0]
    assert not con.execute(
        "SELECT count(*) FROM landmark_links WHERE (link = 'agency') <> (agency_id IS NOT NULL) "
        "OR (link = 'none') <> (state IS NULL) OR reason IS NULL"
    ).fetchone()[0]
    # every linked agency is one of our record, under its current id
    assert not con.execute(
        "SELECT count(*) FROM landmark_links l WHERE agency_id IS NOT NULL "
        "AND agency_id NOT IN (SELECT agency_id FROM agencies)"
    ).fetchone()[0]


def test_a_county_name_in_two_of_the_areas_states_is_left_unlinked(con):
    row = con.execute(
        "SELECT link, reason FROM landmark_links WHERE aor = 'Atlanta Area of Responsibility' "
        "AND landmark = 'LEE COUNTY JAIL'"
    ).fetchone()
    assert row[0] == "none" and "GA 13177" in row[1] and "NC 37105" in row[1] and "SC 45061" in row[1]
    # and a city is never read as the county of the same name (Jackson, GA is in Butts County)
    jackson = con.execute("SELECT link, county_fips FROM landmark_links WHERE landmark = 'JACKSON, GA'").fetchone()
    assert jackson[1] != "13157"


@pytest.mark.parametrize(
    ("aor", "landmark", "link", "agency"),
    [
        # a city's jail is not the county sheriff's
        ("San Antonio Area of Responsibility", "BROWNSVILLE CITY JAIL, TX", "place", None),
        # where county jails are not sheriffs': Pennsylvania's prison boards, Kentucky's jailers; regional jails
        ("Philadelphia Area of Responsibility", "SCHUYLKILL COUNTY PRISON", "place", None),
        ("Chicago Area of Responsibility", "KENTON COUNTY DETENTION CTR, KY", "place", None),
        # two-letter first words are not states; "Marshall" is not the Marshals
        ("Phoenix Area of Responsibility", "LA PAZ COUNTY JAIL", "agency", "AZ/la-paz-county-sheriffs-office"),
        (
            "New Orleans Area of Responsibility",
            "CAP - MARSHALL COUNTY JAIL, AL STATE",
            "agency",
            "AL/marshall-county-sheriffs-office",
        ),
        # a private prison holding federal detainees is no sheriff's
        ("Phoenix Area of Responsibility", "FLORENCE DETENTION CENTER **REPROCESSED EVENT**", "none", None),
    ],
)
def test_the_rule_credits_a_sheriff_only_with_the_county_s_own_jail(con, aor, landmark, link, agency):
    got = con.execute(
        "SELECT link, agency_id, ori, reason FROM landmark_links WHERE aor = $a AND landmark = $l",
        {"a": aor, "l": landmark},
    ).fetchone()
    assert got is not None, landmark
    assert (got[0], got[1]) == (link, agency), got
    if agency is None:
        assert got[2] is None, got  # nor the roster's county agency's ORI


def test_the_reviewed_table_is_used_and_every_row_of_it_is_alive(con):
    reviewed = tables.landmark_links()
    used = {
        (aor or "", text)
        for aor, text in con.execute("SELECT aor, text FROM landmark_links WHERE basis = 'reviewed'").fetchall()
    }
    for r in reviewed:
        assert any(text == r["text"] and (not r["aor"] or aor == r["aor"]) for aor, text in used), r["landmark"]
        if r["agency_id"]:
            assert con.execute("SELECT count(*) FROM agencies WHERE agency_id = $a", {"a": r["agency_id"]}).fetchone()[
                0
            ], r["agency_id"]


def test_linking_precision_on_the_hand_labelled_sample_and_recall(con):
    sample = labels()
    assert len(sample) == 50 and len({(r["aor"], r["landmark"]) for r in sample}) == 50
    placed = placed_right = agencies = agencies_right = 0
    wrong = []
    for r in sample:
        got = con.execute(
            "SELECT link, state, county_fips, agency_id FROM landmark_links WHERE aor IS NOT DISTINCT FROM $aor "
            "AND landmark = $l",
            {"aor": r["aor"] or None, "l": r["landmark"]},
        ).fetchone()
        assert got is not None, r["landmark"]
        link, state, fips, agency = got
        if link == "none":
            continue
        placed += 1  # the place a link gives is right when state and county are the label's
        ok_place = state == r["state"] and (fips or "") == r["county_fips"]
        placed_right += ok_place
        if agency:  # the agency a link gives is right when it is the label's
            agencies += 1
            ok_agency = agency == r["agency_id"]
            agencies_right += ok_agency
        else:
            ok_agency = True
        if not (ok_place and ok_agency):
            wrong.append((r["landmark"], got, (r["state"], r["county_fips"], r["agency_id"])))
    reach = outcomes.linking(con)
    print(
        f"landmark linking on the labelled sample: places {placed_right}/{placed}, agencies {agencies_right}/"
        f"{agencies} right; recall {reach['agency_share']:.1%} of 287(g) arrests linked to an agency "
        f"({reach['placed_share']:.1%} to a place)"
    )
    assert placed_right / placed >= 0.95 and agencies_right / agencies >= 0.95, wrong
    assert placed >= 20 and agencies >= 10  # the sample is not mostly unlinked by accident
    # recall, counted here from the rows: 287(g) arrests whose (aor, landmark) is linked to an agency
    assert (
        reach["linked_agency"]
        == con.execute(
            "SELECT count(*) FROM foia_arrests a JOIN landmark_links l ON l.aor IS NOT DISTINCT FROM a.aor "
            "AND l.landmark = a.landmark WHERE a.method = '287(g) Program' AND l.agency_id IS NOT NULL"
        ).fetchone()[0]
    )
    assert reach["arrests_287g"] == sum(reach[k] for k in ("linked_agency", "linked_place", "unlinked", "no_landmark"))
    assert reach["agency_share"] > 0.5


def test_an_agencys_arrests_before_and_after_signing(con):
    gwinnett = outcomes.agency_arrests(con, "GA/gwinnett-county-sheriffs-office")
    assert gwinnett is not None
    # counted here from the landmark text: the Gwinnett jail strings under the Atlanta area
    direct = con.execute(
        "SELECT count(*) FILTER (WHERE method = '287(g) Program'), count(*) FROM foia_arrests "
        "WHERE aor = 'Atlanta Area of Responsibility' AND landmark IN ('GWINNETT COUNTY JAIL - 287(G)', "
        "'GWINNETT COUNTY JAIL')"
    ).fetchone()
    years = gwinnett["by_fiscal_year"]
    assert (sum(y["arrests_287g"] for y in years), sum(y["arrests"] for y in years)) == direct
    (deal,) = [a for a in gwinnett["agreements"] if a["model"] == "JEM"]
    # signed after the records end: they cover only the days before, all of them
    assert deal["covered"] == "before" and deal["before_287g"] == direct[0] and deal["after_287g"] is None
    assert "2021-01-13" in gwinnett["caveats"]["en"] and gwinnett["caveats"]["es"]
    assert outcomes.agency_arrests(con, "TX/no-such-agency") is None
    # an agreement signed inside the records' days is split at its signing day (and "after" ends with it)
    split = con.execute(
        "SELECT DISTINCT g.agency_id, g.signed FROM agreements g JOIN landmark_links l USING (agency_id) "
        "WHERE g.signed BETWEEN (SELECT min(date) FROM foia_arrests) AND (SELECT max(date) FROM foia_arrests)"
    ).fetchall()
    assert split  # the shared records hold such agreements (Florida's WSO agreements of 2019)
    for agency_id, signed in split:
        answer = outcomes.agency_arrests(con, agency_id)
        assert answer is not None
        total = sum(y["arrests"] for y in answer["by_fiscal_year"])
        for a in answer["agreements"]:
            if a["signed"] == signed:
                assert a["covered"] == "both"
                ended_inside = a["ended_on"] is not None and a["ended_on"] <= answer["records_last_date"]
                assert a["before_all"] + a["after_all"] == total or ended_inside


def test_arrests_by_state_add_up_and_a_place_answers(con):
    by_state = outcomes.arrests(con, "287g", "state")
    assert (
        sum(r["arrests"] for r in by_state)
        == con.execute("SELECT count(*) FROM foia_arrests WHERE method = '287(g) Program'").fetchone()[0]
    )
    ga = next(r for r in by_state if r["state"] == "GA")
    place = outcomes.place_arrests(con, "GA")
    assert place is not None and sum(y["arrests_287g"] for y in place["by_fiscal_year"]) == ga["arrests"]
    wake = outcomes.place_arrests(con, "NC", "37183")
    assert wake is not None and {m["landmark"] for m in wake["landmarks"]} >= {"WAKE COUNTY JAIL"}
    assert outcomes.place_arrests(con, "WY") is None


def test_a_bad_reviewed_link_is_refused_in_one_line(monkeypatch):
    good = {
        "aor": "",
        "landmark": "X COUNTY JAIL",
        "state": "GA",
        "county_fips": "13135",
        "agency_id": "",
        "reason": "because",
        "reason_es": "porque",
    }
    for change, message in (
        ({"reason": ""}, "needs its landmark and its reason"),
        ({"reason_es": " "}, "in Spanish"),
        ({"state": "XX"}, "unknown state"),
        ({"county_fips": "37183"}, "not a county FIPS of GA"),
        ({"agency_id": "NC/wake-county-sheriffs-office"}, "is not of GA"),
    ):
        monkeypatch.setattr(tables, "data_rows", lambda name, change=change: [{**good, **change}])
        with pytest.raises(ValueError, match=message) as info:
            tables.landmark_links()
        assert str(info.value).startswith("landmark_links.csv: line 2 (") and "\n" not in str(info.value)
    monkeypatch.setattr(tables, "data_rows", lambda name: [good, {**good, "landmark": "x county  jail"}])
    with pytest.raises(ValueError, match="listed twice"):
        tables.landmark_links()


def test_the_command_line_and_the_api_give_the_links(built):
    from fastapi.testclient import TestClient

    from open287g.web.app import create_app

    done = run(built, "landmarks", "--link", "none", "--format", "json")
    rows = json.loads(done.stdout)
    assert rows and all(r["link"] == "none" for r in rows) and "287(g) arrests" in done.stderr
    assert [r["arrests_287g"] for r in rows] == sorted((r["arrests_287g"] for r in rows), reverse=True)
    client = TestClient(create_app(built))
    api = client.get("/api/v1/arrests/landmarks", params={"link": "none"}).json()
    assert [(r["aor"], r["landmark"]) for r in api] == [(r["aor"], r["landmark"]) for r in rows]
    assert client.get("/api/v1/arrests/landmarks", params={"link": "maybe"}).status_code == 400
    csv_text = client.get("/api/v1/arrests/landmarks", params={"format": "csv"}).text
    assert csv_text.splitlines()[0].startswith("aor,landmark,kind,link")
    by_state = json.loads(run(built, "arrests", "--by", "state", "--format", "json").stdout)
    assert by_state == client.get("/api/v1/arrests", params={"by": "state"}).json()
    agency = client.get("/api/v1/arrests/agencies/GA/gwinnett-county-sheriffs-office").json()
    assert agency["agreements"] and agency["by_fiscal_year"]
    assert client.get("/api/v1/arrests/agencies/GA/nobody").status_code == 404
    assert client.get("/api/v1/arrests/places/NC", params={"county": "37183"}).json()["landmarks"]
    assert client.get("/api/v1/arrests/places/WY").status_code == 404
    about = client.get("/api/v1/arrests/about").json()
    assert about["linking"] == outcomes.linking(duckdb.connect(str(built), read_only=True))


def test_a_reviewed_agency_not_in_the_record_links_the_place_and_says_so(built):
    """A reviewed row whose agency the record does not hold (a record of part of ICE's lists, or a typo) links
    its place only, and its reason says why in both languages; on the full record every reviewed agency is found."""
    from open287g import pipeline
    from open287g.archive import Archive
    from open287g.stages import geography, references
    from open287g.stages import landmarks as stage

    rows = tables.landmark_links()
    typo = [{**rows[0], "agency_id": rows[0]["agency_id"] + "x"}, *rows[1:]]
    archive = Archive(built.with_name("open287g.archive"))
    refs, _ = references.load(archive.observations(), archive.read)
    ref = geography.prepare(refs, pipeline._atlas_counties())
    with duckdb.connect(str(built), read_only=True) as c:
        agencies = [
            dict(zip(("agency_id", "name", "state", "county_fips", "jurisdiction_level", "former_ids"), r))
            for r in c.execute(
                "SELECT agency_id, name, state, county_fips, jurisdiction_level, former_ids FROM agencies"
            ).fetchall()
        ]
        cities = [dict(zip(("name", "state", "county_fips"), r)) for r in c.execute("SELECT * FROM cities").fetchall()]
        links = {(r["aor"], r["landmark"]): r for r in stage.link(c, ref, agencies, cities, typo)}
        (listed,) = c.execute(
            "SELECT count(*) FROM landmark_links WHERE basis = 'reviewed' AND reason LIKE '%not in this record%'"
        ).fetchone()
    hit = next(r for r in links.values() if r["text"] == rows[0]["text"] and r["basis"] == "reviewed")
    assert hit["link"] == "place" and hit["agency_id"] is None and hit["county_fips"] == rows[0]["county_fips"]
    assert "x, is not in this record" in hit["reason"] and "no está en este registro" in hit["reason_es"]
    assert listed == 0


def test_spanish_pages_give_the_reasons_in_spanish(built):
    from fastapi.testclient import TestClient

    from open287g.web.app import create_app

    client = TestClient(create_app(built))
    es = client.get("/arrests", params={"lang": "es"}).text
    en = client.get("/arrests", params={"lang": "en"}).text
    assert "the only one among" in en and "the only one among" not in es and "el único entre" in es
    grouped = r'class="tick"[^>]*>\d{1,3}{sep}\d{3}<'  # the charts' axes write numbers as the page's language
    assert re.search(grouped.replace("{sep}", ","), en) and not re.search(grouped.replace("{sep}", ","), es)
    assert re.search(grouped.replace("{sep}", "\u00a0"), es)
    assert re.search(r'class="tick"[^>]*>\d+,\d\u00a0%<', es) and re.search(r'class="tick"[^>]*>\d+\.\d%<', en)
    gwinnett = client.get("/agencies/GA/gwinnett-county-sheriffs-office", params={"lang": "es"}).text
    assert "la cárcel es de su oficina del sheriff" in gwinnett
    with duckdb.connect(str(built), read_only=True) as c:
        assert (
            c.execute("SELECT count(*) FROM landmark_links WHERE reason_es IS NULL OR reason_es = ''").fetchone()[0]
            == 0
        )
