"""What an MOA's text says: model, template revision, parties, signatures, the ICE field office, the
agency's point of contact, term and termination, the delegated authorities and the addenda — each
with the page it was read from.

The input is the text of each page (OCR marked, with the spans OCR was unsure of). Everything here is
read from the words ICE's templates use (DOMAIN §1.3–§2.7, checked against the 80 shared MOAs); a field
the text does not state is None, never filled from elsewhere. OCR misreads letters ("OHS" for DHS,
"287{g)", "Vill." for VIII.), so the patterns allow for the slips seen in the shared MOAs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from .vocab import data_rows, state_names

MODEL_TITLES = {
    "JEM": re.compile(r"(?i)jail\s*enforcement\s*model|jail\s*enforcement\s*program"),
    "TFM": re.compile(r"(?i)task\s*force\s*model"),
    "WSO": re.compile(r"(?i)warrant\s*service\s*officer"),
}
_REVISION = re.compile(
    r"(?i)\b(?P<word>r[eo]v(?:\s?ised|\.)?|rovised|reviscd)\s*:?\s*(?P<m>\d{1,2})\s*/\s*(?P<d>\d{1,2})\s*/\s*(?P<y>\d{4}|\d{2})\b"
)
_DHS = r"(?:\((?:DHS|OHS|D\.H\.S\.|DRS|OHS\.)\)|\bDH\b)"
_PARTY = re.compile(
    _DHS + r",?\s+(?:and|end|aud|ard)\s+(?:e\s+)?(?:the\s+)?(?P<agency>[^()]{3,160}?)\s*,?\s*"
    r"(?:\(?\w?hereinafter|pursuant\s+to\s+which|\((?:the\s+)?\"?LEA|\(\"?[A-Z]{2,8}\"?\)|\(\"?[A-Z][a-z]+\"?\))",
    re.S,
)
_DATE_WORDS = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s*(?P<day>\d{1,2})(?:st|nd|rd|th)?\s*,?\s*(?P<year>20\d\d)"
)
# an office's date stamp spaces its digits and prints the month in capitals: "JAN 2 2 2020"
_STAMP_WORDS = (
    r"(?-i:(?P<sm>JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC))\s+(?P<s1>[0-3])\s(?P<s2>\d)\s+(?P<sy>20\d\d)"
)
DATE = re.compile(
    r"(?i)(?<![\d/])(?:"
    + _STAMP_WORDS
    + "|"
    + _DATE_WORDS
    + r"|(?P<dm>\d{1,2})\s*[/-]\s*(?P<dd>\d{1,2})\s*[/-]\s*(?P<dy>20\d\d|\d\d)(?![\d/])"
    r"|(?P<iy>20\d\d)[.-](?P<im>\d{1,2})[.-](?P<id>\d{1,2})(?!\d)"
    r")"
)
_MONTHS = {
    m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)
}
# A digital signature's stamp: "Digitally signed by NAME Date: 2025.03.20 14:19:53 -04'00'". Text layers
# made by OCR misread it ("Dlgltally", "2020.D6.30"), so letters that look like digits are read as them.
_DIGITAL = re.compile(
    r"(?is)d\W?[il1]\W?g\W?[il1]\W?t\W?[a@]\W?[il1]{1,2}\W?y\W?\s*s\W?[il1]\W?g\W?n\W?e\W?d\W?\s*by\W?"
)
# the stamp's date, read up to its time: "2020.D6.30 16:47:SO", "~~~~~020.06.0914:37:04" (year's last two digits)
_STAMP_DATE = re.compile(
    r"(?P<y>[0-9ODo]{2})\s*\.\s*(?P<m>[0-9ODo]{2})\s*\.\s*(?P<d>[0-9ODo]{2})\s*[0-9OoDQSsIil]{1,2}\s*[:;]\s*[0-9OoDQSsIil]"
)
_LOOKALIKE = str.maketrans("OoD", "000")
_FIELD_OFFICE = re.compile(
    r"(?i)for\s*(?:DHS|OHS|ICE)\s*:\s*(?:the\s+)?(?:ICE\s+)?(?:ERO\s+)?"
    r"(?P<fo>[A-Z][A-Za-z .]{2,30}?)[.,]?\s+field\s+office\s+director"
)


class PageLike(Protocol):
    @property
    def number(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def ocr(self) -> bool: ...
    @property
    def unsure(self) -> tuple[tuple[int, int], ...]: ...
    @property
    def halves(self) -> tuple[str, str] | None: ...
    @property
    def rereads(self) -> Sequence[Reread]: ...
    @property
    def digital_signatures(self) -> Sequence[tuple[bool, str]]: ...


class Reread(Protocol):
    """A page image read again by OCR (ocr.OcrText)."""

    @property
    def text(self) -> str: ...
    @property
    def unsure(self) -> tuple[tuple[int, int], ...]: ...
    @property
    def halves(self) -> tuple[str, str]: ...
    @property
    def dpi(self) -> int: ...


@dataclass(frozen=True)
class _ImagePage:
    """A signing page as one of its image readings gives it."""

    number: int
    text: str
    unsure: tuple[tuple[int, int], ...]
    halves: tuple[str, str] | None
    digital_signatures: Sequence[tuple[bool, str]] = ()
    ocr: bool = True
    rereads: tuple = ()


@dataclass(frozen=True)
class Found:
    """A value and the page it was read from."""

    value: str
    page: int


@dataclass(frozen=True)
class Signature:
    party: str  # ICE | LEA | other
    name: str | None
    title: str | None
    date: dt.date | None
    date_kind: str  # typed | stamped | digital | handwritten | none
    date_reason: str | None  # why the date is null, or how it was read
    page: int
    block: str = "moa"  # moa | addendum


@dataclass(frozen=True)
class Authority:
    n: int | None  # the canonical authority of the model (model_powers.csv), None when unmatched
    text: str  # the document's own words
    page: int
    clause: str


@dataclass
class MoaFields:
    model: Found | None = None
    title: Found | None = None
    template_revision: Found | None = None
    revision_date: dt.date | None = None
    revision_read: dt.date | None = None  # the footers' reading, kept when it is implausible (a revision line exists)
    agency: Found | None = None
    state: Found | None = None  # as the party line says it
    state_mentions: Found | None = None  # the state the text names most (weak)
    county_body: Found | None = None
    field_office: Found | None = None
    lea_contact: Found | None = None
    term: Found | None = None
    termination: Found | None = None
    review: Found | None = None
    steering_committee: Found | None = None
    signatures: list[Signature] = field(default_factory=list)
    authorities: list[Authority] = field(default_factory=list)
    addenda: list[Found] = field(default_factory=list)


def read(pages: Sequence[PageLike], observed: dt.date | None = None) -> MoaFields:
    """The fields of one MOA; `observed` (the day the file was first seen) bounds its signing dates."""
    f = MoaFields()
    f.model, f.title = _model(pages)
    f.template_revision, f.revision_date = _revision(pages)
    f.revision_read = f.revision_date
    if f.revision_date and observed and f.revision_date > observed:  # OCR's misreading ("02/16/2026")
        f.template_revision, f.revision_date = None, None
    f.agency = _agency(pages)
    f.state = _state(pages, f.agency)
    f.state_mentions = _state_mentions(pages)
    f.county_body = _county_body(pages)
    f.field_office = _first(pages, _FIELD_OFFICE, "fo")
    f.lea_contact = _lea_contact(pages)
    f.term = _sentence(
        pages, re.compile(r"(?i)(becomes|become|is)\s+effective\s+(upon|on)\s+(the\s+)?(date\s+of\s+)?signature")
    )
    f.termination = _sentence(
        pages, re.compile(r"(?i)(termination|terminate)[^.]{0,80}(in\s+writing|written\s+notice|90\s*days|ninety)")
    )
    f.review = _sentence(
        pages,
        re.compile(
            r"(?i)(every\s+three\s+years|three-year|3-year)[^.]{0,40}review|review[^.]{0,60}every\s+three\s+years"
        ),
    )
    f.steering_committee = _sentence(pages, re.compile(r"(?i)steering\s+committee"))
    f.signatures = _read_signatures(pages, f.revision_date, observed)
    if f.model:
        f.authorities = _authorities(pages, f.model.value)
    f.addenda = _addenda(pages)
    return f


# --- model, revision, parties ---------------------------------------------------------------


def _model(pages: Sequence[PageLike]) -> tuple[Found | None, Found | None]:
    """The model the title names (first two pages), else the one the text names most."""
    for p in pages[:2]:
        head = p.text[:600]
        hits = [(m.start(), model, m.group(0)) for model, rx in MODEL_TITLES.items() for m in [rx.search(head)] if m]
        if hits:
            _, model, words = min(hits)
            return Found(model, p.number), Found(" ".join(words.split()), p.number)
    text, starts = _joined(pages)
    sections = [(m.start(), model) for model, rx in _SECTION_START.items() for m in [rx.search(text)] if m]
    if len(sections) == 1:  # the delegation clause names its model's list ("only delegated the two authorities")
        pos, model = sections[0]
        return Found(model, _page_at(starts, pos)), None
    counts: Counter[str] = Counter()
    where: dict[str, int] = {}
    for p in pages:
        for model, rx in MODEL_TITLES.items():
            n = len(rx.findall(p.text))
            if n:
                counts[model] += n
                where.setdefault(model, p.number)
    if not counts:
        return None, None
    model = counts.most_common(1)[0][0]
    return Found(model, where[model]), None


def _revision(pages: Sequence[PageLike]) -> tuple[Found | None, dt.date | None]:
    """The revision line in the footers: the reading most pages agree on (OCR misreads single pages)."""
    readings: Counter[dt.date] = Counter()
    printed: dict[dt.date, Found] = {}
    for p in pages:
        for m in _REVISION.finditer(p.text):
            y = int(m["y"]) + (2000 if len(m["y"]) == 2 else 0)
            try:
                day = dt.date(y, int(m["m"]), int(m["d"]))
            except ValueError:
                continue
            readings[day] += 2 if not p.ocr else 1  # a text layer is read exactly
            word = m["word"]
            shown = "Revised" if word.lower().startswith(("revised", "rovised", "reviscd")) else word
            text = f"{shown} {m['m']}/{m['d']}/{m['y']}"
            if day not in printed or (not p.ocr and printed[day].page > p.number):
                printed[day] = Found(text, p.number)
    if not readings:
        return None, None
    day = readings.most_common(1)[0][0]
    return printed[day], day


def _agency(pages: Sequence[PageLike]) -> Found | None:
    """The agency party: the opening paragraph's "…(DHS), and the X, hereinafter…"; where the template's
    blank was filled in a form field, its value; else the complaint appendix's "agreement between ICE
    and the X", the "The LEA represents X" line, or the signature block's "Agency: X"."""
    for p in pages[:2]:
        m = _PARTY.search(p.text)
        if m and _names_something(m["agency"]):
            return Found(_tidy_party(m["agency"]), p.number)
    for p in pages[:1]:
        if FORM_HEAD in p.text:
            first = p.text.split(FORM_HEAD, 1)[1].strip().splitlines()
            if first and _names_something(first[0]):
                return Found(_tidy_party(first[0]), p.number)
    fallbacks = (
        # the name typed over the template's blank lands at the end of the line, or inside it
        re.compile(r"(?i)the_{3,}.{0,40}delegates\s+to\s+nominated,[ \t]*(?P<agency>[A-Z][^\n]{3,80}?)[ \t]*\n", re.S),
        re.compile(r"the_{3,}.{0,20}pursuant\s+to\s+(?P<agency>[A-Z][^\n]{3,80}?)\s+which\s+ICE", re.S),
        re.compile(r"(?is)employees\s+of\s*(?:the\s*)?(?P<agency>[A-Z][^()\n]{3,100}?)\s*\(hereinafter"),
        re.compile(
            r"(?is)agreement\s+between\s+ICE\s+and\s+(?:the\s+)?(?P<agency>[^()]{3,120}?)\s*,?\s*\(?hereinafter"
        ),
        re.compile(r"(?is)the\s+LEA\s+represents\s+(?:the\s+)?(?P<agency>[^()]{3,120}?)\s+in\s+the\s+implementation"),
    )
    for rx in fallbacks:
        for p in pages[:12]:
            m = rx.search(p.text)
            if m and _names_something(m["agency"]) and not re.fullmatch(r"[A-Z]{2,8}", m["agency"].strip()):
                return Found(_tidy_party(m["agency"]), p.number)
    return _footer_agency(pages)


_AGENCY_WORDS = re.compile(
    r"(?i)sheriff|police|department|office|county|commission|bureau|patrol|corrections|constable"
)


def _footer_agency(pages: Sequence[PageLike]) -> Found | None:
    """The agency's name as the page footers repeat it ("Limestone County Sheriffs Office, AL 9")."""
    seen: Counter[str] = Counter()
    first: dict[str, int] = {}
    for p in pages:
        lines = p.text.splitlines()
        tail = lines[-4:]
        before_revision = {tail[i - 1] for i in range(1, len(tail)) if _REVISION.fullmatch(tail[i].strip())}
        # a header the form repeats across the page ("X, AL X, AL X, AL") counts once per page
        head = [re.sub(r"^(.+?)(?:\s+\1)+$", r"\1", line.strip()) for line in lines[:3]]
        for raw in set(tail) | set(head):
            line = _REVISION.sub(" ", raw)
            line = " ".join(re.sub(r"\b\d{1,2}\b", " ", line).split()).strip(" ,.")
            if 8 <= len(line) <= 90 and _AGENCY_WORDS.search(line) and not ICE_MARKS.search(line):
                seen[line] += 3 if raw in before_revision else 1  # the footer's line above "Revised …"
                first.setdefault(line, p.number)
    common = [(n, line) for line, n in seen.items() if n >= 3]
    if not common:
        return None
    line = max(common)[1]
    return Found(line, first[line])


def _names_something(text: str) -> bool:
    """Not a template's blank ("the____"), nor the template's own words."""
    t = " ".join(text.split()).strip(" ,.;:'‘’\"")
    return (
        "__" not in t
        and len(re.findall(r"[A-Za-z]{3,}", t)) >= 2
        and not re.match(r"(?i)(hereinafter|the\s+law\s+enforcement\s+agency|an\s+agency\s+of)", t)
    )


def _tidy_party(text: str) -> str:
    t = " ".join(text.split()).strip(" ,.'‘’\"")
    t = re.sub(r'\s*\(\s*"?[A-Z]{2,8}"?\s*\)\s*$', "", t)  # its acronym: ("PSO")
    return re.sub(r"^(?i:the)(?=[A-Z])", "", t).strip(" ,")


_STATE_NAMES = None


def _state_lookup() -> dict[str, str]:
    global _STATE_NAMES
    if _STATE_NAMES is None:
        _STATE_NAMES = {name.lower(): code for code, name in state_names().items()}
    return _STATE_NAMES


_POSTAL_ZIP = re.compile(r"\b([A-Z]{2})\.?,?\s+\d{5}(?:-\d{4})?\b")
_SUFFIX = re.compile(r",\s*([A-Z]{2})\.?$")


def _state(pages: Sequence[PageLike], agency: Found | None) -> Found | None:
    """The agency's state as the party line says it: the code after its name ("Lake City Police
    Department, FL"), or a state its name names ("Florida Fish and Wildlife", "Iowa Dept. of …")."""
    lookup = _state_lookup()
    if not agency:
        return None
    m = _SUFFIX.search(agency.value)
    if m and m.group(1) in set(lookup.values()):
        return Found(m.group(1), agency.page)
    low = agency.value.lower().replace("1ndiana", "indiana")
    for name, code in sorted(lookup.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b{re.escape(name)}\b", low) and not (name == "washington" and "washington, d" in low):
            return Found(code, agency.page)
    return None


def _state_mentions(pages: Sequence[PageLike]) -> Found | None:
    """The state the text names most outside ICE's own addresses and the case law it cites ("Garrity v.
    New Jersey"): weak evidence, for when nothing else says."""
    lookup = _state_lookup()
    codes = set(lookup.values())
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    pattern = re.compile(r"(?i)\b(" + "|".join(re.escape(n) for n in sorted(lookup, key=len, reverse=True)) + r")\b")
    for p in pages:
        for line in p.text.splitlines():
            if re.search(
                r"(?i)\bv\.\s|field\s+office|immigration\s+and\s+customs|\bice\b|\bdhs\b|washington,?\s*d", line
            ):
                continue
            for m in pattern.finditer(line):
                code = lookup[m.group(1).lower()]
                counts[code] += 1
                first.setdefault(code, p.number)
            for m in _POSTAL_ZIP.finditer(line):
                if m.group(1) in codes:
                    counts[m.group(1)] += 2
                    first.setdefault(m.group(1), p.number)
    if not counts:
        return None
    code = counts.most_common(1)[0][0]
    return Found(code, first[code])


def _county_body(pages: Sequence[PageLike]) -> Found | None:
    rx = re.compile(
        r"(?i)\b([A-Z][A-Za-z.\- ]{2,40}?\s+County\s+Board\s+of\s+(?:County\s+)?(?:Commissioners|Supervisors))"
    )
    m = _first(pages, rx, 1)
    return Found(" ".join(m.value.split()), m.page) if m else None


def _lea_contact(pages: Sequence[PageLike]) -> Found | None:
    """The agency's point of contact: what follows "For the LEA:" in the points-of-contact clause or
    appendix, up to the ICE entry."""
    rx = re.compile(
        r"(?is)points\s+of\s+contact.{0,400}?for\s+the\s+lea\s*:\s*(?P<poc>.{3,300}?)(?=\n\s*for\s+(?:ice|dhs|ohs)\b|for\s+(?:ice|dhs|ohs)\s*:|\n\n\n|$)"
    )
    for p in pages:
        m = rx.search(p.text)
        if m:
            lines = [" ".join(line.split()) for line in m["poc"].splitlines()]
            value = "; ".join(line for line in lines if line and not re.fullmatch(r"[\d\s]+", line))
            if value:
                return Found(value[:300], p.number)
    return None


# --- helpers ----------------------------------------------------------------------------------


def _first(pages: Sequence[PageLike], rx: re.Pattern, group: str | int = 0) -> Found | None:
    for p in pages:
        m = rx.search(p.text)
        if m:
            return Found(" ".join(m.group(group).split()).strip(" ,."), p.number)
    return None


def _sentence(pages: Sequence[PageLike], rx: re.Pattern) -> Found | None:
    """The whole sentence around the first match (and the next one: ICE's clauses run two or three)."""
    for p in pages:
        m = rx.search(p.text)
        if m:
            text = p.text
            start = max(text.rfind(". ", 0, m.start()), text.rfind("\n\n", 0, m.start()))
            start = 0 if start < 0 else start + 2
            end = text.find(". ", m.end())
            end = len(text) if end < 0 else end + 1
            return Found(" ".join(text[start:end].split()), p.number)
    return None


def parse_date(m: re.Match) -> dt.date | None:
    try:
        if m["sm"]:
            return dt.date(int(m["sy"]), _MONTHS[m["sm"].lower()], int(m["s1"] + m["s2"]))
        if m["mon"]:
            return dt.date(int(m["year"]), _MONTHS[m["mon"][:3].lower()], int(m["day"]))
        if m["dm"]:
            y = int(m["dy"]) + (2000 if len(m["dy"]) == 2 else 0)
            return dt.date(y, int(m["dm"]), int(m["dd"]))
        return dt.date(int(m["iy"]), int(m["im"]), int(m["id"]))
    except (ValueError, KeyError):
        return None


def _unsure(page: PageLike, start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in page.unsure)


# --- signatures -------------------------------------------------------------------------------

# What marks ICE's block: its officials' titles and offices (DOMAIN §1.3), and the names of the ICE
# officials seen signing (data/moa_signers.csv).
ICE_MARKS = re.compile(
    r"(?i)immigration\s+and\s+customs|enforcement\s+and\s+removal|homeland\s+security|\bfor\s*(ice|dhs|ohs)\b|"
    r"(acting|deputy)\s+(executive\s+associate\s+)?director\b|executive\s+associate\s+director|"
    r"assistant\s+director,?\s+enforcement|agency\s*:\s*(u\.?s\.?\s+)?(ice|dhs)\b"
)
LEA_MARKS = re.compile(
    r"(?i)\bsheriff|chief\b|\bfor\s*the\s*lea\b|commissioner|superintendent|colonel|constable|attorney\s+general|"
    r"secretary|chair(man|woman|person)?\b|mayor|warden|police|county|\binterim\s+director|adjutant"
)
_TITLE_WORDS = re.compile(
    r"(?i)^(?:high\s+)?sheriff\b|^chief\b|director\b|commissioner|superintendent|colonel|constable|"
    r"attorney\s+general|secretary|chair|mayor|warden|adjutant|manager|captain|major|lieutenant|president|"
    r"jailer|administrator|executive|deputy|officer"
)
_SIGNERS = None


def ice_signers() -> list[dict]:
    """ICE officials seen signing MOAs (DOMAIN §1.3), to tell ICE's block from the agency's."""
    global _SIGNERS
    if _SIGNERS is None:
        _SIGNERS = data_rows("moa_signers.csv")
    return _SIGNERS


def _signature_pages(pages: Sequence[PageLike]) -> list[tuple[PageLike, int, str]]:
    """(page, where its blocks start, block): the page that says "By signing this MOA" (and the next one
    when the blocks run over), and each addendum's signing page."""
    out = []
    for i, p in enumerate(pages):
        m = re.search(r"(?i)by\s+signing\s+this\s+(moa|memorandum|addendum)", p.text)
        if not m:
            continue
        block = "addendum" if m.group(1).lower() == "addendum" or _is_addendum(p) else "moa"
        out.append((p, m.end(), block))
        if i + 1 < len(pages) and _runs_over(p.text[m.end() :], pages[i + 1]):
            out.append((pages[i + 1], 0, block))
    if not out:  # an addendum or a replacement signature page without the sentence
        for p in pages:
            m = re.search(
                r"(?i)for\s+the\s+lea\b.{0,200}for\s+(ice|dhs)|for\s+(ice|dhs)\b.{0,200}for\s+the\s+lea", p.text, re.S
            )
            if m and re.search(r"(?i)\bdate", p.text[m.start() :]):
                out.append((p, m.start(), "addendum" if _is_addendum(p) else "moa"))
    return out


def _runs_over(rest: str, nxt: PageLike) -> bool:
    """Whether the signature blocks continue on the next page: this page has at most one of them."""
    if re.match(r"\s*(appendix|addendum)", nxt.text, re.I):
        return False
    head = nxt.text[:600]
    has_ice, has_lea = bool(ICE_MARKS.search(rest)), bool(LEA_MARKS.search(rest))
    return not (has_ice and has_lea) and bool(re.search(r"(?i)\bdate|signature|sheriff|director", head))


def _is_addendum(p: PageLike) -> bool:
    return bool(re.search(r"(?i)^\s*addendum", p.text[:300], re.M))


def _plausible(sigs: list[Signature], revision: dt.date | None, observed: dt.date | None) -> list[Signature]:
    """A signing date before the template it signs was revised, after the file was first seen, years
    from the other party's, or an addendum's before the MOA it amends, is a misreading (OCR of
    handwriting or of a stamp, "2021" for "2025"): no date, with the reason."""
    out = []
    moa_dates = [o.date for o in sigs if o.block == "moa" and o.date]
    for s in sigs:
        others = [o.date for o in sigs if o is not s and o.date and o.block == s.block]
        wrong = None
        if s.date and revision and s.date < revision:
            wrong = f"read as {s.date.isoformat()}, before the template's revision of {revision.isoformat()}"
        elif s.date and observed and s.date > observed:
            wrong = f"read as {s.date.isoformat()}, after the file was first seen ({observed.isoformat()})"
        elif s.date and others and min(abs((s.date - o).days) for o in others) > 366:
            wrong = f"read as {s.date.isoformat()}, over a year from the other signature's date"
        elif s.date and s.block == "addendum" and moa_dates and s.date < min(moa_dates):
            wrong = f"read as {s.date.isoformat()}, before the MOA the addendum amends was signed"
        if wrong:
            s = Signature(s.party, s.name, s.title, None, s.date_kind, wrong, s.page, s.block)
        out.append(s)
    return out


def _read_signatures(pages: Sequence[PageLike], revision: dt.date | None, observed: dt.date | None) -> list[Signature]:
    """The signatures as the page's text gives them; a date it does not give (or gives implausibly) is
    taken from the signing page's image readings when those that read one agree on it, and blocks only
    they find are added when they carry a date. Readings that disagree give no date, and say so."""
    first = _plausible(_signatures(pages), revision, observed)
    depth = max((len(p.rereads) for p in pages), default=0)
    others = []
    for k in range(depth):
        image = [_image_page(p, p.rereads[k]) if len(p.rereads) > k else p for p in pages]
        dpi = next(p.rereads[k].dpi for p in pages if len(p.rereads) > k)
        others.append((dpi, _plausible(_signatures(image), revision, observed)))
    if not others:
        return first
    out = []
    for s in first:
        out.append(s if s.date else _from_images(s, others) or s)
    for _, sigs in others:  # a block the text did not show
        for s in sigs:
            if s.date and not any(o.block == s.block and o.party == s.party for o in out):
                out.append(_from_images(s, others) or s)
    return _plausible(out, revision, observed)


def _image_page(p: PageLike, r: Reread) -> PageLike:
    return _ImagePage(p.number, r.text, r.unsure, r.halves if any(r.halves) else None, p.digital_signatures)


def _from_images(s: Signature, others: list[tuple[int, list[Signature]]]) -> Signature | None:
    """The block `s` with the date its image readings agree on (None: no reading has one)."""
    found = [(dpi, o) for dpi, sigs in others for o in sigs if o.block == s.block and o.party == s.party and o.date]
    if not found:
        return None
    dates = sorted({o.date for _, o in found if o.date})
    if len(dates) > 1:
        read = ", ".join(d.isoformat() for d in dates)
        return replace(s, date=None, date_reason=f"the page image reads two dates ({read}): not settled")
    o = found[0][1]
    how = "digital signature stamp, " if o.date_kind == "digital" else ""
    return Signature(
        s.party,
        s.name or o.name,
        s.title or o.title,
        o.date,
        o.date_kind,
        f"{how}read from the page image at {', '.join(str(d) for d, _ in found)} dpi",
        s.page,
        s.block,
    )


def _signatures(pages: Sequence[PageLike]) -> list[Signature]:
    out: list[Signature] = []
    for p, start, block in _signature_pages(pages):
        for sig in _blocks(p, start, block):
            same = [i for i, s in enumerate(out) if s.block == sig.block and s.party == sig.party]
            if same:  # the same party's block read on two pages: keep the one that says more
                i = same[0]
                if _says_more(sig, out[i]):
                    out[i] = sig
                continue
            out.append(sig)
    return out


def _says_more(a: Signature, b: Signature) -> bool:
    return (a.date is not None, a.name is not None, a.title is not None) > (
        b.date is not None,
        b.name is not None,
        b.title is not None,
    )


def _clean_region(text: str) -> str:
    """Signature text without what looks like a date but is not a signing date: footers' revision
    lines, form fields' header, page numbers."""
    text = _REVISION.sub(" ", text)
    return re.sub(r"(?m)^\s*\d{1,2}\s*$", "", text.replace(FORM_HEAD, ""))


FORM_HEAD = "[form fields]"  # heads the values typed into a page's form fields, after its text


def _blocks(p: PageLike, start: int, block: str) -> list[Signature]:
    """The signature blocks of one page: side by side (read from the page's two halves) or one under
    the other; each is ICE's or the agency's by its head ("For ICE:"), its title or its signer."""
    region = p.text[start:]
    digital = _digital(region, p, block)
    parts: list[tuple[str, int]] = []  # (text, offset in the page's text; -1 for a half)
    halves = p.halves
    if halves and all(_block_like(h) or _HEAD.search(h) for h in halves) and any(_block_like(h) for h in halves):
        parts = [(halves[0], -1), (halves[1], -1)]
    else:
        parts = _stacked(region, start)
    parts = [piece for part in parts for piece in _split_other(*part)]
    sigs: list[Signature] = []
    parties = _parties([t for t, _ in parts])
    used: set[int] = set()
    for (text, offset), party in zip(parts, parties):
        if party is None:
            continue
        # a stamp inside this block is this block's party's, whoever the stamp names
        own = [d for d in _digital(text, p, block) if d.date] or [
            d for d in digital if d.date and d.party == party and all(i not in used for i in [digital.index(d)])
        ]
        stamp = _restamp(own[0], party) if own else None
        if stamp is not None:
            used.update(i for i, d in enumerate(digital) if d.date == stamp.date)
        sig = stamp or _read_block(text, offset, party, p, block)
        if sig.date is None and offset == -1:  # a half: the PDF's own digital signature on its side
            side = parts.index((text, offset)) == 1
            day = next((d for right, d in p.digital_signatures if right == side), None)
            if day:
                sig = replace(
                    sig, date=dt.date.fromisoformat(day), date_kind="digital", date_reason="the PDF's digital signature"
                )
        sigs.append(sig)
    for i, d in enumerate(digital):  # a stamp whose block was not otherwise found
        if i not in used and not any(s.party == d.party for s in sigs):
            sigs.append(d)
    return sigs


def _restamp(d: Signature, party: str) -> Signature:
    """A stamp as the block it sits in: that block's party (the name only when it fits the party)."""
    name = d.name if party == "LEA" or _party_of_name(d.name or "") else None
    return Signature(party, name, d.title, d.date, d.date_kind, d.date_reason, d.page, d.block)


_HEAD = re.compile(r"(?i)\bfor\s*(the\s*lea|ice|dhs|ohs)\b")
# a third party's own block ("For OAG:", the state's Attorney General beside its bureau)
_OTHER_HEAD = re.compile(r"(?m)^[ \t]*For\s*(?!the\s*LEA\b|ICE\b|DHS\b|OHS\b)(?:the\s+)?[A-Z][A-Za-z.&' ]{1,40}:")


def _split_other(text: str, offset: int) -> list[tuple[str, int]]:
    """A block cut where a third party's block starts below it."""
    m = next((m for m in _OTHER_HEAD.finditer(text) if m.start() > 0), None)
    if m is None:
        return [(text, offset)]
    return [(text[: m.start()], offset), (text[m.start() :], offset + m.start() if offset >= 0 else -1)]


def _block_like(text: str) -> bool:
    return bool(re.search(r"(?i)\bdate|signature|name\s*:|title\s*:", text)) and len(text.strip()) > 8


def _stacked(region: str, start: int) -> list[tuple[str, int]]:
    """Blocks one under the other: cut where one party's marks give way to the other's."""
    lines = [(m.start(), m.group(0)) for m in re.finditer(r"[^\n]+", region)]
    kinds = []
    for _, line in lines:
        ice, lea = bool(ICE_MARKS.search(line)), bool(LEA_MARKS.search(line)) and not ICE_MARKS.search(line)
        kinds.append("ICE" if ice else "LEA" if lea else None)
    marked = [k for k in kinds if k]
    if not marked:
        return [(region, start)]
    # the first change of party after a party's marks: blocks start at a "Date" line or a head
    cuts = [0]
    current = None
    for i, k in enumerate(kinds):
        if k and current and k != current:
            back = next((x for x in range(i, cuts[-1], -1) if re.search(r"(?i)\bdate\b|^\s*for\s", lines[x][1])), None)
            cuts.append(back if back is not None and back > cuts[-1] else i)
        if k:
            current = k
    out = []
    for a, b in zip(cuts, [*cuts[1:], len(lines)]):
        if a >= len(lines):
            continue
        lo = lines[a][0]
        hi = lines[b][0] if b < len(lines) else len(region)
        out.append((region[lo:hi], start + lo))
    return out


def _parties(texts: list[str]) -> list[str | None]:
    """Each block's party: its head, else ICE's marks, else the agency; two blocks are two parties."""
    out: list[str | None] = []
    for t in texts:
        head = re.search(r"(?i)\bfor\s*(the\s*lea|ice|dhs|ohs)\b", t)
        if _OTHER_HEAD.match(t):
            out.append("other")
        elif head:
            out.append("LEA" if "lea" in head.group(1).lower() else "ICE")
        elif ICE_MARKS.search(t) or _known_name(t):
            out.append("ICE")
        elif _block_like(t) or LEA_MARKS.search(t):
            out.append("LEA")
        else:
            out.append(None)
    if len(out) == 2 and out[0] == out[1] and out[0] is not None:
        heads = [bool(re.search(r"(?i)\bfor\s*(the\s*lea|ice|dhs)\b", t)) for t in texts]
        if not all(heads):  # one side was only guessed: it is the other party
            k = heads.index(False) if not heads[0] or not heads[1] else 1
            out[k] = "LEA" if out[1 - k] == "ICE" else "ICE"
    return out


def _stamp_day(m: re.Match | None) -> dt.date | None:
    """The day of a stamp's date ("20.06.30" of "2020.06.30 16:47:50"), OCR's letters for digits read back."""
    if m is None:
        return None
    try:
        y, mo, da = (int(m[k].translate(_LOOKALIKE)) for k in ("y", "m", "d"))
        return dt.date(2000 + y, mo, da)
    except ValueError:
        return None


def _digital(region: str, p: PageLike, block: str) -> list[Signature]:
    """Digital signature stamps: the signer (the words after "signed by") and the stamp's date."""
    out = []
    for m in _DIGITAL.finditer(region):
        after = region[m.end() : m.end() + 160]
        day = _stamp_day(_STAMP_DATE.search(after))
        words = re.match(r"\s*([A-Za-z][A-Za-z .'’-]{2,60}?)\s*(?:\n|date\b|$)", after, re.I)
        name = _legible_name(_title_case(" ".join(words.group(1).split()))) if words else None
        party = (
            "ICE"
            if (name and _party_of_name(name)) or _known_name(region[max(0, m.start() - 80) : m.end() + 120])
            else None
        )
        party = party or ("ICE" if ICE_MARKS.search(region[m.end() : m.end() + 300]) else "LEA")
        known = _known_name(region[max(0, m.start() - 80) : m.end() + 200]) if party == "ICE" else None
        reason = "digital signature stamp" if day else "digital signature stamp; its date not readable"
        out.append(Signature(party, known or name, None, day, "digital", reason, p.number, block))
    return out


def _read_block(text: str, offset: int, party: str, p: PageLike, block: str) -> Signature:
    clean = _clean_region(text)
    day: dt.date | None = None
    reason: str | None = "no printed date (handwritten or blank)"
    kind = "none"
    label = re.search(r"(?i)\bdate\b\s*[:.;]?", clean)
    found = None
    if label:
        found = DATE.search(clean, label.end(), label.end() + 60)
        written = re.sub(r"[\s_.:\-—|]", "", clean[label.end() :].split("\n", 1)[0])
        # the label's line is blank, or holds a scrawl without a digit: the date was typed elsewhere
        if found is None and (len(written) < 3 or not re.search(r"\d", written)):
            found = DATE.search(clean)
        elif found is None:  # OCR cut the year ("March 17, Sy"): the same month and day typed elsewhere
            part = re.match(_DATE_WORDS.split("(?P<year>")[0], clean[label.end() :].strip(" _:.|"), re.I)
            if part:
                month, day_ = _MONTHS[part["mon"][:3].lower()], int(part["day"])
                found = _same_day(clean, month, day_) or _same_day(_clean_region(p.text), month, day_)
    else:
        found = DATE.search(clean)
    if found:
        value = parse_date(found)
        # OCR's doubt about the characters: offsets are the page's only when the block is a span of it
        unsure = p.ocr and offset >= 0 and _unsure_text(p, text, found.group(0), offset)
        if value and (value.year < 2000 or value.year > 2035):
            value = None
        if value and not unsure:
            day, reason, kind = value, None, "stamped" if found["sm"] else "typed"
        elif value:
            reason, kind = "OCR not sure of the date (handwritten?)", "handwritten"
    if day is None and (day := _stamp_day(_STAMP_DATE.search(clean))):  # a stamp whose words OCR garbled
        reason, kind = "digital signature stamp (its words unreadable)", "digital"
    known = _known_name(clean) if party == "ICE" else None  # OCR drops letters ("odd M. Lyons")
    name = known or _legible_name(_labelled(clean, "name")) or _name_line(clean)
    title = _legible_title(_labelled(clean, "title"), party) or _legible_title(_title_line(clean), party)
    return Signature(party, name, title, day, kind, reason, p.number, block)


def _same_day(text: str, month: int, day: int) -> re.Match | None:
    """The one full date of that month and day in `text` (none, or two years: None)."""
    found = [m for m in DATE.finditer(text) if (d := parse_date(m)) and (d.month, d.day) == (month, day)]
    return found[0] if found and len({parse_date(m) for m in found}) == 1 else None


def _unsure_text(p: PageLike, text: str, found: str, offset: int) -> bool:
    at = p.text.find(found, offset)
    return at >= 0 and _unsure(p, at, at + len(found))


def _legible_name(name: str | None) -> str | None:
    """A person's name as printed, or None: OCR of a signature ("{!#,,er ,;e") is no name."""
    if not name:
        return None
    name = " ".join(name.split()).strip(" ,.|_-:;")
    return name if _NAME.match(name) and not _TITLE_WORDS.search(name) and not LEA_MARKS.search(name) else None


def _legible_title(title: str | None, party: str) -> str | None:
    """An office's title as printed, or None: it must read as words and name an office ("Sheriff",
    "Acting Director"); an agency's name or a stray label is no title, nor an agency's office on ICE's block."""
    if not title:
        return None
    title = " ".join(title.split()).strip(" ,.|_-:;~")
    letters = sum(c.isalpha() or c in " ,.'’-&" for c in title)
    if len(title) < 3 or letters < 0.9 * len(title) or not _TITLE_WORDS.search(title):
        return None
    if re.fullmatch(r"(?i)(title|name|agency|date|signature)s?", title):
        return None
    if party == "ICE" and re.search(r"(?i)county|sheriff|police|office\b", title):
        return None
    return title


def _labelled(text: str, label: str) -> str | None:
    m = re.search(rf"(?im)^\s*{label}\s*[:.·]\s*(?P<v>[^\n]{{2,80}})$", text)
    if not m:
        return None
    value = re.split(r"(?i)\s(?:title|name|date|signature|agency)\s*[:.]", m["v"])[0]
    value = " ".join(value.split()).strip(" _-.:")
    return value if re.search(r"[A-Za-z]{2}", value) and "___" not in value else None


def _known_name(text: str) -> str | None:
    low = text.lower()
    for s in ice_signers():
        if re.search(rf"\b{re.escape(s['surname'].lower())}\b", low):
            return s["name"]
    return None


_NAME = re.compile(r"^(?:[A-Z][a-zA-Z'’.-]+|[A-Z]\.)(?:\s+(?:[A-Z][a-zA-Z'’.-]*|[A-Z]\.|I{1,3}|Jr\.?|Sr\.?)){1,4}$")


def _name_line(text: str) -> str | None:
    """A line that is only a person's name, just above the title line."""
    lines = [" ".join(line.split()).strip(" ,.") for line in text.splitlines()]
    for i, line in enumerate(lines):
        if _TITLE_WORDS.search(line) and i > 0:
            for prev in reversed(lines[max(0, i - 2) : i]):
                if _NAME.match(prev) and not _TITLE_WORDS.search(prev) and not LEA_MARKS.search(prev):
                    return prev
    return None


def _title_line(text: str) -> str | None:
    for line in text.splitlines():
        line = " ".join(line.split()).strip(" ,.")
        if 3 <= len(line) <= 80 and _TITLE_WORDS.search(line) and not re.search(r"(?i)\bdate\b|signature", line):
            return re.sub(r"(?i)^title\s*[:.]\s*", "", line)
    return None


def _party_of_name(name: str) -> str | None:
    return "ICE" if _known_name(name) else None


def _title_case(name: str) -> str:
    return name if not name.isupper() else " ".join(w.capitalize() for w in name.split())


# --- authorities ------------------------------------------------------------------------------

_SECTION_START = {
    "JEM": re.compile(
        r"(?i)delegated\s+only\s+th[oe]se\s+authorit\w*\s+listed\s+below|only\s+those\s+authorities\s+listed"
    ),
    "WSO": re.compile(
        r"(?i)(?:only\s+)?delegated\s+(?:only\s+)?the\s+two\s+authorities\s+listed\s+below|two\s+authorities\s+listed"
    ),
    "TFM": re.compile(r"(?i)authorized\s+to\s+perform\s+the\s+following\s+functions"),
}
_SECTION_END = {
    "JEM": re.compile(r"(?i)additional\s+supervisory|additional\s+duties"),
    "WSO": re.compile(
        r"(?i)additional\s+supervisory|additional\s+duties|participating\s+\w+\s+personnel\s+(?:must|will)\s+(?:notify|immediately)"
    ),
    "TFM": re.compile(r"(?im)^\s*(?:VI|Vl|V1)\s*[.,]\s+RESOLUTION|^\s*VI\s*[.,]"),
}
_ITEM = re.compile(
    r"(?m)^\s*(?:[•·◦▪●o©x*\-–»>]|\d{1,2}[.)]|\([a-z0-9]\))\s+|(?=\bThe\s+power\b)|(?=\bThe\s+authority\b)"
)
_CLAUSE = {"JEM": "Appendix A", "WSO": "Appendix A", "TFM": "Section V"}


def _authorities(pages: Sequence[PageLike], model: str) -> list[Authority]:
    """The enumerated authorities of the document, each matched to the model's canonical list."""
    text, starts = _joined(pages)
    m = _SECTION_START[model].search(text)
    if not m:
        return []
    end_m = _SECTION_END[model].search(text, m.end())
    end = end_m.start() if end_m else min(len(text), m.end() + 6000)
    section = text[m.end() : end]
    canon = [r for r in data_rows("model_powers.csv") if r["model"] == model]
    items = _items(section, m.end())
    out: list[Authority] = []
    taken: set[int] = set()
    merged: list[tuple[int, str]] = []
    for pos, item in items:  # a paragraph that is no power of its own belongs to the one before
        if merged and not re.match(r"(?i)\W*(the\s+)?(power|authority)", item):
            merged[-1] = (merged[-1][0], merged[-1][1] + " " + item)
        else:
            merged.append((pos, item))
    for pos, item in merged:
        low = " ".join(item.lower().split())[:200]  # the power's own words, not the clauses after it
        n = None
        for r in canon:
            k = int(r["n"])
            if k not in taken and re.search(r["match"], low):
                n = k
                break
        if n is None and (len(low) < 60 or not re.match(r"\W*(the\s+)?(power|authority)", low)):
            continue  # the lead-in's tail, a footer between items: not an item
        if n is not None:
            taken.add(n)
        out.append(Authority(n, " ".join(item.split()), _page_at(starts, pos), _CLAUSE[model]))
    return out


def _items(section: str, base: int) -> list[tuple[int, str]]:
    cuts = sorted({m.start() for m in _ITEM.finditer(section)} | {0})
    out = []
    for a, b in zip(cuts, [*cuts[1:], len(section)]):
        chunk = _ITEM.sub("", section[a:b], count=1) if a else section[a:b]
        chunk = re.sub(r"(?im)^.*revised\s+\d.*$|^\s*\d{1,2}\s*$", " ", chunk).strip()
        if len(chunk) > 25 and re.search(
            r"(?i)power|authorit|serve|interrogat|arrest|detain|custody|prepare|administer|issue", chunk[:160]
        ):
            out.append((base + a, chunk))
    return out


def _joined(pages: Sequence[PageLike]) -> tuple[str, list[tuple[int, int]]]:
    parts, starts, pos = [], [], 0
    for p in pages:
        starts.append((pos, p.number))
        parts.append(p.text + "\n")
        pos += len(p.text) + 1
    return "".join(parts), starts


def _page_at(starts: list[tuple[int, int]], pos: int) -> int:
    page = starts[0][1]
    for s, n in starts:
        if s <= pos:
            page = n
    return page


# --- addenda ----------------------------------------------------------------------------------


def _addenda(pages: Sequence[PageLike]) -> list[Found]:
    out = []
    for p in pages:
        m = re.search(r"(?im)^\s*(addendum\b[^\n]{0,120})", p.text[:400])
        if m:
            title = " ".join(m.group(1).split())
            nxt = p.text[m.end() : m.end() + 300].strip().split("\n")[0]
            if len(title) < 20 and nxt:
                title = f"{title} — {' '.join(nxt.split())[:120]}"
            out.append(Found(title, p.number))
    return out
