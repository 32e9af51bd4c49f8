"""MOA PDFs: recognise them and read their text, page by page.

pypdfium2 reads the text layer (2.8 ms/page; pdfplumber 94 ms/page). About a quarter of ICE's MOA pages
are scans with no text layer: a page that holds an image and fewer than LAYER_MIN characters of text is
rendered at 300 dpi and read by tesseract (`ocr`), and marked as OCR. The few characters such a page
does carry (a digital-signature stamp, a typed footer) are kept after the OCR text.
A signing page that is an image is read again from the image (`Page.rereads`, REREAD_DPI), and the
PDF's own digital signatures give their signing day (`Page.digital_signatures`).

`read` raises `MoaPdfError` with a one-line reason for anything that is not a readable MOA: not a PDF,
truncated, encrypted, no pages, or no text at all.
"""

from __future__ import annotations

import ctypes
import hashlib
import io
import re
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import asdict, dataclass, field, replace

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from .. import ocr
from ..domain.moa_text import FORM_HEAD as FORM_MARK  # heads the values of a page's form fields
from ..ocr import OcrText

EXTRACTOR = "moa_pdf/12"  # bump when the reading of pages changes: the text cache is keyed by it
LAYER_MIN = 200  # characters: a page with an image and less text than this is a scan
TAIL = 1024  # a PDF's %%EOF marker sits within its last kilobyte (as readers check it)


# Words of a signature page: its halves are kept, since blocks stand side by side
SIGNATURE_CUE = re.compile(r"(?i)signature|digitally signed|by signing this|for the lea|for ice")
# A page where the parties sign: read again from its image (REREAD_DPI) when it is one, since signing
# dates are what a scan, a stamp or a scanner's own text layer garble most; tesseract reads some of them
# at one resolution and not at the other (measured on the shared MOAs: 300 and 600 dpi each read dates
# the other misses)
# ("For the LEA:" alone is no cue: the contact lists of the appendices head their entries with it)
SIGNING_PAGE = re.compile(r"(?i)by\s+signing\s+this|digitally\s+signed")
REREAD_DPI = (ocr.DPI, 600)


class MoaPdfError(ValueError):
    """The file is not a readable MOA; the message is the one-line reason."""


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    text: str
    ocr: bool  # the text (or its first part) was read by OCR from the page image
    layer_chars: int  # characters of the page's own text layer
    ocr_confidence: float | None = None  # tesseract's mean word confidence, 0-100
    unsure: tuple[tuple[int, int], ...] = field(default=())  # spans of `text` OCR was not sure of
    # the text of the left and right halves of a page that may hold signature blocks side by side
    halves: tuple[str, str] | None = None
    # a signing page's image read again by OCR, at the resolutions of REREAD_DPI
    rereads: tuple[OcrText, ...] = field(default=())
    # the PDF's own digital signatures on this page: (on the right half, signing day YYYY-MM-DD)
    digital_signatures: tuple[tuple[bool, str], ...] = field(default=())

    def record(self) -> dict:
        return {
            **asdict(self),
            "unsure": [list(s) for s in self.unsure],
            "rereads": [r.record() for r in self.rereads],
        }

    @classmethod
    def from_record(cls, r: dict) -> Page:
        halves = r.get("halves")
        return cls(
            **{
                **r,
                "unsure": tuple(tuple(s) for s in r.get("unsure", ())),
                "halves": tuple(halves) if halves else None,
                "rereads": tuple(ocr.OcrText.from_record(x) for x in r.get("rereads", ())),
                "digital_signatures": tuple((bool(a), b) for a, b in r.get("digital_signatures", ())),
            }
        )


def is_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]


def version() -> str:
    """What the text depends on besides the bytes: this reader, pdfium and the OCR."""
    parts = (EXTRACTOR, pdfium.version.PDFIUM_INFO.build, str(LAYER_MIN), ocr_version())
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]


def ocr_version() -> str:
    """What one page's OCR depends on: the rendering and tesseract (the page OCR cache's key)."""
    parts = (ocr.READER, pdfium.version.PDFIUM_INFO.build, str(ocr.DPI), ocr.LANG, ocr.version())
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    if not data:
        raise MoaPdfError("empty file")
    if not is_pdf(data):
        raise MoaPdfError(f"not a PDF (starts with {data[:12]!r})")
    if b"%%EOF" not in data[-TAIL:]:
        raise MoaPdfError("truncated PDF (no %%EOF marker at the end)")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise MoaPdfError("encrypted PDF (needs a password)") from None
        raise MoaPdfError(f"unreadable PDF ({exc})") from None
    if len(pdf) == 0:
        raise MoaPdfError("PDF has no pages")
    return pdf


OcrCache = tuple[Callable[[int, int], "ocr.OcrText | None"], Callable[[int, int, "ocr.OcrText"], None]]


def read(data: bytes, pool: Executor | None = None, ocr_cache: OcrCache | None = None) -> list[Page]:
    """Every page's text; scanned pages OCRed, in parallel on `pool` when given. `ocr_cache` is a
    (get, put) pair keyed by page number and resolution: a page image read once is never read again,
    whatever else of the reading changes."""
    pdf = open_pdf(data)
    try:
        pages = _read(pdf, pool, ocr_cache)
    finally:
        pdf.close()
    signed = _digital_signatures(data)
    return [replace(p, digital_signatures=tuple(signed[p.number])) if p.number in signed else p for p in pages]


_SIGNING_TIME = re.compile(r"D:(\d{4})(\d{2})(\d{2})")


def _digital_signatures(data: bytes) -> dict[int, list[tuple[bool, str]]]:
    """The signing day of each digital signature the PDF itself holds (its /M time), by the page and
    side of the page its field sits on. Signatures and their fields are paired in document order, and
    only when there are as many of one as of the other."""
    pdf = pdfium.PdfDocument(data)
    try:
        times = []
        for k in range(pdfium_c.FPDF_GetSignatureCount(pdf)):
            sig = pdfium_c.FPDF_GetSignatureObject(pdf, k)
            n = pdfium_c.FPDFSignatureObj_GetTime(sig, None, 0)
            buf = ctypes.create_string_buffer(n)
            pdfium_c.FPDFSignatureObj_GetTime(sig, buf, n)
            times.append(buf.value.decode("ascii", errors="ignore"))
        if not any(times):
            return {}
        pdf.init_forms()
        fields = []
        for i in range(len(pdf)):
            page = pdf[i]
            width = page.get_width()
            for a in range(pdfium_c.FPDFPage_GetAnnotCount(page)):
                annot = pdfium_c.FPDFPage_GetAnnot(page, a)
                try:
                    if pdfium_c.FPDFAnnot_GetFormFieldType(pdf.formenv.raw, annot) == pdfium_c.FPDF_FORMFIELD_SIGNATURE:
                        rect = pdfium_c.FS_RECTF()
                        pdfium_c.FPDFAnnot_GetRect(annot, rect)
                        fields.append((i + 1, (rect.left + rect.right) / 2 > width / 2))
                finally:
                    pdfium_c.FPDFPage_CloseAnnot(annot)
            page.close()
    finally:
        pdf.close()
    out: dict[int, list[tuple[bool, str]]] = {}
    if len(fields) == len(times):
        for (page_no, right), time in zip(fields, times):
            if m := _SIGNING_TIME.match(time):
                out.setdefault(page_no, []).append((right, f"{m[1]}-{m[2]}-{m[3]}"))
    return out


def _read(pdf: pdfium.PdfDocument, pool: Executor | None, ocr_cache: OcrCache | None) -> list[Page]:
    def image_read(i: int, dpi: int) -> Future | ocr.OcrText:
        cached = ocr_cache[0](i + 1, dpi) if ocr_cache else None
        if cached is not None:
            return cached
        page = pdf[i]
        image = _render(page, dpi)
        page.close()
        return pool.submit(ocr.recognise, image, dpi) if pool else ocr.recognise(image, dpi)

    def result(i: int, dpi: int, got: Future | OcrText) -> OcrText:
        if not isinstance(got, Future):
            return got
        done: OcrText = got.result()
        if ocr_cache:
            ocr_cache[1](i + 1, dpi, done)
        return done

    layers: list[str] = []
    pending: dict[int, Future | ocr.OcrText] = {}
    halves: dict[int, tuple[str, str]] = {}
    forms: dict[int, list[tuple[str, bool | None]]] = {}
    images: set[int] = set()
    for i in range(len(pdf)):
        page = pdf[i]
        textpage = page.get_textpage()
        text = _clean(textpage.get_text_bounded())
        layers.append(text.strip())
        top = _signing_top(page, textpage)
        if _has_image(page):
            images.add(i)
        if (len(text.strip()) < LAYER_MIN or not _readable(text)) and i in images:
            pending[i] = image_read(i, ocr.DPI)
            if text.strip() and _readable(text):  # a few typed words over the scan: keep their sides too
                halves[i] = _halves(page, textpage, top)
        elif SIGNATURE_CUE.search(text):
            halves[i] = _halves(page, textpage, top)
        forms[i] = _form_values(page, top)
        if forms[i]:  # typed into the form's fields: not in the text layer, and what the blanks say
            layers[-1] = (layers[-1] + "\n\n" + FORM_MARK + "\n" + "\n".join(v for v, _ in forms[i])).strip()
        textpage.close()
        page.close()
    pages = []
    for i, layer in enumerate(layers):
        got = pending.get(i)
        sides = forms.get(i, [])
        if got is None:
            pages.append(Page(i + 1, layer, False, len(layer), halves=_with_forms(halves.get(i), sides)))
            continue
        got = result(i, ocr.DPI, got)
        if not _readable(layer):
            layer = ""  # the unreadable layer is replaced by the OCR, not kept beside it
        text = got.text + ("\n\n" + layer if layer else "")
        cue = SIGNATURE_CUE.search(text)
        layer_sides = halves.get(i)
        both = (
            got.halves
            if layer_sides is None
            else (got.halves[0] + "\n" + layer_sides[0], got.halves[1] + "\n" + layer_sides[1])
        )
        shown = _with_forms(both, sides) if cue else None
        pages.append(Page(i + 1, text, True, len(layer), got.confidence, got.unsure, shown))
    if not any(p.text.strip() for p in pages):
        raise MoaPdfError("no text on any page (image-only, and OCR read nothing)")
    # signing pages that are images (scans, or a scan under a scanner's text layer) are read again from
    # the image, at each resolution they were not yet read at: stamps and dates a layer garbles
    again = {
        (p.number - 1, dpi): image_read(p.number - 1, dpi)
        for p in pages
        if p.number - 1 in images and SIGNING_PAGE.search(p.text)
        for dpi in REREAD_DPI
        if not (p.ocr and dpi == ocr.DPI)
    }
    reads: dict[int, list[ocr.OcrText]] = {}
    for (i, dpi), got in again.items():
        reads.setdefault(i, []).append(result(i, dpi, got))
    return [replace(p, rereads=tuple(reads.get(p.number - 1, ()))) if p.number - 1 in reads else p for p in pages]


def _with_forms(halves: tuple[str, str] | None, forms: list[tuple[str, bool | None]]) -> tuple[str, str] | None:
    """The halves with the form values below the signing line added on their side."""
    below = [(v, right) for v, right in forms if right is not None]
    if halves is None or not below:
        return halves
    left = "\n".join([halves[0], *(v for v, r in below if not r)])
    right = "\n".join([halves[1], *(v for v, r in below if r)])
    return left, right


def _signing_top(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> float | None:
    """The height of the "By signing this" line on the page (PDF units, from the bottom), if any."""
    searcher = textpage.search("by signing this", match_case=False)
    found = searcher.get_next()
    searcher.close()
    return textpage.get_charbox(found[0])[1] - 1 if found else None


def _halves(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, top: float | None) -> tuple[str, str]:
    """The left and right halves of the page below "By signing this" (the whole page when absent)."""
    width, height = page.get_size()
    top = height if top is None else top
    return (
        _clean(textpage.get_text_bounded(0, 0, width / 2, top)),
        _clean(textpage.get_text_bounded(width / 2, 0, width, top)),
    )


def _form_values(page: pdfium.PdfPage, top: float | None) -> list[tuple[str, bool | None]]:
    """The values typed into the page's form fields (widget annotations), in order, each with its side
    of the page (True: right half) when it lies below the signing line (None: above it)."""
    width = page.get_width()
    out: list[tuple[str, bool | None]] = []
    for i in range(pdfium_c.FPDFPage_GetAnnotCount(page)):
        annot = pdfium_c.FPDFPage_GetAnnot(page, i)
        try:
            n = pdfium_c.FPDFAnnot_GetStringValue(annot, b"V", None, 0)
            if n > 2:
                buf = (ctypes.c_ushort * (n // 2 + 1))()
                pdfium_c.FPDFAnnot_GetStringValue(annot, b"V", buf, n)
                value = bytes(buf)[:n].decode("utf-16-le", errors="ignore").rstrip("\x00").strip()
                if value:
                    rect = pdfium_c.FS_RECTF()
                    side = None
                    # below the signing line; on a scan (no line in its text layer) anywhere on the page
                    if pdfium_c.FPDFAnnot_GetRect(annot, rect) and (top is None or rect.top <= top + 2):
                        side = (rect.left + rect.right) / 2 > width / 2
                    out.append((" ".join(value.split()), side))
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annot)
    return out


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x02", "-").replace("\ufffe", "-")
    return "\n".join(_unshift(line) for line in text.split("\n"))


# Some signature pages' fonts map each glyph 29 code points too low (")RUWKH/($" for "FortheLEA",
# "6LJQDWXUH" for "Signature"): a line whose words read as words once shifted back is shifted.
_COMMON = (
    "the",
    "and",
    "for",
    "date",
    "signature",
    "name",
    "title",
    "agency",
    "ice",
    "lea",
    "this",
    "moa",
    "sheriff",
    "office",
)


def _unshift(line: str) -> str:
    return re.sub(r"\S+", lambda m: _unshift_word(m.group(0)), line)


def _unshift_word(word: str) -> str:
    shifted = "".join(chr(ord(c) + 29) if 32 < ord(c) < 98 else c for c in word)
    if re.fullmatch(r"B{4,}", word):
        return shifted  # a blank's underscores
    low, was = shifted.lower(), word.lower()
    gained = sum(low.count(w) for w in _COMMON) - sum(was.count(w) for w in _COMMON)
    return shifted if gained > 0 and re.fullmatch(r"[A-Za-z_&,.:'()\-]+", shifted) else word


def _readable(text: str) -> bool:
    """Whether a text layer is words: a font without a character map gives control codes instead."""
    plain = sum(1 for c in text if c.isascii() and (c.isalnum() or c in " \n\t.,;:'\"()-/§$%&"))
    return plain >= 0.8 * len(text)


def _has_image(page: pdfium.PdfPage) -> bool:
    return any(obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE for obj in page.get_objects(max_depth=3))


def _render(page: pdfium.PdfPage, dpi: int = ocr.DPI) -> bytes:
    image = page.render(scale=dpi / 72, grayscale=True).to_pil()
    out = io.BytesIO()
    image.save(out, "PPM")  # uncompressed: 20x faster to write than PNG, and tesseract reads it
    return out.getvalue()
