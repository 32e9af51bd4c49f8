"""Optical character recognition of page images with tesseract (Debian's `tesseract-ocr`).

One tesseract process per page, each limited to one thread (`OMP_THREAD_LIMIT=1`: 1.7 s/page against
10 s with OpenMP's default on two cores), as many at once as there are cores. Tesseract's TSV output
gives every word its confidence, so a reader can tell a sure reading from a doubtful one.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass

READER = "ocr/1"  # bump when the reading of tesseract's output changes: the page OCR cache is keyed by it
LANG = "eng"
DPI = 300
UNSURE = 60  # words tesseract is less than this sure of (0-100) are marked doubtful


class OcrUnavailable(RuntimeError):
    """tesseract is not installed; the message says how to install it."""


@dataclass(frozen=True)
class OcrText:
    """One page read by OCR (`record`/`from_record` for the cache)."""

    text: str
    unsure: tuple[tuple[int, int], ...]  # character spans (start, end) of the doubtful words
    confidence: float  # mean word confidence, 0-100
    # the words of the left and of the right half of the page, below "By signing this" when the page says it
    halves: tuple[str, str] = ("", "")
    dpi: int = DPI  # the resolution the page image was read at

    def record(self) -> dict:
        return {
            "text": self.text,
            "unsure": [list(u) for u in self.unsure],
            "confidence": self.confidence,
            "halves": list(self.halves),
            "dpi": self.dpi,
        }

    @classmethod
    def from_record(cls, r: dict) -> OcrText:
        unsure = tuple((a, b) for a, b in r["unsure"])
        return cls(r["text"], unsure, r["confidence"], (r["halves"][0], r["halves"][1]), r.get("dpi", DPI))


@functools.cache
def version() -> str:
    """tesseract's version line, or '' when it is not installed."""
    exe = shutil.which("tesseract")
    if not exe:
        return ""
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).splitlines()[0].strip() if (out.stdout or out.stderr) else "tesseract"


def workers() -> int:
    return max(1, os.cpu_count() or 1)


def recognise(image: bytes, dpi: int = DPI) -> OcrText:
    """Read one page image (PNG/PNM bytes, rendered at `dpi`) into text, line by line, with its doubtful words."""
    exe = shutil.which("tesseract")
    if not exe:
        raise OcrUnavailable("tesseract is not installed (apt-get install tesseract-ocr)")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    out = subprocess.run(
        [exe, "stdin", "stdout", "-l", LANG, "--dpi", str(dpi), "tsv"],
        input=image,
        capture_output=True,
        env=env,
        check=False,
        timeout=300,
    )
    if out.returncode != 0:
        raise RuntimeError(f"tesseract failed: {out.stderr.decode(errors='replace').strip().splitlines()[-1:]}")
    return _from_tsv(out.stdout.decode("utf-8", errors="replace"), dpi)


def _from_tsv(tsv: str, dpi: int = DPI) -> OcrText:
    """Words back into lines and paragraphs (tesseract's block/paragraph/line numbers)."""
    words: list[tuple[tuple[str, str], tuple[str, str, str], int, str, float]] = []
    tops: list[int] = []
    width = 0
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12:
            continue
        if cells[0] == "1":
            width = int(cells[8])
        elif cells[0] == "5" and cells[11].strip():
            centre = int(cells[6]) + int(cells[8]) // 2
            words.append(
                ((cells[2], cells[3]), (cells[2], cells[3], cells[4]), centre, cells[11].strip(), float(cells[10]))
            )
            tops.append(int(cells[7]))
    text, unsure = _join(words)
    confs = [w[4] for w in words]
    mid = width / 2
    below = _signing_line(words, tops)
    lower = [w for w, top in zip(words, tops) if top > below]
    halves = (_join([w for w in lower if w[2] < mid])[0], _join([w for w in lower if w[2] >= mid])[0])
    return OcrText(text, tuple(unsure), round(sum(confs) / len(confs), 1) if confs else 0.0, halves, dpi)


def _signing_line(words: list, tops: list[int]) -> int:
    """The top of the line that says "By signing this …" (-1: none, the whole page)."""
    for i in range(1, len(words)):
        if words[i][3].lower().startswith("signing") and words[i - 1][3].lower() == "by":
            return tops[i] + 5
    return -1


def _join(words: list) -> tuple[str, list[tuple[int, int]]]:
    parts: list[str] = []
    unsure: list[tuple[int, int]] = []
    pos, last_line, last_par = 0, None, None
    for par, line, _, word, conf in words:
        sep = "" if last_line is None else (" " if line == last_line else ("\n\n" if par != last_par else "\n"))
        parts.append(sep)
        pos += len(sep)
        if conf < UNSURE:
            unsure.append((pos, pos + len(word)))
        parts.append(word)
        pos += len(word)
        last_line, last_par = line, par
    return "".join(parts), unsure
