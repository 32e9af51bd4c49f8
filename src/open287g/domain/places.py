"""How people write a place, read back into a county: "Harris County, TX", "harris county texas",
"condado de Miami-Dade", "Mecklenburg", "48201".

A query is folded (accents, case, punctuation) and split into the place's own words, the state it
names (after a comma, or as its last words) and a 5-digit FIPS code. The words that only say what kind
of place it is (county, parish, borough, condado, parroquia, municipio) are not part of the name, so
"Cook County" and "condado Cook" are both Cook, and never Cooke: names are compared word for word.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from . import vocab

# Words that say what kind of place a name is, in English and Spanish (Puerto Rico's municipios)
KIND_WORDS = frozenset(
    {
        "county",
        "counties",
        "parish",
        "borough",
        "census",
        "area",
        "municipality",
        "condado",
        "condados",
        "parroquia",
        "municipio",
        "city and borough",
    }
)
_SPANISH_OF = re.compile(r"\b(condado|parroquia|municipio)\s+(de|del|de la)\b")
_FIPS = re.compile(r"\d{5}")


def fold(text: str) -> str:
    """Lower case, accents off, every run of other characters one space ("Doña Ana" -> "dona ana")."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain.lower().replace("'", "").replace("’", "")).split())


def name_words(name: str) -> tuple[str, ...]:
    """A county's own words, without the word for its kind ("Miami-Dade County" -> ("miami", "dade"))."""
    return tuple(w for w in fold(name).split() if w not in KIND_WORDS)


@dataclass(frozen=True)
class PlaceQuery:
    words: tuple[str, ...]  # the place's own words
    state: str | None  # the two-letter code it names
    fips: str | None  # a 5-digit county FIPS it is


def read_query(text: str) -> PlaceQuery:
    raw = text.strip()
    if _FIPS.fullmatch(raw):
        return PlaceQuery((), None, raw)
    state = None
    head, sep, tail = raw.rpartition(",")
    if sep and (code := vocab.state_code(tail.strip())):
        raw, state = head, code
    words = _SPANISH_OF.sub(r"\1", fold(raw)).split()
    if state is None:  # a state as the last words ("harris county texas", "cook il")
        for n in (3, 2, 1):
            if len(words) > n and (code := vocab.state_code(" ".join(words[-n:]))):
                words, state = words[:-n], code
                break
    return PlaceQuery(tuple(w for w in words if w not in KIND_WORDS), state, None)


def match(query: PlaceQuery, name: str) -> int:
    """How well a county's name fits the query's words: 3 the same words, 2 every word of the query a
    word of the name (condado Miami: Miami-Dade), 1 the last word only begun (Mecklen), 0 not at all."""
    own = name_words(name)
    if not query.words or not own:
        return 0
    if own == query.words or "".join(own) == "".join(query.words):  # De Kalb / DeKalb
        return 3
    if all(w in own for w in query.words):
        return 2
    *whole, last = query.words
    if len(last) >= 3 and all(w in own for w in whole) and any(w.startswith(last) for w in own):
        return 1
    return 0
