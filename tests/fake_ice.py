"""A stand-in for ice.gov on 127.0.0.1: a 287(g) page linking the participating and pending workbooks
of the moment, the files themselves (ETag and Last-Modified, answering conditional requests with 304),
MOA PDFs, and faults on demand: timeouts, block pages, 500s, truncated bodies, HTML served as a workbook."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, urlsplit

PAGE = "/identify-and-arrest/287g"
FOLDER = "/doclib/about/offices/ero/287g/"
BLOCK_PAGE = b"<!DOCTYPE html><html><head><title>Access Denied</title></head><body><h1>Access Denied</h1></body></html>"

# ICE's wording for the two links (the page's own words; the links' targets move)
WORDS = {"participating": "Participating Agencies", "pending": "Pending Agencies"}


@dataclass
class Served:
    body: bytes
    modified: float  # seconds since the epoch, for Last-Modified
    etag: str = ""

    def __post_init__(self) -> None:
        self.etag = self.etag or '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'


@dataclass
class FakeIce:
    files: dict[str, Served] = field(default_factory=dict)  # path -> what it serves
    links: list[tuple[str, str]] = field(default_factory=list)  # (words, path) on the page, in order
    faults: dict[str, str] = field(default_factory=dict)  # path -> timeout | 403 | 500 | 503-once | truncate | html
    hits: dict[str, int] = field(default_factory=dict)
    conditional_hits: dict[str, int] = field(default_factory=dict)
    page_extra: str = ""
    timeout_seconds: float = 3.0

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                fake._answer(self)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:  # a client that hung up on a cut body
                pass

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        return self.base

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def page_url(self) -> str:
        return self.base + PAGE

    def put(self, path: str, body: bytes, modified: float | None = None) -> str:
        self.files[path] = Served(body, modified if modified is not None else time.time())
        return self.base + quote(path)

    def show(self, *links: tuple[str, str]) -> None:
        """What the page links now: (words, path) pairs."""
        self.links = list(links)

    def page(self) -> bytes:
        items = "\n".join(f'      <li><a href="{quote(path)}">{words}</a> (XLSX)</li>' for words, path in self.links)
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Delegation of Immigration Authority Section 287(g)
Immigration and Nationality Act | ICE</title></head>
<body><main>
  <h1>Delegation of Immigration Authority Section 287(g) Immigration and Nationality Act</h1>
  <p>The 287(g) program enables state and local law enforcement agencies to partner with ICE.</p>
  <h2>Participating agencies</h2>
  <ul>
{items}
  </ul>
  <p><a href="/about-ice">About ICE</a> <a href="{PAGE}#top">Back to top</a>
    <a href="/doclib/factsheet.pdf">Fact sheet</a></p>
  {self.page_extra}
</main></body></html>""".encode()

    def _answer(self, h: BaseHTTPRequestHandler) -> None:
        path = urlsplit(h.path).path
        from urllib.parse import unquote

        path = unquote(path)
        self.hits[path] = self.hits.get(path, 0) + 1
        fault = self.faults.get(path, "")
        if fault == "timeout":
            time.sleep(self.timeout_seconds)
            return self._send(h, 200, b"late", "text/plain")
        if fault == "403":
            return self._send(h, 403, BLOCK_PAGE, "text/html")
        if fault == "500" or (fault == "503-once" and self.hits[path] == 1):
            return self._send(h, 500 if fault == "500" else 503, b"<html><body>Server Error</body></html>", "text/html")
        if path == PAGE:  # the page too answers conditional requests
            body = self.page()
            tag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            if h.headers.get("If-None-Match") == tag:
                return self._send(h, 304, b"", "text/html; charset=UTF-8", {"ETag": tag})
            return self._send(h, 200, body, "text/html; charset=UTF-8", {"ETag": tag})
        served = self.files.get(path)
        if served is None:
            return self._send(h, 404, b"<html><body>Page Not Found</body></html>", "text/html")
        if fault == "html":
            return self._send(h, 200, BLOCK_PAGE, _media(path))
        headers = {"ETag": served.etag, "Last-Modified": formatdate(served.modified, usegmt=True)}
        if h.headers.get("If-None-Match") == served.etag:
            self.conditional_hits[path] = self.conditional_hits.get(path, 0) + 1
            return self._send(h, 304, b"", _media(path), headers)
        if fault == "truncate":
            h.send_response(200)
            h.send_header("Content-Type", _media(path))
            h.send_header("Content-Length", str(len(served.body)))
            h.end_headers()
            h.wfile.write(served.body[: len(served.body) // 2])
            h.wfile.flush()
            h.close_connection = True
            return None
        return self._send(h, 200, served.body, _media(path), headers)

    def _send(self, h, status: int, body: bytes, media: str, headers: dict | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", media)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        if status != 304:
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if status != 304:
            h.wfile.write(body)


def _media(path: str) -> str:
    if path.endswith(".pdf"):
        return "application/pdf"
    if path.endswith(".xlsx"):
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return "application/octet-stream"
