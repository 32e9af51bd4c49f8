"""A malformed publication that drops most rows and comes back days later is `suspect`, not an ending.
The malformed sheet is made by cutting rows out of a real ICE workbook."""

import json
import re

from helpers import rewrite, run, sheet

BEFORE = "ice/participating/2026-03-20/participatingAgencies03202026pm.xlsx"
AFTER = "ice/participating/2026-03-27/participatingAgencies03272026am.xlsx"


def cut(rel, keep_share):
    """The workbook with only the first `keep_share` of its data rows left in the sheet XML."""

    def drop_rows(xml):
        last_kept = int(len(re.findall(rb'<row r="', xml)) * keep_share)
        return re.sub(
            rb'<row r="(\d+)"[^>]*?(?:/>|>.*?</row>)',
            lambda m: m.group(0) if int(m.group(1)) <= last_kept else b"",
            xml,
            flags=re.S,
        )

    return rewrite(rel, "xl/worksheets/sheet1.xml", drop_rows)


def pubs(db):
    return {p["first_observed"]: p for p in json.loads(run(db, "publications", "--format", "json").stdout)}


def test_collapse_that_comes_back_is_suspect(tmp_path):
    db = tmp_path / "w.duckdb"
    broken = tmp_path / "participatingAgencies03242026am.xlsx"
    broken.write_bytes(cut(AFTER, 0.4))
    assert run(db, "import", "--observed", "2026-03-20", sheet(BEFORE)).exit_code == 0
    assert run(db, "import", "--observed", "2026-03-24", broken).exit_code == 0

    # Newest and collapsed: suspect until a later publication says otherwise.
    p = pubs(db)["2026-03-24"]
    assert p["status"] == "suspect" and "no later publication yet" in p["status_reason"]
    assert p["rows"] < 0.45 * pubs(db)["2026-03-20"]["rows"]

    assert run(db, "import", "--observed", "2026-03-27", sheet(AFTER)).exit_code == 0
    p = pubs(db)
    assert (
        p["2026-03-24"]["status"] == "suspect" and "return in a later publication" in p["2026-03-24"]["status_reason"]
    )
    assert p["2026-03-20"]["status"] == "ok" and p["2026-03-27"]["status"] == "ok"
    # the publication after a suspect one is compared with the last good one, not the suspect one
    assert p["2026-03-27"]["previous_publication_id"] == p["2026-03-24"]["previous_publication_id"]
    r = run(db, "check", "--format", "json")
    check = {c["check_name"]: c for c in json.loads(r.stdout)}["suspect_publications"]
    assert r.exit_code == 0 and check["status"] == "warn" and check["n"] == 1


def test_small_drops_are_not_suspect(tmp_path):
    db = tmp_path / "w.duckdb"
    trimmed = tmp_path / "participatingAgencies03242026am.xlsx"
    trimmed.write_bytes(cut(AFTER, 0.9))
    run(db, "import", "--observed", "2026-03-20", sheet(BEFORE))
    run(db, "import", "--observed", "2026-03-24", trimmed)
    assert pubs(db)["2026-03-24"]["status"] == "ok"


def test_pending_list_emptying_is_not_suspect(con):
    # the real pending list fell from 14 rows to 0 on 2025-11-06 and stayed short: a normal day
    assert (
        con.execute("SELECT count(*) FROM publications WHERE kind = 'pending' AND status = 'suspect'").fetchone()[0]
        == 0
    )
