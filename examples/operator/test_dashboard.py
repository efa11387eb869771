"""The dashboard's logic without a browser: the alert state over windows, and the
page rendered from a store on SQLite and on PostgreSQL (the same schema, other
SQL for the windows). The browser test (test/dashboard.test.js) drives it end
to end. The PostgreSQL case uses PAYWIT_POSTGRES_URL (the project's machines
run one); without a server it is skipped with that message."""
from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from pathlib import Path

import pytest

import paywit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "day-of-traffic"))
from dashboard import Settings, alert_state, page, redacted  # noqa: E402
from harness import postgres_schema  # noqa: E402
from store import Store  # noqa: E402

RULE = paywit.AlertRule(alert_at_basis_points=500, recover_below_basis_points=200, min_events=10, sustained_windows=3)
OK, BAD, QUIET = paywit.Window(40, 0), paywit.Window(30, 10), paywit.Window(1, 1)


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
        fill(store, time.time())
    return page(Settings(url, None, 60.0, 10, paywit.default_alert_rule(), 0))


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        yield str(tmp_path / "receiver.sqlite")
        return
    with ExitStack() as stack:
        try:
            yield stack.enter_context(postgres_schema())
        except ConnectionError as error:
            pytest.skip(f"SKIPPED LOUDLY: {error}. Run PostgreSQL (the project's machines do) to run this test.")


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
        fill(store, time.time())
    settings = Settings(url, None, 60.0, 10, paywit.default_alert_rule(), 0)
    found = page(settings, find="evt_<b>")
    assert 'data-event="evt_&lt;b&gt;"' in found and "<td>payout.paid</td>" in found
    missing = page(settings, find="evt_nowhere")
    assert 'id="event-evt-nowhere"' in missing and missing.split('id="event-evt-nowhere"')[1].split("</table>")[0].count('class="none"') == 1
