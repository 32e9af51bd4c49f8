"""Places as people write them, and each county's plain answer, on the real shared data: the search
finds counties (with or without "County", with the state, in Spanish, by FIPS), leads straight to the
one county a query names, and every county page answers "does an agency here work with ICE?" in its
first sentence, in English and Spanish."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from fastapi.testclient import TestClient

from helpers import SHOTS, in_browser, overflow, run, visit
from open287g.domain import places
from open287g.queries import county_answer, find_places, search_places
from open287g.web.app import create_app


@pytest.mark.parametrize(
    "text, words, state, fips",
    [
        ("Harris County, TX", ("harris",), "TX", None),
        ("harris county texas", ("harris",), "TX", None),
        ("condado de Miami-Dade", ("miami", "dade"), None, None),
        ("Condado Doña Ana, Nuevo México", ("dona", "ana"), "NM", None),
        ("48201", (), None, "48201"),
        ("Washington", ("washington",), None, None),  # a county name alone is not read as the state
        ("Cook IL", ("cook",), "IL", None),
    ],
)
def test_a_query_is_read_into_words_state_and_fips(text, words, state, fips):
    q = places.read_query(text)
    assert (q.words, q.state, q.fips) == (words, state, fips)


def test_names_are_compared_word_for_word():
    cook = places.read_query("Cook County")
    assert places.match(cook, "Cook County") == 3 and places.match(cook, "Cooke County") == 1
    assert places.match(places.read_query("De Kalb"), "DeKalb County") == 3
    assert places.match(places.read_query("miami"), "Miami-Dade County") == 2
    assert places.match(places.read_query("Harris"), "Harrison County") == 1  # begun: only when nothing fits better
    assert places.match(places.read_query("Harris"), "Morris County") == 0


def test_cook_county_is_cook_never_cooke(con):
    found = find_places(con, "Cook County")
    assert [(p["state"], p["name"]) for p in found] == [
        ("IL", "Cook County"),
        ("GA", "Cook County"),
        ("MN", "Cook County"),
    ]


def test_a_begun_word_counts_only_when_no_name_fits_whole(con):
    assert {p["name"] for p in find_places(con, "Harris")} == {"Harris County"}
    assert {p["name"] for p in find_places(con, "Mecklen")} == {"Mecklenburg County"}


def test_mecklenburg_finds_both_counties_the_most_populous_first(con):
    assert [p["fips"] for p in find_places(con, "Mecklenburg")] == ["37119", "51117"]


def test_condado_miami_finds_miami_dade_first(con):
    found = find_places(con, "condado Miami")
    assert found[0]["fips"] == "12086" and {p["name"] for p in found[1:]} == {"Miami County"}


@pytest.mark.parametrize("query", ["Harris County, TX", "48201", "harris county texas", "condado de Harris, Texas"])
def test_a_query_naming_one_county_leads_to_it(con, query):
    assert search_places(con, query)["go"] == "48201"


@pytest.mark.parametrize("query", ["Mecklenburg", "Cook County", "Harris County", "Washington"])
def test_a_query_naming_several_counties_lists_them(con, query):
    found = search_places(con, query)
    assert found["go"] is None and found["n_places"] >= 2


def test_agencies_are_paged_beyond_the_first_50(con):
    first, second = search_places(con, "police"), search_places(con, "police", page=2)
    assert first["n_agencies"] > 50 and first["pages"] >= 2 and len(first["agencies"]) == 50
    assert not {a["agency_id"] for a in first["agencies"]} & {a["agency_id"] for a in second["agencies"]}


def test_harris_county_tx_the_sheriff_has_no_agreement_but_two_city_police_do(con):
    a = county_answer(con, "48201")
    assert a["answer"] == "yes" and a["county_agencies"] == []
    assert {r["agency_id"] for r in a["other_local"]} == {
        "TX/league-city-police-department",
        "TX/southside-place-police-department",
    }
    league = next(r for r in a["other_local"] if r["agency_id"] == "TX/league-city-police-department")
    assert league["home_county"] == "Galveston County"  # based next door, working partly here
    assert {r["agency_id"] for r in a["statewide"]} >= {"TX/texas-national-guard"}
    assert all(r["jurisdiction_level"] == "state" for r in a["statewide"])


def test_gwinnett_has_no_local_agreement_today_and_its_ended_jem_is_past(con):
    a = county_answer(con, "13135")
    assert a["answer"] == "no" and a["county_agencies"] == [] and a["other_local"] == []
    assert [(p["agreement_id"], p["ended_on"]) for p in a["past"]] == [
        ("GA/gwinnett-county-sheriffs-office/JEM/2020-03-12", dt.date(2021, 1, 16))
    ]


def test_an_answer_on_a_past_day(con):
    before = county_answer(con, "13135", dt.date(2021, 1, 13))
    assert before["answer"] == "yes" and before["past"] == []
    assert [r["agency_id"] for r in before["county_agencies"]] == ["GA/gwinnett-county-sheriffs-office"]


def test_unknown_county_is_none(con):
    assert county_answer(con, "99999") is None


# -- the command line ----------------------------------------------------------------------------


def test_county_command_answers_in_english_and_spanish(built, client):
    import json

    en = run(built, "county", "Harris", "County,", "TX")
    assert en.exit_code == 0 and "no agency of Harris County, TX itself" in en.stdout and "&#39;" not in en.stdout
    es = run(built, "county", "condado", "de", "Gwinnett", "--lang", "es")
    assert es.exit_code == 0 and "Ninguna agencia local de Gwinnett County, GA" in es.stdout
    as_json = json.loads(run(built, "county", "13135", "--format", "json").stdout)
    assert as_json == client.get("/api/v1/counties/13135").json()  # one answer, two interfaces
    csv = run(built, "county", "13135", "--format", "csv").stdout.splitlines()
    assert csv[0] == "fips,kind,agency_id,name,models,signed,ended_on" and any(",past," in line for line in csv)


@pytest.mark.parametrize("command", [["counts"], ["agreements"], ["coverage"], ["county", "48201"]])
def test_a_day_outside_the_record_is_refused_in_one_line(built, command):
    r = run(built, *command, "--on", "2030-01-01")
    assert r.exit_code == 1 and "error: --on: 2030-01-01 is after today" in r.stderr and "Traceback" not in r.output


def test_county_command_refuses_to_guess(built):
    several = run(built, "county", "Mecklenburg")
    assert several.exit_code == 1 and "37119" in several.stderr and "51117" in several.stderr
    none = run(built, "county", "Narnia")
    assert none.exit_code == 1 and "no county matches 'Narnia'" in none.stderr
    # Atlantis is a city (Palm Beach County, FL): its county answers
    assert run(built, "county", "Atlantis", "--format", "json").exit_code == 0


# -- the pages and the API ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(built):
    return TestClient(create_app(built), follow_redirects=False)


@pytest.mark.parametrize("query", ["Harris County, TX", "48201"])
def test_search_redirects_to_the_county_page_keeping_the_language(client, query):
    r = client.get("/search", params={"q": query, "lang": "es"})
    assert r.status_code == 303 and r.headers["location"] == "/counties/48201?lang=es"


@pytest.mark.parametrize(
    "fips, lang, first",
    [
        ("51117", "en", "Yes: Mecklenburg County Sheriff's Office (TFM) has a 287(g) agreement with ICE"),
        ("51117", "es", "Sí: Mecklenburg County Sheriff's Office (TFM) tiene un acuerdo 287(g) con ICE"),
        ("37119", "en", "No local agency in Mecklenburg County, NC has a 287(g) agreement"),
        ("37119", "es", "Ninguna agencia local de Mecklenburg County, NC tiene un acuerdo 287(g)"),
        (
            "48201",
            "en",
            "Yes, but not the county's own agencies: League City Police Department (TFM, WSO) and Southside Place",
        ),
        ("17031", "en", "No local agency in Cook County, IL has a 287(g) agreement"),
    ],
)
def test_county_pages_answer_in_their_first_sentence(client, fips, lang, first):
    body = client.get(f"/counties/{fips}", params={"lang": lang}).text
    answer = re.search(r'<p class="answer" id="answer">(.*?)</p>', body, re.S)
    assert answer and html.unescape(re.sub(r"<[^>]+>", "", answer[1])).startswith(first)
    assert "<table" not in body or body.index('class="answer"') < body.index("<table")


def test_a_day_after_the_newest_list_names_the_list_it_reads(client):
    body = html.unescape(re.sub(r"<[^>]+>", "", client.get("/counties/51117?on=2026-11-01").text))
    assert "in ICE's list of March 27, 2026." in body and "as of November 1, 2026" in body
    es = html.unescape(re.sub(r"<[^>]+>", "", client.get("/counties/51117?on=2026-11-01&lang=es").text))
    assert "en la lista de ICE del 27 de marzo de 2026" in es


def test_search_page_groups_places_and_agencies(client):
    body = client.get("/search", params={"q": "Mecklenburg"}).text
    assert body.index("Places") < body.index("Agencies")
    assert body.index('href="/counties/37119"') < body.index('href="/counties/51117"')
    assert 'href="/agencies/VA/mecklenburg-county-sheriffs-office"' in body


def test_county_answer_api(client):
    r = client.get("/api/v1/counties/13135")
    assert r.status_code == 200 and r.json()["answer"] == "no" and r.json()["past"][0]["ended_on"] == "2021-01-16"
    assert client.get("/api/v1/counties/99999").status_code == 404
    assert client.get("/api/v1/counties/harris").status_code == 400
    found = client.get("/api/v1/search", params={"q": "48201"}).json()
    assert found["go"] == "48201" and found["places"][0]["answer"] == "yes"


@in_browser
@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("width", [1280, 390])
def test_searching_harris_county_lands_on_its_answer(server, browser, lang, width):
    page, problems = visit(browser, f"{server}/?lang={lang}", f"county-search-{lang}-{width}", width=width)
    box = page.get_by_role("searchbox").first
    box.fill("Harris County, TX")
    with page.expect_navigation():
        box.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/counties/48201?lang={lang}")  # the language chosen stays chosen
    answer = page.locator("p.answer")
    assert answer.is_visible() and ("Southside Place" in answer.inner_text())
    page.screenshot(path=str(SHOTS / f"county-48201-{lang}-{width}.png"), full_page=True)
    assert problems == [] and overflow(page) == 0
    page.close()


def test_county_command_table_reads_in_its_language(built):
    es = run(built, "county", "12095", "--lang", "es")
    assert es.exit_code == 0 and "tipo" in es.stdout and "del condado" in es.stdout and "otra local" in es.stdout
    # CSV keeps its field names whatever the language
    csv_es = run(built, "county", "12095", "--lang", "es", "--format", "csv")
    assert csv_es.stdout.startswith("fips,kind,agency_id,name,models,signed,ended_on") and ",county," in csv_es.stdout
