"""The dashboard's logic without a browser: the alert state over windows, and the
page rendered from a store on SQLite and on PostgreSQL (the same schema, other
SQL for the windows). The browser test (test/dashboard.test.js) drives it end
to end; here the server process is spoken to over HTTP for what a browser
cannot be made to send (forged cross-site POSTs, foreign Host headers, bad
lengths). The PostgreSQL case uses PAYWIT_PG_URL (the project's machines run
one); without a server it is skipped with that message."""
from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import time
import urllib.parse
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

import paywit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "day-of-traffic"))
from dashboard import Settings, alert_state, page, redacted  # noqa: E402
from harness import postgres_url  # noqa: E402
from store import Store  # noqa: E402

RULE = paywit.AlertRule(alert_at_basis_points=500, recover_below_basis_points=200, min_events=10, sustained_windows=3)
OK, BAD, QUIET = (paywit.Window(successes=40, failures=0), paywit.Window(successes=30, failures=10),
                  paywit.Window(successes=1, failures=1))


def state(windows):
    return alert_state(windows, RULE, [float(i) for i in range(len(windows))])


def test_one_bad_window_never_raises_the_alert():
    assert state([OK, OK, BAD, OK, OK, OK]) == (False, None)
    assert state([OK, BAD, BAD, OK, BAD, BAD]) == (False, None)


def test_a_sustained_error_rate_raises_it_at_the_third_window_and_recovery_clears_it():
    assert state([OK, BAD, BAD]) == (False, None)
    assert state([OK, BAD, BAD, BAD]) == (True, 3.0)
    assert state([OK, BAD, BAD, BAD, OK, OK]) == (True, 3.0), "two good windows are not yet a recovery"
    assert state([OK, BAD, BAD, BAD, OK, OK, OK]) == (False, None)


def test_windows_with_too_few_events_change_nothing():
    assert state([BAD, BAD, BAD, QUIET, QUIET, QUIET]) == (True, 2.0)
    assert state([QUIET] * 10) == (False, None)


def fill(store: Store, now: float) -> None:
    """Ten refusals and thirty deliveries in each of the last four minutes, one failed event."""
    for minute in range(1, 5):
        at = now - minute * 60
        for n in range(40):
            code = "no-matching-signature" if n < 10 else None
            store.execute("INSERT INTO deliveries (at, scheme, outcome, code, ms) VALUES (?, 'standard-webhooks', ?, ?, 1.5)",
                          (at + n * 0.1, "refused" if code else "recorded", code))
    store.execute("INSERT INTO inbox (event_id, body, received_at, failed_at, attempts) VALUES "
                  "('evt_<b>', '{\"type\": \"payout.paid\"}', ?, ?, 7)", (now - 30, now - 29))
    store.execute("INSERT INTO attempts VALUES (?, 'evt_<b>', 'failed', 'server-error')", (now - 29,))
    store.execute("INSERT INTO objects VALUES ('pi_declined', 'payment', 'failed', 1, 1)")


def render(url: str) -> str:
    with Store(url) as store:
        fill(store, time.time() // 60 * 60 + 30)  # mid-minute: each minute's rows stay in one clock-aligned window
    return page(Settings(url, None, 60.0, 10, paywit.default_alert_rule(), 0))


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        yield str(tmp_path / "receiver.sqlite")
        return
    with ExitStack() as stack:
        yield postgres_url(stack)  # fails when a server was promised (CI, PAYWIT_PG_URL) and none answers


def test_the_page_shows_the_alert_the_refusals_and_the_failed_event(store_url):
    html = render(store_url)
    assert 'class="stream alerting" data-stream="webhook deliveries"' in html, "25 % refused for 4 minutes"
    assert 'class="stream ok" data-stream="event processing"' in html
    assert html.count("<td>no-matching-signature</td>") == 4, "one row per minute"
    assert "evt_<b>" not in html, "event ids are escaped"
    assert "<td>server-error</td>" in html and "<td>pi_declined</td>" in html
    assert "<polyline" in html


def test_the_store_url_is_shown_without_its_password():
    assert redacted("postgresql://paywit:s3cret@db:5432/test") == "postgresql://paywit:***@db:5432/test"


def test_an_event_is_found_by_id_with_its_replay_button(tmp_path):
    url = str(tmp_path / "receiver.sqlite")
    with Store(url) as store:
        fill(store, time.time() // 60 * 60 + 30)  # mid-minute: each minute's rows stay in one clock-aligned window
    settings = Settings(url, None, 60.0, 10, paywit.default_alert_rule(), 0)
    found = page(settings, find="evt_<b>")
    assert 'data-event="evt_&lt;b&gt;"' in found and "<td>payout.paid</td>" in found
    missing = page(settings, find="evt_nowhere")
    assert 'id="event-evt-nowhere"' in missing and missing.split('id="event-evt-nowhere"')[1].split("</table>")[0].count('class="none"') == 1


# The dashboard as a real server process (`python dashboard.py --port 0`), spoken to over HTTP.

HERE = Path(__file__).resolve().parent


class Server:
    def __init__(self, process: subprocess.Popen, port: int) -> None:
        self.process, self.port = process, port
        self.host = f"127.0.0.1:{port}"

    def request(self, method: str, path: str, body: bytes = b"", headers: dict = None, host: str = None,
                content_length: object = "auto"):
        """One request on a fresh connection: (status, headers, text). `host=""` sends no Host;
        `content_length`: "auto" (the body's), None (no header), or a value or list of values sent as they are."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            if host != "":
                connection.putheader("Host", self.host if host is None else host)
            lengths = [str(len(body))] if content_length == "auto" else [] if content_length is None else \
                content_length if isinstance(content_length, list) else [content_length]
            for value in lengths:
                connection.putheader("Content-Length", str(value))
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            connection.endheaders(body or None)
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
        finally:
            connection.close()

    def page(self, path: str = "/") -> str:
        status, _, text = self.request("GET", path)
        assert status == 200, (status, text)
        return text

    def token(self) -> str:
        found = re.findall(r'<input type="hidden" name="token" value="([^"]*)">', self.page())
        assert found, "the page's forms carry a token"
        assert len(set(found)) == 1 and len(found[0]) >= 32, found
        return found[0]

    def replay(self, event_id: str, token: str = None, origin: str = "own", host: str = None, **headers: str):
        """A form POST of Replay, as the page's button sends it (`token`: the page's unless given)."""
        fields = {"token": self.token() if token is None else token}
        if origin == "own":
            headers["Origin"] = f"http://{self.host}"
        elif origin is not None:
            headers["Origin"] = origin
        return self.request("POST", f"/replay/{urllib.parse.quote(event_id, safe='')}",
                            urllib.parse.urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded", **headers}, host=host)


@contextmanager
def serve(db: str, *args: str):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parents[2] / "packages" / "python"), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen([sys.executable, str(HERE / "dashboard.py"), "--db", db, "--port", "0", "--refresh", "0", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, f"the dashboard did not start: {line!r} {process.stderr.read() if process.poll() is not None else ''}"
        yield Server(process, int(match.group(1)))
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def failed_event(store: Store, event_id: str, body: str, now: float) -> None:
    """An event whose processing was given up (so it is listed as failed, and Replay requeues it)."""
    store.execute("INSERT INTO inbox (event_id, body, received_at, failed_at, attempts) VALUES (?, ?, ?, ?, 7)",
                  (event_id, body, now - 30, now - 29))
    store.execute("INSERT INTO attempts VALUES (?, ?, 'failed', 'server-error')", (now - 29, event_id))


def queue_state(url: str, event_id: str):
    with Store(url) as store:
        return store.one("SELECT attempts, failed_at IS NULL FROM inbox WHERE event_id = ?", (event_id,))


@pytest.fixture
def server_db(tmp_path):
    url = str(tmp_path / "receiver.sqlite")
    with Store(url) as store:
        failed_event(store, "evt_failed", '{"type": "payout.paid"}', time.time())
    with serve(url) as server:
        yield server, url


# Defect 4: CSRF and DNS rebinding.

def test_a_forged_cross_site_replay_is_refused_and_requeues_nothing(server_db):
    server, url = server_db
    without_token = [
        ("a cross-site form with no token", dict(token="", origin="https://attacker.example")),
        ("no token, no Origin", dict(token="", origin=None)),
        ("a guessed token", dict(token="A" * 43, origin=None)),
        ("a non-ASCII token", dict(token="é" * 10, origin=None)),
    ]
    for what, how in without_token:
        status, _, text = server.replay("evt_failed", **how)
        assert status == 403, (what, status, text)
        assert queue_state(url, "evt_failed") == (7, False), f"{what}: nothing requeued"
    token = server.token()
    with_token = [
        ("the right token from another origin", dict(origin="https://attacker.example")),
        ("the right token from our port on another host", dict(origin=f"http://attacker.example:{server.port}")),
        ("the right token from an opaque origin", dict(origin="null")),
        ("the right token, Referer from another site", dict(origin=None, Referer="https://attacker.example/x")),
    ]
    for what, how in with_token:
        status, _, text = server.replay("evt_failed", token=token, **how)
        assert status == 403, (what, status, text)
        assert queue_state(url, "evt_failed") == (7, False), f"{what}: nothing requeued"


FOREIGN_HOSTS = ("attacker.example", "attacker.example:{port}", "127.0.0.1:{other}", "127.0.0.1", "localhost",
                 "127.0.0.1:{port}.attacker.example", "dash.internal.attacker.example", "")


def test_a_foreign_host_is_refused(server_db):
    server, url = server_db
    hosts = [host.format(port=server.port, other=server.port + 1) for host in FOREIGN_HOSTS]
    for host in hosts:
        status, _, text = server.request("GET", "/", host=host)
        assert status in (400, 421), (host, status)
        assert "paywit operator" not in text and "evt_failed" not in text, f"no page for Host {host!r}"
    token = server.token()
    for host in hosts:
        status, _, _ = server.replay("evt_failed", token=token, origin=None, host=host)
        assert status in (400, 421), (host, status)
    assert queue_state(url, "evt_failed") == (7, False)


def test_the_host_names_given_with_host_are_accepted_too(tmp_path):
    url = str(tmp_path / "receiver.sqlite")
    with Store(url) as store:
        failed_event(store, "evt_failed", '{"type": "payout.paid"}', time.time())
    with serve(url, "--host", "dash.internal", "--host", "ops.example:8443") as server:
        for host in (f"dash.internal:{server.port}", "dash.internal", "DASH.internal", "ops.example:8443", f"localhost:{server.port}"):
            status, _, _ = server.request("GET", "/", host=host)
            assert status == 200, (host, status)
        for host in ("ops.example", f"ops.example:{server.port}", "evil.dash.internal", "attacker.example"):
            status, _, _ = server.request("GET", "/", host=host)
            assert status in (400, 421), (host, status)
        status, _, _ = server.replay("nothing", origin="https://ops.example:8443", host="ops.example:8443")
        assert status == 303, "a form POST from the named origin (behind its proxy) is accepted"
        status, _, _ = server.replay("nothing", origin="https://attacker.example", host="ops.example:8443")
        assert status == 403


def test_the_page_replays_through_its_token_on_the_bound_host_names(server_db):
    server, url = server_db
    for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}", f"[::1]:{server.port}", f"LOCALHOST:{server.port}"):
        status, _, text = server.request("GET", "/", host=host)
        assert status == 200 and 'data-event="evt_failed"' in text, (host, status)
    token = server.token()
    status, headers, _ = server.request("GET", "/")
    assert headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in headers["content-security-policy"], "not framed"
    status, headers, _ = server.replay("evt_failed", token=token, Referer=f"http://{server.host}/")
    assert status == 303, status
    assert "requeued" in urllib.parse.unquote_plus(headers["location"])
    assert queue_state(url, "evt_failed") == (0, True), "requeued"
    # A form POST without Origin or Referer (some privacy settings strip both) still works with the token.
    status, _, _ = server.replay("evt_failed", token=token, origin=None)
    assert status == 303
    # Each process has its own token.
    with serve(url) as other:
        assert other.token() != token
        status, _, _ = other.replay("evt_failed", token=token)
        assert status == 403, "one dashboard's token is no good on another"


def test_a_post_body_is_capped_and_a_bad_length_refused(server_db):
    server, url = server_db
    form = {"Content-Type": "application/x-www-form-urlencoded", "Origin": f"http://{server.host}"}
    body = b"token=" + b"A" * 43
    status, _, _ = server.request("POST", "/replay/evt_failed", body, form, content_length=10_000_000)
    assert status == 413, status
    status, _, _ = server.request("POST", "/replay/evt_failed", body + b"&pad=" + b"x" * 20_000, form)
    assert status == 413, status
    for bad in ("abc", "-1", "+5", "1_0", "0x10", " ", [str(len(body)), str(len(body) + 1)]):
        status, _, _ = server.request("POST", "/replay/evt_failed", body, form, content_length=bad)
        assert status == 400, (bad, status)
    assert queue_state(url, "evt_failed") == (7, False)
    body = f"token={server.token()}".encode()
    status, _, _ = server.request("POST", "/replay/evt_failed", body, form)
    assert status == 303, "a POST with the page's token and its own length goes through"


# Defect 5: an event whose body is not a JSON object.

ODD_BODIES = {
    "evt_array": "[1, 2, 3]",
    "evt_number": "42",
    "evt_string": '"payout.paid"',
    "evt_null": "null",
    "evt_not_json": "{not json",
    "evt_deep": "[" * 100_000 + "]" * 100_000,
    "evt_type_not_text": '{"type": {"nested": true}}',
    "evt_no_type": '{"id": "evt_no_type"}',
}


def test_every_view_renders_with_an_event_whose_body_is_not_a_json_object(store_url):
    now = time.time()
    with Store(store_url) as store:
        fill(store, now)
        for event_id, body in ODD_BODIES.items():
            failed_event(store, event_id, body, now)
    with serve(store_url) as server:
        listed = server.page("/")
        assert "<td>payout.paid</td>" in listed, "the other events keep their types"
        for event_id in ODD_BODIES:
            row = listed.split(f"<td>{event_id}</td>", 1)[1].split("</tr>", 1)[0]
            assert re.match(r"<td>\((not JSON|unknown)\)</td>", row), (event_id, row[:200])
            found = server.page(f"/?event={event_id}")
            assert f'id="event-{event_id.replace("_", "-")}"' in found and f'data-event="{event_id}"' in found
            status, headers, _ = server.replay(event_id)
            assert status == 303, (event_id, status)
            assert f"{event_id} requeued" in server.page(headers["location"])
            assert queue_state(store_url, event_id) == (0, True)
    settings = Settings(store_url, None, 60.0, 10, paywit.default_alert_rule(), 0)
    rendered = page(settings, message="shown")
    for event_id in ODD_BODIES:
        assert rendered.count(f'data-event="{event_id}"') >= 1, event_id
        assert f'data-event="{event_id}"' in page(settings, find=event_id)


# Defect 12: the store's password, in the userinfo or in a query parameter.

def test_the_store_url_is_shown_without_a_password_anywhere_in_it():
    cases = {
        "postgresql://app@db/pay?password=s3cret": "postgresql://app@db/pay?password=***",
        "postgresql://app@db/pay?sslmode=require&password=s3cret&options=-csearch_path%3Dx":
            "postgresql://app@db/pay?sslmode=require&password=***&options=-csearch_path%3Dx",
        "postgresql://app@db/pay?pass%77ord=s3cret": "postgresql://app@db/pay?pass%77ord=***",
        "postgresql://app@db/pay?password=s%33cret%26more": "postgresql://app@db/pay?password=***",
        "postgresql://app@db/pay?PASSWORD=s3cret": "postgresql://app@db/pay?PASSWORD=***",
        "postgresql://app@db/pay?sslpassword=s3cret&passfile=/home/app/.pgpass":
            "postgresql://app@db/pay?sslpassword=***&passfile=/home/app/.pgpass",
        "postgres://:s3cret@db/pay": "postgres://:***@db/pay",
        "postgresql://app:p%40s3cret@db:5432/pay": "postgresql://app:***@db:5432/pay",
        "postgresql://app:p@s3cret@db/pay": "postgresql://app:***@db/pay",
        "postgresql://app:s3cret@db1:5432,db2:5432/pay?password=s3cret": "postgresql://app:***@db1:5432,db2:5432/pay?password=***",
        "postgresql://app@db/pay?password=s3cret#x&sslmode=require": "postgresql://app@db/pay?password=***&sslmode=require",
        "postgresql://app:pa#s3cret@db/pay": "postgresql://app:***@db/pay",
        "postgresql://app:pa?s3cret@db/pay?password=s3cret": "postgresql://app:***@db/pay?password=***",
        "postgresql://app:s3cret@db?password=s3cret": "postgresql://app:***@db?password=***",
        "postgresql://app@db/pay": "postgresql://app@db/pay",
        "/var/lib/paywit/receiver.sqlite": "/var/lib/paywit/receiver.sqlite",
    }
    for url, shown in cases.items():
        assert redacted(url) == shown, url
        assert "s3cret" not in redacted(url) and "s%33cret" not in redacted(url)
    # An '@' in the parameters of a URL with no '/' before them: shown oddly, but never the password.
    for url in ("postgresql://db?password=s3cret&application_name=a@b", "postgresql://db?password=s3cret&x=a:b@c"):
        assert "s3cret" not in redacted(url), url


def test_the_page_never_shows_a_password_given_as_a_url_parameter():
    with ExitStack() as stack:
        base = urllib.parse.urlsplit(postgres_url(stack))
        # The server's real password (the test cluster has one) moves from the userinfo to the
        # parameters; a server that trusts any gets a made-up one. libpq takes it from there.
        password = base.password or "s3cret-in-query"
        netloc = base.netloc.rsplit("@", 1)[-1]
        user = (base.username or "postgres") + "@"
        url = urllib.parse.urlunsplit((base.scheme, user + netloc, base.path,
                                       base.query + "&password=" + urllib.parse.quote(password) + "&sslpassword=s3cret-key", ""))
        html = page(Settings(url, None, 60.0, 10, paywit.default_alert_rule(), 0))
        assert "store: postgresql://" in html and password not in html and "s3cret" not in html
