"""Atom feeds of events for the nation, each state, county, agency and model: one entry per event with its
stable id, linked from the pages they cover; and when the data was last checked and last changed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import duckdb
import pytest
from fastapi.testclient import TestClient

from open287g import cache, pipeline
from open287g.archive import Archive
from open287g.web import sentences
from open287g.web.app import create_app

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def client(built):
    return TestClient(create_app(built))


def entries(client, path: str) -> tuple[ET.Element, list[ET.Element]]:
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"] == "application/atom+xml; charset=utf-8", path
    root = ET.fromstring(r.content)
    return root, root.findall(f"{ATOM}entry")


def ids(items: list[ET.Element]) -> list[str]:
    return [e.findtext(f"{ATOM}id").removeprefix("urn:open287g:event:") for e in items]


def events(con, event_ids: list[str]) -> list[dict]:
    rows = con.execute(
        "SELECT e.*, a.county_fips, a.county_fips_all FROM events e JOIN agencies a USING (agency_id) "
        "WHERE event_id IN (SELECT unnest(?))",
        [event_ids],
    ).fetchall()
    names = [d[0] for d in con.description]
    return [dict(zip(names, r)) for r in rows]


def test_the_nation_feed_is_the_newest_events_each_with_its_id_and_page(client, con):
    root, items = entries(client, "/feeds/changes.atom")
    assert root.findtext(f"{ATOM}id") == "urn:open287g:feed:nation"
    assert root.findtext(f"{ATOM}title") == "open287g — 287(g) changes nationwide"
    assert len(items) == 50
    newest = con.execute("SELECT max(date) FROM events").fetchone()[0]
    assert root.findtext(f"{ATOM}updated") == f"{newest}T00:00:00Z"
    days = [e.findtext(f"{ATOM}updated") for e in items]
    assert days == sorted(days, reverse=True) and days[0] == f"{newest}T00:00:00Z"
    found = {e["event_id"]: e for e in events(con, ids(items))}
    assert len(found) == 50
    first = items[0]
    e = found[ids([first])[0]]
    assert first.find(f"{ATOM}link").get("href") == f"http://testserver/agencies/{e['agency_id']}"
    assert first.findtext(f"{ATOM}title").startswith(sentences.t("kind_" + e["kind"], "en") + ": ")
    assert e["agency_name"] in first.findtext(f"{ATOM}title") and f"({e['state']})" in first.findtext(f"{ATOM}title")
    assert {c.get("term") for c in first.findall(f"{ATOM}category")} >= {e["kind"]}


def test_state_county_agency_and_model_feeds_hold_only_their_events(client, con):
    _, texas = entries(client, "/feeds/states/TX.atom")
    assert texas and {e["state"] for e in events(con, ids(texas))} == {"TX"}
    _, ellis = entries(client, "/feeds/counties/48139.atom")
    assert ellis and all(
        "48139" in ([e["county_fips"], *list(e["county_fips_all"] or [])]) for e in events(con, ids(ellis))
    )
    agency = "TX/ellis-county-sheriffs-office"
    root, own = entries(client, f"/feeds/agencies/{agency}.atom")
    assert root.findtext(f"{ATOM}title") == "open287g — 287(g) changes: Ellis County Sheriff's Office"
    expected = con.execute("SELECT count(*) FROM events WHERE agency_id = ?", [agency]).fetchone()[0]
    assert len(own) == min(50, expected) and {e["agency_id"] for e in events(con, ids(own))} == {agency}
    _, jem = entries(client, "/feeds/models/JEM.atom")
    assert {e["model"] for e in events(con, ids(jem))} == {"JEM"}
    _, ended = entries(client, "/feeds/changes.atom?kind=ended")
    assert ended and {e["kind"] for e in events(con, ids(ended))} == {"ended"}


def test_feeds_in_spanish_unknown_places_and_former_ids(client, con):
    root, items = entries(client, "/feeds/states/FL.atom?lang=es")
    assert root.findtext(f"{ATOM}title") == "open287g — Cambios en 287(g): Florida"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "es"
    assert "en la lista de ICE del" in items[0].findtext(f"{ATOM}summary")
    assert items[0].find(f"{ATOM}link").get("href").endswith("?lang=es")
    for bad in ("/feeds/states/XX.atom", "/feeds/counties/99999.atom", "/feeds/agencies/TX/nobody.atom"):
        assert client.get(bad).status_code == 404, bad
    former, current = con.execute(
        "SELECT unnest(former_ids), agency_id FROM agencies WHERE len(former_ids) > 0 ORDER BY 2 LIMIT 1"
    ).fetchone()
    moved = client.get(f"/feeds/agencies/{former}.atom", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"].endswith(f"/feeds/agencies/{current}.atom")


def test_pages_link_the_feeds_they_cover(client):
    for page, feed in (
        ("/", "/feeds/changes.atom"),
        ("/changes", "/feeds/changes.atom"),
        ("/states/TX", "/feeds/states/TX.atom"),
        ("/counties/48139", "/feeds/counties/48139.atom"),
        ("/agencies/TX/ellis-county-sheriffs-office", "/feeds/agencies/TX/ellis-county-sheriffs-office.atom"),
        ("/models/TFM", "/feeds/models/TFM.atom"),
    ):
        html = client.get(page).text
        assert f'<link rel="alternate" type="application/atom+xml" title="Atom feed" href="{feed}">' in html, page
        assert f'<a href="{feed}" type="application/atom+xml">Atom feed</a>' in html, page
    assert 'href="/feeds/states/TX.atom?lang=es"' in client.get("/states/TX?lang=es").text


def test_event_ids_are_the_same_after_a_rebuild(built_copy):
    def all_ids(db) -> list[str]:
        with duckdb.connect(str(db), read_only=True) as con:
            return [r[0] for r in con.execute("SELECT event_id FROM events ORDER BY event_id").fetchall()]

    before = all_ids(built_copy)
    assert len(before) == len(set(before)) and all(i.startswith("ev-") for i in before)
    archive = Archive(built_copy.with_name("open287g.archive"))
    with archive.writing():
        assert pipeline.build(built_copy, archive, force=True, cache=cache.Cache.beside(built_copy))
    assert all_ids(built_copy) == before


def test_the_status_says_when_the_record_last_changed(client, con):
    status = client.get("/api/v1/status").json()
    assert status["last_checked"] is None and status["syncs"] == 0  # imported, never synced
    newest = con.execute("SELECT max(effective_from) FROM postings WHERE status = 'ok'").fetchone()[0]
    assert status["record_changed"]["day"] == str(newest) and status["latest"] == str(newest)
    assert "The record last changed with the list of" in client.get("/").text
