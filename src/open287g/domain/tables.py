"""Domain facts shipped as reviewed data and loaded into the warehouse as tables."""

from __future__ import annotations

import datetime as dt

from .vocab import MODELS, data_rows, state_names

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


def _complaint(table: str, line: int, key: str):
    def bad(why: str) -> ValueError:
        return ValueError(f"{table}: line {line} ({key}): {why}")

    return bad
