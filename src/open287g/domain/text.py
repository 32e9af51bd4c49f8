"""Cell text cleaning shared by every roster column."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Characters ICE's sheets carry that mean the same as a plain space or apostrophe.
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\u3000\t\r\n"), " ")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"), None)
_APOSTROPHES = dict.fromkeys(map(ord, "\u2018\u2019\u02bc\u0060\u00b4"), "'")
_WS = re.compile(r" {2,}")


def cell_text(value: object) -> str:
    """The raw cell as text, exactly as a reader sees it (dates as ISO); '' for empty."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def clean(value: object) -> str:
    """Whitespace and apostrophes folded, NFC, trimmed; case and punctuation kept."""
    return _clean(cell_text(value))


# Roster cells repeat across hundreds of publications: cache the per-string work.
@lru_cache(maxsize=1 << 16)
def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_SPACES).translate(_ZERO_WIDTH).translate(_APOSTROPHES)
    return _WS.sub(" ", text).strip()


def clean_name(value: object) -> str:
    """An agency or county name: cleaned, stray spaces before commas and trailing commas removed."""
    return _clean_name(cell_text(value))


@lru_cache(maxsize=1 << 16)
def _clean_name(raw: str) -> str:
    text = _clean(raw)
    text = re.sub(r"\s+,", ",", text)
    return text.strip(" ,;")


def fold(value: object) -> str:
    """Lookup key: cleaned and case-folded."""
    return _clean(cell_text(value)).casefold()
