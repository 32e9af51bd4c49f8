"""Alerts: webhooks and e-mail digests of the record's new events, filtered as the feeds are, delivered
exactly once (also when a delivery fails first and when the warehouse is rebuilt in between). A fake ICE,
a webhook receiver and an SMTP server (aiosmtpd), all on 127.0.0.1, started here."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import hmac
import json
import re
import subprocess
import sys
import threading
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from fake_ice import FOLDER, WORDS
from helpers import REPO
from open287g import cache, pipeline, queries, warehouse
from open287g.alerts import deliver, signup
from open287g.alerts.store import AlertError, Store
from open287g.archive import Archive
from open287g.web.app import create_app
from test_contract import CONTRACT, check
from test_sync import MARCH_20, MARCH_27, PENDING, at, run, serve_lists, workbook


class Receiver:
    """A webhook receiver: keeps every POST (headers and body); answers `fail_first` of them with a 500."""

    def __init__(self, fail_first: int = 0) -> None:
        self.got: list[tuple[dict, bytes, int]] = []
        self.fail_first = fail_first
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                code = 500 if len(outer.got) < outer.fail_first else 204
                outer.got.append((dict(self.headers), body, code))
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self) -> list[dict]:
        return [json.loads(body) for _, body, code in self.got if code < 300]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An SMTP server on loopback keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        inbox = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                inbox.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
                return "250 OK"

        port = free_port()  # aiosmtpd checks its server by connecting to the port it was given
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)
        self.controller.start()
        self.mail = deliver.Mail(host="127.0.0.1", port=port, sender="open287g <alerts@example.org>")
        self.mail.site_url = "http://open287g.test"

    def to(self, address: str, subject_has: str = "") -> list[Message]:
        return [m for m in self.messages if m["To"] == address and subject_has in m["Subject"]]

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture()
def inbox():
    box = Inbox()
    yield box
    box.stop()


def text_of(message: Message, subtype: str = "plain") -> str:
    for part in message.walk():
        if part.get_content_type() == f"text/{subtype}":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError(f"no text/{subtype} part")


def round_(db, store: Store, when: str, mail=None) -> deliver.Delivered:
    with warehouse.connect(db) as con:  # a new connection per round: the warehouse may have been swapped
        return deliver.deliver(con, store, at(when), mail, base_url="http://open287g.test")


def confirm_by_link(client: TestClient, message: Message, lang: str = "en") -> None:
    """Open the link (which only asks: a mail scanner may open it too), then press its button."""
    link = re.search(r"(/alerts/confirm\?token=([\w-]+)(&lang=es)?)", text_of(message))
    asked = client.get(link.group(1))
    assert asked.status_code == 200 and ("Start the e-mail alerts" if lang == "en" else "¿Empezar") in asked.text
    done = client.post("/alerts/confirm" + ("?lang=es" if lang == "es" else ""), data={"token": link.group(2)})
    assert done.status_code == 200 and ("Confirmed:" if lang == "en" else "Confirmado") in done.text


def test_new_events_reach_the_matching_subscribers_exactly_once(shared, fake, inbox, tmp_path):
    serve_lists(fake, shared, MARCH_20, PENDING)
    db = tmp_path / "w.duckdb"
    run(db, fake, "2026-03-20T18:00:00Z")
    store, hook = Store.beside(db), Receiver(fail_first=1)
    try:
        with warehouse.connect(db) as con:
            everything = signup.subscribe_webhook(con, store, hook.url, {}, at("2026-03-20T19:00:00Z"))
            quiet = signup.subscribe_webhook(
                con,
                store,
                hook.url + "?quiet",
                signup.scope(con, agency="TX/ellis-county-sheriffs-office", kind="ended"),
                at("2026-03-20T19:00:00Z"),
            )
        # an address signs up on the Texas page, confirms by the link it is sent, and signs up once only
        client = TestClient(create_app(db, mail=inbox.mail))
        page = client.get("/states/TX").text
        assert 'action="/alerts/subscribe"' in page and 'name="state" value="TX"' in page
        answer = client.post("/alerts/subscribe", data={"email": "reporter@example.org", "state": "TX"})
        assert answer.status_code == 200 and "Check your inbox" in answer.text
        (asked,) = inbox.to("reporter@example.org", "Confirm")
        assert "Texas" in asked["Subject"]
        assert (
            client.post("/alerts/subscribe", data={"email": "reporter@example.org", "state": "TX"}).status_code == 200
        )
        assert len(inbox.to("reporter@example.org", "Confirm")) == 1  # asked again at once: no second link
        confirm_by_link(client, asked)
        again = client.post("/alerts/subscribe", data={"email": "reporter@example.org", "state": "TX"})
        assert "Check your inbox" in again.text  # the same answer: the form does not tell who follows what
        assert len(store.all()) == 3 and len(inbox.to("reporter@example.org", "Confirm")) == 1
        texas = store.same("email", "reporter@example.org", {"state": "TX"})
        assert texas is not None and texas.status == "active"

        # nothing new yet: the record as it stood when they subscribed is never sent
        first = round_(db, store, "2026-03-20T20:00:00Z", inbox.mail)
        assert (first.news, first.queued, first.events_sent) == (0, 0, 0) and not hook.got

        # a new list a week later: its events are owed to the subscriptions they match
        fake.put(FOLDER + MARCH_27[1], workbook(shared, "participating", *MARCH_27))
        fake.show((WORDS["participating"], FOLDER + MARCH_27[1]), (WORDS["pending"], FOLDER + PENDING[1]))
        later = run(db, fake, "2026-03-27T18:00:00Z")
        new = set(later.new_event_ids)
        with warehouse.connect(db) as con:
            in_texas = {e["event_id"] for e in queries.feed_events(con, state="TX", limit=None)} & new
            feed = TestClient(create_app(db)).get("/feeds/states/TX.atom").text
        assert new and in_texas and in_texas < new
        assert all(f"urn:open287g:event:{i}" in feed for i in sorted(in_texas)[:5])  # the same events, in the feed

        sent = round_(db, store, "2026-03-27T18:05:00Z", inbox.mail)
        assert sent.news == len(new) and sent.queued == len(new) + len(in_texas)
        assert sent.sent == {"email": 1} and len(sent.failed) == 1  # the webhook answered 500 the first time
        (digest,) = inbox.to("reporter@example.org", "new in the 287(g) lists")
        plain, html = text_of(digest), text_of(digest, "html")
        assert digest["Subject"] == f"open287g: {len(in_texas)} new in the 287(g) lists — Texas"
        assert plain.count("\n- ") == len(in_texas) and "http://open287g.test/agencies/TX/" in plain
        assert html.count("<li>") == len(in_texas)
        assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        leave = digest["List-Unsubscribe"].strip("<>")
        assert leave.startswith("http://open287g.test/alerts/unsubscribe?token=") and leave in plain

        # the warehouse rebuilt in between: the same events, the same ids; nothing owed twice
        assert pipeline.build(db, Archive.beside(db), force=True, cache=cache.Cache.beside(db))
        early = round_(db, store, "2026-03-27T18:06:00Z", inbox.mail)
        assert early.waiting == len(new) and not early.sent  # the webhook's retry is not due yet (5 minutes)
        retried = round_(db, store, "2026-03-27T18:11:00Z", inbox.mail)
        assert retried.sent == {"webhook": 1} and retried.events_sent == len(new) and not retried.failed
        assert not round_(db, store, "2026-03-28T18:00:00Z", inbox.mail).sent  # and then nothing more

        (batch,) = hook.delivered()
        assert batch["subscription_id"] == everything.subscription_id
        assert {e["event_id"] for e in batch["events"]} == new
        assert all(e["url"].startswith("http://open287g.test/agencies/") for e in batch["events"])
        headers, body, _ = hook.got[-1]
        expected = hmac.new(everything.secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Open287g-Signature"] == f"sha256={expected}"
        # the retry is the same batch (the same delivery id, the same events), sent again at its own time
        assert hook.got[0][0]["X-Open287g-Delivery"] == headers["X-Open287g-Delivery"]
        assert json.loads(hook.got[0][1])["events"] == batch["events"]
        assert len(inbox.to("reporter@example.org", "new in the 287(g) lists")) == 1
        assert store.sent(quiet.subscription_id) == []
        assert set(store.sent(texas.subscription_id)) == in_texas
        log = [(r["subscription_id"], r["outcome"]) for r in store.delivery_log()]
        assert log.count((everything.subscription_id, "failed")) == 1
        assert log.count((everything.subscription_id, "sent")) == 1 and log.count((texas.subscription_id, "sent")) == 1

        # one click (RFC 8058) ends it; a later event is not sent
        path = urlsplit(leave)
        ended = client.post(
            f"{path.path}?{path.query}",
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert ended.status_code == 200 and "no more alerts about Texas" in ended.text
        assert store.get(texas.subscription_id).status == "ended"
    finally:
        hook.stop()


def test_the_sign_up_pages_in_both_languages_and_their_refusals(built, inbox, tmp_path):
    import shutil

    db = tmp_path / "open287g.duckdb"
    shutil.copy(built, db)
    client = TestClient(create_app(db, mail=inbox.mail))
    county = client.get("/counties/48139?lang=es").text  # Ellis County, TX
    assert 'name="county" value="48139"' in county and 'action="/alerts/subscribe?lang=es"' in county
    assert "Reciba un correo cuando esto cambie" in county
    assert (
        'name="agency" value="TX/ellis-county-sheriffs-office"'
        in client.get("/agencies/TX/ellis-county-sheriffs-office").text
    )
    assert "alert-form" not in client.get("/").text  # the nation: its feed; a sign-up is for a place or agency
    bad = client.post("/alerts/subscribe?lang=es", data={"email": "not an address", "county": "48139"})
    assert bad.status_code == 400 and "no parece una dirección" in bad.text
    nowhere = client.post("/alerts/subscribe", data={"email": "a@example.org", "county": "99999"})
    assert nowhere.status_code == 400 and "unknown county" in nowhere.text
    assert client.post("/alerts/subscribe", content=b"email=" + b"x" * 5000).status_code == 413
    ok = client.post(
        "/alerts/subscribe?lang=es", data={"email": "Vecina@Example.org", "county": "48139", "kind": "listed"}
    )
    assert ok.status_code == 200 and "Revise su correo" in ok.text
    (asked,) = inbox.to("Vecina@Example.org")
    assert asked["Subject"].startswith("Confirme sus avisos de open287g: Ellis County, TX")
    assert Store.beside(db).all()[0].status == "pending"
    confirm_by_link(client, asked, "es")
    sub = Store.beside(db).all()[0]
    assert (sub.county, sub.kind, sub.lang, sub.status) == ("48139", "listed", "es", "active")
    ask = client.get(f"/alerts/unsubscribe?token={sub.token}&lang=es")  # a link opened only asks
    assert "¿Dejar de enviar" in ask.text and Store.beside(db).get(sub.subscription_id).status == "active"
    assert client.get("/alerts/confirm?token=nothing").status_code == 404
    assert client.post("/alerts/unsubscribe", data={"token": sub.token}).status_code == 200
    assert Store.beside(db).get(sub.subscription_id).status == "ended"
    assert client.post("/states/TX").status_code == 405  # the rest of the site stays read-only
    # a site without an SMTP server shows no form and takes no sign-up
    plain = TestClient(create_app(db))
    assert "alert-form" not in plain.get("/states/TX").text
    assert plain.post("/alerts/subscribe", data={"email": "a@example.org", "state": "TX"}).status_code == 404


def test_events_gone_from_the_record_are_withdrawn_and_failures_back_off(built, tmp_path):
    import shutil

    db = tmp_path / "open287g.duckdb"
    shutil.copy(built, db)
    store, hook = Store.beside(db), Receiver(fail_first=11)
    try:
        with warehouse.connect(db) as con:
            sub = signup.subscribe_webhook(con, store, hook.url, {"state": "TX"}, at("2026-03-28T00:00:00Z"))
            real = queries.feed_events(con, state="TX", limit=1)[0]["event_id"]
        with store.transaction() as c:  # owed: one event of the record, and one a rebuild took out
            for event_id in (real, "ev-gone"):
                c.execute(
                    "INSERT INTO deliveries (subscription_id, event_id, queued_at, next_try) VALUES (?, ?, ?, ?)",
                    (sub.subscription_id, event_id, "2026-03-28T00:00:00Z", "2026-03-28T00:00:00Z"),
                )
        waits = []
        moment = at("2026-03-28T00:00:00Z")
        for _ in range(10):
            with warehouse.connect(db) as con:
                done = deliver.deliver(con, store, moment, None, base_url="http://x")
            assert len(done.failed) == 1 and "HTTP 500" in done.failed[0]
            due = store.rows("SELECT max(next_try) FROM deliveries WHERE outcome IS NULL")[0][0]
            waits.append(at(due) - moment)
            moment = at(due)
        assert waits[:3] == [dt.timedelta(minutes=m) for m in (5, 10, 20)] and waits[-1] == dt.timedelta(days=1)
        with store.transaction() as c:  # weeks of daily failures: the wait stays a day (no overflow)
            c.execute("UPDATE deliveries SET attempts = 60")
        with warehouse.connect(db) as con:
            done = deliver.deliver(con, store, moment, None, base_url="http://x")
        assert len(done.failed) == 1
        assert at(store.rows("SELECT max(next_try) FROM deliveries")[0][0]) - moment == dt.timedelta(days=1)
        moment += dt.timedelta(days=1)
        hook.fail_first = 0
        with warehouse.connect(db) as con:
            done = deliver.deliver(con, store, moment, None, base_url="http://x")
        assert done.events_sent == 1
        outcomes = dict(store.rows("SELECT event_id, outcome FROM deliveries"))
        assert outcomes == {real: "sent", "ev-gone": "withdrawn"}
        assert [e["event_id"] for e in hook.delivered()[0]["events"]] == [real]
        with pytest.raises(AlertError, match="unknown state 'Atlantis'"), warehouse.connect(db) as con:
            signup.scope(con, state="Atlantis")
    finally:
        hook.stop()


def test_the_command_line(shared, fake, tmp_path):
    serve_lists(fake, shared, MARCH_20, PENDING)
    db = tmp_path / "w.duckdb"
    cli = [sys.executable, "-m", "open287g", "--db", str(db)]

    def call(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*cli, *args], capture_output=True, text=True, cwd=REPO)

    assert call("sync", "--page-url", fake.page_url, "--no-documents", "--at", "2026-03-20T18:00:00Z").returncode == 0
    assert call("deliver").stdout.startswith("alerts: no subscriptions yet")
    hook = Receiver()
    try:
        made = call("subscribe", "--webhook", hook.url, "--state", "Texas", "--kind", "listed")
        assert made.returncode == 0, made.stderr
        sub_id = made.stdout.split(":")[0]
        assert (
            "is active (state=TX, kind=listed)" in made.stdout and "secret (for X-Open287g-Signature): " in made.stdout
        )
        bad = call("subscribe", "--webhook", hook.url, "--county", "123")
        assert bad.returncode == 1 and bad.stderr.strip().startswith("error: county: unknown county '123'")
        no_mail = call("subscribe", "--email", "a@example.org")
        assert no_mail.returncode == 1 and "OPEN287G_SMTP_HOST" in no_mail.stderr
        listed = json.loads(call("subscriptions", "--format", "json").stdout)
        assert [(s["subscription_id"], s["channel"], s["state"], s["status"]) for s in listed] == [
            (sub_id, "webhook", "TX", "active")
        ]
        assert not check(listed, CONTRACT["cli"]["subscriptions"], "subscriptions", False)  # no secret, no token
        fake.put(FOLDER + MARCH_27[1], workbook(shared, "participating", *MARCH_27))
        fake.show((WORDS["participating"], FOLDER + MARCH_27[1]), (WORDS["pending"], FOLDER + PENDING[1]))
        synced = call("sync", "--page-url", fake.page_url, "--no-documents", "--at", "2026-03-27T18:00:00Z")
        assert synced.returncode == 0, synced.stderr
        assert len(synced.stdout.strip().splitlines()) == 1 and not hook.got  # a replay (--at) sends nothing itself
        alert_line = call("deliver", "--at", "2026-03-27T18:05:00Z").stdout.strip()
        assert alert_line.startswith("alerts 2026-03-27T18:05:00Z: ") and "sent in 1 webhook batch(es)" in alert_line
        (batch,) = hook.delivered()
        assert batch["events"] and {(e["state"], e["kind"]) for e in batch["events"]} == {("TX", "listed")}
        log = json.loads(call("subscriptions", "--log", "--format", "json").stdout)
        assert [(r["outcome"], r["events"]) for r in log] == [("sent", len(batch["events"]))]
        assert not check(log, CONTRACT["cli"]["subscriptions --log"], "subscriptions --log", False)
        assert call("unsubscribe", sub_id).stdout.strip() == f"{sub_id}: ended"
        assert call("unsubscribe", "sub-nothing").returncode == 1
    finally:
        hook.stop()
