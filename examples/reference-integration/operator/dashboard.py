"""The operator's dashboard for the reference receivers: one server-rendered
page on loopback, read from the receivers' store (SQLite or PostgreSQL, the
schema in examples/reference-integration/receiver-python/store.py), with no front-end build step.

It shows what failed (refused deliveries per scheme and window, events whose
processing failed, failed payments and payouts, disputes needing a response,
reversals, the operator queue, payouts that do not reconcile), the alert state
of each stream computed with paywit's `evaluate_alert` over fixed windows, a
plot of deliveries, refusals and failures over time, and a replay button per
event: it asks the gateway to re-fire the event (or, without a gateway,
requeues the stored delivery). Replaying is always safe: the receiver records
an event id once, so a replayed event is processed at most once more if its
processing had failed, and never twice.

    python dashboard.py --db ../receiver-python/receiver.sqlite --gateway http://127.0.0.1:8787
"""
from __future__ import annotations

import argparse
import dataclasses
import hmac
import html
import json
import re
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import paywit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "receiver-python"))
from store import Store  # noqa: E402  (the receivers' store: SQLite or PostgreSQL)

EVENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,200}$")
MAX_BODY = 4096  # bytes: a Replay form carries its token and nothing else
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


@dataclass(frozen=True)
class Settings:
    """What the dashboard reads and how it judges it."""
    db: str
    gateway: Optional[str]
    window_seconds: float
    windows: int
    rule: paywit.AlertRule
    refresh_seconds: int


@dataclass(frozen=True)
class Stream:
    """One alert stream: its per-window counts (oldest first, complete windows only) and state."""
    name: str
    failure_label: str
    windows: List[paywit.Window]
    alerting: bool
    raised_at: Optional[float]


def alert_state(windows: Sequence[paywit.Window], rule: paywit.AlertRule, starts: Sequence[float]) -> Tuple[bool, Optional[float]]:
    """Replays the windows through `evaluate_alert` from a quiet start; returns whether the alert
    is raised after the last one and the start of the window that raised it. The state is
    recomputed from the store on every view, so there is nothing to keep in sync."""
    alerting, raised_at = False, None
    for end in range(rule.sustained_windows, len(windows) + 1):
        action = paywit.evaluate_alert(windows[end - rule.sustained_windows:end], alerting, rule)
        if action is paywit.AlertAction.ALERT:
            alerting, raised_at = True, starts[end - 1]
        elif action is paywit.AlertAction.RECOVER:
            alerting, raised_at = False, None
    return alerting, raised_at


class Reader:
    """The queries, on one store connection."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store, self.settings = store, settings
        self.now = time.time()
        self.current = int(self.now // settings.window_seconds)  # the window in progress
        self.first = self.current - settings.windows  # the oldest complete window shown

    def starts(self) -> List[float]:
        return [w * self.settings.window_seconds for w in range(self.first, self.current + 1)]

    def per_window(self, table: str, column: str, values: Sequence[str]) -> Dict[str, List[int]]:
        """Counts of `table` rows per window and per `column` value, current window included."""
        bucket = "FLOOR(at / ?)" if self.store.postgres else "CAST(at / ? AS INTEGER)"
        counts = {value: [0] * (self.settings.windows + 1) for value in values}
        rows = self.store.all(f"SELECT {bucket} AS w, {column}, COUNT(*) FROM {table} WHERE at >= ? GROUP BY w, {column}",
                              (self.settings.window_seconds, self.first * self.settings.window_seconds))
        for window, value, count in rows:
            index = int(window) - self.first
            if value in counts and 0 <= index <= self.settings.windows:
                counts[value][index] += int(count)
        return counts

    def streams(self) -> Tuple[List[Stream], Dict[str, List[int]], Dict[str, List[int]]]:
        deliveries = self.per_window("deliveries", "outcome", ("recorded", "duplicate", "refused"))
        attempts = self.per_window("attempts", "outcome", ("processed", "retrying", "failed"))
        starts = self.starts()
        streams = []
        for name, label, ok, bad in (
            ("webhook deliveries", "refused (401)", [a + b for a, b in zip(deliveries["recorded"], deliveries["duplicate"])], deliveries["refused"]),
            ("event processing", "attempts failed", attempts["processed"], [a + b for a, b in zip(attempts["retrying"], attempts["failed"])]),
        ):
            windows = [paywit.Window(successes=s, failures=f) for s, f in zip(ok[:-1], bad[:-1])]  # complete windows only
            alerting, raised_at = alert_state(windows, self.settings.rule, starts[:-1])
            streams.append(Stream(name, label, windows, alerting, raised_at))
        return streams, deliveries, attempts

    def refusals(self) -> List[Tuple[float, str, str, int]]:
        """Refused deliveries per window, scheme and code (newest first); codes only, never a signature."""
        bucket = "FLOOR(at / ?)" if self.store.postgres else "CAST(at / ? AS INTEGER)"
        rows = self.store.all(f"SELECT {bucket} AS w, scheme, code, COUNT(*) FROM deliveries WHERE outcome = 'refused' "
                              f"AND at >= ? GROUP BY w, scheme, code ORDER BY w DESC, 4 DESC",
                              (self.settings.window_seconds, self.first * self.settings.window_seconds))
        return [(int(w) * self.settings.window_seconds, scheme, code, int(n)) for w, scheme, code, n in rows]

    def failed_events(self) -> List[Tuple[str, str, int, int, str, Optional[float], Optional[float]]]:
        """Events whose processing failed at least once: given up, being retried, or processed
        since; with their deliveries, how many times they were processed (never more than 1)
        and the last failure's category."""
        rows = self.store.all(
            "SELECT event_id, body, times_delivered, (SELECT COUNT(*) FROM attempts a WHERE a.event_id = inbox.event_id "
            "AND a.outcome = 'processed'), (SELECT a.error FROM attempts a WHERE a.event_id = inbox.event_id AND a.error "
            "IS NOT NULL ORDER BY a.at DESC LIMIT 1), failed_at, processed_at FROM inbox WHERE failed_at IS NOT NULL "
            "OR event_id IN (SELECT event_id FROM attempts WHERE outcome <> 'processed') ORDER BY received_at DESC LIMIT 50")
        return [(event_id, event_type(body), delivered, times_processed, error or "", failed_at, processed_at)
                for event_id, body, delivered, times_processed, error, failed_at, processed_at in rows]

    def event(self, event_id: str) -> List[Tuple[str, str, int, Optional[float], float]]:
        """One stored event by id (none or one row), in the recent events' shape."""
        rows = self.store.all("SELECT event_id, body, times_delivered, processed_at, received_at FROM inbox WHERE event_id = ?",
                              (event_id,))
        return [(e, event_type(body), delivered, processed_at, received_at) for e, body, delivered, processed_at, received_at in rows]

    def recent_events(self, limit: int = 8) -> List[Tuple[str, str, int, Optional[float], float]]:
        rows = self.store.all("SELECT event_id, body, times_delivered, processed_at, received_at FROM inbox "
                              "ORDER BY received_at DESC LIMIT ?", (limit,))
        return [(event_id, event_type(body), delivered, processed_at, received_at)
                for event_id, body, delivered, processed_at, received_at in rows]

    def failed_objects(self) -> Dict[str, List[Tuple]]:
        """Failed payments and payouts, disputes needing a response, reversals, the operator queue,
        payouts whose reconciliation is not exact, and charges that did not go through."""
        return {
            "failed payments": self.store.all("SELECT id, status, last_event_at FROM objects WHERE kind = 'payment' "
                                              "AND status IN ('failed', 'canceled') ORDER BY last_event_at DESC LIMIT 50"),
            "failed payouts": self.store.all("SELECT id, status, last_event_at FROM objects WHERE kind = 'payout' "
                                             "AND status IN ('failed', 'canceled') ORDER BY last_event_at DESC LIMIT 50"),
            "disputes needing a response": self.store.all(
                "SELECT id, status, last_event_at FROM objects WHERE kind = 'dispute' "
                "AND status IN ('needs-response', 'inquiry-needs-response') ORDER BY last_event_at LIMIT 50"),
            "reversals (alerts)": self.store.all("SELECT object_id, detail, event_id FROM alerts ORDER BY event_id DESC LIMIT 50"),
            "operator queue (rejected)": self.store.all("SELECT object_id, reason, event_id FROM operator_queue ORDER BY event_id DESC LIMIT 50"),
            "payouts not reconciled exactly": self.store.all(
                "SELECT id, match, difference, missing, unexpected FROM payouts WHERE match <> 'exact' ORDER BY id LIMIT 50"),
            "charges declined or failed": self.store.all(
                "SELECT id, status, detail, attempts FROM orders WHERE status IN ('declined', 'failed') ORDER BY id DESC LIMIT 50"),
        }


def event_type(body: str) -> str:
    """The event's `type`, for the page; "(unknown)" when the body is JSON but not an object with a
    text `type` (an array, a number...), "(not JSON)" when it does not parse (nesting too deep included)."""
    try:
        event = json.loads(body)
    except (ValueError, TypeError, RecursionError):
        return "(not JSON)"
    kind = event.get("type") if isinstance(event, dict) else None
    return kind[:200] if isinstance(kind, str) and kind else "(unknown)"


def clock(t: Optional[float]) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t)) if t else ""


def plot(starts: Sequence[float], series: Sequence[Tuple[str, str, List[int]]], width: int = 720, height: int = 180) -> str:
    """An SVG line plot of per-window counts (one polyline per series, a legend, the time axis)."""
    left, bottom, top = 40, 22, 24
    peak = max([1] + [max(values) for _, _, values in series])
    step = (width - left - 10) / max(1, len(starts) - 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: int) -> float:
        return top + (height - top - bottom) * (1 - v / peak)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="deliveries, refusals and failures per window" class="plot">',
             f'<line x1="{left}" y1="{y(0)}" x2="{width - 10}" y2="{y(0)}" stroke="#999"/>',
             f'<text x="{left - 6}" y="{y(peak) + 4}" text-anchor="end">{peak}</text>',
             f'<text x="{left - 6}" y="{y(0) + 4}" text-anchor="end">0</text>']
    for i in range(0, len(starts), max(1, len(starts) // 6)):
        parts.append(f'<text x="{x(i)}" y="{height - 6}" text-anchor="middle">{clock(starts[i])}</text>')
    for n, (name, colour, values) in enumerate(series):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"><title>{html.escape(name)}</title></polyline>')
        parts.append(f'<rect x="{left + 10 + n * 170}" y="2" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{left + 24 + n * 170}" y="11">{html.escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def table(caption: str, headers: Sequence[str], rows: Sequence[Sequence[object]], css: str = "") -> str:
    body = "".join("<tr>" + "".join(f"<td>{cell if isinstance(cell, Markup) else html.escape(str(cell))}</td>" for cell in row) + "</tr>"
                   for row in rows) or f'<tr><td colspan="{len(headers)}" class="none">none</td></tr>'
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    slug = re.sub(r"[^a-z]+", "-", caption.lower()).strip("-")
    return f'<table id="{slug}" class="{css}"><caption>{html.escape(caption)}</caption><tr>{head}</tr>{body}</table>'


class Markup(str):
    """HTML this module built itself (not escaped again)."""


def replay_button(event_id: str, token: str) -> Markup:
    """Replay for one event: a form POST carrying the dashboard's token (see `Guard`)."""
    quoted = urllib.parse.quote(event_id, safe="")
    return Markup(f'<form method="post" action="/replay/{quoted}"><input type="hidden" name="token" value="{html.escape(token)}">'
                  f'<button type="submit" data-event="{html.escape(event_id)}">Replay</button></form>')


def rule_text(rule: paywit.AlertRule, window_seconds: float) -> str:
    return (f"alert when {rule.sustained_windows} windows of {window_seconds:g} s in a row each have at least "
            f"{rule.min_events} events and {rule.alert_at_basis_points / 100:g} % or more failing; clear when "
            f"{rule.sustained_windows} in a row are below {rule.recover_below_basis_points / 100:g} %")


def page(settings: Settings, message: str = "", find: str = "", token: str = "") -> str:
    """The whole page; `find`: an event id to look up (its row, with Replay); `token`: the one
    each Replay form carries (the server's; a POST without it is refused)."""
    with Store(settings.db) as store:
        reader = Reader(store, settings)
        found = reader.event(find) if find else None
        streams, deliveries, attempts = reader.streams()
        refusals, failed, recent, objects = reader.refusals(), reader.failed_events(), reader.recent_events(), reader.failed_objects()
        totals = store.one("SELECT COUNT(*), COALESCE(SUM(CASE WHEN processed_at IS NOT NULL THEN 1 ELSE 0 END), 0) FROM inbox")
    starts = reader.starts()
    alerts_html = "".join(
        f'<div class="stream {"alerting" if s.alerting else "ok"}" data-stream="{html.escape(s.name)}">'
        f'<strong>{html.escape(s.name)}</strong>: '
        f'{"ALERT since " + clock(s.raised_at) if s.alerting else "ok"} '
        f'<span class="detail">(last complete window: {s.windows[-1].failures if s.windows else 0} {html.escape(s.failure_label)} '
        f'of {(s.windows[-1].successes + s.windows[-1].failures) if s.windows else 0})</span></div>'
        for s in streams)
    # Complete windows only: the one in progress would always look like a drop.
    svg = plot(starts[:-1], [
        ("deliveries accepted", "#2b7bb9", [a + b for a, b in zip(deliveries["recorded"], deliveries["duplicate"])][:-1]),
        ("deliveries refused", "#d9480f", deliveries["refused"][:-1]),
        ("processing failures", "#862e9c", [a + b for a, b in zip(attempts["retrying"], attempts["failed"])][:-1]),
    ])
    failed_rows = [(event_id, kind, delivered, times_processed, error,
                    "failed " + clock(failed_at) if failed_at else ("processed " + clock(processed_at) if processed_at else "retrying"),
                    replay_button(event_id, token)) for event_id, kind, delivered, times_processed, error, failed_at, processed_at in failed]
    sections = [table(name, headers_for(name), rows) for name, rows in objects.items()]
    refresh = f'<meta http-equiv="refresh" content="{settings.refresh_seconds}; url=/">' if settings.refresh_seconds and not message else ""
    notice = f'<p class="notice" role="status">{html.escape(message)}</p>' if message else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>paywit operator</title>{refresh}
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; max-width: 1100px; }}
h1 {{ font-size: 20px; margin: 0 0 .3em; }} h2 {{ font-size: 16px; margin: 1.2em 0 .4em; }}
.stream {{ padding: .4em .7em; margin: .3em 0; border-radius: 4px; }}
.stream.ok {{ background: #e6f4ea; }} .stream.alerting {{ background: #fde2e1; font-weight: 600; }}
.detail, .rule, .meta {{ color: #555; font-weight: normal; }}
table {{ border-collapse: collapse; margin: .4em 1.5em .8em 0; display: inline-table; vertical-align: top; }}
caption {{ text-align: left; font-weight: 600; padding: .2em 0; }}
td, th {{ border: 1px solid #ddd; padding: .2em .5em; text-align: left; }} th {{ background: #f4f4f4; }}
td.none {{ color: #888; }} form {{ margin: 0; }} .notice {{ background: #fff3bf; padding: .4em .7em; }}
.plot {{ width: 100%; max-width: 760px; font-size: 11px; }}
</style></head><body>
<h1>paywit operator</h1>
<p class="meta">store: {html.escape(redacted(settings.db))} · events recorded {totals[0]}, processed {totals[1]} ·
windows of {settings.window_seconds:g} s · {time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(reader.now))}</p>
{notice}
<h2>Alerts</h2>{alerts_html}<p class="rule">Rule: {html.escape(rule_text(settings.rule, settings.window_seconds))}. A single failure never raises it.</p>
<h2>Over time</h2>{svg}
<h2>Failed webhooks</h2>
{table("Events whose processing failed", ("event", "type", "deliveries", "times processed", "last failure", "state", ""), failed_rows)}
{table("Deliveries refused, per window, scheme and code", ("window", "scheme", "code", "count"), [(clock(t), s, c, n) for t, s, c, n in refusals])}
<h2>Failed payments and payouts</h2>{"".join(sections)}
<h2>Events</h2>
<form method="get" action="/"><label>Event id <input name="event" value="{html.escape(find)}" size="40"></label>
<button type="submit">Find</button></form>
{table(f"Event {find}" if find else "Found event", ("event", "type", "deliveries", "state", "received", ""),
       [event_row(row, token) for row in found]) if find and found is not None else ""}
{table("Recent events", ("event", "type", "deliveries", "state", "received", ""), [event_row(row, token) for row in recent])}
</body></html>"""


def event_row(row: Tuple[str, str, int, Optional[float], float], token: str) -> Tuple[object, ...]:
    event_id, kind, delivered, processed_at, received_at = row
    return (event_id, kind, delivered, "processed" if processed_at else "pending", clock(received_at), replay_button(event_id, token))


def headers_for(name: str) -> Tuple[str, ...]:
    return {
        "reversals (alerts)": ("object", "change", "event"),
        "operator queue (rejected)": ("object", "reason", "event"),
        "payouts not reconciled exactly": ("payout", "match", "difference", "missing", "unexpected"),
        "charges declined or failed": ("order", "status", "detail", "attempts"),
    }.get(name, ("object", "status", "last event (unix s)"))


SECRET_PARAMETERS = {"password", "sslpassword"}  # libpq's; `passfile` and `sslkey` are paths, shown


def redacted(url: str) -> str:
    """The store's URL without a password: the userinfo's, and any `password` or `sslpassword`
    query parameter's (its name compared decoded and in any case, as libpq decodes it).
    Like libpq, the userinfo is what comes before an '@' ahead of the first '/' (here the last
    such '@', so a password holding an unescaped '@', '?' or '#' is hidden whole).
    A SQLite path is returned as it is."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, path = rest.partition("/")
    userinfo, at, hosts = authority.rpartition("@")
    if ":" in userinfo:
        userinfo = userinfo.split(":", 1)[0] + ":***"
    # With no '/' ahead of its parameters, an '@' in them looks like the userinfo's: hide those too.
    user, question, query = userinfo.partition("?")
    credentials = user + question + without_secrets(query) + at
    base, question, query = (hosts + slash + path).partition("?")
    return f"{scheme}://{credentials}{base}{question}{without_secrets(query)}"


def without_secrets(query: str) -> str:
    """URL query parameters with the value of each secret one replaced by ***."""
    pairs = []
    for pair in query.split("&") if query else []:
        name = pair.partition("=")[0]
        secret = urllib.parse.unquote_plus(name).strip().lower() in SECRET_PARAMETERS
        pairs.append(f"{name}=***" if secret else pair)
    return "&".join(pairs)


def replay(settings: Settings, event_id: str) -> str:
    """Re-fires one event through the gateway's replay endpoint, or (no gateway) requeues it in the
    store; returns what happened, for the page."""
    with Store(settings.db) as store:
        if store.one("SELECT 1 FROM inbox WHERE event_id = ?", (event_id,)) is None:
            return f"no event {event_id} in the store"
        if settings.gateway is None:
            store.execute("UPDATE inbox SET attempts = 0, next_attempt_at = 0, failed_at = NULL WHERE event_id = ? "
                          "AND processed_at IS NULL", (event_id,))
            return f"{event_id} requeued for processing"
    request = urllib.request.Request(f"{settings.gateway}/v1/events/{urllib.parse.quote(event_id, safe='')}/replay",
                                     data=b"{}", headers={"content-type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5):
            return f"{event_id} replayed by the gateway: it is delivered again, and processed only if it had not been"
    except urllib.error.HTTPError as error:
        return f"the gateway refused to replay {event_id} (HTTP {error.code})"
    except OSError as error:
        return f"the gateway could not be reached to replay {event_id} ({error.__class__.__name__})"


class Guard:
    """What keeps other sites' pages away from Replay (the dashboard has no login: it is reached on
    loopback, through an SSH tunnel or behind the operator's proxy):

    - `Host` must be one of the names the dashboard is reached by: 127.0.0.1, localhost and [::1]
      with its port, and each `--host` (a bare name: with or without the port; with a port: as
      given). Anything else gets 421 and no page: a page on attacker.example whose name was
      rebound to 127.0.0.1 (DNS rebinding) reads nothing and posts nothing.
    - Every POST carries the process's token, an unguessable value in each of the page's forms
      (compared in constant time), so a form on another site cannot forge one; and its `Origin`
      (or, without one, its `Referer`), when the browser sends it, must be one of those hosts.
    - The page may not be framed (no clickjacking of its buttons)."""

    def __init__(self, port: int, names: Sequence[str] = (), token: Optional[str] = None) -> None:
        self.token = token or secrets.token_urlsafe(32)
        hosts = {f"{name}:{port}" for name in LOOPBACK_NAMES} | (set(LOOPBACK_NAMES) if port == 80 else set())
        for name in (n.strip().lower() for n in names):
            hosts.add(name)
            if not re.search(r":[0-9]+$", name):
                hosts.add(f"{name}:{port}")
        self.hosts = frozenset(host.lower() for host in hosts)

    def host_ok(self, hosts: Optional[List[str]]) -> bool:
        """`hosts`: every Host header of the request (exactly one is accepted)."""
        return hosts is not None and len(hosts) == 1 and hosts[0].strip().lower() in self.hosts

    def origin_ok(self, origin: Optional[str], referer: Optional[str]) -> bool:
        """The POST came from one of our pages, as far as the browser says (it may say nothing)."""
        value = origin if origin is not None else referer
        if value is None:
            return True  # neither sent (an old browser, a privacy setting): the token decides
        try:
            parts = urllib.parse.urlsplit(value.strip())
        except ValueError:
            return False
        return parts.scheme in ("http", "https") and "@" not in parts.netloc and parts.netloc.lower() in self.hosts

    def token_ok(self, body: bytes) -> bool:
        try:
            fields = urllib.parse.parse_qs(body, max_num_fields=10)
        except ValueError:
            return False
        tokens = fields.get(b"token", [])
        return len(tokens) == 1 and hmac.compare_digest(tokens[0], self.token.encode())


def make_handler(settings: Settings, guard: Guard) -> type:
    class Handler(BaseHTTPRequestHandler):
        timeout = 10  # seconds for a client to send its request (a slow one holds no thread for long)

        def _send(self, status: int, body: str, content_type: str = "text/html; charset=utf-8", **headers: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(data)))
            self.send_header("cache-control", "no-store")
            self.send_header("x-frame-options", "DENY")
            self.send_header("content-security-policy", "frame-ancestors 'none'")
            self.send_header("x-content-type-options", "nosniff")
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(data)

        def _host_ok(self) -> bool:
            if guard.host_ok(self.headers.get_all("host")):
                return True
            self._send(421, "this dashboard does not answer to that Host\n", "text/plain")
            return False

        def _body(self) -> Optional[bytes]:
            """The request's body, at most MAX_BODY bytes; None once it is answered with 400 or 413
            (what was sent is then discarded, a bounded amount, so the client reads the answer)."""
            lengths = self.headers.get_all("content-length") or []
            if self.headers.get("transfer-encoding") is not None:
                status, reason = 400, "a body must come with its Content-Length"
            elif not lengths:
                return b""
            elif len(lengths) > 1 or not re.fullmatch(r"[0-9]{1,12}", lengths[0].strip()):
                status, reason = 400, "bad Content-Length"
            elif int(lengths[0]) > MAX_BODY:
                status, reason = 413, f"a body is at most {MAX_BODY} bytes"
            else:
                return self.rfile.read(int(lengths[0]))
            self.close_connection = True
            self._send(status, reason + "\n", "text/plain", connection="close")
            self._discard()
            return None

        def _discard(self, limit: int = 1 << 16) -> None:
            try:
                self.connection.settimeout(0.2)
                while limit > 0:
                    chunk = self.rfile.read1(min(limit, 8192))
                    if not chunk:
                        break
                    limit -= len(chunk)
            except OSError:
                pass

        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            if not self._host_ok():
                return
            url = urllib.parse.urlsplit(self.path)
            if url.path != "/":
                self._send(404, "not found", "text/plain")
                return
            query = urllib.parse.parse_qs(url.query)
            message = query.get("message", [""])[0][:300]
            self._send(200, page(settings, message, query.get("event", [""])[0][:200].strip(), guard.token))

        def do_POST(self) -> None:  # noqa: N802
            body = self._body()
            if body is None or not self._host_ok():
                return
            if not guard.origin_ok(self.headers.get("origin"), self.headers.get("referer")):
                self._send(403, "refused: this form was not sent from the dashboard's own page\n", "text/plain")
                return
            if not guard.token_ok(body):
                self._send(403, "refused: no valid token (reload the dashboard and use its Replay button)\n", "text/plain")
                return
            match = re.fullmatch(r"/replay/([^/?]+)", self.path)
            event_id = urllib.parse.unquote(match.group(1)) if match else ""
            if not EVENT_ID.match(event_id):
                self._send(400, "not an event id", "text/plain")
                return
            message = replay(settings, event_id)
            # Post/redirect/get: a reload does not replay again.
            self._send(303, "", "text/plain", location="/?" + urllib.parse.urlencode({"message": message}))

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="the receivers' store: a SQLite file or a postgresql:// URL")
    parser.add_argument("--gateway", help="the gateway's base URL, for replay (without it, replay requeues in the store)")
    parser.add_argument("--port", type=int, default=8090, help="the loopback port to listen on (0: any free one)")
    parser.add_argument("--host", action="append", default=[], metavar="NAME[:PORT]",
                        help="also answer to this Host (an SSH tunnel's or a proxy's name; repeatable); "
                             "it still listens on 127.0.0.1 only")
    parser.add_argument("--window-seconds", type=float, default=60.0, help="length of an alert window (default: a minute)")
    parser.add_argument("--windows", type=int, default=30, help="how many complete windows to show and evaluate")
    parser.add_argument("--min-events", type=int, help="fewest events for a window to count (default: paywit's rule)")
    parser.add_argument("--refresh", type=int, default=10, help="reload the page every N seconds (0: never)")
    args = parser.parse_args(argv)
    rule = paywit.default_alert_rule()
    if args.min_events is not None:
        rule = dataclasses.replace(rule, min_events=args.min_events)
    settings = Settings(args.db, args.gateway.rstrip("/") if args.gateway else None, args.window_seconds, args.windows, rule, args.refresh)
    Store(settings.db).close()  # fails now, not on the first view, if the store cannot be opened
    server = ThreadingHTTPServer(("127.0.0.1", args.port), BaseHTTPRequestHandler)
    server.RequestHandlerClass = make_handler(settings, Guard(server.server_address[1], args.host))
    print(f"dashboard: http://127.0.0.1:{server.server_address[1]}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
