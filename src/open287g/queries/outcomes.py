"""The named queries about enforcement outcomes: ICE's arrests (FOIA releases, stages/outcomes.py) counted by
fiscal year, month, area of responsibility, landmark and the other released fields, for one apprehension
method or all, each group with its share of all ICE arrests in the same group.

What the data cannot say is said with every answer: `CAVEATS` whatever the releases (the landmark is free text,
not an agency; a 287(g) arrest is what ICE coded as such), `facts` what the archived releases cover.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import Db

# the methods users name -> the release's value (DOMAIN §5.2)
METHODS = {"287g": "287(g) Program", "all": None}
# what arrests are counted by -> the SQL of the group
ARRESTS_BY = {
    "fiscal_year": "fiscal_year",
    "month": "strftime(date, '%Y-%m')",
    "aor": "aor",
    "landmark": "landmark",
    "disposition": "disposition",
    "citizenship": "citizenship",
    "method": "method",
}
ARREST_FIELDS = ("arrests", "all_arrests", "share", "first_date", "last_date")

# what the data cannot say, whatever the releases (those that depend on them are in `facts`)
CAVEATS = {
    "en": [
        "Counts are ICE's own records of administrative arrests, released under FOIA; a 287(g) arrest is one ICE "
        'coded with the apprehension method "287(g) Program".',
        "The landmark is free text typed by officers, often vague or empty; it is not an agency or a jail.",
        "Counts are arrests, not people: the releases identify no one, so a person arrested twice counts twice.",
    ],
    "es": [
        "Las cifras son los registros del propio ICE de arrestos administrativos, publicados por FOIA; un arresto "
        "287(g) es uno que ICE codificó con el método «287(g) Program».",
        "El «landmark» es texto libre escrito por agentes, a menudo vago o vacío; no es una agencia ni una cárcel.",
        "Las cifras son arrestos, no personas: los datos no identifican a nadie; quien fue arrestado dos veces "
        "cuenta dos.",
    ],
}


def facts(db: Db) -> dict[str, Any]:
    """What the archived arrest releases cover: their FOIA numbers, first and last day, arrests and 287(g)
    arrests, the share of 287(g) arrests with no landmark, and the fiscal years the records cover only in part
    (e.g. one that stops in August)."""
    from . import _one

    row = _one(
        db,
        """WITH years AS (
               SELECT fiscal_year FROM foia_arrests GROUP BY 1
               HAVING min(date) > make_date(fiscal_year - 1, 10, 1) OR max(date) < make_date(fiscal_year, 9, 30))
           SELECT (SELECT list(DISTINCT foia_number ORDER BY foia_number) FROM foia_files
                   WHERE table_name = 'arrests' AND status = 'ok'),
                  min(date), max(date), count(*), count(*) FILTER (WHERE method = $m),
                  round(count(*) FILTER (WHERE method = $m AND landmark IS NULL)
                        / nullif(count(*) FILTER (WHERE method = $m), 0), 4),
                  (SELECT coalesce(list(fiscal_year ORDER BY fiscal_year), []) FROM years)
           FROM foia_arrests""",
        {"m": METHODS["287g"]},
    )
    keys = (
        "foia_numbers",
        "first_date",
        "last_date",
        "arrests",
        "arrests_287g",
        "no_landmark_share_287g",
        "partial_fiscal_years",
    )
    return dict(zip(keys, row or (None,) * len(keys), strict=True))


def arrests(db: Db, method: str | None = "287g", by: str = "fiscal_year") -> list[dict[str, Any]]:
    """Arrests of `method` (a METHODS key; "all" or None: every method) by one ARRESTS_BY breakdown, each group
    with `all_arrests` (every method, same group), `share` (arrests / all_arrests) and the dates it spans.
    Groups with no arrest of the method are left out; ordered by the group, but landmarks by count."""
    from . import _cursor

    group = ARRESTS_BY[by]
    value = METHODS[method or "all"]
    order = "arrests DESC, key" if by in ("landmark", "disposition", "citizenship", "method") else "key"
    sql = f"""
        SELECT {group} AS key,
               count(*) FILTER (WHERE $method::VARCHAR IS NULL OR method = $method) AS arrests,
               count(*) AS all_arrests,
               round(arrests / all_arrests, 4) AS share,
               min(date) FILTER (WHERE $method::VARCHAR IS NULL OR method = $method) AS first_date,
               max(date) FILTER (WHERE $method::VARCHAR IS NULL OR method = $method) AS last_date
        FROM foia_arrests  -- the rows of superseded files are never loaded
        GROUP BY ALL HAVING arrests > 0 ORDER BY {order} NULLS LAST"""
    with _cursor(db) as con:
        rows = con.execute(sql, {"method": value}).fetchall()
    return [{by: r[0], **dict(zip(ARREST_FIELDS, r[1:], strict=True))} for r in rows]


def releases(db: Db) -> list[dict[str, Any]]:
    """Every archived FOIA release file: its table, FOIA number, title, fiscal year, rows and the dates
    it spans, and whether it is read or superseded by another file."""
    from . import _cursor

    with _cursor(db) as con:
        cur = con.execute(
            """SELECT sha256, table_name, foia_number, title, fiscal_year, rows, first_date, last_date, status,
                      superseded_by FROM foia_files ORDER BY table_name, fiscal_year, sha256"""
        )
        columns = [d[0] for d in cur.description]
        return [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]


OPERATION_FIELDS = (
    "operation_id",
    "name",
    "start_date",
    "end_date",
    "states",
    "place",
    "lead",
    "partners",
    "claimed_arrests",
    "claimed_detail",
    "sources",
    "reviewed",
    "note",
    "records_cover",
    "records_287g_arrests_nationwide",
    "records_all_arrests_nationwide",
)


def operations(db: Db) -> list[dict[str, Any]]:
    """The announced operations (newest first), each beside ICE's own arrest records for the same days:
    `records_cover` says whether the arrest releases read (status ok) span every day of the operation, and if so
    `records_287g_arrests_nationwide` and `records_all_arrests_nationwide` count the arrests those days across
    the country (the records give an area of responsibility, not the operation's place, so they are not the
    operation's own count; an operation with no end date is never covered)."""
    from . import _cursor

    sql = f"""
        WITH spans AS (SELECT first_date, last_date FROM foia_files WHERE table_name = 'arrests' AND status = 'ok'),
        ops AS (
            SELECT o.*, o.end_date IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM range(o.start_date, o.end_date + INTERVAL 1 DAY, INTERVAL 1 DAY) d(day)
                WHERE NOT EXISTS (SELECT 1 FROM spans WHERE d.day BETWEEN spans.first_date AND spans.last_date)
            ) AS covers
            FROM operations o)
        SELECT {", ".join(OPERATION_FIELDS[:-3])}, covers,
               CASE WHEN covers THEN (SELECT count(*) FROM foia_arrests a
                    WHERE a.date BETWEEN ops.start_date AND ops.end_date AND a.method = $m) END,
               CASE WHEN covers THEN (SELECT count(*) FROM foia_arrests a
                    WHERE a.date BETWEEN ops.start_date AND ops.end_date) END
        FROM ops ORDER BY start_date DESC, operation_id"""
    with _cursor(db) as con:
        rows = con.execute(sql, {"m": METHODS["287g"]}).fetchall()
    return [dict(zip(OPERATION_FIELDS, r, strict=True)) for r in rows]
