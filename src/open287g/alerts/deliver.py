"""Delivering the record's new events to the subscriptions that match them, exactly once each.

A round (after every sync, or `open287g deliver`): the warehouse's events the store has not seen are marked
seen; those that are news (listed within FRESH_DAYS of now) are owed to every active subscription whose
filters match them (the feeds' filters: one definition); then each subscription owed something and due
gets one batch: a signed JSON POST for a webhook, a digest for an e-mail address. A batch that fails is
tried again with backoff; one sent is never sent again, also across rebuilds (events keep their ids).
The record as it stood when the store was made is seen, never sent: subscribing asks for what comes next."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import smtplib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import quote

import httpx

from .. import queries
from ..domain import vocab
from ..sources.http import USER_AGENT
from ..web import sentences
from .store import Store, Subscription, stamp

FRESH_DAYS = 31  # an event first seen about an older list is a revision of the past, not news
FIRST_RETRY = dt.timedelta(minutes=5)
LAST_RETRY = dt.timedelta(days=1)
SIGNATURE = "X-Open287g-Signature"
WEBHOOK_TIMEOUT = 15.0


class DeliveryBusy(RuntimeError):
    pass


@dataclass
class Mail:
    """The SMTP server alerts go out through (OPEN287G_SMTP_*), and the site the links point to."""

    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    sender: str = "open287g <alerts@localhost>"
    site_url: str = "http://127.0.0.1:8000"

    @classmethod
    def from_env(cls, env=os.environ) -> Mail | None:
        """None when no server is set (e-mail alerts are then off; webhooks still go)."""
        host = env.get("OPEN287G_SMTP_HOST")
        if not host:
            return None
        return cls(
            host=host,
            port=int(env.get("OPEN287G_SMTP_PORT", "25")),
            user=env.get("OPEN287G_SMTP_USER") or None,
            password=env.get("OPEN287G_SMTP_PASSWORD") or None,
            starttls=env.get("OPEN287G_SMTP_STARTTLS", "0") not in ("", "0", "false", "no"),
            sender=env.get("OPEN287G_MAIL_FROM", cls.sender),
            site_url=site_url(env),
        )

    def send(self, message: EmailMessage) -> None:
        message["From"] = self.sender
        message["Message-ID"] = make_msgid(domain="open287g")
        with smtplib.SMTP(self.host, self.port, timeout=30) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)


def site_url(env=os.environ) -> str:
    return env.get("OPEN287G_SITE_URL", "http://127.0.0.1:8000").rstrip("/")


@dataclass
class Delivered:
    """What a round did: events newly seen (and of those, news), deliveries queued, batches sent and failed."""

    at: str
    seen: int = 0
    news: int = 0
    queued: int = 0
    sent: Counter = field(default_factory=Counter)  # channel -> batches
    events_sent: int = 0
    failed: list[str] = field(default_factory=list)
    waiting: int = 0  # deliveries owed but not yet due again

    def line(self) -> str:
        parts = [f"alerts {self.at}: {self.news} new event(s) of {self.seen} seen, {self.queued} delivery(ies) queued"]
        if self.sent:
            parts.append(
                f"{self.events_sent} event(s) sent in "
                + ", ".join(f"{n} {channel} batch(es)" for channel, n in sorted(self.sent.items()))
            )
        if self.failed:
            parts.append(f"{len(self.failed)} batch(es) failed (tried again later)")
        if self.waiting:
            parts.append(f"{self.waiting} owed, not yet due")
        return "; ".join(parts)


# -- what a subscription covers ------------------------------------------------------------------------
def matching(db, sub: Subscription) -> dict[str, dict]:
    """The record's events a subscription's filters take (event_id -> event), the same as its feed."""
    scope = sub.scope()
    if agency := scope.pop("agency_id", None):
        scope["agency_id"] = queries.resolve_agency(db, agency) or agency  # a merged agency's current id
    return {e["event_id"]: e for e in queries.feed_events(db, limit=None, **scope)}


def scope_words(db, sub: Subscription) -> str:
    """What a subscription follows, in its language: "Texas", "Harris County, TX", an agency, a model."""
    lang, parts = sub.lang, []
    if sub.agency_id:
        profile = queries.agency_profile(db, queries.resolve_agency(db, sub.agency_id) or sub.agency_id)
        parts.append(profile["agency"]["name"] if profile else sub.agency_id)
    if sub.county:
        state = {v: k for k, v in vocab.state_fips().items()}.get(sub.county[:2], "")
        parts.append(f"{queries.county_name(db, sub.county) or sub.county}, {state}".rstrip(", "))
    if sub.state and not sub.county and not sub.agency_id:
        parts.append(vocab.state_names_in(lang).get(sub.state, sub.state))
    if sub.model:
        parts.append(sentences.t(sub.model, lang))
    if sub.kind:
        parts.append(sentences.t("kind_" + sub.kind, lang))
    return " · ".join(parts) or sentences.t("alert_everywhere", lang)


def event_url(base: str, e: dict, lang: str) -> str:
    return f"{base}/agencies/{quote(e['agency_id'])}" + ("?lang=es" if lang == "es" else "")


def unsubscribe_url(base: str, sub: Subscription) -> str:
    return f"{base}/alerts/unsubscribe?token={sub.token}" + ("&lang=es" if sub.lang == "es" else "")


def confirm_url(base: str, sub: Subscription) -> str:
    return f"{base}/alerts/confirm?token={sub.token}" + ("&lang=es" if sub.lang == "es" else "")


# -- a round ---------------------------------------------------------------------------------------------
def observe(db, store: Store, now: dt.datetime) -> tuple[int, int, int]:
    """Mark the events the store has not seen, and owe those that are news to the active subscriptions that
    match them. (seen, news, queued). A store seeing a record for the first time takes it as it stands."""
    events = {e["event_id"]: e for e in queries.feed_events(db, limit=None)}
    at, oldest = stamp(now), (now.date() - dt.timedelta(days=FRESH_DAYS)).isoformat()
    with store.transaction() as con:
        known = {r[0] for r in con.execute("SELECT event_id FROM seen")}
        first = con.execute("SELECT count(*) FROM rounds").fetchone()[0] == 0
        new = [i for i in events if i not in known]
        news = [] if first else [i for i in new if str(events[i]["date"]) >= oldest]
        con.executemany("INSERT INTO seen VALUES (?, ?, ?)", [(i, at, int(i in set(news))) for i in new])
        con.execute("INSERT INTO rounds VALUES (?, ?, ?)", (at, len(new), len(news)))
        queued = 0
        if news:
            subs = [Subscription(**dict(r)) for r in con.execute("SELECT * FROM subscriptions WHERE status = 'active'")]
            scopes: dict[tuple, set[str]] = {}  # subscriptions to the same scope share its events
            for sub in subs:
                key = tuple(sorted(sub.scope().items()))
                if key not in scopes:
                    scopes[key] = set(matching(db, sub))
                mine = scopes[key]
                rows = [(sub.subscription_id, i, at, at) for i in news if i in mine]
                con.executemany(
                    "INSERT OR IGNORE INTO deliveries (subscription_id, event_id, queued_at, next_try) "
                    "VALUES (?, ?, ?, ?)",
                    rows,
                )
                queued += len(rows)
    return len(new), len(news), queued


def deliver(
    db,
    store: Store,
    now: dt.datetime,
    mail: Mail | None = None,
    client: httpx.Client | None = None,
    base_url: str | None = None,
) -> Delivered:
    """One round (see the module's docstring). Two rounds never run at once (DeliveryBusy)."""
    done = Delivered(stamp(now))
    base = (base_url or (mail.site_url if mail else site_url())).rstrip("/")
    with _exclusive(store), client or httpx.Client(timeout=WEBHOOK_TIMEOUT) as http:
        done.seen, done.news, done.queued = observe(db, store, now)
        owed = store.rows(
            "SELECT d.subscription_id, d.event_id, d.next_try FROM deliveries d JOIN subscriptions s USING "
            "(subscription_id) WHERE d.outcome IS NULL AND s.status = 'active' ORDER BY d.queued_at, d.event_id"
        )
        due: dict[str, list[str]] = {}
        for sub_id, event_id, next_try in owed:
            if next_try <= done.at:
                due.setdefault(sub_id, []).append(event_id)
            else:
                done.waiting += 1
        if not due:
            return done
        events = {e["event_id"]: e for e in queries.feed_events(db, limit=None)}
        for sub_id, ids in due.items():
            sub = store.get(sub_id)
            gone = [i for i in ids if i not in events]  # a rebuild took it out of the record before it went
            batch = [events[i] for i in ids if i in events]
            try:
                if batch:
                    _send(db, sub, batch, now, mail, http, base)
            except Exception as exc:  # whatever one subscription meets is its own failure, not the round's
                detail = f"{type(exc).__name__}: {exc}"[:300]
                done.failed.append(f"{sub_id}: {detail}")
                _failed(store, sub, ids, now, detail)
                continue
            with store.transaction() as con:
                con.executemany(
                    "UPDATE deliveries SET outcome = 'sent', done_at = ?, attempts = attempts + 1 "
                    "WHERE subscription_id = ? AND event_id = ?",
                    [(done.at, sub_id, e["event_id"]) for e in batch],
                )
                con.executemany(
                    "UPDATE deliveries SET outcome = 'withdrawn', done_at = ? "
                    "WHERE subscription_id = ? AND event_id = ?",
                    [(done.at, sub_id, i) for i in gone],
                )
                if batch:
                    store.log(con, done.at, sub, len(batch), "sent")
            if batch:
                done.sent[sub.channel] += 1
                done.events_sent += len(batch)
    return done


class DeliveryFailed(RuntimeError):
    """A receiver that answered, but not with a 2xx."""


def _failed(store: Store, sub: Subscription, ids: list[str], now: dt.datetime, detail: str) -> None:
    with store.transaction() as con:
        attempts = con.execute(
            "SELECT max(attempts) FROM deliveries WHERE subscription_id = ? AND outcome IS NULL", (sub.subscription_id,)
        ).fetchone()[0]
        wait = min(FIRST_RETRY * 2 ** min(attempts or 0, 10), LAST_RETRY)  # 5 min doubling, then daily
        con.executemany(
            "UPDATE deliveries SET attempts = attempts + 1, next_try = ? WHERE subscription_id = ? AND event_id = ?",
            [(stamp(now + wait), sub.subscription_id, i) for i in ids],
        )
        store.log(con, stamp(now), sub, len(ids), "failed", detail)


def _send(db, sub: Subscription, batch: list[dict], now, mail: Mail | None, http: httpx.Client, base: str) -> None:
    if sub.channel == "webhook":
        body, headers = webhook_request(sub, batch, now, base)
        answer = http.post(sub.target, content=body, headers=headers)
        if not answer.is_success:
            raise DeliveryFailed(f"{sub.target} answered HTTP {answer.status_code}")
        return
    if mail is None:
        raise DeliveryFailed("no SMTP server is set (OPEN287G_SMTP_HOST)")
    mail.send(digest(db, sub, batch, base))


# -- what is sent ----------------------------------------------------------------------------------------
def webhook_request(sub: Subscription, batch: list[dict], now: dt.datetime, base: str) -> tuple[bytes, dict]:
    """The JSON body and headers of a webhook batch. The signature is HMAC-SHA256 of the body with the
    subscription's secret; the delivery id is the same for the same batch (a receiver can drop a repeat)."""
    events = [{**e, "url": event_url(base, e, "en")} for e in batch]
    body = json.dumps(
        {"subscription_id": sub.subscription_id, "sent_at": stamp(now), "events": events},
        ensure_ascii=False,
        default=str,
    ).encode()
    delivery = hashlib.sha256((sub.subscription_id + "".join(e["event_id"] for e in batch)).encode()).hexdigest()
    return body, {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT.split(" ")[0] + " (alerts)",
        SIGNATURE: "sha256=" + sign(sub.secret or "", body),
        "X-Open287g-Delivery": delivery[:32],
    }


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def digest(db, sub: Subscription, batch: list[dict], base: str) -> EmailMessage:
    """The e-mail of a batch: plain text and HTML, with one-click unsubscribe (RFC 8058)."""
    lang, t = sub.lang, sentences.t
    scope = scope_words(db, sub)
    leave = unsubscribe_url(base, sub)
    lines = [sentences.event_words(e, lang) for e in batch]
    message = EmailMessage()
    message["To"] = sub.target
    subject = t("alert_subject_one" if len(batch) == 1 else "alert_subject", lang)
    message["Subject"] = " ".join(subject.replace("{n}", str(len(batch))).replace("{scope}", scope).split())
    message["List-Unsubscribe"] = f"<{leave}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["List-Id"] = formataddr(("open287g alerts", f"{sub.subscription_id}.alerts.open287g"))
    intro = t("alert_intro", lang).replace("{scope}", scope)
    why = t("alert_why", lang).replace("{scope}", scope)
    plain = [intro, ""]
    for (_, summary), e in zip(lines, batch):
        plain += [f"- {summary}", f"  {event_url(base, e, lang)}", ""]
    plain += ["--", why, f"{t('alert_unsubscribe', lang)}: {leave}"]
    message.set_content("\n".join(plain) + "\n")
    esc = sentences.escape
    items = "".join(
        f'<li><a href="{esc(event_url(base, e, lang))}">{esc(title)}</a><br>'
        f"{esc(summary.removeprefix(title + '; '))}</li>"
        for (title, summary), e in zip(lines, batch)
    )
    html = (
        f'<!DOCTYPE html><html lang="{lang}"><body><p>{esc(intro)}</p><ul>{items}</ul>'
        f'<p style="color:#555">{esc(why)} <a href="{esc(leave)}">{esc(t("alert_unsubscribe", lang))}</a></p>'
        "</body></html>"
    )
    message.add_alternative(html, subtype="html")
    return message


def confirmation(db, sub: Subscription, base: str) -> EmailMessage:
    """The e-mail that asks the owner of an address to confirm (nothing else is sent before)."""
    lang, t = sub.lang, sentences.t
    scope = scope_words(db, sub)
    message = EmailMessage()
    message["To"] = sub.target
    message["Subject"] = " ".join(t("alert_confirm_subject", lang).replace("{scope}", scope).split())
    body = t("alert_confirm_body", lang).replace("{scope}", scope).replace("{link}", confirm_url(base, sub))
    message.set_content(body + "\n")
    return message


def send_confirmation(db, store: Store, sub: Subscription, mail: Mail, now: dt.datetime) -> None:
    mail.send(confirmation(db, sub, mail.site_url))
    with store.transaction() as con:
        store.log(con, stamp(now), sub, 0, "confirmation")


@contextmanager
def _exclusive(store: Store) -> Iterator[None]:
    with open(store.path.with_name(store.path.name + ".lock"), "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DeliveryBusy(f"{store.path}: another delivery round is running") from None
        yield
