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
from dataclasses import dataclass, field
from typing import Protocol

from .vocab import data_rows, state_names

MODEL_TITLES = {
    "JEM": re.compile(r"(?i)jail\s*enforcement\s*model|jail\s*enforcement\s*program"),
    "TFM": re.compile(r"(?i)task\s*force\s*model"),
    "WSO": re.compile(r"(?i)warrant\s*service\s*officer"),
}
_REVISION = re.compile(
    r"(?i)\b(?P<word>r[eo]v(?:ised|\.)?|rovised|reviscd)\s*:?\s*(?P<m>\d{1,2})\s*/\s*(?P<d>\d{1,2})\s*/\s*(?P<y>\d{4}|\d{2})\b"
)
_DHS = r"\((?:DHS|OHS|D\.H\.S\.|DRS|OHS\.)\)"
_PARTY = re.compile(
    _DHS + r",?\s+and\s+(?:the\s+)?(?P<agency>[^()]{3,160}?)\s*,?\s*"
    r"(?:\(?hereinafter|pursuant\s+to\s+which|\((?:the\s+)?\"?LEA|\(\"?LEA)",
    re.S,
)
_DATE_WORDS = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>20\d\d)"
)
DATE = re.compile(
    r"(?i)(?<![\d/])(?:"
    + _DATE_WORDS
    + r"|(?P<dm>\d{1,2})\s*[/-]\s*(?P<dd>\d{1,2})\s*[/-]\s*(?P<dy>20\d\d|\d\d)(?![\d/])"
    r"|(?P<iy>20\d\d)[.-](?P<im>\d{1,2})[.-](?P<id>\d{1,2})(?!\d)"
    r")"
)
_MONTHS = {
    m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)
}
_DIGITAL = re.compile(
    r"(?is)digitally\s*signed\s*by\s*:?\s*(?P<name>[A-Za-z][A-Za-z .'’-]{2,60}?)\s*(?:\n|date\s*:)\s*(?:date\s*:\s*)?"
    r"(?P<date>20\d\d[.\-/]\d{1,2}[.\-/]\d{1,2})"
)
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
    date_kind: str  # typed | digital | handwritten | none
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
    agency: Found | None = None
    state: Found | None = None
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


def read(pages: Sequence[PageLike]) -> MoaFields:
    f = MoaFields()
    f.model, f.title = _model(pages)
    f.template_revision, f.revision_date = _revision(pages)
    f.agency = _agency(pages)
    f.state = _state(pages, f.agency)
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
    f.signatures = _signatures(pages)
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
    for p in pages[:2]:
        m = _PARTY.search(p.text)
        if m:
            name = " ".join(m["agency"].split()).strip(" ,")
            return Found(name, p.number)
    return None


_STATE_NAMES = None


def _state_lookup() -> dict[str, str]:
    global _STATE_NAMES
    if _STATE_NAMES is None:
        _STATE_NAMES = {name.lower(): code for code, name in state_names().items()}
    return _STATE_NAMES


_POSTAL_ZIP = re.compile(r"\b([A-Z]{2})\.?,?\s+\d{5}(?:-\d{4})?\b")
_SUFFIX = re.compile(r",\s*([A-Z]{2})\.?$")


def _state(pages: Sequence[PageLike], agency: Found | None) -> Found | None:
    """The agency's state: the code after its name in the party line ("Lake City Police Department, FL"),
    a state named in its name ("Florida Fish and Wildlife"), else the state its addresses and
    signature blocks name most (Washington, DC and the United States aside)."""
    lookup = _state_lookup()
    codes = set(lookup.values())
    if agency:
        m = _SUFFIX.search(agency.value)
        if m and m.group(1) in codes:
            return Found(m.group(1), agency.page)
        low = agency.value.lower()
        for name, code in sorted(lookup.items(), key=lambda kv: -len(kv[0])):
            if re.search(rf"\b{re.escape(name)}\b", low) and not (name == "washington" and "washington, d" in low):
                return Found(code, agency.page)
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    pattern = re.compile(r"(?i)\b(" + "|".join(re.escape(n) for n in sorted(lookup, key=len, reverse=True)) + r")\b")
    for p in pages:
        text = re.sub(
            r"(?i)washington,?\s*d\.?\s*c\.?|district of columbia|united states|state of the union", " ", p.text
        )
        for m in pattern.finditer(text):
            code = lookup[m.group(1).lower()]
            counts[code] += 1
            first.setdefault(code, p.number)
        for m in _POSTAL_ZIP.finditer(text):
            if m.group(1) in codes and m.group(1) != "DC":
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

ICE_TITLES = re.compile(
    r"(?i)(acting\s+)?(deputy\s+)?director\b(?!.{0,20}(sheriff|police|department of|division))|"
    r"executive\s+associate\s+director|assistant\s+director|field\s+office\s+director"
)
_SIGNERS = None


def ice_signers() -> list[dict]:
    """ICE officials seen signing MOAs (DOMAIN §1.3), to tell ICE's block from the agency's."""
    global _SIGNERS
    if _SIGNERS is None:
        _SIGNERS = data_rows("moa_signers.csv")
    return _SIGNERS


def _signature_pages(pages: Sequence[PageLike]) -> list[tuple[PageLike, int, str]]:
    """(page, where the blocks start, block): the page(s) after "By signing this MOA", and each addendum's."""
    out = []
    for i, p in enumerate(pages):
        m = re.search(r"(?i)by\s+signing\s+this\s+(moa|memorandum|addendum)", p.text)
        if m:
            block = "addendum" if m.group(1).lower() == "addendum" or _is_addendum(p) else "moa"
            out.append((p, m.end(), block))
            rest = p.text[m.end() :]
            if not DATE.search(rest) and not re.search(r"(?i)digitally\s*signed", rest) and i + 1 < len(pages):
                out.append((pages[i + 1], 0, block))
    if not out:
        for p in pages:
            m = re.search(
                r"(?i)for\s+the\s+lea\s*:?\s*\n?.{0,80}for\s+ice|for\s+ice\s*:?.{0,80}for\s+the\s+lea", p.text, re.S
            )
            if m and re.search(r"(?i)date", p.text[m.start() :]):
                out.append((p, m.start(), "addendum" if _is_addendum(p) else "moa"))
    return out


def _is_addendum(p: PageLike) -> bool:
    return bool(re.search(r"(?i)^\s*addendum", p.text[:300], re.M))


def _signatures(pages: Sequence[PageLike]) -> list[Signature]:
    out: list[Signature] = []
    for p, start, block in _signature_pages(pages):
        out.extend(_blocks(p, start, block))
    # the same signer read twice (the blocks run over a page break): keep the dated reading
    seen: dict[tuple[str, str, str | None], int] = {}
    kept: list[Signature] = []
    for s in out:
        key = (s.block, s.party, (s.name or "").lower() or None)
        if key in seen and s.name:
            j = seen[key]
            if kept[j].date is None and s.date is not None:
                kept[j] = s
            continue
        seen[key] = len(kept)
        kept.append(s)
    return kept


def _blocks(p: PageLike, start: int, block: str) -> list[Signature]:
    """The signature blocks of one page: digital stamps first, then typed dates, assigned to ICE or the
    agency by the column "For ICE:" / "For the LEA:" heads, the signer's title or name."""
    text = p.text[start:]
    offset = start
    sigs: list[Signature] = []
    used: list[tuple[int, int]] = []
    for m in _DIGITAL.finditer(text):
        name = " ".join(m["name"].split())
        day = _iso(m["date"])
        party = _party_of_name(name) or _party_near(text, m.start())
        sigs.append(
            Signature(party, _title_case(name), None, day, "digital", "digital signature stamp", p.number, block)
        )
        used.append((m.start(), m.end()))
    left_party, right_party = _column_parties(text)
    halves = p.halves
    if halves and left_party and right_party:
        for half, party in ((halves[0], left_party), (halves[1], right_party)):
            if any(s.party == party for s in sigs):
                continue
            sigs.append(_block_from(half, party, p, block, halves_mode=True))
        return [s for s in sigs if s.party in ("ICE", "LEA", "other")]
    # one column, or no heads: each typed date line is a block
    for m in re.finditer(r"(?im)^.*\bdate\b.*$", text):
        line = m.group(0)
        if any(a <= m.start() < b for a, b in used):
            continue
        dates = [(d, parse_date(d)) for d in DATE.finditer(line)]
        dates = [(d, v) for d, v in dates if v]
        if not dates:
            continue
        for k, (d, v) in enumerate(dates):
            party = right_party if k == 1 and right_party else (left_party or _party_near(text, m.start()))
            sure = not (p.ocr and _unsure(p, offset + m.start() + d.start(), offset + m.start() + d.end()))
            if any(s.party == party and s.date for s in sigs):
                continue
            signer, title = _name_title_after(text, m.end(), party)
            sigs.append(
                Signature(
                    party or "LEA",
                    signer,
                    title,
                    v if sure else None,
                    "typed",
                    None if sure else "OCR not sure of the date",
                    p.number,
                    block,
                )
            )
    if not sigs:
        for head in (left_party, right_party):
            if head:
                sigs.append(
                    Signature(head, None, None, None, "none", "no printed date (handwritten or blank)", p.number, block)
                )
    return sigs


def _block_from(half: str, party: str, p: PageLike, block: str, halves_mode: bool) -> Signature:
    m = re.search(r"(?i)\bdate\b[:.;]?\s*(.{0,40})", half)
    day = None
    if m:
        d = DATE.search(m.group(1))
        day = parse_date(d) if d else None
    if day is None:
        d = DATE.search(half)
        day = parse_date(d) if d else None
    name = _labelled(half, "name")
    title = _labelled(half, "title")
    if name is None:
        name = _known_name(half)
    reason = None if day else "no printed date (handwritten or blank)"
    kind = "typed" if day else "none"
    if day and p.ocr:
        kind = "typed"
    return Signature(party, name, title, day, kind, reason, p.number, block)


def _labelled(text: str, label: str) -> str | None:
    m = re.search(rf"(?im)^\s*{label}\s*[:.·]\s*(?P<v>[^\n]{{2,80}})$", text)
    if not m:
        return None
    value = re.split(r"(?i)\s(?:title|name|date|signature|agency)\s*[:.]", m["v"])[0]
    value = " ".join(value.split()).strip(" _-")
    return value or None


def _known_name(text: str) -> str | None:
    low = text.lower()
    for s in ice_signers():
        if s["surname"].lower() in low:
            return s["name"]
    return None


def _column_parties(text: str) -> tuple[str | None, str | None]:
    """Which party heads the left and which the right column ("For the LEA: For ICE:" on one line)."""
    m = re.search(r"(?im)^.*for\s+(the\s+lea|ice|dhs)\b.*for\s+(the\s+lea|ice|dhs)\b.*$", text)
    if not m:
        return None, None
    first = "LEA" if "lea" in m.group(1).lower() else "ICE"
    return first, "ICE" if first == "LEA" else "LEA"


def _party_of_name(name: str) -> str | None:
    low = name.lower()
    return "ICE" if any(s["surname"].lower() in low for s in ice_signers()) else None


def _party_near(text: str, pos: int) -> str:
    """The party of a block by the heads and titles just around it."""
    window = text[max(0, pos - 200) : pos + 300]
    heads = [
        (m.start(), "LEA" if "lea" in m.group(1).lower() else "ICE")
        for m in re.finditer(r"(?i)for\s+(the\s+lea|ice|dhs)\b", window)
    ]
    if heads:
        before = [h for h in heads if h[0] <= pos - max(0, pos - 200)]
        return (before[-1] if before else heads[0])[1]
    if any(s["surname"].lower() in window.lower() for s in ice_signers()) or ICE_TITLES.search(window):
        return "ICE"
    return "LEA"


def _name_title_after(text: str, pos: int, party: str | None) -> tuple[str | None, str | None]:
    lines = [line.strip() for line in text[pos : pos + 300].splitlines() if line.strip()][:4]
    name = title = None
    for line in lines:
        if re.match(r"(?i)(name|title)\s*[:.]", line):
            key, _, rest = line.partition(":") if ":" in line else line.partition(".")
            value = re.split(r"(?i)\s(?:title|name|date|signature)\s*[:.]", rest)[0].strip(" _-")
            if key.strip().lower() == "name" and value:
                name = value
            elif value:
                title = value
    if name is None:
        name = _known_name(" ".join(lines))
    return name, title


def _title_case(name: str) -> str:
    return name if not name.isupper() else " ".join(w.capitalize() for w in name.split())


def _iso(text: str) -> dt.date | None:
    m = re.match(r"(20\d\d)[.\-/](\d{1,2})[.\-/](\d{1,2})", text)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


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
    for pos, item in items:
        low = " ".join(item.lower().split())
        n = None
        for r in canon:
            k = int(r["n"])
            if k not in taken and re.search(r["match"], low):
                n = k
                break
        if n is None and len(low) < 60:
            continue  # a fragment (a page footer between items), not an item
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
