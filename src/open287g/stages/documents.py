"""MOA documents: each archived PDF read (text layer, OCR for scans, from the cache when it has them),
its fields read from the text (domain/moa_text.py), and linked to the agreement(s) it is the MOA or
addendum of.

Linking, in order (DESIGN §2, issue "MOA documents"):
1. the roster's MOA / ADDENDUM hyperlinks: an agreement whose rows ever linked a file of this name;
2. else the file name's agency, state, model and date (DOMAIN §5.1 patterns), against the agencies
   of that state that signed that model;
and every candidate is checked against the text: model, state and agency must not contradict it.
A candidate the text contradicts is kept as a `mismatch` with its reason (ICE linked the wrong file);
a document with no candidate is listed as unmatched. Nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
import re
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import PurePath

from rapidfuzz import fuzz

from .. import ocr
from ..archive import Observation
from ..cache import Cache
from ..domain import moa_names, moa_templates, moa_text
from ..domain.vocab import data_rows
from ..memo import Memo
from ..sources import moa_pdf

DATE_SLACK_DAYS = 45  # a file name's date this near an agreement's signing names that signing
KIND = "moa"


def is_document(o: Observation) -> bool:
    return o.kind_hint == KIND


@dataclass
class Reading:
    sha256: str
    pages: list[moa_pdf.Page] | None
    error: str | None
    cached: bool


def read_all(
    shas: list[str],
    read: Callable[[str], bytes],
    cache: Cache | None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Reading]:
    """The pages of every document, from the cache when it has them; OCR runs on every core."""
    version = moa_pdf.version()
    out: dict[str, Reading] = {}
    with ThreadPoolExecutor(ocr.workers()) as pool:
        for i, sha in enumerate(shas):
            got = cache.get("text", sha, version) if cache else None
            if got is not None and "error" in got:
                out[sha] = Reading(sha, None, got["error"], True)
            elif got is not None:
                out[sha] = Reading(sha, [moa_pdf.Page.from_record(p) for p in got["pages"]], None, True)
            else:
                try:
                    pages = moa_pdf.read(read(sha), pool, _ocr_cache(cache, sha) if cache else None)
                    out[sha] = Reading(sha, pages, None, False)
                    if cache:
                        cache.put("text", sha, version, {"pages": [p.record() for p in pages]})
                except moa_pdf.MoaPdfError as exc:
                    out[sha] = Reading(sha, None, str(exc), False)
                    if cache:
                        cache.put("text", sha, version, {"error": str(exc)})
                except ocr.OcrUnavailable as exc:  # not cached: installing tesseract makes it readable
                    out[sha] = Reading(sha, None, f"has scanned pages and {exc}", False)
            if progress:
                progress(i + 1, len(shas))
    return out


def _ocr_cache(cache: Cache, sha: str) -> moa_pdf.OcrCache:
    version = moa_pdf.ocr_version()

    def key(page: int, dpi: int) -> str:
        return f"{sha}-{page}" if dpi == ocr.DPI else f"{sha}-{page}@{dpi}"

    def get(page: int, dpi: int) -> ocr.OcrText | None:
        got = cache.get("ocr", key(page, dpi), version)
        return ocr.OcrText.from_record(got) if got else None

    def put(page: int, dpi: int, value: ocr.OcrText) -> None:
        cache.put("ocr", key(page, dpi), version, value.record())

    return get, put


def build(
    observations: list[Observation], readings: dict[str, Reading], tables: dict[str, list], memo: Memo | None = None
) -> dict[str, list[dict]]:
    """The document tables. What each MOA's text says and how the texts compare with their templates are
    recalled from `memo` when the same texts were read before (what links them to agreements never is)."""
    memo = memo or Memo.none()
    text_version = moa_pdf.version()
    obs_by_sha: dict[str, list[Observation]] = defaultdict(list)
    for o in observations:
        if is_document(o):
            obs_by_sha[o.sha256].append(o)
    index = _LinkIndex(tables)
    out: dict[str, list[dict]] = {k: [] for k in DOCUMENT_TABLES}
    texts: list[moa_templates.DocText] = []
    for sha in sorted(obs_by_sha):
        seen = obs_by_sha[sha]
        names = sorted({o.name for o in seen})
        reading = readings[sha]
        out["files"].append(_file_row(sha, seen, names, reading.error))
        if reading.pages is None:
            out["documents"].append(
                {
                    "sha256": sha,
                    "file_name": names[0],
                    "names": names,
                    "status": "rejected",
                    "error": reading.error,
                    "size": seen[0].size,
                    "first_observed": min(o.observed_on for o in seen),
                }
            )
            continue
        first_seen = min(dt.date.fromisoformat(o.observed_on) for o in seen)
        fields = memo.recall("moa_fields", (sha, first_seen, text_version), moa_text.read, reading.pages, first_seen)
        state = _state(fields, names)
        doc = document_row(sha, names, seen[0].size, reading.pages, fields, state)
        doc["first_observed"] = min(o.observed_on for o in seen)
        doc["folders"] = sorted({PurePath(o.source).parent.name for o in seen})
        links = index.link(sha, names, doc)
        if doc["state_basis"] in (None, "text (mentions)"):
            # neither the party line nor the file name says: the state of the agreements ICE linked it from
            states = {index.agreements[lk["agreement_id"]]["state"] for lk in links if lk["status"] == "linked"}
            if len(states) == 1:
                doc["state"], doc["state_basis"] = states.pop(), "linked agreement"
        out["document_links"].extend(links)
        doc["agreement_ids"] = sorted({lk["agreement_id"] for lk in links if lk["status"] == "linked"})
        out["documents"].append(doc)
        out["document_pages"].extend(
            {
                "sha256": sha,
                "page": p.number,
                "text": p.text,
                "ocr": p.ocr,
                "ocr_confidence": p.ocr_confidence,
                "layer_chars": p.layer_chars,
            }
            for p in reading.pages
        )
        out["document_signatures"].extend(signature_rows(sha, fields))
        out["document_authorities"].extend(authority_rows(sha, fields))
        # a revision line misread (a date after the file was seen) still says the text is not the old
        # template: compared with the nearest revision of its model
        revision = doc["revision_date"] or fields.revision_read
        texts.append(
            moa_templates.DocText(
                sha, doc["model"], revision, doc["agency"], [(p.number, p.text) for p in reading.pages]
            )
        )
    _compare(out, texts, memo)
    return out


def _compare(out: dict[str, list[dict]], texts: list[moa_templates.DocText], memo: Memo) -> None:
    """Each document against the template of its family (the text its family's MOAs share), and what
    each template changed from the one before it (domain/moa_templates.py)."""
    key = hashlib.sha256(pickle.dumps(texts, pickle.HIGHEST_PROTOCOL)).hexdigest()
    found = memo.recall("comparison", key, moa_templates.analyse, texts)
    for doc in out["documents"]:
        basis = found.bases.get(doc["sha256"])
        if basis:
            doc["family"], doc["template"], doc["template_reason"] = basis.family, basis.template, basis.reason
    for sha, departures in sorted(found.departures.items()):
        out["document_departures"].extend({"sha256": sha, "seq": i + 1, **asdict(d)} for i, d in enumerate(departures))
    out["template_changes"] = [{"seq": i + 1, **asdict(c)} for i, c in enumerate(found.family_changes)]


DOCUMENT_TABLES = (
    "files",
    "documents",
    "document_pages",
    "document_signatures",
    "document_authorities",
    "document_departures",
    "document_links",
    "template_changes",
)


def _file_row(sha: str, seen: list[Observation], names: list[str], error: str | None) -> dict:
    return {
        "sha256": sha,
        "size": seen[0].size,
        "names": names,
        "kind": KIND,
        "status": "rejected" if error else "ok",
        "error": error,
        "kind_hints": [KIND],
        "published_as": [],
        "ignored_sheets": [],
    }


def _state(fields: moa_text.MoaFields, names: list[str]) -> tuple[str | None, str | None]:
    """(state, how it was read): the text's party line or agency name, else the file name's state, else
    the state the text names most."""
    if fields.state:
        return fields.state.value, "text (party)"
    for n in names:
        parsed = moa_names.parse(n)
        if parsed and parsed.state:
            return parsed.state, "file name"
    if fields.state_mentions:
        return fields.state_mentions.value, "text (mentions)"
    return None, None


def _v(found: moa_text.Found | None) -> str | None:
    return found.value if found else None


def _p(found: moa_text.Found | None) -> int | None:
    return found.page if found else None


def document_row(
    sha: str, names: list[str], size: int, pages: list[moa_pdf.Page], f: moa_text.MoaFields, state: tuple
) -> dict:
    """The documents row (also the `moa FILE.pdf` answer's core)."""
    moa_sigs = [s for s in f.signatures if s.block == "moa" and s.date]
    return {
        "sha256": sha,
        "file_name": names[0],
        "names": names,
        "status": "ok",
        "error": None,
        "size": size,
        "pages": len(pages),
        "ocr_pages": [p.number for p in pages if p.ocr],
        "text_chars": sum(len(p.text) for p in pages),
        "model": _v(f.model),
        "model_page": _p(f.model),
        "title": _v(f.title),
        "template_revision": _v(f.template_revision),
        "revision_date": f.revision_date,
        "revision_page": _p(f.template_revision),
        "agency": _v(f.agency),
        "agency_page": _p(f.agency),
        "state": state[0],
        "state_basis": state[1],
        "county_body": _v(f.county_body),
        "field_office": _v(f.field_office),
        "field_office_page": _p(f.field_office),
        "lea_contact": _v(f.lea_contact),
        "lea_contact_page": _p(f.lea_contact),
        "term_clause": _v(f.term),
        "term_page": _p(f.term),
        "termination_clause": _v(f.termination),
        "termination_page": _p(f.termination),
        "review_clause": _v(f.review),
        "review_page": _p(f.review),
        "steering_committee": _v(f.steering_committee),
        "steering_committee_page": _p(f.steering_committee),
        "n_authorities": len(f.authorities),
        "authorities": [a.text for a in f.authorities],
        "signed_on": max((s.date for s in moa_sigs if s.date), default=None),
        "addenda": [a.value for a in f.addenda],
        "addenda_pages": [a.page for a in f.addenda],
    }


def signature_rows(sha: str, f: moa_text.MoaFields) -> list[dict]:
    return [
        {
            "sha256": sha,
            "seq": i + 1,
            "block": s.block,
            "party": s.party,
            "name": s.name,
            "title": s.title,
            "date": s.date,
            "date_kind": s.date_kind,
            "date_reason": s.date_reason,
            "page": s.page,
        }
        for i, s in enumerate(f.signatures)
    ]


def authority_rows(sha: str, f: moa_text.MoaFields) -> list[dict]:
    canon = {(r["model"], int(r["n"])): r for r in data_rows("model_powers.csv")}
    rows = []
    for i, a in enumerate(f.authorities):
        c = canon.get((f.model.value, a.n)) if f.model and a.n else None
        rows.append(
            {
                "sha256": sha,
                "seq": i + 1,
                "model": f.model.value if f.model else None,
                "n": a.n,
                "matched": c is not None,
                "text": a.text,
                "page": a.page,
                "clause": a.clause,
                "citation": c["authority"] if c else None,
            }
        )
    return rows


class _LinkIndex:
    """Agreements by the file names their rows linked, and by state and model."""

    def __init__(self, tables: dict[str, list]) -> None:
        identity = {h["row_hash"]: h["agreement_id"] for h in tables["hash_identity"] if h["agreement_id"]}
        self.by_file: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for v in tables["row_values"].values() if isinstance(tables["row_values"], dict) else tables["row_values"]:
            agreement = identity.get(v["row_hash"])
            if not agreement:
                continue
            for role, url in (("moa", v.get("moa_url")), ("addendum", v.get("addendum_url"))):
                name = moa_names.file_name(url)
                if name:
                    self.by_file[name.lower()].add((agreement, role))
        self.agreements = {a["agreement_id"]: a for a in tables["agreements"]}
        self.by_state_model: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for a in tables["agreements"]:
            self.by_state_model[(a["state"], a["model"])].append(a)

    def link(self, sha: str, names: list[str], doc: dict) -> list[dict]:
        found: dict[tuple[str, str], str] = {}
        for n in names:
            file = moa_names.file_name(n) or ""
            for agreement, role in sorted(self.by_file.get(file.lower(), ())):
                found.setdefault((agreement, role), "roster link")
        if not found:
            for n in names:
                for agreement in self._by_name(n, doc):
                    found.setdefault((agreement, "moa"), "file name")
        rows = []
        for (agreement_id, role), basis in sorted(found.items()):
            a = self.agreements.get(agreement_id)
            if a is None:
                continue
            problems, checks = _check(doc, a)
            rows.append(
                {
                    "sha256": sha,
                    "agreement_id": agreement_id,
                    "agency_id": a["agency_id"],
                    "role": role,
                    "basis": basis,
                    "status": "mismatch" if problems else "linked",
                    "checks": checks,
                    "reason": "; ".join(problems) or None,
                }
            )
        return rows

    def _by_name(self, name: str, doc: dict) -> list[str]:
        parsed = moa_names.parse(name)
        if parsed is None:
            return []
        state = parsed.state or doc.get("state")
        model = parsed.model or doc.get("model")
        if not state or not model:
            return []
        out = []
        for a in self.by_state_model.get((state, model), []):
            if not any(moa_names.names_agency(parsed, state, n) for n in a["names"] or [a["agency_name"]]):
                continue
            signed = a["signed"]
            near = not (parsed.date and signed and parsed.date_precision == "day") or (
                abs((parsed.date - _date(signed)).days) <= DATE_SLACK_DAYS
            )
            if not near:
                continue
            out.append(a["agreement_id"])
        return out if len(out) == 1 else []  # two agreements fit: not guessed


def _date(v) -> dt.date:
    return dt.date.fromisoformat(v) if isinstance(v, str) else v


def _check(doc: dict, a: dict) -> tuple[list[str], list[str]]:
    """What the text says against the agreement: problems (contradictions) and the checks made."""
    problems, checks = [], []
    if doc.get("model"):
        ok = doc["model"] == a["model"]
        checks.append(f"model {'agrees' if ok else 'differs'} ({doc['model']})")
        if not ok:
            problems.append(f"the text is a {doc['model']} MOA, the agreement {a['model']}")
    else:
        checks.append("model not read")
    if doc.get("state") and doc.get("state_basis") == "text (party)":
        ok = doc["state"] == a["state"]
        checks.append(f"state {'agrees' if ok else 'differs'} ({doc['state']})")
        if not ok:
            problems.append(f"the text names {doc['state']}, the agreement is in {a['state']}")
    agency = doc.get("agency")
    if agency:
        verdict = agency_agrees(agency, a["state"], a["names"] or [a["agency_name"]])
        checks.append(f"agency {verdict} ({agency})")
        if verdict == "differs":
            problems.append(f"the text's party is {agency!r}")
    else:
        checks.append("agency not read")
    signed, on = a.get("signed"), doc.get("signed_on")
    if signed and on:
        days = abs((_date(on) - _date(signed)).days)
        checks.append(f"signed {on} vs listed {signed} ({days} days)")
    return problems, checks


def names_agency(text_name: str, state: str, listed: list[str]) -> bool:
    """Whether the text's party name is one of the agency's listed names, by the file-name rule
    (domain/moa_names.names_agency: the same distinctive words, one slip at most)."""
    return any(_verdicts(text_name, state, listed))


def _verdicts(text_name: str, state: str, listed: list[str]) -> list[bool | None]:
    words = tuple(w for w in text_name.replace(",", " ").split() if w)
    moa = moa_names.MoaName(text_name, words, None, None, None, None, None, None, (), "plain")
    return [moa_names.names_agency(moa, state, n) for n in listed]


def agency_agrees(text_name: str, state: str, listed: list[str]) -> str:
    """'agrees' | 'differs' | 'unsure': the text's party name against the agency's listed names. OCR
    garbles names, so only a clear difference of the distinctive words is 'differs'."""
    verdicts = _verdicts(text_name, state, listed)
    if any(verdicts):
        return "agrees"
    best = max((fuzz.token_set_ratio(text_name.lower(), n.lower()) for n in listed), default=0)
    if best >= 85:
        return "agrees"
    # a name OCR garbled ("Law Comaly Shuntts Ofn") contradicts nothing: it must name a body, spelt right
    legible = bool(_BODY.search(text_name))
    return "differs" if legible and best < 60 and all(v is False for v in verdicts) else "unsure"


_BODY = re.compile(
    r"(?i)\b(sheriff'?s?|police|department|office|corrections|patrol|bureau|commission|constable|county|city|"
    r"attorney|detention|jail|guard)\b"
)


def attach(agreements: list[dict], docs: list[dict], links: list[dict]) -> None:
    """Each agreement's MOA and addendum on file: the newest-signed linked document of each role."""
    signed = {d["sha256"]: d.get("signed_on") or dt.date.min for d in docs}
    best: dict[tuple[str, str], str] = {}
    for lk in links:
        if lk["status"] != "linked":
            continue
        key = (lk["agreement_id"], lk["role"])
        if key not in best or signed[lk["sha256"]] > signed[best[key]]:
            best[key] = lk["sha256"]
    for a in agreements:
        a["moa_sha256"] = best.get((a["agreement_id"], "moa"))
        a["addendum_sha256"] = best.get((a["agreement_id"], "addendum"))


def describe(name: str, data: bytes, cache: Cache | None = None, agencies: list[dict] | None = None) -> dict:
    """What one PDF says, whether or not it is in the archive (`open287g moa FILE.pdf`): the documents
    row with its signatures and authorities as lists. When neither its party line nor its file name
    gives the state, the state of the one agency of the record (`agencies`: state, names) whose name the
    party line gives. Raises MoaPdfError (one line) when unreadable."""
    import hashlib

    sha = hashlib.sha256(data).hexdigest()
    reading = read_all([sha], lambda _: data, cache)[sha]
    if reading.pages is None:
        raise moa_pdf.MoaPdfError(reading.error or "unreadable")
    fields = moa_text.read(reading.pages, dt.date.today())  # a loose file: seen today
    state = _state(fields, [name])
    if state[1] in (None, "text (mentions)") and fields.agency and agencies:
        states = {a["state"] for a in agencies if names_agency(fields.agency.value, a["state"], a["names"])}
        if len(states) == 1:
            state = (states.pop(), "agency of the record")
    doc = document_row(sha, [name], len(data), reading.pages, fields, state)
    return {
        **doc,
        "signatures": [{k: v for k, v in s.items() if k not in ("sha256", "seq")} for s in signature_rows(sha, fields)],
        "authorities_matched": [
            {k: v for k, v in a.items() if k not in ("sha256", "seq")} for a in authority_rows(sha, fields)
        ],
    }
