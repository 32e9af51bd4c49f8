"""What an MOA file name says: the agency's words, its state, the model and a date.

ICE names its MOA PDFs by hand, in a few eras (DOMAIN §5.1): `287gJEM_JacksonvilleCoFl2020-06-09.pdf`
(2016-2020), `JacksonvilleCoFL_JEM_MOA_04052026.pdf` (2025+) and many variants (`HardeeCountyFL_5.8.25`,
`Alachua_PD_FL_signed_7_2_25`, `University-of-CentralFloridaPoliceDepartment-FL-TFM-07302025`). The name
is evidence about the document, never the truth: the date in it may be a slip, and the agency in it may
be a neighbour's (ICE linking the wrong MOA), which is what `names_agency` is for.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from rapidfuzz.distance import DamerauLevenshtein, Indel

from . import names
from .links import unwrap
from .vocab import state_names


@dataclass(frozen=True)
class MoaName:
    file: str  # the file name, percent-decoded
    agency_words: tuple[str, ...]  # as written, camel case split: ("Melbourne", "Beach", "Police", "Dept")
    state: str | None  # 2-letter postal code
    model: str | None  # JEM / TFM / WSO; None when absent or when two are named
    date: dt.date | None  # day, first of the month (precision 'month') or 1 January ('year')
    date_precision: str | None  # 'day' | 'month' | 'year' | None
    date_text: str | None  # the characters the date was read from, e.g. '05.05.25'
    date_format: str | None  # how they were read ('MMDDYYYY', 'M.D.YY', 'MMDD+slipped year', ...)
    date_candidates: tuple[dt.date, ...]  # every day-precise reading when the text allows several
    pattern: str  # '287g' (2016-2020 prefix), 'moa' (names the document 'MOA'), 'plain'

    @property
    def date_ambiguous(self) -> bool:
        return len(self.date_candidates) > 1 or (self.date_precision == "month" and bool(self.date_candidates))


_YEARS = range(2000, 2040)  # any 287(g) MOA; outside this a digit string is not a year
_MODEL_WORDS = {"JEM": "JEM", "TFM": "TFM", "WSO": "WSO", "TF": "TFM"}
# Words ICE adds around the agency that are not part of its name.
_NOISE = frozenset({"moa", "lea", "signed", "ice", "between", "287g", "2878g", "508", "pdf"})

_DATE = re.compile(
    r"(?<!\d)(?:"
    r"(?P<iso>(?P<iy>20\d\d)-(?P<im>\d{1,2})-(?P<id>\d{1,2}))"
    r"|(?P<sep>(?P<sm>\d{1,2})(?P<s>[._-])(?P<sd>\d{1,2})(?P=s)(?P<sy>\d{4}|\d{2}))"
    r"|(?P<run>\d{6,9})"
    r")(?!\d)"
)
_YEAR_ONLY = re.compile(r"[-_](20\d\d)$")
# Camel-case words: a plural acronym ("DAsOffice"), an upper-case run before a capitalised word
# ("DAKOTA|County"), a run, a word, digits.
_WORD = re.compile(r"[A-Z]{2,}s(?![a-z])|[A-Z]+(?=[A-Z][a-z])|[A-Z][a-z]+|[A-Z]+|[a-z]+|\d+[a-z]*")
_SPLIT = re.compile(r"[\s_\-.,%()]+")


def parse(url_or_name: str | None) -> MoaName | None:
    """Read an MOA link (ICE URL, SafeLinks-wrapped, web.archive.org) or a bare file name; None when
    there is no file name at all (empty input, a SafeLinks wrapper without its target)."""
    file = file_name(url_or_name)
    return _parse(file) if file else None


def file_name(url_or_name: str | None) -> str | None:
    url, _ = unwrap(url_or_name)
    if not url:
        return None
    if urlsplit(url).netloc.lower().endswith("safelinks.protection.outlook.com"):
        return None  # a wrapper whose target is missing: its own path names nothing
    name = url if "://" not in url else urlsplit(url).path
    for _ in range(3):  # some targets were encoded twice ("%2520")
        name = unquote(name.rsplit("/", 1)[-1])
        if "%" not in name and "/" not in name:
            break
    name = name.strip()
    return name or None


@lru_cache(maxsize=1 << 12)
def _parse(file: str) -> MoaName:
    stem = re.sub(r"(\.pdf)+$", "", file, flags=re.I)
    date: dt.date | None = None
    precision: str | None = None
    text: str | None = None
    fmt: str | None = None
    candidates: tuple[dt.date, ...] = ()
    rest = stem
    if found := list(_DATE.finditer(stem)):
        m = found[-1]  # the date closes the name; earlier digits are the agency's ("Precinct2", "16th")
        text = m[0]
        date, precision, fmt, candidates = _read_date(m)
        rest = stem[: m.start()]  # what follows is not the agency ("…_021826t", "…_02.28.25 508")
    elif y := _YEAR_ONLY.search(stem):
        text, fmt = y[1], "YYYY"
        date, precision = dt.date(int(y[1]), 1, 1), "year"
        rest = stem[: y.start()]

    words = _words(rest)
    pattern = "287g" if words and words[0].lower() in ("287g", "2878g") else "plain"
    if any(w.upper() == "MOA" for w in words):
        pattern = "moa" if pattern == "plain" else pattern
    models = {_MODEL_WORDS[w] for w in words if w in _MODEL_WORDS}
    if pattern != "287g" and (at := next((i for i, w in enumerate(words) if w in _MODEL_WORDS), 0)):
        words = words[:at]  # after the model come only MOA, LEA, or a name cut short ("…FL_JEM_MO")
    words = [w for w in words if w not in _MODEL_WORDS and w.lower() not in _NOISE]
    state, words = _state(words, pattern == "287g")
    return MoaName(
        file=file,
        agency_words=tuple(words),
        state=state,
        model=models.pop() if len(models) == 1 else None,
        date=date,
        date_precision=precision,
        date_text=text,
        date_format=fmt,
        date_candidates=candidates,
        pattern=pattern,
    )


def _words(text: str) -> list[str]:
    out: list[str] = []
    for seg in _SPLIT.split(text):
        # slips of the shift key: "CItySunnyIsles", "PIttsburgh", "hIllsborough"
        seg = re.sub(r"^([A-Za-z])([A-Z])(?=[a-z])", lambda m: m[1] + m[2].lower(), seg)
        seg = re.sub(r"DoC(?![a-z])", "DOC", seg)  # "UtahDoC"
        out.extend(_WORD.findall(seg))
    return out


def _day(y: int, m: int, d: int) -> dt.date | None:
    if y not in _YEARS:
        return None
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)


def _read_date(m: re.Match[str]) -> tuple[dt.date | None, str | None, str | None, tuple[dt.date, ...]]:
    """(date, precision, format, candidates) from one match of _DATE."""
    if m["iso"]:
        d = _day(int(m["iy"]), int(m["im"]), int(m["id"]))
        return d, "day" if d else None, "YYYY-MM-DD", ()
    if m["sep"]:
        d = _day(_year(m["sy"]), int(m["sm"]), int(m["sd"]))
        s = m["s"]
        fmt = s.join(("M" * len(m["sm"]), "D" * len(m["sd"]), "Y" * len(m["sy"])))
        return d, "day" if d else None, fmt, ()
    return _read_run(m["run"])


def _read_run(s: str) -> tuple[dt.date | None, str | None, str | None, tuple[dt.date, ...]]:
    """A run of 6-9 digits. Every reading the digits allow is tried; a date is given only when they
    agree (to the day, or to the month: '032025' is 20 March 2025 as MMDDYY or March 2025 as MMYYYY)."""
    readings: list[tuple[str, dt.date | None]] = []
    if len(s) == 8:
        readings.append(("MMDDYYYY", _day(int(s[4:]), int(s[:2]), int(s[2:4]))))
    if len(s) == 6:
        readings.append(("MMDDYY", _day(2000 + int(s[4:]), int(s[:2]), int(s[2:4]))))
        if s[2:4] == "20" and (month := _day(int(s[2:]), int(s[:2]), 1)):
            readings.append(("MMYYYY", month))
    if len(s) == 7:  # a leading zero dropped from the month or the day
        readings.append(("MDDYYYY", _day(int(s[3:]), int(s[0]), int(s[1:3]))))
        readings.append(("MMDYYYY", _day(int(s[3:]), int(s[:2]), int(s[2]))))
    if len(s) in (7, 9) or (len(s) == 8 and not readings[0][1]):
        # the year typed with a digit missing or doubled ("0508025", "022202026")
        for y in _slipped_years(s[4:]):
            readings.append(("MMDD+slipped year", _day(y, int(s[:2]), int(s[2:4]))))
    valid = [(f, d) for f, d in readings if d]
    days = tuple(sorted({d for f, d in valid if f != "MMYYYY"}))
    if not valid:
        return None, None, None, ()
    if len(valid) == 1:
        fmt, d = valid[0]
        return d, "month" if fmt == "MMYYYY" else "day", fmt, ()
    fmts = "|".join(dict.fromkeys(f for f, _ in valid))
    months = {(d.year, d.month) for _, d in valid}
    if len(months) == 1:  # readings agree on the month only
        y, mo = months.pop()
        return dt.date(y, mo, 1), "month", fmts, days
    return None, None, fmts, days


def _slipped_years(text: str) -> set[int]:
    """Years 20YY one keystroke away from `text` (a digit left out or typed twice)."""
    found: set[int] = set()
    if len(text) == 3:
        found = {int(text[:i] + c + text[i:]) for i in range(4) for c in "0123456789"}
    elif len(text) == 5:
        found = {int(text[:i] + text[i + 1 :]) for i in range(5)}
    return {y for y in found if y in _YEARS}


@lru_cache(maxsize=1)
def _state_name_words() -> dict[str, str]:
    """'southdakota' -> 'SD': state names as they appear run together in file names."""
    return {name.lower().replace(" ", ""): code for code, name in state_names().items()}


# Upper-case runs that begin with a state and end with what the agency is ("VADOC", "NHSPD", "LASO").
_STATE_PREFIXED = re.compile(r"^([A-Z]{2})(DOC|SO|PD|SPD|DPS)$")
_COUNTY_WORDS = frozenset({"co", "county", "cnty", "parish"})


def _state(words: list[str], old_era: bool) -> tuple[str | None, list[str]]:
    """The state the words name, and the words without its code. Codes are read only where ICE puts
    them: after the agency (a separate upper-case word or the end of an upper-case run: 'PDFL', 'DCKY'),
    title case glued to the date in the 2016-2020 names ('Fl2020-06-09'), or a state's name opening a
    state agency's name ('FloridaDFS', but not 'WashingtonCo')."""
    codes = state_names()
    if not words:
        return None, words
    last = words[-1]
    if last.isupper() and len(last) >= 2 and last[-2:] in codes:
        return last[-2:], [*words[:-1], last[:-2]] if len(last) > 2 else words[:-1]
    for i in range(len(words) - 1, -1, -1):
        if words[i].isupper() and len(words[i]) == 2 and words[i] in codes:
            return words[i], words[:i] + words[i + 1 :]
    # title case glued to the date in 2016-2020 names ("CoFl2020-06-09"), or a lower-case segment ("-tx-")
    if ((old_era and last.istitle()) or last.islower()) and len(last) == 2 and last.upper() in codes:
        if last == "Co" and words[-2:-1] not in (["Co"], ["County"]):
            return None, words  # "BlaineCo" is a county; "TellerCoCo" is Teller County, Colorado
        return last.upper(), words[:-1]
    for i, w in enumerate(words):
        if (m := _STATE_PREFIXED.match(w)) and m[1] in codes:
            return m[1], [*words[:i], m[2], *words[i + 1 :]]
    lowered = [w.lower() for w in words]
    for n in (1, 2, 3):  # "Florida", "SouthDakota", "DistrictOfColumbia"
        code = _state_name_words().get("".join(lowered[:n]))
        if code and (len(words) == n or lowered[n] not in _COUNTY_WORDS):
            return code, words
    return None, words


# ---------------------------------------------------------------------------------------------------
# Does the file name name this agency?

# Abbreviations in file names (and slips in listed names) that names.tokens does not spell out; it
# already knows Co, SO, PD, Dept, Twp, Cnty, DOC, DPS, St, Ft, Univ.
_EXPAND = {
    "svcs": "services",
    "svc": "services",
    "inv": "investigation",
    "div": "division",
    "enf": "enforcement",
    "corr": "corrections",
    "correction": "corrections",
    "ctr": "center",
    "cntr": "center",
    "det": "detention",
    "sec": "security",
    "hwy": "highway",
    "hghwy": "highway",
    "reg": "regional",
    "nat": "national",
    "natl": "national",
    "fin": "financial",
    "commish": "commission",
    "sherrifs": "sheriffs",
    "sheriffoffice": "sheriffs office",
    "departement": "department",
    "distric": "district",
    "twnshp": "township",
    "pct": "precinct",
    "environ": "environmental",
    "protect": "protection",
    "crim": "criminal",
    "mil": "military",
    "da": "district attorney",
    "das": "district attorneys",
    "dc": "detention center",
    "doj": "department of justice",
    "mpd": "metropolitan police department",
    "spd": "state police department",
    "cja": "criminal justice authority",
    "ag": "agricultural",
    "cityof": "city of",
    "townof": "town of",
    "villageof": "village of",
    "nw": "northwest",
    "sw": "southwest",
    "se": "southeast",
    # old abbreviations of state names
    "ariz": "arizona",
    "mass": "massachusetts",
    "neb": "nebraska",
    "fla": "florida",
    "tenn": "tennessee",
}
# Words that say what kind of body, beyond names.GENERIC. "Precinct 2" is compared by its number; a
# sheriff's task force MOA ("UnionTaskForce287g") names the sheriff's office.
_ALSO_GENERIC = frozenset(
    {"precinct", "office", "offices", "regional", "metro", "metropolitan", "rehabilitation", "addendum"}
    | {"trustees", "task", "force"}
)
_SMALL = frozenset({"of", "the", "and", "for", "at", "in"})
# Abbreviations ICE runs together in one upper-case word: "COSO", "STUARTPD", "PDARPD", "CNMIDOC".
# Not "DA", "DC" or "CO": upper-case words end so ("FLORIDA", "MEXICO").
_RUN_SUFFIXES = frozenset({"PD", "SO", "DOC", "DPS", "SPD", "MPD"})


def names_agency(moa: MoaName, state: str | None, agency_name: str) -> bool | None:
    """Whether the file name names this agency (its state and its listed name); None when the file name
    carries no agency words. Once abbreviations and run-together words are spelt out, the distinctive
    words (not 'county', 'police', ...) must be the same, in order, up to one slip of the keyboard in a
    long word; and the state (when both say one), the numbers (precincts, districts), the kind of body
    (sheriff, police, jail, board, ...) and county against town must not conflict. A neighbour differs
    in a word: 'Melbourne Beach' is not 'Melbourne', 'Parker' is not 'Parmer', 'Bradford County' is not
    the 'Bradford Police Department'."""
    if not moa.agency_words:
        return None
    if moa.state and state and moa.state != state:
        return False
    state = state or moa.state
    theirs = _normalised(" ".join(w2 for w in moa.agency_words for w2 in _split_run(w)), state)
    ours = _normalised(agency_name, state)
    theirs = _acronyms(theirs, ours, moa.agency_words)
    if _conflict(theirs, ours):
        return False
    school = bool(_bodies(theirs) & _bodies(ours) & {"school"})  # "University of Florida" keeps "florida"
    a, b = _distinctive(theirs, state, school), _distinctive(ours, state, school)
    if _numbers(b) and _numbers(a) != _numbers(b):
        return False  # "Constable District 1" is not "Constable District 6", nor the county's file
    a, b = [t for t in a if not t[0].isdigit()], [t for t in b if not t[0].isdigit()]
    if not a or not b:
        if a or b:
            return False
        # only kind words on both sides ("GeorgiaDOC", "floridaHighwayPatrol"): the same ones
        weak = _SMALL | _state_words(state) | {"office", "state", "department"}
        return set(theirs) - weak == set(ours) - weak
    if a == b:
        return True
    # A file naming only a county ("OkmulgeeCoOK", 2020) names any body whose name starts with it.
    if set(theirs) - set(a) - _SMALL <= {"county", "parish"} and _starts(ours, [*a, "county"]):
        return True
    # One slip in one long word ("Okechobee", "Mantiowoc"); a letter changed makes another name
    # (Parker / Parmer, Waller / Walker, Atlantis / Atlantic), and short names are not forgiven (Bee / Lee,
    # Coke / Cooke).
    if len(a) != len(b):
        return "".join(a) == "".join(b)  # "De Kalb" / "DeKalb", "Mc Minn" / "McMinn"
    differ = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return len(differ) == 1 and _one_slip(*differ[0])


def _one_slip(x: str, y: str) -> bool:
    if x[0] != y[0]:
        return False
    if abs(len(x) - len(y)) == 1:
        return max(len(x), len(y)) >= 7 and Indel.distance(x, y) == 1  # a letter left out or doubled
    if len(x) != len(y) or len(x) < 6 or DamerauLevenshtein.distance(x, y) != 1:
        return False
    changed = [(p, q) for p, q in zip(x, y, strict=True) if p != q]
    return sorted(x) == sorted(y) or (len(changed) == 1 and set(changed[0]) <= set("aeiou"))  # swapped, a vowel


# Words that say which kind of body; two names whose kinds are disjoint name two bodies (a county's
# sheriff and its jail, a department of corrections and one of public safety).
_BODY_WORDS = {
    "corrections": "jail",
    "correctional": "jail",
    "jail": "jail",
    "detention": "jail",
    "rehabilitation": "jail",
    "prison": "jail",
    "sheriffs": "sheriff",
    "police": "police",
    "patrol": "police",
    "trooper": "police",
    "troopers": "police",
    "safety": "police",  # a department of public safety is the town's police
    "constable": "constable",
    "board": "board",
    "commissioners": "board",
    "commission": "board",
    "attorney": "prosecutor",
    "attorneys": "prosecutor",
    "prosecutor": "prosecutor",
    "solicitor": "prosecutor",
    "marshal": "marshal",
    "marshals": "marshal",
    "investigation": "investigation",
    "university": "school",
    "college": "school",
    "school": "school",
}
_TOWN_WORDS = frozenset({"city", "town", "village", "borough", "township"})
_COUNTY = frozenset({"county", "parish"})


def _bodies(tokens: tuple[str, ...]) -> set[str]:
    return {_BODY_WORDS[t] for t in tokens if t in _BODY_WORDS}


def _conflict(theirs: tuple[str, ...], ours: tuple[str, ...]) -> bool:
    ka, kb = _bodies(theirs), _bodies(ours)
    if ka and kb and not ka & kb:
        return True
    # a county against a town or a town's police ("BradfordCountyPA" / "Bradford Police Department")
    for x, y, ky in ((theirs, ours, kb), (ours, theirs, ka)):
        if _COUNTY & set(x) and not _COUNTY & set(y) and (_TOWN_WORDS & set(y) or ky == {"police"}):
            return True
    ta, tb = _TOWN_WORDS & set(theirs), _TOWN_WORDS & set(ours)
    return bool(ta and tb and not ta & tb)  # "Mahanoy City Borough" is not "Mahanoy Township"


def _split_run(word: str) -> list[str]:
    if not (word.isupper() and len(word) > 2) or word.lower() in _EXPAND:
        return [word]
    tail: list[str] = []
    while len(word) > 2:
        for n in (3, 2):
            head, suffix = word[:-n], word[-n:]
            if len(head) >= 2 and (suffix in _RUN_SUFFIXES or (suffix in state_names() and head in _RUN_SUFFIXES)):
                tail.insert(0, suffix)
                word = head
                break
        else:
            break
    return [word, *tail]


@lru_cache(maxsize=1 << 14)
def _normalised(text: str, state: str | None) -> tuple[str, ...]:
    """Tokens with abbreviations spelt out, the state's code as its name ("UnivFLPD")."""
    text = re.sub(r"\b(\w)\s*&\s*(\w)\b", r"\1\2", text)  # "A&M" as ICE runs it together: "AM"
    code = (state or "").lower()
    out: list[str] = []
    for t in names.tokens(text):
        if t == code:
            out.extend(names.tokens(state_names().get(state or "", t)))
        else:
            out.extend(names.tokens(_EXPAND[t]) if t in _EXPAND else [t])
    return tuple(out)


def _acronyms(theirs: tuple[str, ...], ours: tuple[str, ...], written: tuple[str, ...]) -> tuple[str, ...]:
    """Spell out an upper-case word of the file name ('DFS') when it is the initials of consecutive words
    of the listed name ('Department of Financial Services')."""
    runs = {w.lower() for w in written if w.isupper() and 2 <= len(w) <= 6}
    if not runs:
        return theirs
    words = [t for t in ours if t not in _SMALL]
    initials = "".join(t[0] for t in words)
    out: list[str] = []
    for t in theirs:
        at = initials.find(t) if t in runs else -1
        out.extend(words[at : at + len(t)] if at >= 0 else [t])
    return tuple(out)


def _distinctive(tokens: tuple[str, ...], state: str | None, school: bool) -> list[str]:
    """The words that say which body, once each and in order ("County of Franklin / Franklin County
    Jail"), without lone letters ("Cut N Shoot"). The state's name opening a name says nothing ("Florida
    Department of ..."); inside a school's name it does ("University of Florida", "Florida State
    University")."""
    own = _state_words(state)
    while tokens and tokens[0] in own:
        tokens = tokens[1:]
    skip = names.GENERIC | _ALSO_GENERIC | _SMALL | (frozenset() if school else own)
    return list(dict.fromkeys(t for t in tokens if t not in skip and not (len(t) == 1 and t.isalpha())))


@lru_cache(maxsize=64)
def _state_words(state: str | None) -> frozenset[str]:
    return frozenset(names.tokens(state_names().get(state or "", ""))) | {(state or "").lower()}


def _numbers(tokens: list[str]) -> set[str]:
    return {re.sub(r"\D", "", t) for t in tokens if t[0].isdigit()}


def _starts(seq: tuple[str, ...], part: list[str]) -> bool:
    words = [t for t in seq if t not in _SMALL]
    return words[: len(part)] == part


__all__ = ["MoaName", "file_name", "names_agency", "parse"]
