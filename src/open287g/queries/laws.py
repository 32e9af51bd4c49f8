"""The named queries about state law (DOMAIN §4; our reviewed table, domain/laws.py): each state's laws and
executive orders on 287(g); for each counted mandate, whom it covers and who has complied on a day, and the
share month by month; and the agreements listed in a state whose law bans or restricts them, flagged for
review with their dates, never judged.

A county complies with a law that `requires` when an agency of ours covered there (its sheriff, or the
county body running its jail: stages/laws.coverage) is on ICE's participating list in effect that day; with
one that `requires_to_apply`, also when it is on the pending list (an application is what it demands)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ..domain.laws import LIMITS, MANDATES

if TYPE_CHECKING:
    from . import Db

LAW_FIELDS = (
    "law_id", "state", "year", "instrument", "kind", "signed_on", "effective_on", "in_force_from", "in_force_basis",
    "effect", "status", "covers", "covers_text", "deadline", "deadline_note", "summary_en", "summary_es",
    "citation_url", "sources", "verified", "note", "review_from", "counted",
)  # fmt: skip
FLAG_FIELDS = (
    "law_id", "state", "effect", "law_verified", "review_from", "agreement_id", "agency_id", "agency_name", "model",
    "signed", "first_listed", "last_listed", "status", "ended_on", "signed_after_law", "days_listed_after",
)  # fmt: skip
# one row per covered agency (or county with none) on a day: the CSV twin of `compliance`
COMPLIANCE_FIELDS = (
    "law_id", "state", "as_of", "county_fips", "county", "county_status", "ori", "roster_name", "agency_id",
    "agency_name", "role", "status", "models", "signed", "days_after_law", "pending_since",
)  # fmt: skip
STANDINGS = ("active", "pending", "none")  # a covered county's or agency's standing on a day
MONTH_FIELDS = ("month", "as_of", "covered", "active", "pending", "none", "compliant", "share")
CAVEATS = {
    "en": [
        "Whom a law covers is read from the FBI's agency roster and the county list: each county's sheriff, and "
        "the county body that runs its jail where there is one. A county whose sheriff runs no jail is still "
        "counted, as the law's text may reach it.",
        "Compliance is what ICE's lists show: an agreement signed but not yet listed, or an application ICE does "
        "not list as pending, is not seen.",
        "A flag is a fact for review — an agreement listed after a law that bans or restricts 287(g) — not a "
        "finding that anyone broke the law: laws are challenged, phased in and enjoined.",
    ],
    "es": [
        "A quién cubre una ley se lee del padrón de agencias del FBI y de la lista de condados: el sheriff de cada "
        "condado y, donde lo hay, el organismo del condado que administra su cárcel. Un condado cuyo sheriff no "
        "administra cárcel se cuenta igual, pues el texto de la ley puede alcanzarlo.",
        "El cumplimiento es lo que muestran las listas de ICE: un acuerdo firmado que aún no figura, o una "
        "solicitud que ICE no lista como pendiente, no se ve.",
        "Una alerta es un hecho para revisar —un acuerdo listado después de una ley que prohíbe o restringe el "
        "287(g)—, no la conclusión de que alguien violó la ley: las leyes se impugnan, entran en vigor por etapas "
        "y se suspenden.",
    ],
}


def _rows(db: Db, sql: str, params: dict | None = None) -> list[dict[str, Any]]:
    from .places import _rows as rows

    return rows(db, sql, params or {})


def _tuples(db: Db, sql: str, params: dict | None = None) -> list[tuple]:
    from . import _cursor

    with _cursor(db) as con:
        return con.execute(sql, params or {}).fetchall()


def laws(db: Db, state: str | None = None) -> list[dict[str, Any]]:
    """Every law and executive order of our table (or one state's), by state and date, each with `flags`: how
    many agreements it flags for review (`flags()` lists them)."""
    sql = f"""
        SELECT {", ".join("l." + f for f in LAW_FIELDS)},
               (SELECT count(*) FROM law_flags f WHERE f.law_id = l.law_id) AS flags
        FROM state_laws l WHERE $state::VARCHAR IS NULL OR l.state = $state
        ORDER BY l.state, l.in_force_from, l.law_id
    """
    return _rows(db, sql, {"state": state})


def flags(db: Db, state: str | None = None) -> list[dict[str, Any]]:
    """The agreements listed on or after the day a ban or restriction of their state calls for review."""
    sql = f"""SELECT {", ".join(FLAG_FIELDS)} FROM law_flags WHERE $state::VARCHAR IS NULL OR state = $state
              ORDER BY state, agency_name, model, agreement_id"""
    return _rows(db, sql, {"state": state})


def counted_law(db: Db, state: str) -> dict[str, Any] | None:
    """The state's mandate whose covered set we count (the newest in force), or None."""
    found = [law for law in laws(db, state) if law["counted"]]
    return found[-1] if found else None


def mandate_states(db: Db) -> list[str]:
    """The states with a mandate whose covered set we count (those `compliance` answers for), sorted."""
    return [state for (state,) in _tuples(db, "SELECT DISTINCT state FROM state_laws WHERE counted ORDER BY 1")]


def state_marks(db: Db) -> dict[str, dict[str, Any]]:
    """Each state's standing under its laws in force, for the map: `mark` 'mandate' (requires, or requires to
    apply), 'ban' or 'restricts', and whether the laws that give it are `verified` (DOMAIN §4 marks some
    not); states with neither are absent."""
    sql = """SELECT state, list(effect), list(verified) FROM state_laws
             WHERE status = 'in_force' AND list_contains($effects, effect) GROUP BY 1 ORDER BY 1"""
    out = {}
    for state, effects, verified in _tuples(db, sql, {"effects": [*MANDATES, *LIMITS]}):
        mark = "mandate" if set(effects) & set(MANDATES) else "ban" if "bans" in effects else "restricts"
        deciding = {"mandate": MANDATES, "ban": ("bans",), "restricts": LIMITS}[mark]
        out[state] = {"mark": mark, "verified": all(v for e, v in zip(effects, verified, strict=True) if e in deciding)}
    return out


# Each covered row's standing on the days given: the lists in effect (participating, pending) come from the
# snapshot; the agreements of the covered agencies on them from publication_agreements, in one pass.
_STANDING = """
    WITH d AS (SELECT unnest($days) AS as_of, unnest($pubs) AS pub, unnest($pends) AS pend),
    c AS (SELECT * FROM law_coverage WHERE law_id = $law),
    listed AS (
        SELECT d.as_of, c.county_fips, c.agency_id, a.agreement_id, a.model, a.signed,
               pa.publication_id = d.pub AS active, a.pending_first_listed
        FROM d CROSS JOIN c
        JOIN publication_agreements pa ON pa.agency_id = c.agency_id AND pa.publication_id IN (d.pub, d.pend)
        JOIN agreements a ON a.agreement_id = pa.agreement_id
    )
"""


def _days_lists(db: Db, days: list[dt.date]) -> dict[str, list]:
    from . import snapshot_of

    snap = snapshot_of(db)
    return {
        "days": days,
        "pubs": [snap.in_effect(d) for d in days],
        "pends": [snap.in_effect(d, "pending") for d in days],
    }


def compliance(db: Db, state: str, on: dt.date | None = None) -> dict[str, Any] | None:
    """One state's counted mandate on a day (the newest by default): each covered county with its agencies and
    their standing (active with models and signing, pending since, none), the summary (covered, active,
    pending, none, compliant, share) and the share at each month-end since the law; None when the state has
    no counted mandate (or the warehouse no list)."""
    from . import snapshot_of

    law = counted_law(db, state)
    if law is None:
        return None
    snap = snapshot_of(db)
    snap.check_day(on)
    day = on if on is not None else snap.latest
    if day is None:  # a warehouse with no list yet
        return None
    params = {"law": law["law_id"], **_days_lists(db, [day])}
    agreements = _rows(
        db,
        _STANDING + "SELECT agency_id, agreement_id, model, signed, active, pending_first_listed FROM listed "
        "ORDER BY agency_id, NOT active, model, agreement_id",
        params,
    )
    coverage = _rows(
        db, "SELECT * FROM law_coverage WHERE law_id = $law ORDER BY county_fips, agency_id", {"law": law["law_id"]}
    )
    by_agency: dict[str, list[dict]] = {}
    for a in agreements:
        by_agency.setdefault(a["agency_id"], []).append(a)
    counties: dict[str, dict] = {}
    for c in coverage:
        county = counties.setdefault(
            c["county_fips"],
            {k: c[k] for k in ("county_fips", "county", "ori", "roster_name")} | {"agencies": []},
        )
        if c["agency_id"] is not None:
            county["agencies"].append(_standing(c, by_agency.get(c["agency_id"], []), law["in_force_from"]))
    for county in counties.values():
        county["status"] = _county_status([a["status"] for a in county["agencies"]])
        signings = [a["signed"] for a in county["agencies"] if a["status"] == "active" and a["signed"]]
        county["since"] = min(signings) if signings else None
        county["days_after_law"] = (county["since"] - law["in_force_from"]).days if county["since"] else None
    rows = list(counties.values())
    return {
        "law": law,
        "as_of": day,
        "list_day": snap.list_day(day),
        "pending_list_day": snap.list_day(day, "pending"),
        "summary": _summary(law, [c["status"] for c in rows]),
        "counties": rows,
        "monthly": monthly(db, law, day),
    }


def _standing(cover: dict, listed: list[dict], start: dt.date) -> dict[str, Any]:
    active = [a for a in listed if a["active"]]
    pending = [a for a in listed if not a["active"]]
    status = "active" if active else "pending" if pending else "none"
    signed = min((a["signed"] for a in active if a["signed"]), default=None)
    return {
        "agency_id": cover["agency_id"],
        "agency_name": cover["agency_name"],
        "role": cover["role"],
        "status": status,
        "models": sorted({a["model"] for a in active}),
        "signed": signed,
        "days_after_law": (signed - start).days if signed else None,
        "pending_since": min((a["pending_first_listed"] for a in pending if a["pending_first_listed"]), default=None),
        "agreements": [
            {
                "agreement_id": a["agreement_id"],
                "model": a["model"],
                "list": "participating" if a["active"] else "pending",
                "signed": a["signed"],
                "days_after_law": (a["signed"] - start).days if a["signed"] and a["active"] else None,
            }
            for a in listed
        ],
    }


def _county_status(statuses: list[str]) -> str:
    return next((s for s in STANDINGS if s in statuses), "none")


def _figures(law: dict, covered: int, active: int, pending: int) -> dict[str, Any]:
    """covered, active, pending, none, compliant and share: what a law's counties add up to on a day."""
    compliant = active + pending if law["effect"] == "requires_to_apply" else active
    share = round(compliant / covered, 4) if covered else None
    return {"covered": covered, "active": active, "pending": pending, "none": covered - active - pending,
            "compliant": compliant, "share": share}  # fmt: skip


def _summary(law: dict, statuses: list[str]) -> dict[str, Any]:
    return _figures(law, len(statuses), statuses.count("active"), statuses.count("pending"))


def _month_ends(db: Db, law: dict, on: dt.date) -> list[tuple[str, dt.date]]:
    """The month-ends (or `on`, for its month) from the law's date, or the record's first month if later."""
    from . import snapshot_of

    start = law["signed_on"] or law["in_force_from"]
    return [(m, d) for m, d in snapshot_of(db).months(on) if d >= start]


def monthly(db: Db, law: dict, on: dt.date) -> list[dict[str, Any]]:
    """The law's covered counties at each month-end since its date: active, pending, none, compliant, share;
    all months in one query."""
    ends = _month_ends(db, law, on)
    if not ends:
        return []
    sql = (
        _STANDING
        + """, counties AS (
            SELECT d.as_of, c.county_fips,
                   bool_or(l.active) AS active, bool_or(l.active IS NOT NULL AND NOT l.active) AS pending
            FROM d CROSS JOIN (SELECT DISTINCT county_fips FROM c) c
            LEFT JOIN listed l ON l.as_of = d.as_of AND l.county_fips = c.county_fips
            GROUP BY ALL)
        SELECT as_of, count(*) AS covered, count(*) FILTER (active) AS active,
               count(*) FILTER (pending AND active IS NOT TRUE) AS pending
        FROM counties GROUP BY 1 ORDER BY 1"""
    )
    rows = _tuples(db, sql, {"law": law["law_id"], **_days_lists(db, [d for _, d in ends])})
    return [
        {"month": month, "as_of": as_of, **_figures(law, covered, active, pending)}
        for (month, _), (as_of, covered, active, pending) in zip(ends, rows, strict=True)
    ]


def compliance_rows(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The compliance answer flattened, one row per covered agency (a county with none: one row), for CSV."""
    law = answer["law"]
    out = []
    for c in answer["counties"]:
        base = {
            "law_id": law["law_id"],
            "state": law["state"],
            "as_of": answer["as_of"],
            "county_fips": c["county_fips"],
            "county": c["county"],
            "county_status": c["status"],
            "ori": c["ori"],
            "roster_name": c["roster_name"],
        }
        for a in c["agencies"] or [None]:
            fields = ("agency_id", "agency_name", "role", "status", "signed", "days_after_law", "pending_since")
            row = {**base, **{k: (a or {}).get(k) for k in fields}}
            row["models"] = " ".join(a["models"]) if a else None
            row["status"] = row["status"] or "none"
            out.append({k: row[k] for k in COMPLIANCE_FIELDS})
    return out
