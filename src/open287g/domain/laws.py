"""State laws and executive orders on 287(g) (DOMAIN §4), as our reviewed table data/state_laws.csv: each
row's effect, whom it covers, its dates and its citation. The rules that read a date off a law are here
and only here: when it is in force from, and from when an agreement still listed deserves review."""

from __future__ import annotations

import datetime as dt
import re

from .vocab import data_rows, state_names

EFFECTS = ("requires", "requires_to_apply", "encourages_with_money", "directs", "restricts", "bans", "none")
STATUSES = ("in_force", "amended", "proposed", "failed", "unconfirmed")
KINDS = ("statute", "executive_order", "directive", "court_decision", "bill")
COVERS = ("county_jails", "state_agencies", "all_agencies")
MANDATES = ("requires", "requires_to_apply")  # a covered agency without an agreement has not complied
LIMITS = ("bans", "restricts")  # an agreement listed after the law is flagged for review, never judged
# The covered set we can count from the FBI roster and the county list: one jail per county, run by its
# sheriff or a county corrections body (Florida's §908.11: "the sheriff or chief correctional officer").
COUNTED = "county_jails"

_DATES = ("signed_on", "effective_on", "deadline")
_OPTIONAL = ("covers_text", "deadline_note", "note")  # empty in the table: none
_DOMAIN_KEY = re.compile(r"^[A-Z][A-Z0-9.-]*$")


def state_laws() -> list[dict]:
    """The reviewed rows, checked: a bad row stops the build with the table, line and reason."""
    out, seen = [], set()
    for line, r in enumerate(data_rows("state_laws.csv"), start=2):

        def bad(why: str, line: int = line, key: str = r["law_id"]) -> ValueError:
            return ValueError(f"state_laws.csv: line {line} ({key}): {why}")

        if not r["law_id"] or r["law_id"] in seen:
            raise bad("every law needs its own law_id")
        seen.add(r["law_id"])
        if r["state"] not in state_names():
            raise bad(f"unknown state {r['state']!r}")
        for column, allowed in (("effect", EFFECTS), ("status", STATUSES), ("kind", KINDS), ("covers", COVERS)):
            if r[column] not in allowed:
                raise bad(f"{column} must be one of {', '.join(allowed)}")
        if not r["citation_url"].startswith(("https://", "http://")):
            raise bad("every law needs its citation, as a web address")
        sources = r["sources"].split()
        if not sources or not all(_DOMAIN_KEY.match(s) for s in sources):
            raise bad("sources are the keys of DOMAIN §9 (e.g. FL-908.11), at least one")
        if r["verified"] not in ("yes", "no"):
            raise bad("verified is yes or no")
        if not (r["summary_en"].strip() and r["summary_es"].strip() and r["instrument"].strip()):
            raise bad("every law needs its instrument and its summary in English and Spanish")
        try:
            dates = {k: dt.date.fromisoformat(r[k]) if r[k] else None for k in _DATES}
            year = int(r["year"])
        except ValueError:
            raise bad("dates must be YYYY-MM-DD and year a year") from None
        if dates["signed_on"] and dates["signed_on"].year != year:
            raise bad("the year is the signing's")
        if dates["signed_on"] and dates["effective_on"] and dates["effective_on"] < dates["signed_on"]:
            raise bad("in effect before it was signed")
        start, basis = in_force_from(dates["signed_on"], dates["effective_on"], year)
        out.append(
            {
                **r,
                **{k: r[k].strip() or None for k in _OPTIONAL},
                **dates,
                "year": year,
                "sources": sources,
                "verified": r["verified"] == "yes",
                "in_force_from": start,
                "in_force_basis": basis,
                "review_from": review_from(start, dates["deadline"]) if r["effect"] in LIMITS else None,
                "counted": r["covers"] == COUNTED and r["effect"] in MANDATES and r["status"] == "in_force",
            }
        )
    return out


def in_force_from(signed: dt.date | None, effective: dt.date | None, year: int) -> tuple[dt.date, str]:
    """The day a law binds: its effective date, else its signing, else (known by its year only) the next
    1 January, the first day it was surely law."""
    if effective:
        return effective, "effective"
    if signed:
        return signed, "signed"
    return dt.date(year + 1, 1, 1), "year"


def review_from(start: dt.date, deadline: dt.date | None) -> dt.date:
    """From when an agreement still listed under a ban or restriction is flagged: the law's deadline for
    ending agreements where it gives one, else the day it binds."""
    return max(start, deadline) if deadline else start
