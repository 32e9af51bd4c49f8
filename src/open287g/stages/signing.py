"""The signing date an agreement shows: ICE's SIGNED value unless a reviewed correction or a clear rule
settles it otherwise. ICE's value is always kept beside it (signed_listed), with how it was settled.

Rule `moa_year`: the MOA's file name gives the same month and day one year later, and the agreement
was first listed near that later date, not the earlier one (Ottawa County SO, OK: SIGNED 2025-02-23,
MOA ..._02232026.pdf, first listed 2026-02-27). The opposite slip, a file name a year early beside a
SIGNED that matches the first listing (Nicholas County SO, WV: ..._01072025.pdf, signed and listed
2026-01-07), keeps SIGNED: ICE misdates file names too (DOMAIN 5.1).
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from ..domain import vocab
from ..domain.dates import year_apart
from ..domain.text import fold

NEAR_DAYS = 60  # a first listing this close to a date is "near" it
DISAGREE_DAYS = 14  # beyond this, the file name's date and SIGNED disagree (listed by `check`)


@cache
def fixes() -> dict[tuple[str, str, str, dt.date], tuple[dt.date, str]]:
    """(state, agency folded, model, ICE's SIGNED) -> (signing date, reason), from the reviewed table."""
    out = {}
    for row in vocab.data_rows("signed_date_fixes.csv"):
        if not all(row[k] for k in ("state", "agency", "model", "listed_signed", "signed", "reason")):
            raise ValueError(f"signed_date_fixes.csv: incomplete row {row}")
        key = (row["state"], fold(row["agency"]), row["model"], dt.date.fromisoformat(row["listed_signed"]))
        out[key] = (dt.date.fromisoformat(row["signed"]), row["reason"])
    return out


def settle(
    state: str,
    names: list[str],
    model: str | None,
    signed: dt.date | None,
    first_listed: dt.date | None,
    moa_date: dt.date | None,
) -> tuple[dt.date | None, str, str | None]:
    """(signing date, basis, reason): basis 'listed' (ICE's SIGNED), 'reviewed' or 'moa_year'."""
    if signed is None:
        return None, "listed", None
    for name in names:
        found = fixes().get((state, fold(name), model or "", signed))
        if found:
            return found[0], "reviewed", found[1]
    if (
        moa_date is not None
        and first_listed is not None
        and moa_date > signed
        and year_apart(signed, moa_date)
        and abs((first_listed - moa_date).days) <= NEAR_DAYS
        and (first_listed - signed).days > NEAR_DAYS
    ):
        return (
            moa_date,
            "moa_year",
            f"SIGNED {signed} is a year before the MOA's {moa_date}, near which it was first listed",
        )
    return signed, "listed", None
