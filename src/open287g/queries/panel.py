"""The researcher's panel: one row per county and month since the record begins, with its FIPS and
the agencies whose agreements applied there at the month's end, by model, local and statewide apart.

Each month is read at its last day (or the newest day of the record, for the month in progress) from
the list in effect that day, and where an agreement applies comes from `publication_covered`, the one
definition of coverage: so a month's `covered` counties are the coverage answer for that day."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datetime as dt

    import polars as pl

    from . import Db

PANEL_COLUMNS = (
    "month",
    "day",
    "fips",
    "state",
    "county",
    "population",
    "local_agencies",
    "jem",
    "tfm",
    "wso",
    "statewide_jem",
    "statewide_tfm",
    "statewide_wso",
    "covered",
    "publication_id",
)

_SQL = """
WITH m AS (SELECT unnest($months) AS month, unnest($days) AS day, unnest($pubs) AS publication_id),
cov AS (
    SELECT m.month, c.fips, c.model, c.statewide, c.agency_id
    FROM m JOIN publication_covered c USING (publication_id)
)
SELECT m.month, m.day, co.fips, co.state, co.name AS county, co.population,
       count(DISTINCT cov.agency_id) FILTER (NOT cov.statewide) AS local_agencies,
       count(DISTINCT cov.agency_id) FILTER (NOT cov.statewide AND cov.model = 'JEM') AS jem,
       count(DISTINCT cov.agency_id) FILTER (NOT cov.statewide AND cov.model = 'TFM') AS tfm,
       count(DISTINCT cov.agency_id) FILTER (NOT cov.statewide AND cov.model = 'WSO') AS wso,
       count(DISTINCT cov.agency_id) FILTER (cov.statewide AND cov.model = 'JEM') AS statewide_jem,
       count(DISTINCT cov.agency_id) FILTER (cov.statewide AND cov.model = 'TFM') AS statewide_tfm,
       count(DISTINCT cov.agency_id) FILTER (cov.statewide AND cov.model = 'WSO') AS statewide_wso,
       count(cov.agency_id) > 0 AS covered,
       m.publication_id
FROM m CROSS JOIN counties co LEFT JOIN cov ON cov.month = m.month AND cov.fips = co.fips
WHERE $state::VARCHAR IS NULL OR co.state = $state
GROUP BY ALL
ORDER BY m.month, co.fips
"""


def county_panel(
    db: Db, since: str | None = None, until: str | None = None, state: str | None = None, on: dt.date | None = None
) -> pl.DataFrame:
    """County x month from `since` to `until` (YYYY-MM, inclusive; default the whole record), in one state
    or all, as the record stood on `on` (default its newest day; on's own month is read on that day): `jem`,
    `tfm`, `wso` count the local agencies with an agreement of that model applying in the county at the
    month's end, `statewide_*` the statewide ones, `local_agencies` the local agencies of any model; `covered`
    when any applies; `day` and `publication_id` say which list was read."""
    from . import _frame, snapshot_of

    snap = snapshot_of(db)
    months = [(m, d) for m, d in snap.months(on) if (since is None or m >= since) and (until is None or m <= until)]
    return _frame(
        db,
        _SQL,
        {
            "months": [m for m, _ in months],
            "days": [d for _, d in months],
            "pubs": [snap.in_effect(d) for _, d in months],
            "state": state,
        },
    )
