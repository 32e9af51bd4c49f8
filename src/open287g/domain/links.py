"""MOA / ADDENDUM link cells: the hyperlink target behind the word "link", unwrapped and repaired."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qs, quote, urlsplit

from .text import fold

_WAYBACK = re.compile(r"^https?://web\.archive\.org/web/\d{1,14}[a-z_]*/(.+)$", re.I)
_EMBEDDED_URL = re.compile(r"(https?):/*([^/].*)$", re.I)


def unwrap(target: str | None) -> tuple[str | None, list[str]]:
    url, fixes = _unwrap(target or "")
    return url, list(fixes)


@lru_cache(maxsize=1 << 16)
def _unwrap(target: str) -> tuple[str | None, tuple[str, ...]]:
    """(clean URL, repairs applied). Repairs: safelinks, wayback, viewer_prefix, scheme_slashes,
    http_to_https (ice.gov), spaces_encoded."""
    if not target.strip():
        return None, ()
    url, fixes = target.strip(), []
    parts = urlsplit(url)
    if parts.netloc.lower().endswith("safelinks.protection.outlook.com"):
        inner = parse_qs(parts.query).get("url")
        if inner:
            url = inner[0]
            fixes.append("safelinks")
    if m := _WAYBACK.match(url):
        url = m[1]
        fixes.append("wayback")
    # e.g. "chrome-extension://<id>/https:/www.ice.gov/…" or "https:/www.ice.gov/…"
    if not re.match(r"^https?://[^/]", url, re.I) and (m := _EMBEDDED_URL.search(url)):
        if m.start():
            fixes.append("viewer_prefix")
        if not re.match(r"^https?://[^/]", m.group(0), re.I):
            fixes.append("scheme_slashes")
        url = f"{m[1].lower()}://{m[2]}"
    if re.match(r"^http://(www\.)?ice\.gov/", url, re.I):
        url = "https://" + url[len("http://") :]
        fixes.append("http_to_https")
    if " " in url:
        url = quote(url, safe=":/?&=%#~+,;@!$'()*")
        fixes.append("spaces_encoded")
    return url, tuple(fixes)


def link_state(text: str, url: str | None) -> str:
    """What the cell says about its document: 'link' (a target exists), 'pending' ("link pending"),
    'no_target' (says link but the file carries no hyperlink, e.g. a re-saved copy), 'text' (other
    words, no target), 'empty'."""
    t = fold(text)
    if "pending" in t:
        return "pending"
    if url:
        return "link"
    if not t:
        return "empty"
    if t.startswith("link"):
        return "no_target"
    return "text"
