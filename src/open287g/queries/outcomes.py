"""The named queries about enforcement outcomes: ICE's arrests (FOIA releases, stages/outcomes.py) counted by
fiscal year, month, area of responsibility, landmark and the other released fields, for one apprehension
method or all, each group with its share of all ICE arrests in the same group.

What the data cannot say is said with every answer: `CAVEATS` whatever the releases (the landmark is free text,
not an agency; a 287(g) arrest is what ICE coded as such), `facts` what the archived releases cover.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ..domain.vocab import ARREST_287G

if TYPE_CHECKING:
    from . import Db

# the methods users name -> the release's value (DOMAIN §5.2)
METHODS = {"287g": ARREST_287G, "all": None}
# what arrests are counted by -> the SQL of the group
ARRESTS_BY = {
    "fiscal_year": "a.fiscal_year",
    "month": "strftime(a.date, '%Y-%m')",
    "aor": "a.aor",
    "landmark": "a.landmark",
    "disposition": "a.disposition",
    "citizenship": "a.citizenship",
    "method": "a.method",
    "criminality": "a.criminality",  # the newer releases only (sources/ddp.py); none: not recorded
    "state": "l.state",  # the state the landmark is linked to (stages/landmarks.py); none: not placed
    "county": "l.county_fips",
    "agency": "l.agency_id",
}
_LINKED = {"state", "county", "agency"}  # breakdowns that need the landmark links
LINKS = ("agency", "place", "none")
# said with every agency's linked arrests: our record of ICE's lists begins in January 2021
AGENCY_CAVEATS = {
    "en": "ICE's lists, and so our record of agreements, begin on {start}: an agency may have held an earlier "
    "agreement the lists do not show, and 287(g) arrests before a signing date were made under such an earlier "
    "agreement.",
    "es": "Las listas de ICE, y con ellas nuestro registro de acuerdos, empiezan el {start}: una agencia pudo tener "
    "un acuerdo anterior que las listas no muestran, y los arrestos 287(g) previos a una firma se hicieron bajo "
    "ese acuerdo anterior.",
}
ARREST_FIELDS = ("arrests", "all_arrests", "share", "first_date", "last_date")

# what the data cannot say, whatever the releases (those that depend on them are in `facts`)
CAVEATS = {
    "en": [
        "Counts are ICE's own records of administrative arrests, released under FOIA; a 287(g) arrest is one ICE "
        'coded with the apprehension method "287(g) Program".',
        "The landmark is free text typed by officers, often vague or empty; it is not an agency or a jail.",
        "Counts are arrests, not people: the releases identify no one, so a person arrested twice counts twice.",
        "An arrest is placed in a state, county or agency only through its landmark, which we link by rule and "
        "by a reviewed table; vague or ambiguous landmarks are left unlinked, never guessed, so counts by place "
        "are floors.",
    ],
    "es": [
        "Las cifras son los registros del propio ICE de arrestos administrativos, publicados por FOIA; un arresto "
        "287(g) es uno que ICE codificó con el método «287(g) Program».",
        "El «landmark» es texto libre escrito por agentes, a menudo vago o vacío; no es una agencia ni una cárcel.",
        "Las cifras son arrestos, no personas: los datos no identifican a nadie; quien fue arrestado dos veces "
        "cuenta dos.",
        "Un arresto se ubica en un estado, condado o agencia solo por su «landmark», que vinculamos por regla y "
        "por una tabla revisada; los vagos o ambiguos quedan sin vincular, nunca adivinados, así que las cifras "
        "por lugar son mínimos.",
    ],
}


# said when the records reach past the day ICE changed how it codes arrest methods (DOMAIN §5.2)
CODING_CHANGE = dt.date(2025, 7, 1)
CODING_CHANGE_CAVEAT = {
    "en": "From late July 2025 ICE recorded arrests it had coded as CAP Local, State or Federal Incarceration as "
    '"Custodial Arrest", which reportedly also makes 287(g) arrests indistinguishable in later records (a '
    "third-party methodology note, not yet checked against the release): 287(g) counts after July 2025 may be "
    "too low.",
    "es": "Desde finales de julio de 2025 ICE registró como «Custodial Arrest» los arrestos que antes codificaba "
    "como CAP Local, State o Federal Incarceration, lo que según una nota metodológica de terceros (aún no "
    "verificada con los datos) también hace indistinguibles los arrestos 287(g) posteriores: las cifras 287(g) "
    "después de julio de 2025 pueden quedarse cortas.",
}
DETAINER_CAVEATS = {
    "en": [
        "A detainer is ICE's request to a jail or prison to hold a person, or to tell ICE before release; it is "
        "not an arrest, and many are lifted or declined.",
        "A 287(g) detainer is one whose program ICE recorded as 287(g); the facility is the jail or prison that "
        "received the request, linked to an agency by the same rule and reviewed table as the landmarks.",
    ],
    "es": [
        "Una orden de retención («detainer») es la solicitud de ICE a una cárcel o prisión para retener a una "
        "persona, o avisar a ICE antes de liberarla; no es un arresto, y muchas se levantan o se rechazan.",
        "Una orden 287(g) es aquella cuyo programa ICE registró como 287(g); la instalación es la cárcel o "
        "prisión que recibió la solicitud, vinculada a una agencia con la misma regla y tabla revisada que los "
        "«landmarks».",
    ],
}


def coding_change(db: Db, lang: str = "en") -> list[str]:
    """The caveat of ICE's coding change of July 2025 when the arrest or detainer records reach past it; else none."""
    from . import _one

    (last,) = _one(db, "SELECT greatest(max(date), (SELECT max(date) FROM foia_detainers)) FROM foia_arrests") or (
        None,
    )
    return [CODING_CHANGE_CAVEAT[lang]] if last is not None and last >= CODING_CHANGE else []


def caveats(db: Db, lang: str = "en") -> list[str]:
    """What every answer about arrests must say: CAVEATS, and the coding change when the records reach past it."""
    return CAVEATS[lang] + coding_change(db, lang)


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
    by_count = ("landmark", "disposition", "citizenship", "method", "criminality", "county", "agency")
    order = "arrests DESC, key" if by in by_count else "key"
    sql = f"""
        SELECT {group} AS key,
               count(*) FILTER (WHERE $method::VARCHAR IS NULL OR a.method = $method) AS arrests,
               count(*) AS all_arrests,
               round(arrests / all_arrests, 4) AS share,
               min(a.date) FILTER (WHERE $method::VARCHAR IS NULL OR a.method = $method) AS first_date,
               max(a.date) FILTER (WHERE $method::VARCHAR IS NULL OR a.method = $method) AS last_date
        FROM foia_arrests a  -- the rows of superseded files are never loaded
        {_JOIN if by in _LINKED else ""}
        GROUP BY ALL HAVING arrests > 0 ORDER BY {order} NULLS LAST"""
    with _cursor(db) as con:
        rows = con.execute(sql, {"method": value}).fetchall()
    return [{by: r[0], **dict(zip(ARREST_FIELDS, r[1:], strict=True))} for r in rows]


_JOIN = """LEFT JOIN (SELECT aor, landmark, link, state, county_fips, agency_id FROM landmark_links) l
           ON l.aor IS NOT DISTINCT FROM a.aor AND l.landmark = a.landmark"""
LANDMARK_FIELDS = (  # the detainer counts are after the arrests' (added, never renamed)
    "aor",
    "landmark",
    "kind",
    "link",
    "state",
    "county_fips",
    "agency_id",
    "ori",
    "basis",
    "reason",
    "suggestions",
    "arrests_287g",
    "arrests",
    "detainers_287g",
    "detainers",
    "reason_es",
)


def landmarks(db: Db, link: str | None = None, state: str | None = None) -> list[dict[str, Any]]:
    """The landmarks of the arrest releases with at least one 287(g) arrest, most 287(g) arrests first: what
    each is linked to (`link`: agency, place or none), how (`basis`: reviewed or rule) and why, and for the
    unlinked the agencies a reviewer might look at (`suggestions`, never links)."""
    from . import _cursor

    sql = f"""SELECT {", ".join(LANDMARK_FIELDS)} FROM landmark_links
              WHERE (arrests_287g > 0 OR detainers_287g > 0) AND ($link::VARCHAR IS NULL OR link = $link)
                AND ($state::VARCHAR IS NULL OR state = $state)
              ORDER BY arrests_287g DESC, arrests DESC, landmark, aor NULLS FIRST"""
    with _cursor(db) as con:
        rows = con.execute(sql, {"link": link, "state": state}).fetchall()
    return [dict(zip(LANDMARK_FIELDS, r, strict=True)) for r in rows]


def linking(db: Db) -> dict[str, Any]:
    """How much of the 287(g) arrests the links reach: arrests (every 287(g) arrest, with or without a
    landmark), linked to an agency of our record (and so to its agreements), to a place only, unlinked, with no
    landmark; the shares of all 287(g) arrests; and the landmarks reviewed by hand."""
    from . import _one

    row = _one(
        db,
        f"""SELECT count(*),
                   count(*) FILTER (WHERE l.link = 'agency'),
                   count(*) FILTER (WHERE l.link = 'place'),
                   count(*) FILTER (WHERE l.link = 'none'),
                   count(*) FILTER (WHERE a.landmark IS NULL),
                   (SELECT count(*) FROM landmark_links WHERE basis = 'reviewed' AND arrests_287g > 0),
                   (SELECT count(*) FROM landmark_links WHERE link = 'none' AND arrests_287g > 0)
            FROM foia_arrests a {_JOIN} WHERE a.method = $m""",
        {"m": METHODS["287g"]},
    )
    n, agency, place, none, blank, reviewed, unlinked = row or (0,) * 7
    share = lambda k: round(k / n, 4) if n else None  # noqa: E731
    return {
        "arrests_287g": n,
        "linked_agency": agency,
        "linked_place": place,
        "unlinked": none,
        "no_landmark": blank,
        "agency_share": share(agency),
        "placed_share": share(agency + place),
        "reviewed_landmarks": reviewed,
        "unlinked_landmarks": unlinked,
    }


def agency_arrests(db: Db, agency_id: str) -> dict[str, Any] | None:
    """The arrests whose landmarks are linked to one agency (its current id): by fiscal year, its landmarks, and
    for each of its agreements the arrests before its signing and after it (until it ended) within the days the
    records cover (`covered`: both, before, after or none, from the records' first and last day). Each agreement
    splits the same arrests, so rows of two agreements are not to be added. None: no linked arrest."""
    from . import _cursor

    with _cursor(db) as con:
        years = con.execute(
            """SELECT fiscal_year, sum(arrests_287g)::BIGINT, sum(arrests)::BIGINT
               FROM linked_arrests WHERE agency_id = $id GROUP BY 1 ORDER BY 1""",
            {"id": agency_id},
        ).fetchall()
        if not years:
            return None
        marks = con.execute(
            f"""SELECT {", ".join(LANDMARK_FIELDS)} FROM landmark_links WHERE agency_id = $id
                ORDER BY arrests_287g DESC, arrests DESC, landmark""",
            {"id": agency_id},
        ).fetchall()
        first, last = con.execute(
            "SELECT min(first_date), max(last_date) FROM foia_files WHERE table_name = 'arrests' AND status = 'ok'"
        ).fetchone() or (None, None)
        (start,) = con.execute("SELECT min(first_listed) FROM agreements").fetchone() or (None,)
        deals = con.execute(
            """SELECT g.agreement_id, g.model, g.signed, g.ended_on,
                      coalesce(sum(a.arrests_287g) FILTER (WHERE a.date < g.signed), 0)::BIGINT,
                      coalesce(sum(a.arrests) FILTER (WHERE a.date < g.signed), 0)::BIGINT,
                      coalesce(sum(a.arrests_287g) FILTER (WHERE a.date >= g.signed
                               AND a.date < coalesce(g.ended_on, DATE '9999-12-31')), 0)::BIGINT,
                      coalesce(sum(a.arrests) FILTER (WHERE a.date >= g.signed
                               AND a.date < coalesce(g.ended_on, DATE '9999-12-31')), 0)::BIGINT
               FROM agreements g LEFT JOIN linked_arrests a ON a.agency_id = g.agency_id
               WHERE g.agency_id = $id GROUP BY ALL ORDER BY g.signed NULLS LAST, g.agreement_id""",
            {"id": agency_id},
        ).fetchall()
    agreements = []
    for agreement_id, model, signed, ended, b287, ball, a287, aall in deals:
        before = signed is not None and first is not None and signed > first
        after = signed is not None and last is not None and signed <= last
        agreements.append(
            {
                "agreement_id": agreement_id,
                "model": model,
                "signed": signed,
                "ended_on": ended,
                "covered": "both" if before and after else "before" if before else "after" if after else "none",
                "before_287g": b287 if before else None,
                "before_all": ball if before else None,
                "after_287g": a287 if after else None,
                "after_all": aall if after else None,
            }
        )
    return {
        "agency_id": agency_id,
        "records_first_date": first,
        "records_last_date": last,
        "by_fiscal_year": [{"fiscal_year": y, "arrests_287g": n, "arrests": t} for y, n, t in years],
        "landmarks": [dict(zip(LANDMARK_FIELDS, r, strict=True)) for r in marks],
        "agreements": agreements,
        "record_start": start,
        "caveats": {lang: text.format(start=start) for lang, text in AGENCY_CAVEATS.items()},
    }


def place_arrests(db: Db, state: str, county_fips: str | None = None) -> dict[str, Any] | None:
    """The arrests whose landmarks are linked to a state (or one county of it): by fiscal year, with the 287(g)
    arrests the records place there, and the landmarks that place them. None: no arrest placed there."""
    from . import _cursor

    where = "l.state = $state AND ($county::VARCHAR IS NULL OR l.county_fips = $county)"
    p = {"state": state, "county": county_fips}
    with _cursor(db) as con:
        years = con.execute(
            f"""SELECT fiscal_year, sum(arrests_287g)::BIGINT, sum(arrests)::BIGINT
                FROM linked_arrests l WHERE {where} GROUP BY 1 ORDER BY 1""",
            p,
        ).fetchall()
        if not any(n for _, n, _ in years):
            return None
        marks = con.execute(
            f"""SELECT {", ".join(LANDMARK_FIELDS)} FROM landmark_links l WHERE {where} AND arrests_287g > 0
                ORDER BY arrests_287g DESC, arrests DESC, landmark""",
            p,
        ).fetchall()
    return {
        "state": state,
        "county_fips": county_fips,
        "by_fiscal_year": [{"fiscal_year": y, "arrests_287g": n, "arrests": t} for y, n, t in years],
        "landmarks": [dict(zip(LANDMARK_FIELDS, r, strict=True)) for r in marks],
    }


# what detainers are counted by -> the SQL of the group
DETAINERS_BY = {
    "fiscal_year": "d.fiscal_year",
    "month": "strftime(d.date, '%Y-%m')",
    "aor": "d.aor",
    "state": "d.state",  # the facility's state as released, e.g. TEXAS
    "facility": "d.facility",
    "lift_reason": "d.lift_reason",
    "criminality": "d.criminality",
    "program": "d.program",
    "agency": "l.agency_id",  # the agency the facility is linked to (stages/landmarks.py)
}
PROGRAMS = ("287g", "all")
DETAINER_FIELDS = ("detainers", "all_detainers", "share", "first_date", "last_date")
_DETAINER_JOIN = """LEFT JOIN (SELECT aor, landmark, agency_id FROM landmark_links) l
                    ON l.aor IS NOT DISTINCT FROM d.aor AND l.landmark = d.facility"""


def detainers(db: Db, program: str | None = "287g", by: str = "fiscal_year") -> list[dict[str, Any]]:
    """Detainers of the newer releases (sources/ddp.py), those of 287(g) (`program` "287g") or all, by one
    DETAINERS_BY breakdown, each group with `all_detainers` (every program, same group), the share and the
    dates it spans. Groups with none of the program are left out; ordered by the group, but facilities, lift
    reasons and the like by count."""
    from . import _cursor

    group = DETAINERS_BY[by]
    only = "d.via_287g" if (program or "all") == "287g" else "true"
    order = "key" if by in ("fiscal_year", "month") else "detainers DESC, key"
    sql = f"""
        SELECT {group} AS key, count(*) FILTER (WHERE {only}) AS detainers, count(*) AS all_detainers,
               round(detainers / all_detainers, 4) AS share,
               min(d.date) FILTER (WHERE {only}), max(d.date) FILTER (WHERE {only})
        FROM foia_detainers d {_DETAINER_JOIN if by == "agency" else ""}
        GROUP BY ALL HAVING detainers > 0 ORDER BY {order} NULLS LAST"""
    with _cursor(db) as con:
        rows = con.execute(sql).fetchall()
    return [{by: r[0], **dict(zip(DETAINER_FIELDS, r[1:], strict=True))} for r in rows]


def detainer_facts(db: Db) -> dict[str, Any]:
    """What the archived detainer releases cover: first and last day, detainers and 287(g) detainers, and the
    share of 287(g) detainers whose facility is linked to an agency of our record."""
    from . import _one

    row = _one(
        db,
        f"""SELECT min(d.date), max(d.date), count(*), count(*) FILTER (WHERE d.via_287g),
                   round(count(*) FILTER (WHERE d.via_287g AND l.agency_id IS NOT NULL)
                         / nullif(count(*) FILTER (WHERE d.via_287g), 0), 4)
            FROM foia_detainers d {_DETAINER_JOIN}""",
    )
    keys = ("first_date", "last_date", "detainers", "detainers_287g", "agency_share_287g")
    return dict(zip(keys, row or (None,) * len(keys), strict=True))


def releases(db: Db) -> list[dict[str, Any]]:
    """Every archived FOIA release file: its table, FOIA number, title, fiscal year, rows and the dates
    it spans, and whether it is read or superseded by another file."""
    from . import _cursor

    with _cursor(db) as con:
        cur = con.execute(
            """SELECT sha256, table_name, foia_number, title, fiscal_year, rows, first_date, last_date, status,
                      superseded_by, format, rows_counted FROM foia_files ORDER BY table_name, fiscal_year, sha256"""
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
