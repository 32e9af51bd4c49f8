"""Domain facts shipped as reviewed data and loaded into the warehouse as tables."""

from __future__ import annotations

import datetime as dt

from .vocab import MODELS, data_rows, state_fips, state_names

AUTHORITIES = {"JEM": 7, "TFM": 9, "WSO": 2}  # DOMAIN §2.1: how many authorities each model lists


def model_powers() -> list[dict]:
    """The powers each model delegates (DOMAIN §2.2-2.4), one row per enumerated authority."""
    rows = [{**r, "n": int(r["n"])} for r in data_rows("model_powers.csv")]
    counts = {m: sum(1 for r in rows if r["model"] == m) for m in MODELS}
    if counts != AUTHORITIES:
        raise ValueError(f"model_powers.csv: expected 7/9/2 authorities, found {counts}")
    return rows


def operations() -> list[dict]:
    """Announced multi-agency operations (DOMAIN §3.2), each with its dates, places, agencies, the figures
    claimed for it and the sources that report them (data/operations.csv, reviewed by hand)."""
    out = []
    for line, r in enumerate(data_rows("operations.csv"), start=2):
        bad = _complaint("operations.csv", line, r["operation_id"])
        try:
            start = dt.date.fromisoformat(r["start_date"])
            end = dt.date.fromisoformat(r["end_date"]) if r["end_date"] else None
        except ValueError:
            raise bad("dates must be YYYY-MM-DD") from None
        states, sources = r["states"].split(), r["sources"].split()
        if end and end < start:
            raise bad("ends before it starts")
        if not states or any(s not in state_names() for s in states):
            raise bad(f"unknown state in {r['states']!r}")
        if not sources or not all(u.startswith(("https://", "http://")) for u in sources):
            raise bad("every operation needs its sources, as web addresses")
        if r["reviewed"] not in ("yes", "no") or (r["claimed_arrests"] and not r["claimed_arrests"].isdigit()):
            raise bad("reviewed is yes or no, claimed_arrests a whole number or blank")
        out.append(
            {
                **r,
                "start_date": start,
                "end_date": end,
                "states": states,
                "sources": sources,
                "claimed_arrests": int(r["claimed_arrests"]) if r["claimed_arrests"] else None,
                "reviewed": r["reviewed"] == "yes",
            }
        )
    return out


def landmark_links() -> list[dict]:
    """Our reviewed links of FOIA arrest landmarks (data/landmark_links.csv): the strings the rule cannot settle
    (a county name found in two of the area's states, a jail another body runs, an ICE program named after a
    county), each with the state, county and agency it names, and why. `aor` empty: under any area."""
    from .landmarks import normal  # landmarks reads vocab; importing it here keeps this module's imports light

    out, seen = [], set()
    fips = state_fips()
    for line, r in enumerate(data_rows("landmark_links.csv"), start=2):
        bad = _complaint("landmark_links.csv", line, r["landmark"])
        key = (r["aor"].strip(), normal(r["landmark"]))
        if not key[1] or not r["reason"].strip() or not r["reason_es"].strip():
            raise bad("every row needs its landmark and its reason, in English and in Spanish (reason_es)")
        if key in seen:
            raise bad("listed twice")
        if r["state"] not in fips:
            raise bad(f"unknown state {r['state']!r}")
        if r["county_fips"] and not (r["county_fips"].isdigit() and r["county_fips"][:2] == fips[r["state"]]):
            raise bad(f"county {r['county_fips']!r} is not a county FIPS of {r['state']}")
        if r["agency_id"] and not r["agency_id"].startswith(f"{r['state']}/"):
            raise bad(f"agency {r['agency_id']!r} is not of {r['state']}")
        seen.add(key)
        out.append(
            {
                **r,
                "aor": key[0],
                "text": key[1],
                "county_fips": r["county_fips"] or None,
                "agency_id": r["agency_id"] or None,
            }
        )
    return out


def _complaint(table: str, line: int, key: str):
    def bad(why: str) -> ValueError:
        return ValueError(f"{table}: line {line} ({key}): {why}")

    return bad
