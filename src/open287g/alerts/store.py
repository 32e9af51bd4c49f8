"""The companion store: subscriptions, the events already seen, the deliveries owed and made, and the log of
every attempt. SQLite beside the warehouse (`<warehouse>.alerts.sqlite`): the warehouse is rebuilt and
swapped whole, this file never is. Small and written by two processes (a sync delivering, the site taking
sign-ups), which is what SQLite with a busy timeout does well."""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path

SUFFIX = ".alerts.sqlite"
CHANNELS = ("webhook", "email")
SCOPES = ("state", "county", "agency_id", "model", "kind")

SCHEMA = """
CREATE TABLE IF NOT EXISTS subscriptions (
    subscription_id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    state TEXT, county TEXT, agency_id TEXT, model TEXT, kind TEXT,
    lang TEXT NOT NULL,
    status TEXT NOT NULL,            -- pending (an address not yet confirmed), active, ended
    token TEXT NOT NULL UNIQUE,      -- the capability in confirm and unsubscribe links
    secret TEXT,                     -- a webhook's HMAC key
    created_at TEXT NOT NULL,
    confirmed_at TEXT,
    ended_at TEXT
);
CREATE TABLE IF NOT EXISTS rounds (
    at TEXT NOT NULL,                -- every look at the record (the first takes it as it stands)
    seen INTEGER NOT NULL,
    news INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS seen (
    event_id TEXT PRIMARY KEY,
    first_seen TEXT NOT NULL,
    fresh INTEGER NOT NULL           -- 1: news when first seen; 0: the record as it stood, or a revision of the past
);
CREATE TABLE IF NOT EXISTS deliveries (
    subscription_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try TEXT NOT NULL,
    outcome TEXT,                    -- NULL: owed; sent; withdrawn (gone from the record before it was sent)
    done_at TEXT,
    PRIMARY KEY (subscription_id, event_id)
);
CREATE TABLE IF NOT EXISTS delivery_log (
    at TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    events INTEGER NOT NULL,
    outcome TEXT NOT NULL,           -- sent, failed, confirmation
    detail TEXT
);
"""


class AlertError(ValueError):
    """A subscription that cannot be made or found (a one-line reason)."""


@dataclass(frozen=True)
class Subscription:
    subscription_id: str
    channel: str
    target: str
    state: str | None
    county: str | None
    agency_id: str | None
    model: str | None
    kind: str | None
    lang: str
    status: str
    token: str
    secret: str | None
    created_at: str
    confirmed_at: str | None
    ended_at: str | None

    def scope(self) -> dict:
        """The filters it was made with (the same as a feed's)."""
        return {k: getattr(self, k) for k in SCOPES if getattr(self, k)}

    def public(self) -> dict:
        """What `subscriptions` lists: everything but the token and the secret."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("token", "secret")}


def stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def path_beside(db_path: Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.stem + SUFFIX)


class Store:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.executescript(SCHEMA)

    @classmethod
    def beside(cls, db_path: Path) -> Store:
        return cls(path_beside(db_path))

    @classmethod
    def existing(cls, db_path: Path) -> Store | None:
        """The store beside a warehouse, if anyone ever subscribed (a sync without one has nothing to deliver)."""
        path = path_beside(db_path)
        return cls(path) if path.exists() else None

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.row_factory = sqlite3.Row
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write, whole or not at all (IMMEDIATE: two deliverers never both take the same deliveries)."""
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def rows(self, sql: str, params=()) -> list[sqlite3.Row]:
        with self._connect() as con:
            return con.execute(sql, params).fetchall()

    # -- subscriptions ---------------------------------------------------------------------------
    def add(self, channel: str, target: str, scope: dict, lang: str, now: dt.datetime, confirmed: bool) -> Subscription:
        """A new subscription: a webhook (given by the operator) is active at once and gets a secret; an
        e-mail address is pending until its owner follows the confirmation link (unless `confirmed`)."""
        if channel not in CHANNELS:
            raise AlertError(f"channel {channel!r}: one of {', '.join(CHANNELS)}")
        active = channel == "webhook" or confirmed
        sub = Subscription(
            subscription_id="sub-" + secrets.token_hex(6),
            channel=channel,
            target=target,
            **{k: scope.get(k) for k in SCOPES},
            lang=lang,
            status="active" if active else "pending",
            token=secrets.token_urlsafe(24),
            secret=secrets.token_hex(32) if channel == "webhook" else None,
            created_at=stamp(now),
            confirmed_at=stamp(now) if active else None,
            ended_at=None,
        )
        names = [f.name for f in fields(Subscription)]
        with self.transaction() as con:  # checked and added at once: a double-clicked form makes one
            if (same := self.same(channel, target, scope, con)) is not None:
                return same
            con.execute(
                f"INSERT INTO subscriptions ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [getattr(sub, n) for n in names],
            )
        return sub

    def all(self, status: str | None = None) -> list[Subscription]:
        sql = "SELECT * FROM subscriptions" + (" WHERE status = ?" if status else "") + " ORDER BY created_at, 1"
        return [Subscription(**dict(r)) for r in self.rows(sql, (status,) if status else ())]

    def get(self, subscription_id: str) -> Subscription:
        found = self.rows("SELECT * FROM subscriptions WHERE subscription_id = ?", (subscription_id,))
        if not found:
            raise AlertError(f"no subscription {subscription_id!r}")
        return Subscription(**dict(found[0]))

    def by_token(self, token: str) -> Subscription | None:
        found = self.rows("SELECT * FROM subscriptions WHERE token = ?", (token,)) if token else []
        return Subscription(**dict(found[0])) if found else None

    def same(
        self, channel: str, target: str, scope: dict, con: sqlite3.Connection | None = None
    ) -> Subscription | None:
        """A subscription not ended with the same target and filters (signing up twice makes one)."""
        rows = (
            con.execute("SELECT * FROM subscriptions").fetchall() if con else self.rows("SELECT * FROM subscriptions")
        )
        for sub in (Subscription(**dict(r)) for r in rows):
            if sub.status != "ended" and (sub.channel, sub.target.lower(), sub.scope()) == (
                channel,
                target.lower(),
                {k: v for k, v in scope.items() if v},
            ):
                return sub
        return None

    def confirm(self, sub: Subscription, now: dt.datetime) -> None:
        with self.transaction() as con:
            con.execute(
                "UPDATE subscriptions SET status = 'active', confirmed_at = ? WHERE subscription_id = ? "
                "AND status = 'pending'",
                (stamp(now), sub.subscription_id),
            )

    def end(self, sub: Subscription, now: dt.datetime) -> None:
        """Unsubscribe: nothing more is sent (what was owed is dropped with it)."""
        with self.transaction() as con:
            con.execute(
                "UPDATE subscriptions SET status = 'ended', ended_at = ? "
                "WHERE subscription_id = ? AND status != 'ended'",
                (stamp(now), sub.subscription_id),
            )

    # -- the log ---------------------------------------------------------------------------------
    def log(self, con: sqlite3.Connection, at: str, sub: Subscription, events: int, outcome: str, detail=None) -> None:
        con.execute(
            "INSERT INTO delivery_log VALUES (?, ?, ?, ?, ?)", (at, sub.subscription_id, events, outcome, detail)
        )

    def delivery_log(self, subscription_id: str | None = None) -> list[dict]:
        sql = (
            "SELECT * FROM delivery_log" + (" WHERE subscription_id = ?" if subscription_id else "") + " ORDER BY rowid"
        )
        return [dict(r) for r in self.rows(sql, (subscription_id,) if subscription_id else ())]

    def sent(self, subscription_id: str) -> list[str]:
        """The events sent to a subscription, in the order they were."""
        found = self.rows(
            "SELECT event_id FROM deliveries WHERE subscription_id = ? AND outcome = 'sent' ORDER BY done_at, event_id",
            (subscription_id,),
        )
        return [r[0] for r in found]
