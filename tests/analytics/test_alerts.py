"""Alerts fire and resolve on built data; a local webhook server hears each change once."""

import json
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from app.analytics import alerts
from app.models.types import utcnow
from tests.factories import NOW, make_log
from tests.support import bearer, serve_in_thread


class Webhook:
    """A local HTTP server recording the JSON bodies POSTed to it; fails the first ``failures``."""

    def __init__(self, failures=0):
        self.bodies, self.failures = [], failures
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if hook.failures:
                    hook.failures -= 1
                    self.send_response(500)
                else:
                    hook.bodies.append(body)
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = serve_in_thread(self.server)

    def changes(self):
        return sorted((body["rule"], body["status"]) for body in self.bodies)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.close()


def build_trouble(now):
    """In the 15 minutes before ``now``: 20 generations, 2 failed (one a 429), slow ones; costs doubled."""
    for n in range(18):
        make_log(None, duration_ms=40_000 if n % 2 else 1_000, cost=0.1, created_at=now - timedelta(minutes=1 + n % 10))
    make_log(None, success=False, error_message="timeout", created_at=now - timedelta(minutes=3))
    make_log(None, success=False, error_message="HTTP 429 Too Many Requests", created_at=now - timedelta(minutes=4))
    make_log(None, cost=0.9, created_at=now - timedelta(minutes=90))  # previous hour: 0.9; last hour: 1.8


RULES = ["cost_spike", "error_rate", "p95_latency", "rate_limit"]


def test_alerts_fire_then_resolve_and_the_webhook_hears_each_change_once(make_app, webhook, admin_key):
    app = make_app(ALERT_WEBHOOK_URL=webhook.url)
    with app.app_context():
        build_trouble(NOW)
        fired = alerts.check_alerts(app.config, now=NOW)
        assert sorted(event.rule for event in fired) == RULES
        assert alerts.check_alerts(app.config, now=NOW + timedelta(minutes=1)) == []  # still firing: no news
    assert webhook.changes() == [(rule, "firing") for rule in RULES]
    error_rate = next(body for body in webhook.bodies if body["rule"] == "error_rate")
    assert error_rate["value"] == pytest.approx(0.1) and error_rate["threshold"] == 0.05

    client = app.test_client()
    shown = client.get("/analytics/alerts", headers=bearer(admin_key[1])).json
    assert sorted(event["rule"] for event in shown["active"]) == RULES
    assert shown["rules"]["p95_latency"] == 30000

    with app.app_context():
        resolved = alerts.check_alerts(app.config, now=NOW + timedelta(hours=3))
        assert sorted(event.rule for event in resolved) == RULES
        alerts.check_alerts(app.config, now=NOW + timedelta(hours=3, minutes=1))
    assert webhook.changes() == sorted([(rule, "firing") for rule in RULES] + [(rule, "resolved") for rule in RULES])

    shown = client.get("/analytics/alerts", headers=bearer(admin_key[1])).json
    assert shown["active"] == []
    assert {event["status"] for event in shown["history"]} == {"resolved"}
    assert all(event["resolved_at"] for event in shown["history"])


@pytest.mark.usefixtures("app")  # empties the tables afterwards
def test_a_failed_delivery_is_retried_until_the_webhook_accepts_it(make_app):
    hook = Webhook(failures=1)
    try:
        app = make_app(ALERT_WEBHOOK_URL=hook.url, ALERT_MIN_GENERATIONS=1)
        with app.app_context():
            make_log(None, success=False, error_message="boom", created_at=NOW - timedelta(minutes=1))
            alerts.check_alerts(app.config, now=NOW)  # the webhook answers 500
            assert hook.bodies == []
            alerts.check_alerts(app.config, now=NOW + timedelta(minutes=1))  # retried
            alerts.check_alerts(app.config, now=NOW + timedelta(minutes=2))
        assert hook.changes() == [("error_rate", "firing")]
    finally:
        hook.close()


@pytest.mark.usefixtures("app")  # empties the tables afterwards
def test_thresholds_are_settings(make_app):
    app = make_app(ALERT_ERROR_RATE=0.5, ALERT_P95_MS=50_000, ALERT_COST_SPIKE_PERCENT=150,
                   ALERT_RATE_LIMIT_ERRORS=2)
    with app.app_context():
        build_trouble(NOW)
        assert alerts.check_alerts(app.config, now=NOW) == []


@pytest.mark.usefixtures("app")  # empties the tables afterwards
def test_flask_alerts_check_command(make_app, webhook):
    app = make_app(ALERT_WEBHOOK_URL=webhook.url, ALERT_MIN_GENERATIONS=1)
    with app.app_context():
        make_log(None, success=False, error_message="rate limit reached", created_at=utcnow() - timedelta(minutes=1))
    result = app.test_cli_runner().invoke(args=["alerts", "check"])
    assert result.exit_code == 0, result.output
    assert "firing: error_rate" in result.output and "firing: rate_limit" in result.output
    assert webhook.changes() == [("error_rate", "firing"), ("rate_limit", "firing")]
