"""Polite HTTP for sync: an identifying User-Agent, conditional requests (ETag / Last-Modified), timeouts,
retries with backoff on what may pass (timeouts, dropped connections, 429 and 5xx), size caps, and a host
that cannot be reached given up for the rest of one sync instead of being tried again for every file."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import urlsplit

import httpx

try:
    _VERSION = version("open287g")
except PackageNotFoundError:  # pragma: no cover - a source tree without an install
    _VERSION = "0"
USER_AGENT = f"open287g/{_VERSION} (public archive of ICE's 287(g) lists; one request at a time, conditional)"
RETRY_STATUSES = {429, 500, 502, 503, 504}
HOST_FAILURES = 3  # a host whose files fail this many times in a row (after retries) is given up too


@dataclass(frozen=True)
class Policy:
    timeout: float = 30.0  # seconds to connect, and between bytes
    retries: int = 3  # tries after the first, for what may pass
    backoff: float = 2.0  # seconds before the first retry, doubled each time (Retry-After when larger)
    max_backoff: float = 60.0
    delay: float = 1.0  # seconds after a download before the next request to the host (a quarter after a 304)


@dataclass
class Fetched:
    url: str
    status: int = 0  # the HTTP status; 0 when no answer came
    body: bytes | None = None  # None for 304 and for failures
    final_url: str = ""
    etag: str = ""
    last_modified: str = ""
    content_type: str = ""
    error: str = ""  # '' when the answer is 200 or 304
    attempts: int = 0
    unreachable: bool = False  # no answer from the host (or skipped because of that)
    retry_after: float = 0.0  # seconds the server asked us to wait (Retry-After)

    @property
    def ok(self) -> bool:
        return not self.error and self.status in (200, 304)


@dataclass
class Fetcher:
    policy: Policy = field(default_factory=Policy)
    transport: httpx.BaseTransport | None = None
    down: dict[str, str] = field(default_factory=dict)  # host -> why it was given up
    _failures: dict[str, int] = field(default_factory=dict)
    _last: dict[str, tuple[float, float]] = field(default_factory=dict)  # host -> (when, pause owed)
    requests: int = 0

    def __post_init__(self) -> None:
        self.client = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            timeout=self.policy.timeout,
            follow_redirects=True,
            transport=self.transport,
        )

    def close(self) -> None:
        self.client.close()

    def get(self, url: str, max_bytes: int, etag: str = "", last_modified: str = "") -> Fetched:
        """GET one URL, conditionally when a validator is given; never raises for network trouble."""
        host = urlsplit(url).netloc.lower()
        if host in self.down:
            return Fetched(
                url, error=f"skipped: {host} gave up earlier in this sync ({self.down[host]})", unreachable=True
            )
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        out = Fetched(url)
        for attempt in range(self.policy.retries + 1):
            self._wait(host)
            out = self._once(url, headers, max_bytes)
            # a body downloaded owes the host the whole pause; a 304 or an error a quarter of it
            self._last[host] = (time.monotonic(), self.policy.delay * (1 if out.body else 0.25))
            out.attempts = attempt + 1
            if not out.error or not self._may_pass(out) or attempt == self.policy.retries:
                break
            time.sleep(min(self.policy.max_backoff, max(self.policy.backoff * 2**attempt, out.retry_after)))
        self._judge(host, out)
        return out

    def _once(self, url: str, headers: dict[str, str], max_bytes: int) -> Fetched:
        self.requests += 1
        out = Fetched(url)
        try:
            with self.client.stream("GET", url, headers=headers) as r:
                out.status, out.final_url = r.status_code, str(r.url)
                out.etag, out.last_modified = r.headers.get("etag", ""), r.headers.get("last-modified", "")
                out.content_type = r.headers.get("content-type", "")
                wait = r.headers.get("retry-after", "")
                out.retry_after = float(wait) if wait.isdigit() else 0.0
                if r.status_code == 304:
                    return out
                if r.status_code != 200:
                    out.error = f"HTTP {r.status_code}"
                    return out
                declared = int(r.headers.get("content-length") or 0)
                if declared > max_bytes:
                    out.error = f"too large: {declared} bytes declared, the cap is {max_bytes}"
                    return out
                chunks, size = [], 0
                for chunk in r.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        out.error = f"too large: more than {max_bytes} bytes"
                        return out
                    chunks.append(chunk)
                body = b"".join(chunks)
                if declared and len(body) != declared:  # (httpx usually raises first)
                    out.error = f"truncated: {len(body)} of {declared} bytes"
                    return out
                out.body = body
        except httpx.TimeoutException as exc:
            out.error, out.unreachable = f"timed out ({type(exc).__name__})", True
        except httpx.RemoteProtocolError as exc:
            out.error = f"truncated or broken answer ({_one_line(exc)})"
        except httpx.TransportError as exc:
            out.error, out.unreachable = f"cannot connect ({_one_line(exc)})", True
        return out

    def _may_pass(self, out: Fetched) -> bool:
        return out.status == 0 or out.status in RETRY_STATUSES or out.error.startswith("truncated")

    def _judge(self, host: str, out: Fetched) -> None:
        """Give a host up when it does not answer, or keeps failing with what should pass."""
        if out.ok or (out.status and not self._may_pass(out)):
            self._failures[host] = 0
            return
        self._failures[host] = self._failures.get(host, 0) + 1
        if out.unreachable or self._failures[host] >= HOST_FAILURES:
            self.down[host] = out.error

    def _wait(self, host: str) -> None:
        when, owed = self._last.get(host, (0.0, 0.0))
        pause = owed - (time.monotonic() - when)
        if pause > 0:
            time.sleep(pause)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
