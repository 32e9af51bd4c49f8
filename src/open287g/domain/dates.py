"""Signing dates as ICE writes them: real Excel dates, ISO text, and hand-typed text with slips."""

from __future__ import annotations

import datetime as dt
import re

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
# M/D/YYYY, also with the second slash missing ("7/72025", "05/082025").
_US = re.compile(r"^(\d{1,2})/(\d{1,2})(/?)(\d{4})$")


def parse_signed(value: object) -> tuple[dt.date | None, str]:
    """(date, rule) where rule names how the date was read; (None, 'blank'|'unparsed') otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "blank"
    if isinstance(value, dt.datetime):
        return value.date(), "excel_date"
    if isinstance(value, dt.date):
        return value, "excel_date"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 < value < 80000:  # an Excel serial number left unformatted
            return _EXCEL_EPOCH + dt.timedelta(days=int(value)), "excel_serial"
        return None, "unparsed"
    text = str(value).strip()
    try:
        if m := _ISO.match(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3])), "iso_text"
        if m := _US.match(text):
            rule = "us_text" if m[3] else "us_text_missing_slash"
            return dt.date(int(m[4]), int(m[1]), int(m[2])), rule
    except ValueError:
        pass
    return None, "unparsed"


def year_apart(a: dt.date, b: dt.date) -> bool:
    """The same day of the year one year apart: ICE's slip of the year, in SIGNED or in a file name."""
    return (a.month, a.day) == (b.month, b.day) and abs(a.year - b.year) == 1
