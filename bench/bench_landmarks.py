"""Linking the landmarks of ICE's FOIA arrests (stages/landmarks.py) on a warehouse built from the shared data,
against reading the same distinct (area, landmark) pairs from DuckDB alone, in the same process:

    uv run python bench/bench_landmarks.py [--db data/open287g.duckdb]

The linking runs once per build, over every distinct landmark of the arrests (8,441 in the shared releases):
its cost is the rule and the rapidfuzz suggestions on top of the read.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).parent))
from open287g import pipeline
from open287g.archive import Archive
from open287g.domain import tables
from open287g.queries import outcomes
from open287g.stages import geography, landmarks, references
from timing import best, warehouse


def main() -> None:
    db = warehouse()
    archive = Archive(
        Path(
            duckdb.connect(str(db), read_only=True)
            .execute("SELECT value FROM meta WHERE key = 'archive'")
            .fetchone()[0]
        )
    )
    refs, _ = references.load(archive.observations(), archive.read)
    ref = geography.prepare(refs, pipeline._atlas_counties())
    con = duckdb.connect(str(db), read_only=True)
    agencies = [
        dict(zip(("agency_id", "name", "state", "county_fips", "jurisdiction_level", "former_ids"), r))
        for r in con.execute(
            "SELECT agency_id, name, state, county_fips, jurisdiction_level, former_ids FROM agencies"
        ).fetchall()
    ]
    cities = [dict(zip(("name", "state", "county_fips"), r)) for r in con.execute("SELECT * FROM cities").fetchall()]
    read = best(
        lambda: con.execute(
            "SELECT aor, landmark, count(*) FILTER (WHERE method = '287(g) Program'), count(*) FROM foia_arrests "
            "WHERE landmark IS NOT NULL GROUP BY ALL"
        ).fetchall(),
        n=5,
    )
    rows: list = []
    linked = best(lambda: rows.extend(landmarks.link(con, ref, agencies, cities, tables.landmark_links())) or None, n=3)
    n = len(rows) // 3
    (arrests,) = con.execute("SELECT count(*) FROM foia_arrests").fetchone()
    print(f"{n:,} distinct (area, landmark) pairs of {arrests:,} arrests")
    print(f"DuckDB read of the pairs with their counts: {read * 1000:8.1f} ms")
    print(
        f"linking (read + rule + suggestions):        {linked * 1000:8.1f} ms  ({linked / read:.1f}x the read; "
        f"{n / linked:,.0f} pairs/s)"
    )
    # a page's linked arrests by fiscal year: the build's per-day counts (linked_arrests) against joining every
    # arrest to its link on each view, as the pages did before; then the whole answer a page asks for
    join = """SELECT a.fiscal_year, count(*) FILTER (WHERE a.method = '287(g) Program'), count(*)
              FROM foia_arrests a JOIN landmark_links l ON l.aor IS NOT DISTINCT FROM a.aor AND l.landmark = a.landmark
              WHERE {where} GROUP BY 1 ORDER BY 1"""
    counts = """SELECT fiscal_year, sum(arrests_287g), sum(arrests) FROM linked_arrests l WHERE {where}
                GROUP BY 1 ORDER BY 1"""
    for what, where, answer in (
        ("state NC", "l.state = 'NC'", lambda: outcomes.place_arrests(con, "NC")),
        (
            "agency Gwinnett",
            "l.agency_id = 'GA/gwinnett-county-sheriffs-office'",
            lambda: outcomes.agency_arrests(con, "GA/gwinnett-county-sheriffs-office"),
        ),
    ):
        joined = best(lambda where=where: con.execute(join.format(where=where)).fetchall(), n=9)
        summed = best(lambda where=where: con.execute(counts.format(where=where)).fetchall(), n=9)
        whole = best(answer, n=9)
        print(
            f"{what:<16} by fiscal year: joined {joined * 1000:5.1f} ms, from linked_arrests {summed * 1000:5.1f} ms "
            f"({joined / summed:.1f}x); the page's whole answer {whole * 1000:5.1f} ms"
        )


if __name__ == "__main__":
    main()
