"""MOA PDFs: recognise them and read their text, page by page.

pypdfium2 reads the text layer (2.8 ms/page; pdfplumber 94 ms/page). About a quarter of ICE's MOA pages
are scans with no text layer: a page that holds an image and fewer than LAYER_MIN characters of text is
rendered at 300 dpi and read by tesseract (`ocr`), and marked as OCR. The few characters such a page
does carry (a digital-signature stamp, a typed footer) are kept after the OCR text.

`read` raises `MoaPdfError` with a one-line reason for anything that is not a readable MOA: not a PDF,
truncated, encrypted, no pages, or no text at all.
"""

from __future__ import annotations

import hashlib
import io
import re
from concurrent.futures import Executor, Future
from dataclasses import asdict, dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from .. import ocr

EXTRACTOR = "moa_pdf/2"  # bump when the reading of pages changes: the text cache is keyed by it
LAYER_MIN = 200  # characters: a page with an image and less text than this is a scan
TAIL = 1024  # a PDF's %%EOF marker sits within its last kilobyte (as readers check it)


# Words of a signature page: its halves are kept, since blocks stand side by side
SIGNATURE_CUE = re.compile(r"(?i)signature|digitally signed|by signing this|for the lea|for ice")


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

    def record(self) -> dict:
        return {**asdict(self), "unsure": [list(s) for s in self.unsure]}

    @classmethod
    def from_record(cls, r: dict) -> Page:
        halves = r.get("halves")
        return cls(
            **{**r, "unsure": tuple(tuple(s) for s in r.get("unsure", ())), "halves": tuple(halves) if halves else None}
        )


def is_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]


def version() -> str:
    """What the text depends on besides the bytes: this reader, pdfium and tesseract."""
    parts = (EXTRACTOR, pdfium.version.PDFIUM_INFO.build, str(ocr.DPI), ocr.LANG, str(LAYER_MIN), ocr.version())
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


def read(data: bytes, pool: Executor | None = None) -> list[Page]:
    """Every page's text; scanned pages OCRed, in parallel on `pool` when given."""
    pdf = open_pdf(data)
    layers: list[str] = []
    pending: dict[int, Future | ocr.OcrText] = {}
    halves: dict[int, tuple[str, str]] = {}
    for i in range(len(pdf)):
        page = pdf[i]
        textpage = page.get_textpage()
        text = _clean(textpage.get_text_bounded())
        layers.append(text.strip())
        if len(text.strip()) < LAYER_MIN and _has_image(page):
            image = _render(page)
            pending[i] = pool.submit(ocr.recognise, image) if pool else ocr.recognise(image)
        elif SIGNATURE_CUE.search(text):
            width, height = page.get_size()
            halves[i] = (
                _clean(textpage.get_text_bounded(0, 0, width / 2, height)),
                _clean(textpage.get_text_bounded(width / 2, 0, width, height)),
            )
        textpage.close()
        page.close()
    pdf.close()
    pages = []
    for i, layer in enumerate(layers):
        got = pending.get(i)
        if got is None:
            pages.append(Page(i + 1, layer, False, len(layer), halves=halves.get(i)))
            continue
        read_ = got.result() if isinstance(got, Future) else got
        text = read_.text + ("\n\n" + layer if layer else "")
        cue = SIGNATURE_CUE.search(text)
        pages.append(Page(i + 1, text, True, len(layer), read_.confidence, read_.unsure, read_.halves if cue else None))
    if not any(p.text.strip() for p in pages):
        raise MoaPdfError("no text on any page (image-only, and OCR read nothing)")
    return pages


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x02", "-").replace("\ufffe", "-")


def _has_image(page: pdfium.PdfPage) -> bool:
    return any(obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE for obj in page.get_objects(max_depth=3))


def _render(page: pdfium.PdfPage) -> bytes:
    image = page.render(scale=ocr.DPI / 72, grayscale=True).to_pil()
    out = io.BytesIO()
    image.save(out, "PPM")  # uncompressed: 20x faster to write than PNG, and tesseract reads it
    return out.getvalue()
