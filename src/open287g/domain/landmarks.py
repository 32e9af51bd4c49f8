"""What an arrest's landmark names (FOIA releases, DOMAIN §5.2): the free text an ICE officer typed for where an
arrest happened, e.g. "GWINNETT COUNTY JAIL - 287(G)", "287(G)-PASCO COUNTY SHERIFF'S OFFICE", "ROME, GA",
"DTN GENERAL AREA, NON-SPECIFIC".

`read(landmark)` says what kind of place the text names and the county, city and state it gives, without
deciding which county that is: the linking stage (stages/landmarks.py) looks the names up among the states of the
arrest's area of responsibility, so "WAKE COUNTY JAIL" under Atlanta is Wake County, North Carolina, and
"WASHINGTON COUNTY JAIL" there (Georgia and North Carolina both have one) is left unlinked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from .vocab import state_names

# the kinds of landmark, in the order they are tested (the first that fits wins)
KINDS = ("nonspecific", "federal", "state_facility", "other", "jail", "agency", "place")

_TAGS = re.compile(r"\b287\s*\(?\s*G\s*\)?(?=\W|$)|\bJEO\b|\bPROGRAM\b")
_PREFIX = re.compile(r"^(?:CAP|LEAR|FTM|JAC|[A-Z]{3}GEN)\s*-\s*|^CAP\s+(?=[A-Z])")
_WORDS = {  # kind -> words that make the landmark that kind
    "nonspecific": r"GENERAL AREA|NON-SPECIFIC|DO NOT USE|FUGITIVE OPERATIONS|\bERO\b|CAP PROCESSING|CAP-AT-LARGE|"
    r"FIELD ARREST|ICE OFFICE|DETENTION AND REMOVAL|NON-DETAINED|SECURE COMMUNITIES|CALL IN|^$",
    "federal": r"MARSHALS? SERVICE|\bU\.?S\.? MARSHALL?S?\b|UNITED STATES? MARSHALL?S?\b|\bUSMS\b|\bBOP\b|FEDERAL|"
    r"\bFCI\b|UNITED STATES? OFFICE|\bSPC\b|CONTRACT DET|CORNELL CORRECTIONS|CORECIVIC|GEO GROUP|REPROCESSED",
    "state_facility": r"DEPARTMENT OF CORRECTIONS?|DEPT\.? OF CRIMINAL JUSTICE|\bDOC\b|\bNDOC\b|\bADOC\b|\bTDCJ\b|"
    r"\bFLDOC\b|STATE PRISON|"
    r"STATE JAIL|CORRECTIONAL (?:CENTER|INSTITUTION)|\bMCI\b|\bNCCI\b|TREATMENT CENTER|STATE FACILITY|"
    r"CORRECTIONS CORPORATION",
    "other": r"COURT|PROBATION|PAROLE",
    "jail": r"JAIL|DETENTION|SHERIFF|\bS\.?O\b|\bHOC\b|PRISON|CORRECTION|INTAKE",
    "agency": r"POLICE|\bPD\b",
}
_KIND_RE = {k: re.compile(v) for k, v in _WORDS.items()}
_COUNTY_BODY = re.compile(r"\b(?:COUNTY|PARISH)\s+(?:DOC|DEPARTMENT OF CORRECTIONS?|CORRECTION)")  # a county's jail
_COUNTY = re.compile(r"^(.*?)\s*\b(COUNTY|CNTY|CTY|PARISH)\b")
_CITY_OF = re.compile(r"^CITY OF ([A-Z .'\-]+?)(?:\s+(?:DETENTION|JAIL|POLICE)\b|$)")
_CITY_BODY = re.compile(r"^([A-Z .'\-]+?)\s+(?:CITY\s+)?(?:JAIL|POLICE DEPARTMENT|POLICE|PD|DETENTION CENTER)\b")
_SEGMENTS = re.compile(r"\s*(?:[,;()/]|\s-\s|-(?=[A-Z]{2,}\b))\s*")


@dataclass(frozen=True)
class Landmark:
    text: str  # upper case, spaces collapsed: what the reviewed table is keyed by
    kind: str  # one of KINDS
    counties: tuple[str, ...]  # county names the text gives, candidate spellings longest first ("EAST BATON ROUGE")
    city: str | None  # a city the text gives ("ROME" of "ROME, GA")
    state: str | None  # a state the text gives ("GA"), else None


def normal(landmark: str) -> str:
    return " ".join(landmark.upper().split())


def read(landmark: str) -> Landmark:
    text = normal(landmark)
    core = _PREFIX.sub("", " ".join(_TAGS.sub(" ", text).split())).strip(" -")
    segments = [s for s in _SEGMENTS.split(core) if s]
    state = _state(segments)
    kind = next(k for k in KINDS if k == "place" or _KIND_RE[k].search(core))
    if kind == "state_facility" and _COUNTY_BODY.search(core):  # "HALL COUNTY DEPARTMENT OF CORRECTIONS"
        kind = "jail"
    counties: tuple[str, ...] = ()
    city = None
    for seg in segments:
        if m := _COUNTY.match(seg):
            words = _strip_state(m.group(1)).split()  # tails, longest first: "TX HARRIS" then "HARRIS"
            counties = tuple(" ".join(words[i:]) for i in range(max(0, len(words) - 5), len(words)))
            break
    if not counties:
        head = _strip_state(segments[0]) if segments else ""
        if m := _CITY_OF.match(head) or _CITY_BODY.match(head):
            city = m.group(1).strip()
        elif kind == "place" and head and len(segments) <= 3:
            city = head  # "ROME, GA", "BALTIMORE CITY MD"
    return Landmark(text, kind, counties, city, state)


def _state(segments: list[str]) -> str | None:
    """A state named at the end of a segment: "ROME, GA", "- VA", "(SC)", "TEXAS", "NE STATE"."""
    codes, names = _states()
    for seg in reversed(segments):
        words = seg.split()
        if not words:
            continue
        if words[-1] == "STATE" and len(words) >= 2:
            words = words[:-1]
        if words[-1] in codes and (words[-1] != "CO" or len(words) == 1):  # "WALKER CO" is a county
            return words[-1]
        for n in (2, 1, 3):
            if len(words) >= n and " ".join(words[-n:]) in names:
                return names[" ".join(words[-n:])]
    return None


def _strip_state(segment: str) -> str:
    codes, names = _states()
    words = segment.split()
    if words and words[-1] == "STATE":
        words = words[:-1]
    if len(words) > 1 and words[-1] in codes and words[-1] != "CO":
        words = words[:-1]
    for n in (2, 1):
        if len(words) > n and " ".join(words[-n:]) in names:
            words = words[:-n]
    return " ".join(words)


@cache
def _states() -> tuple[frozenset[str], dict[str, str]]:
    names = state_names()
    return frozenset(names), {name.upper(): code for code, name in names.items()}
