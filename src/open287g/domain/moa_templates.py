"""Where each MOA departs from the template of its model and revision, and what changed between templates.

ICE's blank templates are not available as files, so each template is derived from the signed MOAs of
its family, by these rules (measured on the 80 shared MOAs; tests/test_moa_templates.py says how):

* **Family.** An MOA's family is its model and revision line, read through the reviewed table
  data/moa_templates.csv (each row citing DOMAIN §2.4a): "JEM 2020", "JEM 2025", "WSO 2019-20",
  "WSO 2025" (02/15 and 02/14/2025), "TFM 2025" (02/12 and 03/07/2025), "TFM 02/14/2025" (Owyhee),
  "TFM pre-template" (Texas AG). A revision the table does not list has no family.
* **Template = the words most MOAs of the family share, in their order.** Every member is aligned word
  by word (longest common subsequence) to one member, the one of median length; a word stays when more
  than half of the members have it at that place, and words that more than half of the members have
  at a place where it has none are put in. Every member is then aligned to the result. A family needs
  MIN_MEMBERS MOAs for a template of its own; an MOA of a smaller family, or of a revision the table
  does not list, is compared with the template of its model (of any model, if its model is not known)
  whose words it shares most, and `Basis.reason` says so.
* **What is not a departure.**
  - Blanks: a place of the template where SLOT_SHARE of the members or more have words of their own
    (the agency's name, the field office, addresses, names, titles) is a blank; what a document writes
    there is its fill-in.
  - Fill-ins the text layer put out of place (form fields read in another order): an address, phone
    number or e-mail; an agency's name (capitalised words with a word such as County, Police, Sheriff
    and none of ICE's); words only of blanks and of the template's signature blocks and contact lists.
  - The agency's own name and acronym as the parties clause defines them ("the Levy County Sheriff's
    Office (LCSO)") read as "LEA" throughout, as the templates write it.
  - Running headers and footers (a line on 40% of the pages: the agency's name, the revision line, the
    page number); signature blocks (after "By signing this MOA …") and the names, titles and addresses
    after "… points of contact … are:", up to the next section or sentence of prose.
  - OCR misreadings. Words are compared by keys that fold what OCR confuses (l/1/i/I/|, o/0/Q, s/5,
    b/6, rn/rm/nn/ln for m, cl for d, III for m, "OHS" and "FOO" for DHS and FOD). A run of differing
    words is a misreading when its letters are within SLIP_EDITS of the template's (words run together
    or split: "ofthe", "avai I able"), when it is one or two small words or a stray mark, when the
    document's words are not words of the MOAs (in fewer than COMMON_DOCS documents) and either
    resemble the template's or are a few, when it is mostly signs rather than letters, or when it is a
    section numeral with an I more or less. Numbers are never forgiven: a digit read for another digit
    is a change.
  - Pages without readable text (a text layer in a broken font; an empty page): what the template has
    there is not said to be missing; `Basis.unreadable_pages` lists them.
  - A clause found word for word elsewhere in the document (moved, or read out of order).
* **Addenda are never template text.** Pages headed ADDENDUM are modifications signed separately ("hereby
  agree to modify …"): each addendum is one added clause (its text up to its signature block), in the
  section its heading names.
* **Departures, clause by clause** (a clause is a sentence or a list item, in the section of the
  template's heading over it; a heading of the document's own names its section itself):
  - removed: the document lacks more than half of a template clause's words (REMOVED_MIN words or more);
  - changed: the document has the clause with CHANGED_MIN words or more of its own or missing, and keeps
    CHANGED_SIMILARITY of its letters (else the clause is removed and the document's one added); a word
    diff says how;
  - added: a clause of the document of ADDED_MIN words or more, most of them not the template's.

`analyse` gives it all in one pass; `compare`, `bases`, `family_changes` and `template_texts` are its
parts. All of it is pure and deterministic: the same documents give the same answer in the same order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, Levenshtein

from .vocab import data_rows

MIN_MEMBERS = 3  # MOAs a family needs for a template of its own
SLOT_SHARE = 0.3  # members with words of their own at one place of the template that make it a blank
CHANGED_MIN = 2  # words a template clause must gain or lose (OCR slips forgiven) to be "changed"
ADDED_MIN = 5  # words of its own a document clause needs to be "added"
REMOVED_MIN = 3  # words a template clause needs to be reported missing (below: "Date:", "Title:")
CHANGED_SIMILARITY = 50  # a reworded clause keeps this much of the template's letters (rapidfuzz ratio)
MOVED_RATIO = 90  # a removed and an added clause this similar (rapidfuzz ratio) are one clause moved
TITLE = "TITLE"  # the section before the first heading (the title lines)
ADDENDUM = "ADDENDUM"


# --- the public shapes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocText:
    """One MOA's text: its pages as (page number, text), with the model and revision read from it."""

    sha256: str
    model: str | None
    revision_date: dt.date | None
    agency: str | None
    pages: Sequence[tuple[int, str]]


@dataclass(frozen=True)
class Departure:
    """One clause where a document departs from the template it is compared with."""

    template: str  # the family whose template the document was compared with
    change: str  # "added" | "removed" | "changed"
    section: str  # the heading of the section ("IV. RESPONSIBILITIES", "APPENDIX A", "ADDENDUM …")
    page: int | None  # the document's page (for "removed": where the clause would be)
    text: str | None  # the document's words (None for "removed")
    template_text: str | None  # the template's words (None for "added")
    diff: str | None  # for "changed": "… [-template words-] {+document words+} …"


@dataclass(frozen=True)
class FamilyChange:
    """One clause that differs between the templates of two families of the same model."""

    model: str
    before: str  # the earlier family ("JEM 2020")
    after: str  # the later family ("JEM 2025")
    change: str  # "added" (in `after` only) | "removed" (in `before` only) | "changed"
    section: str
    before_text: str | None
    after_text: str | None
    diff: str | None


@dataclass(frozen=True)
class Basis:
    """Which template a document was compared with, and why."""

    family: str | None  # the document's own family (None: model or revision not in the table)
    template: str | None  # the family whose template it was compared with (None: no template of its model)
    members: int  # MOAs of `template` given
    reason: str
    unreadable_pages: tuple[int, ...] = ()  # pages without readable text: not said to lack anything


# --- families ----------------------------------------------------------------------------------------


@cache
def _families() -> dict[tuple[str, dt.date | None], str]:
    table: dict[tuple[str, dt.date | None], str] = {}
    for row in data_rows("moa_templates.csv"):
        key = (row["model"], dt.date.fromisoformat(row["revision"]) if row["revision"] else None)
        if key in table:
            raise ValueError(f"moa_templates.csv: {key} listed twice")
        table[key] = row["family"]
    return table


def family(model: str | None, revision_date: dt.date | None) -> str | None:
    """The template family of an MOA of this model and revision line (None: not in the table)."""
    if model is None:
        return None
    return _families().get((model, revision_date))


@cache
def _family_order() -> dict[str, tuple[str, dt.date]]:
    """Each family's model and place in time: its earliest revision (no revision line: the oldest)."""
    out: dict[str, tuple[str, dt.date]] = {}
    for (model, rev), fam in _families().items():
        when = rev or dt.date.min
        if fam not in out or when < out[fam][1]:
            out[fam] = (model, when)
    return out


# --- words -------------------------------------------------------------------------------------------

_FOLD = str.maketrans({"1": "l", "i": "l", "0": "o", "5": "s", "q": "o", "6": "b"})
_MARKS = str.maketrans({"[": "l", "]": "l", "|": "l", "!": "l"})  # OCR's I and l
_CONFUSED = re.compile(r"lll|rn|rm|nn|ln|cl|vv")  # letters OCR reads for one another (m, d, w)
_CONFUSED_AS = {"lll": "m", "rn": "m", "rm": "m", "nn": "m", "ln": "m", "cl": "d", "vv": "w"}
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_WORD_MAP = {"ohs": "dhs", "0hs": "dhs", "tbe": "the", "foo": "fod"}  # "FOO" is OCR of "FOD"
_STOP_WORDS = "the a an of and or to in on at by for its is be as all"
_BULLETS = frozenset(["•", "·", "◦", "▪", "●", "o", "©", "x", "*", "-", "–", "»", ">", "■", "□", "➢", "✓"])
_ABBREV = frozenset(
    [
        "u.s.",
        "u.s.c.",
        "c.f.r.",
        "e.g.",
        "i.e.",
        "no.",
        "nos.",
        "pub.",
        "l.",
        "v.",
        "vs.",
        "seq.",
        "al.",
        "aug.",
        "dec.",
        "jan.",
        "feb.",
        "mar.",
        "apr.",
        "jun.",
        "jul.",
        "sep.",
        "sept.",
        "oct.",
        "nov.",
        "st.",
        "inc.",
        "mr.",
        "ms.",
        "mrs.",
        "dr.",
        "jr.",
        "sr.",
        "sec.",
        "p.",
        "pp.",
        "vol.",
        "ch.",
        "art.",
        "para.",
        "supp.",
        "gen.",
        "dept.",
        "co.",
        "corp.",
        "ft.",
        "mt.",
    ]
)
_NAMED_BY_LETTER = frozenset({"appendlx", "sectlon", "part", "ltem", "exhlblt", "attachment"})  # keys
_END = re.compile(r"[.?!][\"'”’)\]]*$")
_REVISION_LINE = re.compile(r"(?i)\br[a-z]{0,2}v[a-z]{0,5}\.?\s*:?\s*\d{1,2}\s*/\s*\d")
_PAGE_LINE = re.compile(r"(?i)^\W*(?:page\s*)?\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?\W*$")
_ROMAN = {"I": 1, "V": 5, "X": 10}
_TOP = re.compile(r"^(?P<num>[IVXLl1]{1,5})\s*[.,]\s*(?P<title>[A-Z][A-Za-z0-9 ,.&/'’()\-]{2,90})$")
_APPENDIX = re.compile(r"^APPEND\W?[I1l\[\]|]?X\s*(?P<letter>[A-F])?\b\W*(?P<rest>.*)$")
_ADDENDUM = re.compile(r"^ADDENDUM\b")
_SUB = re.compile(r"^(?:[A-Z8]|\d{1,2})\s*[.)]\s+(?P<title>[A-Z][A-Za-z0-9 ,&/'’()\-]{2,80})\.?$")
_SIGNING = re.compile(r"(?i)^\W*by\s+signing\s+this\s+(?:moa|memorandum|addendum|agreement)")
_PARTIES = re.compile(
    r"Homeland\s+Security\s*(?:\(\s*[A-Z0-9.\-]{2,6}\s*\)?|[A-Z]{2,3}\b)?\s*[,.]?\s*and\s+(?P<name>[^()]{3,150}?)\s*"
    r"(?:\(\s*(?:the\s+)?[\"“”']?(?P<acr>[A-Z][A-Za-z&.]{1,9})[\"“”']?\s*\)|,?\s*hereinafter|,?\s*pursuant\s+to)",
    re.S,
)


@cache
def _stop() -> frozenset[str]:
    return frozenset(_key(w) for w in _STOP_WORDS.split())


@cache
def _key(word: str) -> str:
    k = _NON_ALNUM.sub("", word.lower().translate(_MARKS))
    k = _WORD_MAP.get(k, k).translate(_FOLD)
    return _CONFUSED.sub(lambda m: _CONFUSED_AS[m.group()], k)


def _content(key: str) -> bool:
    """A word that counts: two letters or more, or a number."""
    return len(key) >= 2 or key.isdigit()


_END_CHARS = frozenset(".?!\"'”’)]")


# --- a document (or a template) as a sequence of words -------------------------------------------------


@dataclass
class _Seq:
    ids: list[int] = field(default_factory=list)  # the words' keys, interned
    keys: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # as printed (with the punctuation before them)
    pages: list[int | None] = field(default_factory=list)
    head: list[int] = field(default_factory=list)  # 1: a section heading, 2: a subsection heading, 0: text
    starts: list[bool] = field(default_factory=list)  # the word begins a clause
    # computed by _finish:
    clause: list[int] = field(default_factory=list)  # the clause each word belongs to
    clauses: list[tuple[int, int]] = field(default_factory=list)  # [a, b) of each clause
    zone: list[bool] = field(default_factory=list)  # a signature block or a list of contacts: not compared
    label: list[str] = field(default_factory=list)  # the section heading over each word
    content: list[bool] = field(default_factory=list)  # the word counts (see _content)
    zone_keys: frozenset[str] = frozenset()  # the words of its signature blocks and lists of contacts
    clause_content: list[list[int]] = field(default_factory=list)  # each clause's words that count

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, other: _Seq, i: int) -> None:
        for name in _SEQ_FIELDS:
            getattr(self, name).append(getattr(other, name)[i])

    def take(self, keep: Sequence[int]) -> _Seq:
        """The sequence of the words at `keep` (finished)."""
        out = _Seq(
            [self.ids[i] for i in keep],
            [self.keys[i] for i in keep],
            [self.words[i] for i in keep],
            [self.pages[i] for i in keep],
            [self.head[i] for i in keep],
            [self.starts[i] for i in keep],
        )
        _starts_at_headings(out)
        _finish(out)
        return out

    def text(self, a: int, b: int) -> str:
        return " ".join(self.words[a:b])


_SEQ_FIELDS = ("ids", "keys", "words", "pages", "head", "starts")


@dataclass
class _Doc:
    doc: DocText
    family: str | None
    body: _Seq
    addenda: list[tuple[str, int | None, str]]  # (heading, page, text)
    addendum_pages: set[int]
    unreadable: set[int] = field(default_factory=set)  # pages without readable text


class _Interner(dict[str, int]):
    def __missing__(self, key: str) -> int:
        self[key] = n = len(self)
        return n


def _running_lines(pages: Sequence[tuple[int, list[tuple[str, str]]]]) -> set[str]:
    """Letter keys of the lines repeated on many pages: running headers and footers."""
    seen: Counter[str] = Counter()
    for _, lines in pages:
        seen.update({k for line, k in lines if len(line) <= 100})
    need = max(3, int(len(pages) * 0.4))
    return {k for k, n in seen.items() if n >= need and len(k) >= 6}


_NON_LETTERS = bytes(c for c in range(256) if not (97 <= c <= 122))


def _line_key(line: str) -> str:
    """The letters of a line, lower case (a-z only)."""
    return line.lower().encode("ascii", "ignore").translate(None, _NON_LETTERS).decode()


def _is_running(line: str, k: str, running: set[str]) -> bool:
    if len(line) > 100:
        return False
    if k in running or (len(line) <= 16 and _PAGE_LINE.match(line)):
        return True
    if "/" in line and _REVISION_LINE.search(line) and len(line.split()) <= 14:
        return True
    # (an OCR variant of a running line has about its length: a body line that begins with the agency's
    # name, as the parties clause does, is longer)
    return k in running or (
        len(k) >= 8 and any(abs(len(k) - len(r)) <= 0.2 * len(r) and fuzz.ratio(k, r) >= 85 for r in running)
    )


def _agency_patterns(first_text: str, agency: str | None) -> list[re.Pattern[str]]:
    """The agency's own name and acronym as the parties clause defines them (read as "LEA")."""
    names: list[str] = []
    acr = None
    m = _PARTIES.search(first_text)
    if m:
        names.append(m.group("name"))
        acr = _acronym(m.group("acr"))
    if agency:
        names.append(agency)
    out: list[re.Pattern[str]] = []
    for name in names:
        name = re.sub(r"(?i)^\s*the\s+", "", " ".join(name.split())).strip(" ,.;")
        words = name.split()
        if not 2 <= len(words) <= 12 or "_" in name or re.search(r"(?i)hereinafter|enforcement\s+agenc", name):
            continue
        # the first word as written, the others by their first letters: OCR misreads the rest of the
        # name differently on each page ("Sherifrs", "Sheri ff s")
        # (the first word in its usual cases, not case-folded: the search then runs fast)
        first = "|".join(sorted({re.escape(v) for v in (words[0], words[0].upper(), words[0].capitalize())}))
        rest = [re.escape(w[:3]) + r"[^\s()]*" if len(w) > 3 else re.escape(w) for w in words[1:]]
        gap = r"\s+(?:\S{1,2}\s+){0,2}"
        # ("Loudoun County Sheriff" in the parties clause, "Loudoun County Sheriff's Office" elsewhere)
        tail = r"(?:['’]?s)?(?:\s+(?i:office|department))?" if words[-1].lower().startswith("sheriff") else ""
        out.append(re.compile(f"(?:{first})" + "".join(f"{gap}(?i:{r})" for r in rest) + tail + r"(?![A-Za-z])"))
    if acr:
        out.append(re.compile(r"(?<![A-Za-z])" + re.escape(acr) + r"(?![A-Za-z])"))
    return out


@dataclass(frozen=True)
class _Acronym:
    keys: frozenset[str]
    prefixes: frozenset[str]

    def __bool__(self) -> bool:
        return bool(self.keys)


def _acronym_keys(first_text: str) -> _Acronym:
    """The keys of the agency's acronym, as OCR may misread them (LPCSQ for LPCSO), with its possessive
    and a stray letter after it."""
    m = _PARTIES.search(first_text)
    acr = _acronym(m.group("acr")) if m else None
    if not acr:
        return _Acronym(frozenset(), frozenset())
    k = _key(acr)
    return _Acronym(frozenset({k}), frozenset({k[:2]}))


def _acronym(text: str | None) -> str | None:
    """The agency's acronym the parties clause defines ("LCSO"; not a word such as "Department", nor the
    template's own LEA)."""
    acr = (text or "").replace(".", "")
    if not re.fullmatch(r"[A-Z&]{2,8}", acr) or acr in {"LEA", "ICE", "DHS", "MOA"}:
        return None
    return acr


def _heading(line: str, last_top: int, in_addendum: bool) -> tuple[int, str | None, int]:
    """(level, label, numeral) of a heading line: level 1 a section, 2 a subsection, 0 not a heading.
    The label is the line as the template writes it ("Vlll." reads "VIII.", "APPEND[X B" and
    "APPENDIXB" read "APPENDIX B"), so that every MOA's headings are the same words."""
    if len(line) > 100 or not (line[:1].isupper() or line[:1].isdigit()):
        return 0, None, last_top
    if _ADDENDUM.match(line):
        return 1, ADDENDUM, last_top
    m = _APPENDIX.match(line)
    if m:
        rest = " ".join(m.group("rest").split())
        label = "APPENDIX" + (f" {m.group('letter')}" if m.group("letter") else "") + (f" {rest}" if rest else "")
        return 1, label, last_top
    if in_addendum:
        return 0, None, last_top
    m = _TOP.match(line)
    if m:
        letters = [c for c in m.group("title") if c.isalpha()]
        num = _roman(m.group("num"))
        if letters and sum(c.isupper() for c in letters) >= 0.8 * len(letters) and num and num >= last_top:
            # (a numeral again is still a heading: OCR drops an I of "VIII.", and Texas AG's TFM numbers
            # two sections XV.; the numeral is kept as written)
            return 1, f"{_roman_text(num)}. {' '.join(m.group('title').split())}", num
    m = _SUB.match(line)
    if m and len(line) <= 80:
        words = m.group("title").split()
        caps = sum(w[:1].isupper() for w in words if len(w) > 3)
        if caps >= 0.6 * max(1, sum(len(w) > 3 for w in words)):
            return 2, None, last_top
    return 0, None, last_top


def _roman(text: str) -> int | None:
    text = text.replace("l", "I").replace("1", "I").replace("L", "I")
    total, prev = 0, 0
    for c in reversed(text):
        v = _ROMAN.get(c)
        if v is None:
            return None
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total if 0 < total <= 30 else None


def _roman_text(n: int) -> str:
    out = ""
    for value, sym in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + sym, n - value
    return out


_NUMERAL_LINE = re.compile(r"^[IVXLl1]{1,5}\s*[.,]$")
_CAPS_LINE = re.compile(r"^[A-Z0-9][A-Z0-9 ,.&/'’()\-:]{2,80}$")


def _lines(doc: DocText) -> tuple[list[tuple[int, str]], _Acronym]:
    """The document's lines (page, text) without running headers and footers, the agency's name
    read as "LEA"; and the keys of the agency's acronym."""
    raw = [
        (num, [(line, _line_key(line)) for line in map(str.strip, text.splitlines()) if line])
        for num, text in doc.pages
    ]
    running = _running_lines(raw)
    kept = [(num, [line for line, k in lines if not _is_running(line, k, running)]) for num, lines in raw]
    first = "\n".join(line for _, lines in raw[:2] for line, _ in lines)
    patterns = _agency_patterns(first, doc.agency)
    out: list[tuple[int, str]] = []
    for num, lines in kept:
        text = "\n".join(lines)
        for rx in patterns:
            text = rx.sub("LEA", text)
        page_lines = [line.strip() for line in text.split("\n") if line.strip()]
        k = 0
        while k < len(page_lines):
            line = page_lines[k]
            if _NUMERAL_LINE.match(line) and k + 1 < len(page_lines) and _CAPS_LINE.match(page_lines[k + 1]):
                line = f"{line} {page_lines[k + 1]}"  # "III." over "AUTHORITY"
                k += 1
            out.append((num, line))
            k += 1
    return out, _acronym_keys(first)


def _prepare(doc: DocText, interner: _Interner) -> _Doc:
    lines, acronym = _lines(doc)
    body, extra = _Seq(), _Seq()  # the MOA's words; the words of its addenda
    addenda: list[tuple[int, int]] = []  # ranges of `extra`
    last_top, in_addendum, top_line, page, first_lines = 0, False, False, -1, 0
    pending, brk, soft = "", True, False
    key = _key
    for num, line in lines:
        first_lines = 0 if num != page else first_lines + 1
        page = num
        if len(line) <= 100 and (line[0].isupper() or line[0].isdigit()):
            level, label, last_top = _heading(line, last_top, in_addendum)
            if level == 1 and label and label != ADDENDUM:
                line = label
        else:
            level, label = 0, None
        if label == ADDENDUM and first_lines < 4:
            in_addendum = True
            addenda.append((len(extra), len(extra)))
        elif label == ADDENDUM:
            level, label = 0, None
        elif label and label.startswith("APPENDIX") and in_addendum:
            in_addendum = False
        if top_line and not level and len(line) <= 80 and _CAPS_LINE.match(line):
            level = 1  # the heading's second line ("APPENDIX A" / "STANDARD OPERATING PROCEDURE (SOP)")
        top_line = level == 1
        target = extra if in_addendum else body
        keys, shown, pages, heads, starts = target.keys, target.words, target.pages, target.head, target.starts
        words = line.split()
        if level:
            brk = True
        elif len(words) > 1 and words[0] in _BULLETS:
            pending += words[0] + " "
            words = words[1:]
            brk = True
        ks = list(map(key, words))
        if acronym:
            ks = ["lea" if k[:2] in acronym.prefixes and _is_acronym(k, acronym.keys) else k for k in ks]
        if words and not pending and "" not in ks:
            # (the common case, at list speed: every word has letters or digits)
            if keys and not brk:
                prev = shown[-1]
                if soft or (prev[-1] in _END_CHARS and _ends_clause(prev, keys[-2:-1])):
                    brk = _opens(words[0])
            line_starts = [brk] + [False] * (len(words) - 1)
            for i in [i for i, w in enumerate(words[:-1], 1) if w[-1] in _END_CHARS]:
                before = ks[i - 2 : i - 1] if i >= 2 else keys[-1:]
                if _ends_clause(words[i - 1], before) and _opens(words[i]):
                    line_starts[i] = True
            keys.extend(ks)
            shown.extend(words)
            pages.extend([num] * len(words))
            heads.extend([level] * len(words))
            starts.extend(line_starts)
            brk = soft = False
            words_seen = True
        else:
            words_seen = False
        for w, k in zip(words, ks):
            if words_seen:
                break
            if not k:
                pending += w + " "
                continue
            if pending:
                w, pending = pending + w, ""
            if keys and not brk:
                prev = shown[-1]
                if soft or (prev[-1] in _END_CHARS and _ends_clause(prev, keys[-2:-1])):
                    brk = _opens(w)
            soft = False
            keys.append(k)
            shown.append(w)
            pages.append(num)
            heads.append(level)
            starts.append(brk)
            brk = False
        # a heading or a line ending in ":" ends its clause; so does a short line (a list, an address)
        # when the next one opens like a sentence
        if level or line.endswith(":"):
            brk = True
        elif len(line) < 45 and words and not line.endswith((",", "-", "—", ";")):
            soft = True
        if in_addendum and addenda:
            addenda[-1] = (addenda[-1][0], len(extra))
    for seq in (body, extra):
        seq.ids = [interner[k] for k in seq.keys]
        _finish(seq)
    addendum_pages = {p for p in extra.pages if p is not None}
    return _Doc(doc, family(doc.model, doc.revision_date), body, _addendum_texts(extra, addenda), addendum_pages)


def _is_acronym(key: str, keys: frozenset[str]) -> bool:
    return any(key.startswith(a) and len(key) <= len(a) + 2 for a in keys)


def _drop_pages(seq: _Seq, pages: set[int]) -> _Seq:
    """The sequence without the words of the given pages."""
    return seq.take([i for i, p in enumerate(seq.pages) if p not in pages])


_CLOSING = re.compile(r"[\"'”’)\]]+$")
_INITIAL = re.compile(r"[a-z]\.")
_INITIALS = re.compile(r"(?:[a-z]\.){2,}")


def _ends_clause(word: str, before: Sequence[str] = ()) -> bool:
    """Whether a word ends a sentence (not "U.S.C.", "e.g.", "No.", an initial; but "Appendix A.")."""
    if not _END.search(word):
        return False
    last = _CLOSING.sub("", word.rsplit(None, 1)[-1].lstrip("([\"'“‘").lower())
    if _INITIAL.fullmatch(last):
        return bool(before) and before[-1] in _NAMED_BY_LETTER
    return not (last in _ABBREV or _INITIALS.fullmatch(last))


def _opens(word: str) -> bool:
    c = word.lstrip("([\"'“‘§• ")[:1]
    return c.isupper() or c.isdigit()


def _starts_at_headings(seq: _Seq) -> None:
    """A clause begins wherever the heading level changes (and at the first word)."""
    head, starts = seq.head, seq.starts
    for i in [i for i in range(1, len(head)) if head[i] != head[i - 1]]:
        starts[i] = True
    if starts:
        starts[0] = True


def _finish(seq: _Seq) -> None:
    """Clauses, signature blocks and section labels of a sequence whose words are read."""
    n = len(seq)
    starts, head = seq.starts, seq.head  # (a clause begins wherever the heading level changes)
    cuts = [0, *itertools.compress(range(n), starts), n]
    seq.clauses = [(a, b) for a, b in itertools.pairwise(cuts) if b > a]
    seq.clause = []
    for c, (a, b) in enumerate(seq.clauses):
        seq.clause.extend([c] * (b - a))
    seq.content = content = [len(k) > 1 or k.isdigit() for k in seq.keys]  # _content
    seq.clause_content = [list(itertools.compress(range(a, b), content[a:b])) for a, b in seq.clauses]
    seq.zone, seq.label = [], []
    signing, contacts, label = False, False, TITLE
    clauses = seq.clauses
    ci = 0
    while ci < len(clauses):
        a, b = clauses[ci]
        if head[a] == 1:
            j = ci
            while j + 1 < len(clauses) and head[clauses[j + 1][0]] == 1:
                j += 1  # a heading over two lines ("APPENDIX A" / "STANDARD OPERATING PROCEDURE")
            a, b = clauses[ci][0], clauses[j][1]
            label, signing = _label(seq, a, b), False
            contacts = "pointsofcont" in _line_key(label)
            seq.label.extend([label] * (b - a))
            seq.zone.extend([False] * (b - a))
            ci = j + 1
            continue
        if signing and _END.search(seq.words[b - 1]) and sum(seq.content[a:b]) >= 8:
            signing = False  # a sentence of prose: the names and signatures have ended
        seq.label.extend([label] * (b - a))
        seq.zone.extend([signing] * (b - a))
        if not signing and seq.keys[a] == "by" and _SIGNING.match(seq.text(a, min(b, a + 6))):
            signing = True
        if contacts and seq.words[b - 1].endswith(":"):
            signing = True  # the names, titles and addresses after "… points of contact … are:"
        ci += 1
    seq.zone_keys = frozenset(k for k, z in zip(seq.keys, seq.zone) if z)


_LEADING_MARKS = re.compile(r"^[^A-Za-z0-9(]+")


def _label(seq: _Seq, a: int, b: int) -> str:
    text = _LEADING_MARKS.sub("", " ".join(" ".join(seq.words[a:b]).split()))
    m = _TOP.match(text)
    if m and (num := _roman(m.group("num"))):
        text = f"{_roman_text(num)}. {' '.join(m.group('title').split())}"
    m = _APPENDIX.match(text)
    if m:
        rest = " ".join(m.group("rest").split())
        text = "APPENDIX" + (f" {m.group('letter')}" if m.group("letter") else "") + (f" — {rest}" if rest else "")
    return text[:120]


def _addendum_texts(seq: _Seq, ranges: list[tuple[int, int]]) -> list[tuple[str, int | None, str]]:
    out = []
    for a, b in ranges:
        if a == b:
            continue
        end = b
        for k in range(a, b):
            if seq.zone[k]:
                end = k
                break
        heading_end = a
        while heading_end < end and seq.head[heading_end]:
            heading_end += 1
        title = _label(seq, a, heading_end) or ADDENDUM
        body = seq.text(heading_end, end)
        if body:
            out.append((title, seq.pages[a], body))
    return out


# --- alignment ---------------------------------------------------------------------------------------


@dataclass
class _Alignment:
    match: list[int]  # template word i -> document word j, or -1
    runs: list[tuple[int, int, int, int]]  # the runs of differences: template [i1, i2) vs document [j1, j2)


def _align(a: Sequence[int], b: Sequence[int]) -> _Alignment:
    match = [-1] * len(a)
    runs: list[tuple[int, int, int, int]] = []
    cur: list[int] | None = None
    for op in Indel.opcodes(a, b):
        if op.tag == "equal":
            if cur:
                runs.append((cur[0], cur[1], cur[2], cur[3]))
                cur = None
            match[op.src_start : op.src_end] = range(op.dest_start, op.dest_end)
        elif cur is None:
            cur = [op.src_start, op.src_end, op.dest_start, op.dest_end]
        else:
            cur[1], cur[3] = op.src_end, op.dest_end
    if cur:
        runs.append((cur[0], cur[1], cur[2], cur[3]))
    return _Alignment(match, runs)


# --- templates ---------------------------------------------------------------------------------------


@dataclass
class _Template:
    family: str
    seq: _Seq
    slots: set[int]  # gaps (before word g) where most members have words of their own: blanks
    members: list[str]  # sha256s
    alignments: dict[str, _Alignment]  # each member aligned to the template
    bodies: dict[str, _Seq]  # each member's words


def _build(fam: str, members: list[_Doc]) -> _Template:
    members = sorted(members, key=lambda d: d.doc.sha256)
    half = len(members) / 2
    base = sorted(members, key=lambda d: (len(d.body), d.doc.sha256))[len(members) // 2]
    support = [1] * len(base.body)
    inserts: dict[int, Counter[tuple[int, ...]]] = defaultdict(Counter)
    example: dict[tuple[int, tuple[int, ...]], tuple[_Seq, int]] = {}
    for m in members:
        if m is base:
            continue
        al = _align(base.body.ids, m.body.ids)
        for i, j in enumerate(al.match):
            if j >= 0:
                support[i] += 1
        for i1, _i2, j1, j2 in al.runs:
            if j2 > j1:
                words = tuple(m.body.ids[j1:j2])
                inserts[i1][words] += 1
                example.setdefault((i1, words), (m.body, j1))
    seq = _Seq()
    for g in range(len(base.body) + 1):
        if inserts.get(g):
            words, n = max(inserts[g].items(), key=lambda kv: (kv[1], kv[0]))
            if n > half:
                src, j1 = example[(g, words)]
                for j in range(j1, j1 + len(words)):
                    seq.add(src, j)
        if g < len(base.body) and support[g] > half:
            seq.add(base.body, g)
    seq.pages = [None] * len(seq)
    for i in range(1, len(seq)):  # a clause break the words show (the members' breaks may be dropped)
        if not seq.starts[i] and _ends_clause(seq.words[i - 1]) and _opens(seq.words[i]):
            seq.starts[i] = True
    _starts_at_headings(seq)
    _finish(seq)
    alignments = {m.doc.sha256: _align(seq.ids, m.body.ids) for m in members}
    touched: Counter[int] = Counter()
    for al in alignments.values():
        gaps: set[int] = set()
        for i1, i2, j1, j2 in al.runs:
            if j2 > j1:
                gaps.update(range(i1, i2 + 1))
        touched.update(gaps)
    need = max(2.0, SLOT_SHARE * len(members))
    slots = {g for g, n in touched.items() if n >= need}
    bodies = {m.doc.sha256: m.body for m in members}
    return _Template(fam, seq, slots, [m.doc.sha256 for m in members], alignments, bodies)


# --- comparing ---------------------------------------------------------------------------------------

COMMON_DOCS = 3  # a word in this many documents is a word of the language of MOAs, not an OCR misreading
SLIP_EDITS = 0.3  # letters misread per letter that still make the same word
READABLE_SHARE = 0.5  # a page with fewer of its words common ones is not text (a broken font encoding)
GARBLED_SIMILARITY = 0.4  # an uncommon word this like the template's words it stands for is a misreading


@dataclass(frozen=True)
class _Words:
    """What all the documents given say about words."""

    common: frozenset[str]  # in COMMON_DOCS documents or more
    fill: frozenset[str]  # written into the blanks of a template by two members or more (names, places)


def _common(docs: Iterable[_Doc]) -> frozenset[str]:
    df: Counter[str] = Counter()
    for p in docs:
        df.update(set(p.body.keys))
    return frozenset(k for k, n in df.items() if n >= COMMON_DOCS)


def _unreadable(p: _Doc, common: frozenset[str]) -> set[int]:
    """Pages whose text is not words (a text layer in a broken font encoding, an empty page): what
    the template has there cannot be said to be missing."""
    body = p.body
    counted = Counter(page for page, c in zip(body.pages, body.content) if c)
    known = Counter(page for page, c, k in zip(body.pages, body.content, body.keys) if c and k in common)
    pages = {num for num, _ in p.doc.pages if num not in p.addendum_pages} | {q for q in counted if q is not None}
    return {q for q in pages if not counted[q] or known[q] < READABLE_SHARE * counted[q]}


def _fill(templates: Iterable[_Template]) -> frozenset[str]:
    filled: Counter[str] = Counter()
    template_words: Counter[str] = Counter()
    for t in templates:
        template_words.update(t.seq.keys)
        for sha, al in t.alignments.items():
            d = t.bodies[sha]
            seen: set[str] = set()
            for i1, i2, j1, j2 in al.runs:
                if j2 > j1 and any(g in t.slots for g in range(i1, i2 + 1)):
                    seen.update(d.keys[j1:j2])
            filled.update(seen)
    return frozenset(k for k, n in filled.items() if n >= 2 and template_words[k] < 5 and _content(k)) | {"lea"}


@dataclass(frozen=True)
class _Dep:
    change: str
    section: str
    page: int | None
    text: str | None
    template_text: str | None
    diff: str | None
    order: tuple[int, int]  # position (document word, template word) for the output order
    keys: str = ""  # the clause's letters (folded), to find a clause removed in one place and added in another
    span: tuple[int, int] = (0, 0)  # the clause: template words (removed), document words (added)
    place: tuple[int, int] = (0, 0)  # removed: the document's words between the template's clauses around it


_SAME, _BLANK, _REAL = 0, 1, 2
_ROMAN_KEY = re.compile(r"[xvlm]+")  # a roman numeral's key (I folds to l, III to m)
# contact details, in keys (digits folded: 0 o, 1 l, 5 s, 6 b): a ZIP code, a phone number, an e-mail
# address (the key drops "@" and "."), a suite or box
_D = "[0-9olsb]"
_CONTACT = re.compile(
    rf"(?:^| ){_D}{{5}}(?:{_D}{{4}})?(?: |$)|(?:^| ){_D}{{10}}(?: |$)|(?:^| ){_D}{{3}} {_D}{{3}} {_D}{{4}}(?: |$)"
    r"|(?:^| )(?:sulte|pobox|box|ste)(?: |$)|(?:gov|com|org|us|net)(?: |$)"
)


def _slip(tk: Sequence[str], dk: Sequence[str], words: _Words) -> bool:
    """Whether differing words are an OCR misreading rather than a difference of wording."""
    a, b = "".join(tk), "".join(dk)
    if _numbers_differ(a, b):
        return False  # numbers are read, not forgiven
    if len(a) <= 2 and len(b) <= 2:
        return True  # a stray mark
    if _ROMAN_KEY.fullmatch(a) and _ROMAN_KEY.fullmatch(b) and a.strip("lm") == b.strip("lm"):
        return True  # a section's numeral with an I more or less ("XVII" for "XVIII"): OCR drops and adds Is
    if Levenshtein.distance(a, b) <= max(1.0, SLIP_EDITS * max(len(a), len(b))):
        return True  # letters misread, words run together or split ("ofthe", "avai I able")
    if len(tk) <= 2 and len(dk) <= 2 and all(w in _stop() or len(w) <= 2 for w in (*tk, *dk)):
        return True  # "the", "of"
    tc = [w for w in tk if _content(w)]
    dc = [w for w in dk if _content(w)]
    if not tc and not dc:
        return True
    a, b = "".join(tc), "".join(dc)
    if (tc or dc) and Levenshtein.distance(a, b) <= max(1.0, SLIP_EDITS * max(len(a), len(b))):
        return True  # the same words among stray letters ("FOO. e A • e s e s" for "FOD.")
    uncommon = sum(w not in words.common for w in dc)
    if tc and dc and 2 * uncommon >= len(dc) and Indel.normalized_similarity(a, b) >= GARBLED_SIMILARITY:
        return True  # garbled words for the template's ("trammg", "talcing", "J ,EA· pffioonel'afe")
    # OCR debris ("QG$YH"), a font the text layer cannot spell ("6HH" for "See")
    return bool(dc) and uncommon == len(dc) and len(tc) <= 4 and len(dc) <= 4


def _illegible(shown: Sequence[str]) -> bool:
    """Whether OCR made marks rather than words of these (fewer letters than other signs)."""
    text = "".join(shown)
    letters = sum(c.isalpha() for c in text)
    return len(text) >= 12 and letters < 0.6 * len(text)


def _numbers_differ(a: str, b: str) -> bool:
    """Whether a digit stands for another digit, or is there in one and not the other (a letter
    read as a digit is a misreading: the keys fold 0/o, 1/l, 5/s, 6/b already)."""
    if not (any(c.isdigit() for c in a) or any(c.isdigit() for c in b)):
        return False
    for op in Levenshtein.editops(a, b):
        if op.tag == "replace" and a[op.src_pos].isdigit() and b[op.dest_pos].isdigit():
            return True
    na, nb = re.findall(r"\d+", a), re.findall(r"\d+", b)
    return len(na) == len(nb) and na != nb and all(len(x) == len(y) for x, y in zip(na, nb))


def _filled(tk: Sequence[str], dk: Sequence[str], shown: Sequence[str], words: _Words, zone: frozenset[str]) -> bool:
    """Whether a document's words are a fill-in the text extraction put out of place (form fields and
    columns read out of order): contact details, an agency's name, or words only of the blanks and of
    the signature blocks and lists of contacts (`zone`) of the template ("DHS: Miami Field Office
    Director")."""
    tc = [w for w in tk if _content(w)]
    dc = [w for w in dk if _content(w)]
    if not dc or len(tc) > 2:
        return False
    if _CONTACT.search(" ".join(dk)) or _agency_name(dk, shown, words):
        return True
    if tc:
        return False  # the template's own words replaced by such words are a change ("jurisdiction")
    known = words.fill | zone
    return all(w in known or w not in words.common for w in dc) and any(w in known for w in dc)


_LOCAL_AGENCY = frozenset(
    _key(w)
    for w in [
        "county",
        "sheriff",
        "sheriff's",
        "sheriffs",
        "police",
        "department",
        "city",
        "town",
        "township",
        "village",
        "constable",
        "commission",
        "patrol",
        "bureau",
        "corrections",
        "correctional",
        "jail",
        "detention",
        "state",
        "parish",
        "borough",
        "marshal",
        "university",
        "commissioner",
    ]
)
_FEDERAL = frozenset(
    _key(w)
    for w in [
        "ice",
        "dhs",
        "immigration",
        "customs",
        "enforcement",
        "homeland",
        "federal",
        "field",
        "agent",
        "ero",
        "hsi",
        "opla",
        "opr",
    ]
)
_CONNECTORS = frozenset(_key(w) for w in ["of", "and", "the", "for", "de"])


def _agency_name(dk: Sequence[str], shown: Sequence[str], words: _Words) -> bool:
    """Whether words name a local agency ("Crow Wing County Sheriff's Office, MN", "the State of Georgia"):
    a word of local agencies, none of ICE's, and every other word capitalised, a number or OCR debris."""
    if not any(k in _LOCAL_AGENCY for k in dk) or any(k in _FEDERAL for k in dk):
        return False
    for k, w in zip(dk, shown):
        first = w.lstrip("([\"'“‘,_ ")[:1]
        if len(k) > 1 and k not in _CONNECTORS and k in words.common and not (first.isupper() or first.isdigit()):
            return False
    return True


def _kinds(
    t: _Seq, slots: set[int], d: _Seq, runs: Sequence[tuple[int, int, int, int]], words: _Words, fills: bool
) -> list[int]:
    """What each run of differences is: the same words misread, a blank filled in, or a real difference."""
    nt = len(t)
    kinds = []
    for i1, i2, j1, j2 in runs:
        tk, dk = t.keys[i1:i2], d.keys[j1:j2]
        # the template's words of a signature block or list of contacts; the document's words at a blank
        # or in such a block, in place of two of the template's words at most (_split cuts longer runs)
        in_zone = i2 > i1 and all(t.zone[i1:i2])
        near = (i1 > 0 and t.zone[i1 - 1]) or (i1 < nt and t.zone[i1]) or (j2 > j1 and all(d.zone[j1:j2]))
        blank = near or any(g in slots for g in range(i1, i2 + 1))
        if in_zone or (blank and sum(t.content[i1:i2]) <= 2):
            kinds.append(_BLANK)
        elif j2 > j1 and _illegible(d.words[j1:j2]):
            kinds.append(_SAME)  # what OCR could not read is not said to differ
        elif _slip(tk, dk, words):
            kinds.append(_SAME)
        elif fills and _filled(tk, dk, d.words[j1:j2], words, t.zone_keys):
            kinds.append(_BLANK)
        else:
            kinds.append(_REAL)
    # two runs a word or two apart may be one misreading ("ofviolators of" for "of violators of")
    for k in range(len(kinds) - 1):
        if _REAL not in (kinds[k], kinds[k + 1]):
            continue
        (i1, i2, j1, j2), (k1, k2, l1, l2) = runs[k], runs[k + 1]
        if k1 - i2 <= 2 and l1 - j2 <= 2 and _slip(t.keys[i1:k2], d.keys[j1:l2], words):
            kinds[k] = kinds[k + 1] = _SAME
    return kinds


def _split(t: _Seq, slots: set[int], d: _Seq, runs: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """The runs of differences, a run that reaches from a blank or a signature block into the template's
    text cut in two: the document's words go with the blank, the template's words beyond it are a
    difference of their own (a page missing after the list of contacts is not a fill-in)."""
    out = []
    for i1, i2, j1, j2 in runs:
        if i2 - i1 < 2 or sum(t.content[i1:i2]) <= 2:
            out.append((i1, i2, j1, j2))
            continue
        inside = [t.zone[i] for i in range(i1, i2)]
        if i2 in slots and not any(inside):
            out += [(i1, i2, j1, j1), (i2, i2, j1, j2)]  # the blank after the template's words
        elif (
            any(g in slots for g in range(i1, i2))
            or (i1 > 0 and t.zone[i1 - 1] and not t.zone[i1])
            or (j2 > j1 and all(d.zone[j1:j2]) and not any(inside))
        ):
            out += [(i1, i1, j1, j2), (i1, i2, j2, j2)]  # the blank before them (or among them)
        elif any(inside) and not all(inside):
            z = next(k for k in range(i1, i2) if t.zone[k] != t.zone[i1]) if t.zone[i1] else None
            if z is None:
                out.append((i1, i2, j1, j2))
            else:
                out += [(i1, z, j1, j2), (z, i2, j2, j2)]  # the block of contacts, then text
        else:
            out.append((i1, i2, j1, j2))
    return out


def _differences(
    t: _Seq, slots: set[int], d: _Seq, al: _Alignment, words: _Words, unreadable: set[int], fills: bool = True
) -> list[_Dep]:
    """The departures of document `d` from template `t` (`fills`: the document fills the template's
    blanks; False when `d` is a template too)."""
    nt, nd = len(t), len(d)
    runs = _split(t, slots, d, al.runs)
    kinds = _kinds(t, slots, d, runs, words, fills)
    real = [r for r, kind in zip(runs, kinds) if kind == _REAL]
    t_del = [False] * nt  # a template word the document lacks
    d_new = [False] * nd  # a document word the template lacks
    owned: dict[int, list[int]] = defaultdict(list)  # template clause -> document words of its own in it
    for i1, i2, j1, j2 in real:
        t_del[i1:i2] = [True] * (i2 - i1)
        d_new[j1:j2] = [True] * (j2 - j1)
        owner = _owner(t, d, i1, i2, j1, j2)
        if owner is not None:
            owned[owner].extend(range(j1, j2))
    # a template clause the document has elsewhere, word for word, is moved, not removed
    elsewhere = [r for r, kind in zip(runs, kinds) if kind != _SAME and r[3] > r[2]]
    taken = [False] * nd
    for (a, b), content in zip(t.clauses, t.clause_content):
        if t.head[a] or t.zone[a]:
            continue
        if len(content) >= REMOVED_MIN and sum(map(t_del.__getitem__, content)) > 0.5 * len(content):
            found = _find_moved(t, a, b, d, elsewhere, taken)
            if found is not None:
                t_del[a:b] = [False] * (b - a)
                d_new[found[0] : found[1]] = [False] * (found[1] - found[0])
    # and so are words the text extraction put elsewhere (form fields, columns read out of order)
    for i1, i2, _j1, _j2 in real:
        for x1, x2 in _stretches(t, i1, i2, t_del):
            found = _find_moved(t, x1, x2, d, elsewhere, taken)
            if found is not None:
                t_del[x1:x2] = [False] * (x2 - x1)
                d_new[found[0] : found[1]] = [False] * (found[1] - found[0])
    out: list[_Dep] = []
    claimed = [False] * nd
    gone = _gone(t, t_del)
    for c, (a, b) in enumerate(t.clauses):
        content = t.clause_content[c]
        if len(content) < REMOVED_MIN or t.head[a] or t.zone[a]:
            continue
        lost = sum(map(t_del.__getitem__, content))
        if gone[c] and unreadable and _on_unreadable(t, al, d, c, gone, unreadable):
            continue
        if gone[c]:
            out.append(_removed(t, d, al, a, b))
            _release(al, a, b, d_new)
            continue
        own = [j for j in owned.get(c, []) if d_new[j] and d.content[j]]
        if lost + len(own) < CHANGED_MIN:
            continue
        js = [al.match[i] for i in range(a, b) if al.match[i] >= 0] + [j for j in owned.get(c, []) if d_new[j]]
        j1, j2 = min(js), max(js) + 1
        # the document's own words next to it in the same sentence of the document are part of it
        while j1 > 0 and d_new[j1 - 1] and not claimed[j1 - 1] and d.clause[j1 - 1] == d.clause[j1]:
            j1 -= 1
        while j2 < nd and d_new[j2] and not claimed[j2] and d.clause[j2] == d.clause[j2 - 1]:
            j2 += 1
        # the clause against those words alone (the alignment of the whole text may pair a word with
        # the same word of a clause nearby)
        runs = [(x1 + a, x2 + a, y1 + j1, y2 + j1) for x1, x2, y1, y2 in _align(t.ids[a:b], d.ids[j1:j2]).runs]
        local = _kinds(t, slots, d, runs, words, fills)
        lost = sum(t.content[i] for r, k in zip(runs, local) if k == _REAL for i in range(r[0], r[1]))
        own_ = sum(d.content[j] for r, k in zip(runs, local) if k == _REAL for j in range(r[2], r[3]))
        if lost + own_ < CHANGED_MIN:
            continue
        if fuzz.ratio("".join(t.keys[a:b]), "".join(d.keys[j1:j2])) < CHANGED_SIMILARITY:
            # a few words in common, scattered: another clause in its place, not this one reworded
            out.append(_removed(t, d, al, a, b))
            _release(al, a, b, d_new)
            continue
        claimed[j1:j2] = [True] * (j2 - j1)
        diff = _word_diff(t, a, b, d, j1, j2, runs, local)
        out.append(_Dep("changed", t.label[a], d.pages[j1], d.text(j1, j2), t.text(a, b), diff, (j1, a)))
    t_of: list[int] = []
    for (a, b), content in zip(d.clauses, d.clause_content):
        if len(content) < ADDED_MIN or d.head[a] or d.zone[a]:
            continue
        new = [j for j in content if d_new[j] and not claimed[j]]
        if len(new) >= ADDED_MIN and len(new) > 0.5 * len(content):
            if not t_of:
                t_of = _reverse(al, nd)
            keys = "".join(d.keys[a:b])
            label = _doc_label(t, d, t_of, a)
            out.append(_Dep("added", label, d.pages[new[0]], d.text(a, b), None, None, (a, -1), keys, (a, b)))
    return _paired(out, t, slots, d, words, fills)


def _removed(t: _Seq, d: _Seq, al: _Alignment, a: int, b: int) -> _Dep:
    """Template clause [a, b) missing from the document."""
    lo = _doc_pos(al, a)
    hi = next((al.match[k] for k in range(b, len(al.match)) if al.match[k] >= 0), len(d))
    keys = "".join(t.keys[a:b])
    page = _page_at(d, al, a)
    return _Dep("removed", t.label[a], page, None, t.text(a, b), None, (lo, a), keys, (a, b), (lo, hi))


def _paired(deps: list[_Dep], t: _Seq, slots: set[int], d: _Seq, words: _Words, fills: bool) -> list[_Dep]:
    """A clause removed in one place and added word for word in another is moved: neither. A clause
    removed and one added in its place that keeps much of its words is the clause reworded: changed."""
    removed = [k for k, x in enumerate(deps) if x.change == "removed"]
    added = [k for k, x in enumerate(deps) if x.change == "added"]
    gone: set[int] = set()
    out = list(deps)
    for r in removed:
        for k in added:
            if k in gone:
                continue
            score = fuzz.ratio(deps[r].keys, deps[k].keys)
            if score >= MOVED_RATIO:
                gone |= {r, k}
                break
            (a, b), (c, e), (lo, hi) = deps[r].span, deps[k].span, deps[r].place
            kept = score >= CHANGED_SIMILARITY or fuzz.partial_ratio(deps[r].keys, deps[k].keys) >= MOVED_RATIO
            if lo <= c <= hi and kept:  # (the clause, or the clause with words of the document's own)
                runs = [(x1 + a, x2 + a, y1 + c, y2 + c) for x1, x2, y1, y2 in _align(t.ids[a:b], d.ids[c:e]).runs]
                kinds = _kinds(t, slots, d, runs, words, fills)
                diff = _word_diff(t, a, b, d, c, e, runs, kinds)
                out[r] = _Dep("changed", deps[r].section, d.pages[c], d.text(c, e), t.text(a, b), diff, (c, a))
                gone.add(k)
                break
    return [x for k, x in enumerate(out) if k not in gone or x.change == "changed"]


def _release(al: _Alignment, a: int, b: int, d_new: list[bool]) -> None:
    """The document's words the alignment matched to a missing template clause are its own (the few
    words they have in common do not make them the same clause)."""
    for i in range(a, b):
        if al.match[i] >= 0:
            d_new[al.match[i]] = True


def _gone(t: _Seq, t_del: list[bool]) -> list[bool]:
    """Whether the document lacks most of each template clause."""
    return [
        len(content) >= REMOVED_MIN and sum(map(t_del.__getitem__, content)) > 0.5 * len(content)
        for content in t.clause_content
    ]


def _on_unreadable(t: _Seq, al: _Alignment, d: _Seq, c: int, gone: list[bool], unreadable: set[int]) -> bool:
    """Whether the place of a missing template clause may be on a page of the document without text: a
    page between the clauses around it that the document has."""

    def page_of(k: int, last: bool) -> int | None:
        a, b = t.clauses[k]
        js = [al.match[i] for i in range(a, b) if al.match[i] >= 0]
        return d.pages[js[-1] if last else js[0]] if js else None

    lo = next((p for k in range(c - 1, -1, -1) if not gone[k] and (p := page_of(k, True)) is not None), -1)
    hi = next((p for k in range(c + 1, len(gone)) if not gone[k] and (p := page_of(k, False)) is not None), 1 << 30)
    return any(lo <= u <= hi for u in unreadable)


def _stretches(t: _Seq, i1: int, i2: int, t_del: list[bool]) -> list[tuple[int, int]]:
    """The stretches of template words [i1, i2) the document lacks, clause by clause, of at least
    REMOVED_MIN words that count."""
    out = []
    i = i1
    while i < i2:
        if not t_del[i]:
            i += 1
            continue
        j = i
        while j < i2 and t_del[j] and t.clause[j] == t.clause[i]:
            j += 1
        if sum(t.content[i:j]) >= REMOVED_MIN:
            out.append((i, j))
        i = j
    return out


def _find_moved(
    t: _Seq, a: int, b: int, d: _Seq, runs: list[tuple[int, int, int, int]], taken: list[bool]
) -> tuple[int, int] | None:
    """Where the document has template clause [a, b) among its words the template lacks elsewhere."""
    needle = "".join(t.keys[a:b])
    for _i1, _i2, j1, j2 in runs:
        ends, text = [], ""
        for j in range(j1, j2):
            text += d.keys[j]
            ends.append(len(text))
        if len(text) < 0.8 * len(needle):
            continue
        m = fuzz.partial_ratio_alignment(needle, text, score_cutoff=MOVED_RATIO)
        if m is not None:
            first = j1 + next(k for k, e in enumerate(ends) if e > m.dest_start)
            last = j1 + next(k for k, e in enumerate(ends) if e >= m.dest_end) + 1
            if not any(taken[first:last]):
                taken[first:last] = [True] * (last - first)
                return first, last
    return None


def _owner(t: _Seq, d: _Seq, i1: int, i2: int, j1: int, j2: int) -> int | None:
    """The template clause a run's document words belong to (None: words of a clause of their own)."""
    if j2 == j1:
        return None
    if i2 > i1:
        first, last = t.clause[i1], t.clause[i2 - 1]
        return first if first == last else None
    g = i1
    if 0 < g < len(t) and t.clause[g - 1] == t.clause[g]:
        return t.clause[g]  # words put inside a clause
    if d.starts[j1] or g == 0:
        return None  # a clause of the document's own between two of the template's
    return t.clause[g - 1]  # words carrying on the clause before


def _doc_pos(al: _Alignment, i: int) -> int:
    for k in range(i, -1, -1):
        if al.match[k] >= 0:
            return al.match[k]
    return 0


def _page_at(d: _Seq, al: _Alignment, i: int) -> int | None:
    """The document page at template word i's place: the page of the nearest word matched before it."""
    j = next((al.match[k] for k in range(i, -1, -1) if al.match[k] >= 0), None)
    if j is not None:
        return d.pages[j]
    return d.pages[0] if len(d) else None


def _reverse(al: _Alignment, n: int) -> list[int]:
    """Document word -> the template word it is matched to, or -1."""
    t_of = [-1] * n
    for i, j in enumerate(al.match):
        if j >= 0:
            t_of[j] = i
    return t_of


def _doc_label(t: _Seq, d: _Seq, t_of: list[int], j: int) -> str:
    """The section over document word j, named as the template names it; a heading of the document's
    own that the template lacks (Texas AG's "XVI. COMMUNITY OUTREACH") names its section itself."""
    h = next((k for k in range(j, -1, -1) if d.head[k] == 1), None)
    if h is not None:
        a = h
        while a > 0 and d.head[a - 1] == 1:
            a -= 1
        matched = sum(t_of[x] >= 0 and t.head[t_of[x]] == 1 for x in range(a, h + 1))
        if matched <= (h + 1 - a) / 2:
            return d.label[a]  # a heading of its own
    k = next((k for k in range(j, -1, -1) if t_of[k] >= 0), None)
    return t.label[t_of[k]] if k is not None else TITLE


def _word_diff(
    t: _Seq,
    a: int,
    b: int,
    d: _Seq,
    j1: int,
    j2: int,
    runs: Sequence[tuple[int, int, int, int]],
    kinds: Sequence[int],
    context: int = 4,
) -> str:
    """A compact word diff of template clause [a, b) and the document's words [j1, j2) in its place:
    "… [-template words-] {+document words+} …", `context` words either side of each change. Words
    misread or filled in are shown as the template has them."""
    parts: list[tuple[str, str]] = []  # ("=", same) ("-", the template's only) ("+", the document's only)
    i = a
    for (x1, x2, y1, y2), kind in zip(runs, kinds):
        parts += [("=", w) for w in t.words[i:x1]]
        if kind == _REAL:
            if x2 > x1:
                parts.append(("-", t.text(x1, x2)))
            if y2 > y1:
                parts.append(("+", d.text(y1, y2)))
        else:
            parts += [("=", w) for w in t.words[x1:x2]]
        i = x2
    parts += [("=", w) for w in t.words[i:b]]
    marks = [k for k, (tag, _) in enumerate(parts) if tag != "="]
    keep = {k for m in marks for k in range(m - context, m + context + 1)}
    out: list[str] = []
    for k, (tag, text) in enumerate(parts):
        if k not in keep:
            if not out or out[-1] != "…":
                out.append("…")
        else:
            out.append(text if tag == "=" else f"[-{text}-]" if tag == "-" else f"{{+{text}+}}")
    return " ".join(out)


# --- the whole comparison ----------------------------------------------------------------------------


@dataclass
class _State:
    docs: dict[str, _Doc]
    templates: dict[str, _Template]
    words: _Words
    bases: dict[str, Basis]
    departures: dict[str, list[Departure]]


def _state(docs: Iterable[DocText]) -> _State:
    interner = _Interner()
    prepared = {d.sha256: _prepare(d, interner) for d in sorted(docs, key=lambda d: d.sha256)}
    common = _common(prepared.values())
    for p in prepared.values():
        p.unreadable = _unreadable(p, common)
        if p.unreadable:
            p.body = _drop_pages(p.body, p.unreadable)
    by_family: dict[str, list[_Doc]] = defaultdict(list)
    for p in prepared.values():
        if p.family:
            by_family[p.family].append(p)
    templates = {fam: _build(fam, ms) for fam, ms in sorted(by_family.items()) if len(ms) >= MIN_MEMBERS}
    words = _Words(common, _fill(templates.values()))
    bases: dict[str, Basis] = {}
    departures: dict[str, list[Departure]] = {}
    for sha, p in prepared.items():
        tpl, al, basis = _choose(p, templates, by_family)
        if p.unreadable:
            pages = ", ".join(map(str, sorted(p.unreadable)))
            which = f"pages {pages} have" if len(p.unreadable) > 1 else f"page {pages} has"
            basis = dataclasses.replace(
                basis,
                reason=f"{basis.reason}; {which} no readable text: not compared",
                unreadable_pages=tuple(sorted(p.unreadable)),
            )
        bases[sha] = basis
        deps: list[_Dep] = []
        if tpl is not None and al is not None:
            deps = _differences(tpl.seq, tpl.slots, p.body, al, words, p.unreadable)
        deps += [
            _Dep("added", title, page, text, None, None, (len(p.body) + k, -1))
            for k, (title, page, text) in enumerate(p.addenda)
        ]
        deps.sort(key=lambda x: (x.order, x.change))
        name = tpl.family if tpl else (p.family or "")
        departures[sha] = [Departure(name, x.change, x.section, x.page, x.text, x.template_text, x.diff) for x in deps]
    return _State(prepared, templates, words, bases, departures)


def _choose(
    p: _Doc, templates: dict[str, _Template], by_family: dict[str, list[_Doc]]
) -> tuple[_Template | None, _Alignment | None, Basis]:
    own = templates.get(p.family or "")
    if own is not None:
        n = len(own.members)
        return own, own.alignments[p.doc.sha256], Basis(p.family, own.family, n, f"its own family ({n} MOAs)")
    model = p.doc.model
    candidates = [t for t in templates.values() if model is None or _family_order()[t.family][0] == model]
    if not candidates:
        what = f"no template of the {model} model" if model else "no template"
        return None, None, Basis(p.family, None, 0, f"{what} among the MOAs given")
    scored = []
    for t in sorted(candidates, key=lambda t: t.family):
        al = _align(t.seq.ids, p.body.ids)
        same = sum(j >= 0 for j in al.match)
        scored.append((same / max(1, len(t.seq) + len(p.body) - same), t, al))
    _score, best, al = max(scored, key=lambda s: s[0])
    if p.family is None:
        why = "its model is not known" if model is None else f"its revision ({p.doc.revision_date}) is not in the table"
    else:
        n = len(by_family.get(p.family, []))
        why = f"its family {p.family} has {n} MOA{'s' if n != 1 else ''} (a template needs {MIN_MEMBERS})"
    of = "" if model is None else " of its model"
    reason = f"{why}: compared with the nearest template{of}, {best.family}"
    return best, al, Basis(p.family, best.family, len(best.members), reason)


@dataclass(frozen=True)
class Comparison:
    """Everything one pass over the documents gives (the build wants it all: one pass, not four)."""

    departures: dict[str, list[Departure]]  # sha256 -> departures, in the document's order
    bases: dict[str, Basis]  # sha256 -> the template it was compared with, and why
    family_changes: list[FamilyChange]
    templates: dict[str, list[tuple[str, str]]]  # family -> its template's clauses as (section, text)


def analyse(docs: Sequence[DocText]) -> Comparison:
    state = _state(docs)
    templates = {
        fam: [(t.seq.label[a], t.seq.text(a, b)) for a, b in t.seq.clauses if not t.seq.head[a]]
        for fam, t in sorted(state.templates.items())
    }
    return Comparison(state.departures, state.bases, _changes_between(state.templates, state.words), templates)


def compare(docs: Sequence[DocText]) -> dict[str, list[Departure]]:
    """Every departure of each document from the template of its family (or the nearest one), keyed by
    sha256, in the document's order."""
    return _state(docs).departures


def bases(docs: Sequence[DocText]) -> dict[str, Basis]:
    """Which template each document is compared with, and why."""
    return _state(docs).bases


def family_changes(docs: Sequence[DocText]) -> list[FamilyChange]:
    """What each template changed from the one before it of the same model (e.g. JEM 2020 → JEM 2025)."""
    state = _state(docs)
    return _changes_between(state.templates, state.words)


def _changes_between(templates: dict[str, _Template], words: _Words) -> list[FamilyChange]:
    by_model: dict[str, list[_Template]] = defaultdict(list)
    for t in templates.values():
        by_model[_family_order()[t.family][0]].append(t)
    out: list[FamilyChange] = []
    for model in sorted(by_model):
        chain = sorted(by_model[model], key=lambda t: (_family_order()[t.family][1], t.family))
        for before, after in itertools.pairwise(chain):
            al = _align(before.seq.ids, after.seq.ids)
            slots = before.slots | _slots_of(after, al)
            deps = _differences(before.seq, slots, after.seq, al, words, set(), fills=False)
            deps.sort(key=lambda x: (x.order, x.change))
            out += [
                FamilyChange(model, before.family, after.family, x.change, x.section, x.template_text, x.text, x.diff)
                for x in deps
            ]
    return out


def _slots_of(after: _Template, al: _Alignment) -> set[int]:
    """The blanks of the later template, as gaps of the earlier one (the gap after the earlier
    template's word that the word before the blank is matched to)."""
    before_of = [-1] * len(after.seq)
    for i, j in enumerate(al.match):
        if j >= 0:
            before_of[j] = i
    out = set()
    for g in after.slots:
        k = next((k for k in range(g - 1, -1, -1) if before_of[k] >= 0), None)
        out.add(before_of[k] + 1 if k is not None else 0)
    return out


def template_texts(docs: Sequence[DocText]) -> dict[str, list[tuple[str, str]]]:
    """The derived text of each family's template, as (section, clause) pairs."""
    return analyse(docs).templates
