"""State-law compliance (queries/laws.py) on a warehouse built from the shared data, in the same process:

    uv run python bench/bench_laws.py [--db data/open287g.duckdb]

The compliance share at every month-end since a mandate is one query over all the month-ends; the baseline asks
the day's answer once per month-end, as a loop over `compliance` would. Both must agree month by month. Then
the whole answer a state page asks for (law, covered counties, summary and the monthly line), per state.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).parent))
from open287g.queries import laws
from timing import best, warehouse

SUMMARY = ("covered", "active", "pending", "none", "compliant", "share")


def main() -> None:
    db = warehouse()
    con = duckdb.connect(str(db), read_only=True)
    for state in ("FL", "TX", "GA"):
        measure(con, state)
    flags = best(lambda: laws.laws(con), n=5)
    print(f"every law with its flag count: {flags * 1000:.1f} ms")


def measure(con: duckdb.DuckDBPyConnection, state: str) -> None:
    law = laws.counted_law(con, state)
    assert law is not None
    answer = laws.compliance(con, state)
    assert answer is not None
    day = answer["as_of"]
    months = laws.monthly(con, law, day)
    loop = [laws.compliance(con, state, m["as_of"])["summary"] for m in months]
    assert loop == [{k: m[k] for k in SUMMARY} for m in months], f"{state}: the two ways disagree"
    one = best(lambda: laws.monthly(con, law, day), n=5)
    each = best(lambda: [laws.compliance(con, state, m["as_of"]) for m in months], n=2)
    page = best(lambda: laws.compliance(con, state), n=5)
    print(
        f"{state}: {len(months)} month-ends × {answer['summary']['covered']} counties: "
        f"one query {one * 1000:6.1f} ms, a day's answer per month {each * 1000:7.1f} ms "
        f"({each / one:.1f}x); the page's whole answer {page * 1000:5.1f} ms"
    )


if __name__ == "__main__":
    main()
