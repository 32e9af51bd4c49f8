"""Making and ending subscriptions: the rules the CLI and the site's sign-up form share. A scope is
checked as the feeds check theirs; an address signs up once per scope; a confirmation link is not sent
to the same address more often than every CONFIRM_EVERY."""

from __future__ import annotations

import datetime as dt
import re

from .. import queries
from ..queries import params
from . import deliver
from .store import AlertError, Store, Subscription

EMAIL = re.compile(r"[^@\s<>,;\"']{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+")
CONFIRM_EVERY = dt.timedelta(minutes=10)
CONFIRMS_PER_HOUR = 3  # confirmation links to one address, over all its scopes: the form cannot flood an inbox


def scope(db, state=None, county=None, agency=None, model=None, kind=None) -> dict:
    """The filters of a subscription, each checked (AlertError names the one that is wrong)."""
    try:
        found = {"state": params.state(state or None), "model": params.model(model or None)}
        found["kind"] = params.event_kind(kind or None)
    except params.ParamError as exc:
        raise AlertError(str(exc)) from None
    if county:
        if not (county.isdigit() and len(county) == 5 and queries.county_name(db, county)):
            raise AlertError(f"county: unknown county {county!r}: use its 5-digit FIPS code, such as 48201")
        found["county"] = county
    if agency:
        current = queries.resolve_agency(db, agency)
        if current is None:
            raise AlertError(f"agency: unknown agency {agency!r}: use its id, as in /agencies/<id>")
        found["agency_id"] = current
    return {k: v for k, v in found.items() if v}


def address(value: str) -> str:
    value = (value or "").strip()
    if len(value) > 254 or not EMAIL.fullmatch(value):
        raise AlertError(f"email: {value!r} is not an e-mail address")
    return value


def webhook_url(value: str) -> str:
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value or ""):
        raise AlertError(f"webhook: {value!r} is not an http(s) URL")
    return value


def subscribe_webhook(db, store: Store, url: str, found: dict, now: dt.datetime) -> Subscription:
    """A webhook (the operator's): active at once; the events already in the record are seen, not sent."""
    deliver.observe(db, store, now)
    return store.same("webhook", webhook_url(url), found) or store.add("webhook", url, found, "en", now, True)


def subscribe_email(
    db, store: Store, email: str, found: dict, lang: str, now: dt.datetime, mail: deliver.Mail | None, confirmed=False
) -> tuple[str, Subscription]:
    """An address: (outcome, subscription). Outcomes: "sent" (a confirmation link went out), "confirmed"
    (the operator confirmed it), "already" (it gets these alerts), "wait" (a link went out moments ago)."""
    email = address(email)
    if mail is None and not confirmed:
        raise AlertError("e-mail alerts need an SMTP server: set OPEN287G_SMTP_HOST (and OPEN287G_MAIL_FROM)")
    if confirmed:
        deliver.observe(db, store, now)  # active at once: what the record holds now is seen, not sent
    sub = store.same("email", email, found)
    if sub is not None and sub.status == "active":
        return "already", sub
    if sub is not None and confirmed:
        store.confirm(sub, now)
        return "confirmed", store.get(sub.subscription_id)
    if sub is None:
        sub = store.add("email", email, found, lang, now, confirmed)
        if confirmed:
            return "confirmed", sub
    if _recently_asked(store, sub, now):
        return "wait", sub
    assert mail is not None
    deliver.send_confirmation(db, store, sub, mail, now)
    return "sent", sub


def _recently_asked(store: Store, sub: Subscription, now: dt.datetime) -> bool:
    """A link went to this subscription minutes ago, or to its address too often in the last hour."""
    asked = store.rows(
        "SELECT l.subscription_id, l.at FROM delivery_log l JOIN subscriptions s USING (subscription_id) "
        "WHERE l.outcome = 'confirmation' AND lower(s.target) = lower(?) AND l.at > ?",
        (sub.target, deliver.stamp(now - dt.timedelta(hours=1))),
    )
    mine = [at for sub_id, at in asked if sub_id == sub.subscription_id]
    return len(asked) >= CONFIRMS_PER_HOUR or any(at > deliver.stamp(now - CONFIRM_EVERY) for at in mine)


def confirm(db, store: Store, token: str, now: dt.datetime) -> Subscription | None:
    """Follow a confirmation link: the subscription, active from now (None: no such link)."""
    sub = store.by_token(token)
    if sub is None or sub.status == "ended":
        return None
    if sub.status == "pending":
        deliver.observe(db, store, now)  # what the record holds now is seen, not sent
        store.confirm(sub, now)
    return store.get(sub.subscription_id)


def unsubscribe(store: Store, token_or_id: str, now: dt.datetime, by_id: bool = False) -> Subscription | None:
    """End a subscription by its link's token (or, for the operator, its id); None when there is none."""
    try:
        sub = store.get(token_or_id) if by_id else store.by_token(token_or_id)
    except AlertError:
        sub = None
    if sub is None:
        return None
    store.end(sub, now)
    return store.get(sub.subscription_id)
