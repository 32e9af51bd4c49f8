"""Atom feeds (RFC 4287) of events: one entry per event, its id the event's own (the same across rebuilds),
its link the agency's page. Built as text: a feed is small and its shape fixed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from xml.sax.saxutils import escape, quoteattr

FEED_SIZE = 50  # entries, newest first
ID_PREFIX = "urn:open287g:"  # ids name the record, not the host that serves it


def entry_id(event_id: str) -> str:
    return f"{ID_PREFIX}event:{event_id}"


def feed(
    *,
    feed_id: str,
    title: str,
    self_url: str,
    page_url: str,
    events: list[dict],
    describe: Callable[[dict], tuple[str, str]],
    link: Callable[[dict], str],
    lang: str,
    checked: dt.datetime | None,
) -> str:
    """The feed's XML. `describe(event)` gives (title, summary); `link(event)` its page's absolute URL.
    `updated` is the newest event's day (or when ICE was last checked, for a feed with none)."""
    newest = max((e["date"] for e in events), default=None)
    updated = _time(newest) if newest else _stamp(checked or dt.datetime(2021, 1, 1, tzinfo=dt.UTC))
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{lang}">',
        f"<id>{escape(ID_PREFIX + 'feed:' + feed_id)}</id>",
        f"<title>{escape(title)}</title>",
        f"<updated>{updated}</updated>",
        f'<link rel="self" type="application/atom+xml" href={quoteattr(self_url)}/>',
        f'<link rel="alternate" type="text/html" href={quoteattr(page_url)}/>',
        "<author><name>open287g</name></author>",
        "<generator>open287g</generator>",
    ]
    for e in events:
        heading, summary = describe(e)
        stamp = _time(e["date"])
        out += [
            "<entry>",
            f"<id>{escape(entry_id(e['event_id']))}</id>",
            f"<title>{escape(heading)}</title>",
            f"<updated>{stamp}</updated>",
            f"<published>{stamp}</published>",
            f'<link rel="alternate" type="text/html" href={quoteattr(link(e))}/>',
            f"<category term={quoteattr(e['kind'])}/>",
            *([f'<category term={quoteattr(e["model"])} label="model"/>'] if e.get("model") else []),
            f"<summary>{escape(summary)}</summary>",
            "</entry>",
        ]
    out.append("</feed>")
    return "\n".join(out) + "\n"


def _time(day) -> str:
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return f"{day.isoformat()}T00:00:00Z"


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
