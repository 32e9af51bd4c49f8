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

RENEWAL_DAYS = 180  # a later file this long after the signing (and the file it replaces) is a renewal


@dataclass(frozen=True)
class Judgement:
    kind: str | None  # 'mislinked' | 'renewed' | None (an ordinary posting or change)
    moa_date: dt.date | None = None  # the date the file name encodes, when it gives a day or a month
    names: str | None = None  # for 'mislinked': the listed name of the agency the file names


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
    """Judges links against the names every agency of a state was listed under."""

    def __init__(self, names_by_state: dict[str, list[tuple[str, str]]]) -> None:
        self.names_by_state = names_by_state  # state -> [(agency id, listed name)]

    def other_agency(self, url: str, state: str, agency_id: str, own_names: set[str]) -> str | None:
        """The listed name of another agency of the state that the file names, when it names none of
        this agency's names."""
        moa = read(url)
        if moa is None or any(moa_names.names_agency(moa, state, n) is not False for n in own_names):
            return None
        for other_id, name in self.names_by_state.get(state, []):
            if other_id != agency_id and moa_names.names_agency(moa, state, name):
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
        other = self.other_agency(url, state, agency_id, own_names)
        if other is not None:
            return Judgement("mislinked", file_date(url), other)
        new = file_date(url)
        moa = read(url)
        if previous_url is None or new is None or moa is None or (moa.model and model and moa.model != model):
            return Judgement(None, new)
        since = max((d for d in (signed, file_date(previous_url)) if d), default=None)
        if since is not None and (new - since).days >= RENEWAL_DAYS:
            return Judgement("renewed", new)
        return Judgement(None, new)
