"""ICE's 287(g) web page: the links to its two workbooks, found by what the links say and point to, never
by a fixed URL (ICE moved them in March and April 2026, DOMAIN §5.1). Which list a workbook holds is
decided later by its content (the pending link once served the participating list, DESIGN §3)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlsplit

from ..domain import links

PAGE_URL = "https://www.ice.gov/identify-and-arrest/287g"
WORKBOOK = re.compile(r"\.(xlsx|xlsm|xls)$", re.I)
_KINDS = (("participating", re.compile(r"participat", re.I)), ("pending", re.compile(r"pending", re.I)))


@dataclass(frozen=True)
class PageLink:
    url: str  # absolute, SafeLinks unwrapped
    text: str  # the words of the link
    hint: str  # 'participating', 'pending' or '' by the link's words and file name (content decides)

    @property
    def name(self) -> str:
        return file_name(self.url)


def file_name(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def workbook_links(html: str, base_url: str) -> list[PageLink]:
    """Every link of the page to a workbook, in page order, once each: a target whose file name is a
    spreadsheet, or words naming the participating or pending agencies with a target that is not a page."""
    parser = _Anchors()
    parser.feed(html)
    out: dict[str, PageLink] = {}
    for href, text in parser.anchors:
        url, _ = links.unwrap(urljoin(base_url, href.strip()))
        if not url or not url.lower().startswith(("http://", "https://")):
            continue
        name = file_name(url)
        words = " ".join(text.split())
        hint = next((k for k, pattern in _KINDS if pattern.search(words) or pattern.search(name)), "")
        named_list = bool(hint) and re.search(r"agenc|list|xlsx|excel|spreadsheet", words, re.I)
        a_page = re.search(r"\.(html?|aspx?|php)$", name, re.I) or urlsplit(url).path == urlsplit(base_url).path
        if WORKBOOK.search(name) or (named_list and not a_page):
            out.setdefault(url, PageLink(url, words, hint))
    return list(out.values())


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[str, str]] = []
        self._open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            self._open.append((href or "", []))

    def handle_data(self, data: str) -> None:
        for _, words in self._open:
            words.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open:
            href, words = self._open.pop()
            if href:
                self.anchors.append((href, "".join(words)))


def sniff(data: bytes) -> str:
    """What the bytes are, whatever the URL says: 'workbook' (a zip), 'pdf', 'html' or 'other'."""
    head = data[:1024].lstrip().lower()
    if data.startswith(b"PK\x03\x04"):
        return "workbook"
    if b"%pdf-" in head:
        return "pdf"
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")) or b"<html" in head:
        return "html"
    return "other"


def page_title(html: str) -> str:
    m = re.search(r"<title[^>]*>(.*?)</title>", html, re.I | re.S)
    return " ".join(m[1].split()) if m else ""
