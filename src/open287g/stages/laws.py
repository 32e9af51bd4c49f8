"""The state-law stage: whom each counted mandate covers, and which agreements listed in a state that bans
or restricts 287(g) deserve review.

Coverage (`coverage`) is one row per county of the state and each agency of ours that runs or may run its
jail: the sheriff the FBI roster gives for the county (agency type County, not a county police
department), found in our record by its ORI, and any county body of ours placed there whose name says it
keeps the jail (corrections, jail, detention: in Florida the county, not the sheriff, runs several jails).
A county whose sheriff never held an agreement is still covered, with no agency of ours.

Flags (`derive`, in SQL on the built warehouse) are the agreements listed on or after the day a ban or
restriction calls for review (domain/laws.review_from, set for those laws only): facts with their dates,
never a finding."""

from __future__ import annotations

import re

import duckdb

from .geography import References

_POLICE = re.compile(r"\bpolice\b", re.I)
_SHERIFF = re.compile(r"\bsheriff", re.I)
_JAIL = re.compile(r"correction|\bjail\b|detention", re.I)


def coverage(laws: list[dict], ref: References, agencies: list[dict]) -> list[dict]:
    """The covered counties and agencies of every counted law (see the module's docstring)."""
    out = []
    for law in (x for x in laws if x["counted"]):
        state = law["state"]
        sheriffs: dict[str, list[dict]] = {}
        for r in ref.roster:
            if r["state"] == state and r["agency_type"] == "County" and not _POLICE.search(r["name"]):
                for county in r["counties"]:
                    fips, _ = ref.table.find(state, county)
                    if fips:
                        sheriffs.setdefault(fips, []).append(r)
        ours = [a for a in agencies if a["state"] == state and not _POLICE.search(a["name"])]
        for county in sorted((c for c in ref.counties if c["state"] == state), key=lambda c: c["fips"]):
            fips, roster = county["fips"], sheriffs.get(county["fips"], [])
            oris = {r["ori"] for r in roster}
            keepers = [
                a
                for a in ours
                if (_SHERIFF.search(a["name"]) or _JAIL.search(a["name"]))
                and (
                    a.get("ori") in oris
                    or (not a.get("ori") and a.get("county_fips") == fips and a.get("jurisdiction_level") == "county")
                )
            ]
            base = {
                "law_id": law["law_id"],
                "state": state,
                "county_fips": fips,
                "county": county["name"],
                "ori": roster[0]["ori"] if len(roster) == 1 else None,
                "roster_name": roster[0]["name"] if len(roster) == 1 else None,
            }
            if not keepers:
                out.append({**base, "agency_id": None, "agency_name": None, "role": "sheriff"})
            for a in sorted(keepers, key=lambda a: a["agency_id"]):
                role = "sheriff" if _SHERIFF.search(a["name"]) else "jail"
                out.append({**base, "agency_id": a["agency_id"], "agency_name": a["name"], "role": role})
    return out


FLAGS = """
    INSERT INTO law_flags BY NAME
    SELECT l.law_id, l.state, l.effect, l.verified AS law_verified, l.review_from, g.agreement_id, g.agency_id,
           g.agency_name, g.model, g.signed, g.first_listed, g.last_listed, g.status, g.ended_on,
           g.signed >= l.in_force_from AS signed_after_law,
           datediff('day', l.review_from, g.last_listed) AS days_listed_after
    FROM state_laws l JOIN agreements g ON g.state = l.state
    WHERE l.review_from IS NOT NULL AND l.status = 'in_force' AND g.last_listed >= l.review_from
    ORDER BY l.state, g.agency_name, g.model, g.agreement_id
"""


def derive(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(FLAGS)
