"""Agency names for matching: a normalised key, the distinctive part, and a similarity verdict.

A fuzzy score alone never merges two agencies ("Cobb" and "Crosby" score in the 90s on whole names):
callers combine `similarity()` with other evidence (same state, county, model, signing date, MOA file).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein

from .text import fold

# Spelled-out forms of the abbreviations ICE uses in agency names.
_EXPAND = {
    "dept": "department",
    "dep": "department",
    "departent": "department",
    "co": "county",
    "cnty": "county",
    "pd": "police department",
    "so": "sheriffs office",
    "sheriff": "sheriffs",
    "sherriffs": "sheriffs",
    "sheriffss": "sheriffs",
    "offic": "office",
    "st": "saint",
    "ste": "sainte",
    "ft": "fort",
    "twp": "township",
    "bocc": "board of county commissioners",
    "doc": "department of corrections",
    "dps": "department of public safety",
    "constables": "constable",
    "constabless": "constable",
    "constbales": "constable",
    "univ": "university",
    "couny": "county",
    "counry": "county",
    "conty": "county",
    "deparment": "department",
    "departmnet": "department",
    "polcie": "police",
    "polce": "police",
    "sherrifs": "sheriffs",
    "sherrif": "sheriffs",
    "sherifs": "sheriffs",
    "departement": "department",
    "distric": "district",
}
# Words that say what kind of body an agency is, not which one.
GENERIC = frozenset(
    [
        "county",
        "parish",
        "city",
        "town",
        "village",
        "borough",
        "township",
        "of",
        "the",
        "and",
        "sheriffs",
        "office",
        "department",
        "police",
        "services",
        "public",
        "safety",
        "state",
        "corrections",
        "correctional",
        "detention",
        "jail",
        "jails",
        "board",
        "commissioners",
        "commission",
        "division",
        "law",
        "enforcement",
        "agency",
        "district",
        "constable",
        "marshal",
        "marshals",
        "highway",
        "patrol",
        "bureau",
        "investigation",
        "authority",
        "facility",
        "center",
        "unit",
    ]
)
_TOKEN = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=1 << 14)
def tokens(name: str) -> tuple[str, ...]:
    text = unicodedata.normalize("NFKD", fold(name)).encode("ascii", "ignore").decode()
    text = text.replace("'", "").replace("&", " and ")
    out: list[str] = []
    for tok in _TOKEN.findall(text):
        out.extend(_EXPAND.get(tok, tok).split())
    return tuple(out)


@lru_cache(maxsize=1 << 15)
def name_key(name: str) -> str:
    """Equal keys mean the same name written differently (case, punctuation, abbreviations)."""
    return " ".join(tokens(name))


@lru_cache(maxsize=64)
def _state_words(state: str | None) -> frozenset[str]:
    from .vocab import state_names

    return frozenset(tokens(state_names().get(state or "", ""))) | {(state or "").lower()}


@lru_cache(maxsize=1 << 15)
def distinctive(name: str, state: str | None = None) -> str:
    """The part of a name that says which body it is ('harris' in 'Harris County Sheriff's Office').
    Within a state, the state's own name is not distinctive ('Virginia Department of Corrections')."""
    skip = GENERIC | _state_words(state)
    return " ".join(t for t in tokens(name) if t not in skip)


def kind(name: str) -> str:
    """The kind of body a name describes, to keep a sheriff's office apart from a county board or
    jail that signed in the same county."""
    t = set(tokens(name))
    for label, words in _KINDS:
        if t & words:
            return label
    return "other"


_KINDS = (
    ("prosecutor", {"attorney", "attorneys", "prosecutor", "prosecutors", "solicitor"}),
    ("school", {"university", "college", "school", "schools", "campus"}),
    ("board", {"board", "commissioners", "supervisors"}),
    ("corrections", {"corrections", "correctional", "jail", "detention", "rehabilitation"}),
    ("sheriff", {"sheriffs"}),
    ("constable", {"constable"}),
    ("police", {"police", "patrol", "trooper", "troopers"}),
)


def compatible_kinds(a: str, b: str) -> bool:
    ka, kb = kind(a), kind(b)
    return ka == kb or "other" in (ka, kb)


def generic(name: str) -> frozenset[str]:
    return frozenset(t for t in tokens(name) if t in GENERIC)


# words that name another place when added to a place name (North Palm Beach, West Palm Beach, New Hope)
PLACE_WORDS = frozenset({"north", "south", "east", "west", "new", "port", "upper", "lower"})


def similarity(a: str, b: str, state: str | None = None) -> str | None:
    """'same' (equal keys), 'strong' (distinctive parts equal or one typo apart, or one contains the
    other), 'weak' (distinctive parts alike), or None."""
    if name_key(a) == name_key(b):
        return "same"
    da, db = distinctive(a, state), distinctive(b, state)
    if not da and not db:  # e.g. "Department of Corrections" and "Virginia Department of Corrections"
        return "strong" if generic(a) == generic(b) else "weak" if compatible_kinds(a, b) else None
    if not da or not db:
        return None
    ta, tb = set(da.split()), set(db.split())
    if ta == tb:
        return "strong"
    if {t for t in ta if t.isdigit()} != {t for t in tb if t.isdigit()}:
        return None  # "Constable District 1" is not "Constable District 6"
    if (ta < tb or tb < ta) and min(len(ta), len(tb)) >= 2:  # "homeland security" / "homeland security thp"
        # ... but a place word makes another place: "West Palm Beach" is not "Palm Beach"
        return None if (ta ^ tb) & PLACE_WORDS else "strong"
    longest = max(len(da), len(db))
    if da[0] == db[0] and DamerauLevenshtein.distance(da, db) <= (1 if longest < 8 else 2):
        return "strong"
    if fuzz.token_set_ratio(da, db) >= 80:
        return "weak"
    return None


_COUNTY_WORDS = re.compile(r"\b(county|parish|borough|census area|city and borough|municipality|municipio|district)\b")


def county_name_key(name: str | None, keep_city: bool = True) -> str:
    """'St. Johns County' -> 'saint johns'. `keep_city` keeps Virginia's independent cities apart
    from the county of the same name ('Fairfax city' / 'Fairfax County'); without it, 'Hopewell
    County' and 'Hopewell city' are one place (for telling whether two rows name different counties)."""
    text = _COUNTY_WORDS.sub("", name_key((name or "").replace("-", " ")))
    if not keep_city:
        text = re.sub(r"\bcity\b", "", text)
    return " ".join(text.split())
