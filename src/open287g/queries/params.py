"""The parameters users give the queries, checked once for the CLI and the HTTP API.

Each check returns the value in the form the queries take (a state code, an upper-case model) or raises
`ParamError`, whose message is one sentence naming the parameter, what is wrong and what would do.
The CLI prints it as `error: --state: ...`, the API answers 400 with it.
"""

from __future__ import annotations

import datetime as dt
import re

from ..domain import vocab
from . import AGREEMENT_STATUSES, COUNTS_BY, COVERAGE_BY, EVENT_KINDS, KINDS, MODELS, PUBLICATION_STATUSES


class ParamError(ValueError):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name, self.message = name, message


def _one_of(name: str, value: str | None, allowed: tuple[str, ...], what: str) -> str | None:
    if value is not None and value not in allowed:
        raise ParamError(name, f"unknown {what} {value!r}: use one of {', '.join(allowed)}")
    return value


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
FORMATS = ("json", "csv")


def day(name: str, value: str | None) -> dt.date | None:
    """A day written YYYY-MM-DD (nothing: no day)."""
    if value is None or value == "":
        return None
    try:
        if _DAY.fullmatch(value.strip()):
            return dt.date.fromisoformat(value.strip())
    except ValueError:
        pass
    raise ParamError(name, f"{value!r} is not a day: use YYYY-MM-DD, such as 2025-09-01")


def output_format(value: str | None) -> str:
    return _one_of("format", value or "json", FORMATS, "format") or "json"


def state(value: str | None) -> str | None:
    """A state or territory by code or name (TX, Texas, texas) -> its two-letter code."""
    if value is None:
        return None
    code = vocab.state_code(value)
    if code is None:
        raise ParamError("state", f"unknown state {value!r}: use a two-letter code such as TX")
    return code


def model(value: str | None) -> str | None:
    return _one_of("model", value.upper() if value else None, MODELS, "model")


def agreement_status(value: str | None) -> str | None:
    return _one_of("status", value, AGREEMENT_STATUSES, "status")


def event_kind(value: str | None) -> str | None:
    return _one_of("kind", value, EVENT_KINDS, "kind")


def publication_kind(value: str | None) -> str | None:
    return _one_of("kind", value, KINDS, "list")


def publication_status(value: str | None) -> str | None:
    return _one_of("status", value, PUBLICATION_STATUSES, "status")


def order(value: str | None) -> str:
    return _one_of("order", value or "oldest", ("oldest", "newest"), "order") or "oldest"


def counts_by(value: str | None) -> str | None:
    return _one_of("by", value, COUNTS_BY, "breakdown")


def arrest_method(value: str | None) -> str:
    """An apprehension method as users name it (287g, all)."""
    from .outcomes import METHODS

    named = (value or "287g").lower().replace("(", "").replace(")", "")  # 287(g) too
    return _one_of("method", named, tuple(METHODS), "method") or "287g"


def arrests_by(value: str | None) -> str:
    from .outcomes import ARRESTS_BY

    return _one_of("by", value or "fiscal_year", tuple(ARRESTS_BY), "breakdown") or "fiscal_year"


def detainer_program(value: str | None) -> str:
    """A detainer's program as users name it: 287g (287(g) too), or all."""
    from .outcomes import PROGRAMS

    named = (value or "287g").lower().replace("(", "").replace(")", "")
    return _one_of("program", named, PROGRAMS, "program") or "287g"


def detainers_by(value: str | None) -> str:
    from .outcomes import DETAINERS_BY

    return _one_of("by", value or "fiscal_year", tuple(DETAINERS_BY), "breakdown") or "fiscal_year"


def landmark_link(value: str | None) -> str | None:
    """What a landmark is linked to: agency, place or none (stages/landmarks.py)."""
    from .outcomes import LINKS

    return _one_of("link", value, LINKS, "link")


def coverage_by(value: str | None) -> str | None:
    return _one_of("by", value, COVERAGE_BY, "breakdown")


def month(name: str, value: str | None) -> str | None:
    """A month written YYYY-MM (nothing: no month)."""
    if value is None or value == "":
        return None
    v = value.strip()
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", v):
        return v
    raise ParamError(name, f"{value!r} is not a month: use YYYY-MM, such as 2025-09")


def county_fips(value: str) -> str:
    """A county's 5-digit FIPS code."""
    v = (value or "").strip()
    if not re.fullmatch(r"\d{5}", v):
        raise ParamError("fips", f"{value!r} is not a county FIPS code: use its 5 digits, such as 48201")
    return v


_SHA = re.compile(r"[0-9a-f]{8,64}")


def sha256(value: str) -> str:
    """A file's sha256 (64 hex digits), or a unique prefix of it of at least 8 -> lower case."""
    v = (value or "").strip().lower()
    if not _SHA.fullmatch(v):
        raise ParamError("sha256", f"{value!r} is not a sha256: use its 64 hex digits (or the first 8 or more)")
    return v


def search_text(value: str | None) -> str | None:
    """Words to search MOA text for (nothing: no search); blank is an error, not a search for everything."""
    if value is None:
        return None
    words = value.strip(BLANKS)
    if not words:
        raise ParamError("q", 'empty search: give a word or a "quoted phrase"')
    return words


BLANKS = " \t\n\r\f\v"  # what a search may not consist of only (the API's schema says the same)


def window(since: dt.date | None, until: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    if since and until and until < since:
        raise ParamError("until", f"{until} is before since {since}")
    return since, until


def listing(on: dt.date | None, status: str | None, every: bool = False) -> tuple[dt.date | None, bool]:
    """Which agreements a request lists: (day, newest). A day lists those listed that day; no day,
    the newest day; a status alone, or `every` (--all), every agreement ever seen (with that status)."""
    if every:
        return None, False
    return on, on is None and status is None
