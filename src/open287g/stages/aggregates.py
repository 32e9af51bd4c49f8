"""Aggregates derived in SQL on the freshly built warehouse, before it is swapped in: every
point-in-time answer depends only on the publication in effect, so its figures are computed once per
publication here rather than on every request."""

from __future__ import annotations

import duckdb

STATEMENTS = [
    """CREATE TABLE publication_agreements AS
       SELECT DISTINCT publication_id, agreement_id, agency_id FROM row_identity
       ORDER BY publication_id, agreement_id""",
    # Where each agreement of a publication applies: its local agency's counties, or every county of
    # the state of a statewide agency. The one definition of coverage; queries filter it by publication.
    """CREATE VIEW publication_covered AS
       SELECT pa.publication_id, c.county_fips AS fips, g.model, false AS statewide, pa.agency_id
       FROM publication_agreements pa JOIN agreements g USING (agreement_id)
       JOIN agencies a ON a.agency_id = pa.agency_id
       JOIN agency_counties c ON c.agency_id = pa.agency_id WHERE a.jurisdiction_level <> 'state'
       UNION ALL
       SELECT pa.publication_id, co.fips, g.model, true, pa.agency_id
       FROM publication_agreements pa JOIN agreements g USING (agreement_id)
       JOIN agencies a ON a.agency_id = pa.agency_id
       JOIN counties co ON co.state = a.state WHERE a.jurisdiction_level = 'state'""",
    """CREATE TABLE publication_counts AS
       SELECT p.publication_id, p.rows, count(DISTINCT pa.agreement_id) AS agreements,
              count(DISTINCT pa.agency_id) AS agencies,
              count(DISTINCT pa.agreement_id) FILTER (g.model = 'JEM') AS jem,
              count(DISTINCT pa.agreement_id) FILTER (g.model = 'TFM') AS tfm,
              count(DISTINCT pa.agreement_id) FILTER (g.model = 'WSO') AS wso
       FROM publications p LEFT JOIN publication_agreements pa USING (publication_id)
       LEFT JOIN agreements g USING (agreement_id)
       WHERE p.status = 'ok' GROUP BY 1, 2 ORDER BY 1""",
    """CREATE TABLE publication_coverage AS
       WITH scopes AS (
           SELECT publication_id, fips, '*' AS model, bool_and(statewide) AS statewide_only
           FROM publication_covered GROUP BY 1, 2
           UNION ALL
           SELECT publication_id, fips, model, bool_and(statewide) FROM publication_covered GROUP BY 1, 2, 3)
       SELECT s.publication_id, s.model, local_only, count(*) AS counties, count(DISTINCT co.state) AS states,
              coalesce(sum(co.population), 0) AS population
       FROM scopes s JOIN counties co USING (fips), (SELECT unnest([false, true]) AS local_only)
       WHERE NOT (local_only AND s.statewide_only)
       GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""",
    # the same per state: covered counties and people, whether a statewide agreement applies, models
    """CREATE TABLE publication_state_coverage AS
       WITH per_state AS (
           SELECT cv.publication_id, co.state, count(DISTINCT cv.fips) AS counties, bool_or(cv.statewide) AS statewide,
                  list(DISTINCT cv.model ORDER BY cv.model) AS models
           FROM publication_covered cv JOIN counties co USING (fips) GROUP BY 1, 2),
       people AS (
           SELECT c.publication_id, co.state, sum(co.population)::BIGINT AS population
           FROM (SELECT DISTINCT publication_id, fips FROM publication_covered) c JOIN counties co USING (fips)
           GROUP BY 1, 2)
       SELECT s.publication_id, s.state, s.counties, p.population, s.statewide, s.models
       FROM per_state s JOIN people p USING (publication_id, state) ORDER BY 1, 2""",
]


def derive(con: duckdb.DuckDBPyConnection) -> None:
    for sql in STATEMENTS:
        con.execute(sql)
