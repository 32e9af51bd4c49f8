"""What a change of MOA link means, read from the file names (domain/moa_names.py).

* mislinked: the file names another agency of the same state and not this one (ICE pasted a
  neighbour's MOA into the row): flagged, not recorded as the agreement's MOA;
* renewed: the file names this agency and encodes a signing date well after the agreement's own and
  after the file it replaces (Jacksonville Sheriff's Office FL JEM, signed 2020-06-09, re-linked on
  2026-04-21 to JacksonvilleCoFL_JEM_MOA_04052026.pdf): ICE re-signed without re-dating the row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from ..domain import moa_names
from ..domain.dates import year_apart

RENEWAL_DAYS = 180  # a later file this long after the signing (and the file it replaces) is a renewal


@dataclass(frozen=True)
class Judgement:
    kind: str | None  # 'mislinked' | 'renewed' | None (an ordinary posting or change)
    moa_date: dt.date | None = None  # the day the file name encodes (None when it gives less)
    other: str | None = None  # for "mislinked": what the file names instead (an agency's listed name)


@cache
def read(url: str | None) -> moa_names.MoaName | None:
    return moa_names.parse(url)


def file_date(url: str | None) -> dt.date | None:
    """The signing date a file name encodes, to the day (None when it gives less, or nothing sure)."""
    moa = read(url)
    if moa is None or moa.date_ambiguous or moa.date_precision != "day":
        return None
    return moa.date


class MoaJudge:
    """Judges links against the names every agency that signed was listed under, per state."""

    def __init__(self, names_by_state: dict[str, list[tuple[str, str, frozenset[str]]]]) -> None:
        self.names_by_state = names_by_state  # state -> [(agency id, listed name, models it signed)]

    def other_agency(
        self, url: str, state: str, agency_id: str, own_names: set[str], model: str | None, signed: dt.date | None
    ) -> str | None:
        """What the file names instead of this agency, when it names none of its names: another agency
        of the state that signed the file's model, or a body in another state. None when it may be
        this agency's own (a state typed wrong beside the agency's own words). A date equal to the
        row's SIGNED proves nothing: ICE copied the neighbour's date with its link (Melbourne Beach)."""
        moa = read(url)
        if moa is None:
            return None
        if any(moa_names.names_agency(moa, state, n) is not False for n in own_names):
            return None
        if moa.state and moa.state != state:
            same_model = not (moa.model and model and moa.model != model)
            if same_model and any(moa_names.names_agency(moa, moa.state, n) for n in own_names):
                return None  # its own MOA, the state mistyped in the file name (Crow Wing County, MN)
            return f"a body in {moa.state}"  # Lancaster County SO, PA, linked to Lancaster County, SC's WSO
        for other_id, name, models in self.names_by_state.get(state, []):
            if other_id == agency_id or (moa.model and moa.model not in models):
                continue
            if moa_names.names_agency(moa, state, name):
                return name
        return None

    def judge(
        self,
        url: str,
        previous_url: str | None,
        state: str,
        agency_id: str,
        own_names: set[str],
        model: str | None,
        signed: dt.date | None,
    ) -> Judgement:
        other = self.other_agency(url, state, agency_id, own_names, model, signed)
        if other is not None:
            return Judgement("mislinked", file_date(url), other)
        new = file_date(url)
        moa = read(url)
        if previous_url is None or new is None or moa is None or (moa.model and model and moa.model != model):
            return Judgement(None, new)
        since = max((d for d in (signed, file_date(previous_url)) if d), default=None)
        if since is not None and (new - since).days >= RENEWAL_DAYS and not year_apart(since, new):
            return Judgement("renewed", new)
        return Judgement(None, new)
