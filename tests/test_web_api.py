"""The HTTP API and pages over the real shared data, in-process (browser tests are separate)."""

import csv
import datetime as dt
import io

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from open287g.web.app import create_app


@pytest.fixture(scope="module")
def client(built):
    return TestClient(create_app(built))


def test_counts_matches_the_cli_contract(client):
    c = client.get("/api/v1/counts?on=2025-05-31").json()
    assert c["agreements"] == 635 and set(c["by_model"]) == {"JEM", "TFM", "WSO"} and "pending" in c


def test_lists_have_csv_twins(client):
    for path in (
        "/api/v1/agreements?state=MD",
        "/api/v1/agencies?state=NC",
        "/api/v1/changes?since=2026-03-01",
        "/api/v1/counties",
        "/api/v1/publications",
    ):
        as_json = client.get(path).json()
        sep = "&" if "?" in path else "?"
        r = client.get(path + sep + "format=csv")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert len(rows) == len(as_json) > 0, path


def test_agency_state_coverage_endpoints(client):
    a = client.get("/api/v1/agencies/MN/freeborn-county-sheriffs-office").json()
    assert a["agency_id"] == "MN/freeborn-county-sheriffs-office" and a["events"] and a["agreements"]
    s = client.get("/api/v1/states/tx").json()
    assert s["state"] == "TX" and s["agreements"] > 300 and s["coverage"]["counties"] == 254
    cov = client.get("/api/v1/coverage?on=2026-03-27").json()
    assert cov["counties"] > 1000 and 0 < cov["population_share"] < 1


@pytest.mark.parametrize(
    "path, status, message",
    [
        ("/api/v1/counts?on=yesterday", 400, "bad parameter"),
        ("/api/v1/agreements?state=Atlantis", 400, "unknown state"),
        ("/api/v1/agreements?model=ABC", 400, "unknown model"),
        ("/api/v1/agreements?status=gone", 400, "bad parameter"),
        ("/api/v1/changes?since=2026-03-10&until=2026-03-01", 400, "is before since"),
        ("/api/v1/changes?kind=exploded", 400, "unknown kind"),
        ("/api/v1/agencies/XX/nobody", 404, "no agency"),
        ("/api/v1/agreements?format=xml", 400, "bad parameter"),
        ("/api/v1/counts?on=2025-13-01", 400, "on: '2025-13-01' is not a day: use YYYY-MM-DD"),
        ("/api/v1/changes?format=xml", 400, "format: unknown format 'xml': use one of json, csv"),
        # a parameter the endpoint does not take is refused, never answered as if it were not there
        ("/api/v1/counts?by=month", 400, "by: unknown parameter 'by': /api/v1/counts takes on"),
        ("/api/v1/agreements?stat=TX&modle=JEM", 400, "unknown parameter 'modle', 'stat'"),
        ("/api/v1/agencies/TX/ellis-county-sheriffs-office?on=2025-01-01", 400, "takes no parameters"),
        # a day before the record or to come is refused with the record's range
        (
            "/api/v1/counts?on=2019-01-01",
            400,
            "2019-01-01 is before the record begins: the record answers for 2021-01-13",
        ),
        ("/api/v1/counts?on=2030-01-01", 400, "2030-01-01 is after today"),
        ("/api/v1/coverage?on=2030-01-01", 400, "is after today"),
        ("/api/v1/counties/48201?on=2020-12-31", 400, "is before the record begins"),
    ],
)
def test_bad_parameters_get_a_clear_4xx(client, path, status, message):
    r = client.get(path)
    assert r.status_code == status and message in r.json()["detail"]


def test_a_day_after_the_newest_list_is_answered_by_it(client):
    later = client.get("/api/v1/counts?on=2026-06-01").json()
    newest = client.get("/api/v1/counts").json()
    assert later["on"] == "2026-06-01" and later["publication_id"] == newest["publication_id"]


def test_a_page_refuses_a_day_it_cannot_answer_as_a_page(client):
    r = client.get("/counties/48201?on=2030-01-01")
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html") and "is after today" in r.text


def test_read_only_and_security_headers(client):
    assert client.post("/api/v1/counts").status_code == 405
    assert client.delete("/").status_code == 405
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
    head = client.head("/api/v1/counts")
    assert head.status_code == 200 and head.content == b""


def test_openapi_documents_the_400s_the_api_gives_not_422(client):
    spec = client.get("/openapi.json").json()
    operations = [(path, op) for path, ops in spec["paths"].items() for op in ops.values()]
    assert operations and all("422" not in op["responses"] and "400" in op["responses"] for _, op in operations)
    assert all("404" in op["responses"] for path, op in operations if "{" in path)
    assert "text/csv" in spec["paths"]["/api/v1/agreements"]["get"]["responses"]["200"]["content"]
    assert client.get("/api/v1/counts?on=someday").status_code == 400  # as documented


def test_openapi_lists_the_api(client):
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/v1/counts",
        "/api/v1/agreements",
        "/api/v1/agencies/{agency_id}",
        "/api/v1/changes",
        "/api/v1/states/{state}",
        "/api/v1/coverage",
    ):
        assert path in spec["paths"], path


def test_values_from_the_sheets_are_escaped(client, monkeypatch):
    from open287g import queries

    real = queries.find_agencies

    def hostile(con, q):
        df = real(con, "freeborn")
        return df.with_columns(df["name"].str.replace(".*", "<script>alert(1)</script>"))

    monkeypatch.setattr(queries, "find_agencies", hostile)
    html = client.get("/search?q=x").text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?lang=es",
        "/states/TX",
        "/counties/48201",
        "/agencies/MN/freeborn-county-sheriffs-office",
        "/models/WSO",
        "/changes?since=2026-03-01&state=FL",
        "/methodology",
        "/downloads",
        "/search?q=polk",
    ],
)
def test_pages_render(client, path):
    r = client.get(path)
    assert r.status_code == 200 and "<html" in r.text


def test_spanish_pages_translate_the_interface(client):
    es = client.get("/agencies/MN/freeborn-county-sheriffs-office?lang=es").text
    assert 'lang="es"' in es and "Historial" in es
    # no MOA of Freeborn's is on file: the WSO powers of the model, in Spanish, marked as not read from its MOA
    assert "Las facultades del modelo, no leídas del MOA de esta agencia" in es
    assert "Entregar y ejecutar órdenes de arresto" in es


def test_unknown_pages_are_404(client):
    assert client.get("/states/ZZ").status_code == 404
    assert client.get("/counties/99999").status_code == 404
    assert client.get("/agencies/XX/none").status_code == 404


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(
        [
            "/api/v1/counts",
            "/api/v1/agreements",
            "/api/v1/agencies",
            "/api/v1/changes",
            "/api/v1/coverage",
            "/api/v1/counties",
            "/api/v1/documents",
            "/changes",
            "/search",
            "/documents",
        ]
    ),
    key=st.sampled_from(
        ["on", "since", "until", "state", "model", "status", "kind", "format", "q", "lang", "agency", "limit", "offset"]
    ),
    value=st.text(max_size=30),
)
def test_no_parameter_makes_a_server_error(client, path, key, value):
    r = client.get(path, params={key: value})
    assert r.status_code < 500, (path, key, value, r.text[:200])


def test_a_new_import_is_served_without_a_restart(tmp_path):
    """Answers are cached per warehouse snapshot; an import swaps the file and the next request sees it."""
    import datetime as dt

    from helpers import sheet
    from open287g import pipeline
    from open287g.archive import Archive

    db = tmp_path / "w.duckdb"
    archive = Archive(tmp_path / "w.archive")
    pipeline.import_paths(
        db,
        archive,
        [sheet("ice/participating/2026-03-20/participatingAgencies03202026pm.xlsx")],
        observed=dt.date(2026, 3, 20),
    )
    client = TestClient(create_app(db))
    before = client.get("/api/v1/counts").json()
    assert client.get("/api/v1/counts").json() == before  # from the cache
    pipeline.import_paths(
        db,
        archive,
        [sheet("ice/participating/2026-03-27/participatingAgencies03272026am.xlsx")],
        observed=dt.date(2026, 3, 27),
    )
    after = client.get("/api/v1/counts").json()
    assert after["on"] == "2026-03-27" and after["agreements"] != before["agreements"]


def test_requests_running_during_a_swap_finish_on_the_old_snapshot(tmp_path, built):
    import os
    import shutil

    import duckdb

    from helpers import sheet
    from open287g import pipeline
    from open287g.archive import Archive
    from open287g.web.app import LiveWarehouse

    db = tmp_path / "w.duckdb"
    shutil.copy(built, db)
    snap = LiveWarehouse(db)
    running = snap.cursor()
    # a different warehouse (one sheet) swapped in while `running` is open
    pipeline.import_paths(
        tmp_path / "new.duckdb",
        Archive(tmp_path / "new.archive"),
        [sheet("ice/participating/2026-03-20/participatingAgencies03202026pm.xlsx")],
    )
    os.replace(tmp_path / "new.duckdb", db)
    fresh = snap.cursor()  # reopens
    count = "SELECT count(*) FROM agreements"
    old, new = running.execute(count).fetchall()[0][0], fresh.execute(count).fetchall()[0][0]
    with duckdb.connect(str(built), read_only=True) as c:
        assert old == c.execute(count).fetchall()[0][0] > new > 0


def test_the_answer_cache_stays_within_its_byte_budget(built):
    from open287g.web import app as web

    c = TestClient(create_app(built))
    for i in range(40):
        since = dt.date(2025, 1, 1) + dt.timedelta(days=i)
        assert c.get(f"/api/v1/changes?since={since}", headers={"Accept-Encoding": "identity"}).status_code == 200
    served = c.app.state.snapshot.current()
    assert 0 < served.cache_bytes <= web.CACHE_BYTES and len(served.cache) < 40


def test_agencies_and_agreements_agree_on_every_day(client, con):
    for day in ("2025-05-01", "2025-09-30", "2026-03-27"):
        counted = client.get(f"/api/v1/counts?on={day}").json()["agencies"]
        listed = client.get(f"/api/v1/agencies?on={day}").json()
        assert counted == len(listed), day
        for a in listed[:: max(1, len(listed) // 60)]:
            models = {
                m
                for (m,) in con.execute(
                    """SELECT DISTINCT g.model FROM publication_agreements pa JOIN agreements g USING (agreement_id)
                       WHERE pa.publication_id = (SELECT publication_id FROM in_effect WHERE kind = 'participating'
                                                  AND from_date <= ? ORDER BY from_date DESC LIMIT 1)
                         AND g.agency_id = ?""",
                    [day, a["agency_id"]],
                ).fetchall()
            }
            assert models == set(a["models"]), (day, a["agency_id"])


def test_language_link_never_names_another_host(client):
    html = client.get("/", headers={"host": "evil.example"}).text
    assert "evil.example" not in html and 'href="/?lang=es"' in html


def test_status_alone_lists_every_agreement_with_it(client):
    ended = client.get("/api/v1/agreements?status=ended").json()
    assert len(ended) > 50 and {a["status"] for a in ended} == {"ended"}


def test_the_record_never_steps_back_in_time(con):
    for kind in ("participating", "pending"):
        seqs = [
            s for (s,) in con.execute("SELECT seq FROM in_effect WHERE kind = ? ORDER BY from_date", [kind]).fetchall()
        ]
        assert seqs == sorted(seqs), kind


def test_search_words_are_not_wildcards(con):
    from open287g import queries

    assert queries.find_agencies(con, "%").is_empty() and queries.find_agencies(con, "_").is_empty()


def test_every_interface_string_has_both_languages():
    import json

    from open287g.web.app import HERE

    strings = json.loads((HERE / "strings.json").read_text(encoding="utf-8"))
    assert all(set(v) == {"en", "es"} and v["en"].strip() and v["es"].strip() for v in strings.values())


def test_methodology_in_spanish(client):
    html = client.get("/methodology?lang=es").text
    assert "Identidad" in html and "publicaciones distintas desde enero de 2021" in html


def test_cached_answers_follow_what_the_client_accepts(built):
    """Pages and API answers are kept per URL and per encoding: a client that does not accept gzip
    never gets a compressed answer kept for one that does, and repeats are byte-identical."""
    c = TestClient(create_app(built))
    for path in ("/", "/states/TX?lang=es", "/api/v1/counties"):
        zipped = [c.get(path, headers={"Accept-Encoding": "gzip"}) for _ in range(2)]
        plain_ = [c.get(path, headers={"Accept-Encoding": "identity"}) for _ in range(2)]
        assert all(r.headers.get("content-encoding") == "gzip" for r in zipped), path
        assert all("content-encoding" not in r.headers for r in plain_), path
        assert zipped[0].content == zipped[1].content == plain_[0].content == plain_[1].content, path
        assert plain_[1].headers["x-frame-options"] == "DENY" and plain_[1].headers["content-length"] == str(
            len(plain_[1].content)
        )
    served = c.app.state.snapshot.current()
    assert {"/? gzip en", "/? en", "/states/TX?lang=es", "/api/v1/counties?"} <= set(served.cache)
    head = c.head("/states/TX?lang=es")
    assert head.status_code == 200 and head.content == b""
    assert c.get("/states/Atlantis").status_code == 404 and "/states/Atlantis?" not in served.cache


def _operations(client) -> list[tuple[str, list[dict]]]:
    spec = client.get("/openapi.json").json()
    return [(path, op.get("parameters", [])) for path, item in spec["paths"].items() for op in item.values()]


def _values(param: dict):
    """Values for one parameter of the OpenAPI spec: well-formed ones (dates, codes, enums) and any text."""
    schema = param.get("schema", {})
    options = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
    formed = [st.text(max_size=40)]
    for s in options:
        if s.get("format") == "date":
            formed.append(st.dates(dt.date(2020, 6, 1), dt.date(2027, 1, 1)).map(str))
        if "pattern" in s:
            formed.append(st.from_regex(s["pattern"], fullmatch=True))
    if param["name"] == "state":
        formed.append(st.sampled_from(["TX", "fl", "Texas", "PR", "GU", "DC", "ZZ"]))
    if param["name"] == "model":
        formed.append(st.sampled_from(["JEM", "tfm", "WSO", "287g"]))
    if param["name"] == "kind":
        formed.append(st.sampled_from(["listed", "delisted", "moa_posted", "nothing"]))
    if param["name"] == "agency_id":
        formed.append(
            st.sampled_from(
                ["NE/brown-county-sheriffs-office", "FL/lee-county-sheriffs-office", "XX/none", "../..", "%2e%2e"]
            )
        )
    return st.one_of(formed)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_openapi_spec_admits_no_server_error(client, data):
    """Property-based requests built from /openapi.json: every operation, any subset of its query
    parameters with well-formed or arbitrary values; never a 5xx, and every 200 parses as it says."""
    import json
    import urllib.parse

    path, params = data.draw(st.sampled_from(_operations(client)))
    url, query = path, {}
    for p in params:
        if p["in"] == "path":
            value = data.draw(_values(p).filter(bool))
            url = url.replace(
                "{" + p["name"] + "}", urllib.parse.quote(value, safe="/" if p["name"] == "agency_id" else "")
            )
        elif data.draw(st.booleans()):
            query[p["name"]] = data.draw(_values(p))
    r = client.get(url, params=query)
    assert r.status_code < 500, (url, query, r.text[:200])
    if r.status_code == 200:
        if r.headers["content-type"].startswith("application/json"):
            json.loads(r.text)
        else:
            assert r.headers["content-type"].startswith("text/csv"), (url, query)
            list(csv.reader(io.StringIO(r.text)))
    else:
        assert r.status_code in (400, 404) and r.json()["detail"], (url, query, r.status_code)


def test_the_cache_counts_what_it_holds_when_requests_miss_together(built):
    """Simultaneous misses on one URL each bring the answer: it is kept once and counted once, with
    its key and headers; very long URLs are not kept."""
    import asyncio

    import httpx

    from open287g.web import app as web

    application = create_app(built)

    async def burst():
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            for _ in range(2):
                rs = await asyncio.gather(
                    *(c.get("/states/TX", headers={"Accept-Encoding": "identity"}) for _ in range(16))
                )
                assert {r.status_code for r in rs} == {200}
            long = await c.get("/states/TX?pad=" + "x" * web.CACHE_KEY_CHARS)  # pages ignore what they do not take
            assert long.status_code == 200

    asyncio.run(burst())
    served = application.state.snapshot.current()
    assert list(served.cache) == ["/states/TX? en"]  # a page is kept per language
    assert served.cache_bytes == sum(web._entry_bytes(k, v) for k, v in served.cache.items())


def test_a_warehouse_that_cannot_be_served_leaves_the_previous_one_serving(tmp_path, built, capfd):
    import os
    import shutil

    import duckdb

    db = tmp_path / "w.duckdb"
    shutil.copy(built, db)
    c = TestClient(create_app(db))
    before = c.get("/api/v1/counts").json()
    duckdb.connect(str(tmp_path / "other.duckdb")).close()  # a DuckDB file without our tables
    os.utime(tmp_path / "other.duckdb", ns=(1, 1))
    os.replace(tmp_path / "other.duckdb", db)
    assert c.get("/api/v1/counts", headers={"Cache-Control": "no-cache"}).json() == before
    assert c.get("/").status_code == 200
    err = capfd.readouterr().err
    assert err.count("cannot serve the new warehouse") == 1 and str(db) in err


@pytest.mark.parametrize(
    "header, lang",
    [
        ("es-US,es;q=0.9,en;q=0.8", "es"),
        ("en-US,en;q=0.9,es;q=0.8", "en"),
        ("fr-FR,fr;q=0.9,es;q=0.5", "es"),
        ("es;q=0.5,en;q=0.5", "es"),  # equal weights: the first named
        ("de", "en"),
        ("", "en"),
        ("es;q=abc", "en"),
    ],
)
def test_the_browsers_language_is_negotiated(header, lang):
    from open287g.web.app import negotiate

    assert negotiate(header) == lang


def test_a_spanish_browser_gets_spanish_pages_and_a_chosen_language_stays(built):
    c = TestClient(create_app(built))  # its own answer cache: the two languages must not mix in it
    es = c.get("/counties/48201", headers={"Accept-Language": "es-MX,es;q=0.9"})
    en = c.get("/counties/48201", headers={"Accept-Language": "en-US"})
    assert '<html lang="es"' in es.text and '<html lang="en"' in en.text
    assert "Accept-Language" in es.headers["vary"]
    chosen = c.get("/counties/48201?lang=en", headers={"Accept-Language": "es"})
    assert (
        '<html lang="en"' in chosen.text
        and 'href="/agencies/TX/southside-place-police-department?lang=en"' in chosen.text
    )
    assert '<input type="hidden" name="lang" value="en">' in chosen.text


# -- changes: newest first, filtered by model and signing date, paged, CSV named after the view ----------


def test_changes_are_filtered_by_model_and_signing_date_and_paged(client):
    every = client.get("/api/v1/changes?since=2026-01-01")
    rows, total = every.json(), int(every.headers["x-total-count"])
    assert total == len(rows) > 100
    tfm = client.get("/api/v1/changes?since=2026-01-01&model=TFM").json()
    assert tfm and {r["model"] for r in tfm} == {"TFM"} and len(tfm) == sum(r["model"] == "TFM" for r in rows)
    signed = client.get("/api/v1/changes?since=2026-01-01&signed_since=2025-12-01&signed_until=2025-12-31").json()
    assert signed and all("2025-12-01" <= r["signed"] <= "2025-12-31" for r in signed)
    newest = client.get("/api/v1/changes?since=2026-01-01&order=newest&limit=10&offset=5")
    assert newest.json() == list(reversed(rows))[5:15] and newest.headers["x-total-count"] == str(total)
    assert client.get("/api/v1/changes?order=sideways").status_code == 400


def test_a_changes_csv_is_named_after_its_view(client):
    r = client.get("/api/v1/changes?since=2026-03-01&until=2026-03-27&state=TX&model=TFM&format=csv")
    assert 'filename="open287g-changes-TX-TFM-2026-03-01-2026-03-27.csv"' in r.headers["content-disposition"]
    assert r.headers["x-total-count"] == str(len(r.text.splitlines()) - 1)


def test_the_changes_page_is_newest_first_and_pages_through_every_change(client):
    import re

    first = client.get("/changes?since=2025-01-01").text
    total = int(re.search(r"([\d,]+) changes listed from 2025-01-01 to 2026-03-27", first)[1].replace(",", ""))
    assert total > 100 and 'rel="next"' in first
    days = re.findall(r"<tr>\s*<td[^>]*>(\d{4}-\d{2}-\d{2})</td>", first)
    assert len(days) == 100 and days == sorted(days, reverse=True)
    last_page = -(-total // 100)
    last = client.get(f"/changes?since=2025-01-01&page={last_page}").text
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert len(re.findall(r"<tr>\s*<td[^>]*>\d{4}-", last)) == total - (last_page - 1) * 100
    wso = client.get("/changes?since=2025-01-01&model=WSO").text
    assert '<option value="WSO" selected>' in wso  # the CSV link and the pages keep the filter
    assert re.search(r'href="/api/v1/changes\?[^"]*model=WSO[^"]*format=csv"', wso)
    assert re.search(r'href="/changes\?page=2[^"]*model=WSO', wso)


def test_changes_by_signing_date_search_the_whole_record(client):
    import re

    body = client.get("/changes?signed_since=2025-01-01&signed_until=2025-01-31").text
    n = int(re.search(r"([\d,]+) changes listed from 2021-01-13 to 2026-03-27", body)[1].replace(",", ""))
    api = client.get("/api/v1/changes?signed_since=2025-01-01&signed_until=2025-01-31")
    assert n == int(api.headers["x-total-count"]) > 0


def test_a_page_answers_a_bad_page_number_as_a_page(client):
    r = client.get("/changes?page=0")
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
