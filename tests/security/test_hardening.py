"""Headers on every response and the client address behind proxies."""

from flask import Flask

from app.security.client import client_ip
from tests.support import bearer


def test_security_headers_on_every_response(client):
    for path in ("/healthz", "/no/such/page"):
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"]
        assert "default-src" in headers["Content-Security-Policy"]
    page = client.get("/docs").headers["Content-Security-Policy"]
    assert "script-src 'self'" in page and "frame-ancestors 'none'" in page


def _ip(headers, remote="10.0.0.5", trusted=0):
    app = Flask(__name__)
    with app.test_request_context(headers=headers, environ_base={"REMOTE_ADDR": remote}):
        from flask import request

        return client_ip(request, trusted_proxies=trusted)


def test_forwarded_headers_are_ignored_unless_proxies_are_trusted():
    forged = {"X-Forwarded-For": "203.0.113.66", "X-Real-IP": "203.0.113.67"}
    assert _ip(forged, trusted=0) == "10.0.0.5"
    assert _ip(forged, trusted=1) == "203.0.113.66"
    # two proxies: the client is the second address from the right; what it prepended is ignored
    chain = {"X-Forwarded-For": "6.6.6.6, 198.51.100.20, 10.0.0.9"}
    assert _ip(chain, trusted=2) == "198.51.100.20"
    assert _ip({"X-Real-IP": "198.51.100.30"}, trusted=1) == "198.51.100.30"
    assert _ip({"X-Forwarded-For": "not-an-ip"}, trusted=1) is None


def test_keys_are_redacted_from_logs(client, user_key, caplog):
    import logging

    from app.security.redact import RedactSecrets, redact

    _u, key = user_key
    assert key not in redact(f"calling with Authorization: Bearer {key} and {key}")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "header %s", (f"Bearer {key}",), None)
    RedactSecrets().filter(record)
    assert key not in record.getMessage() and "[redacted]" in record.getMessage()


def test_every_key_check_does_one_constant_time_comparison(app, user_key, monkeypatch):
    """Unknown prefix, wrong secret, malformed key and a good key all take the same path."""
    import hmac

    from app.auth.service import authenticate

    _u, key = user_key
    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append(1) or real(a, b))
    with app.app_context():
        for token in (key, key[:-3] + "xyz", "imp_unknownprefix" + key[17:], "garbage", ""):
            calls.clear()
            authenticate(token)
            assert len(calls) == 1, token


def test_nul_and_lone_surrogates_are_a_400_naming_the_field(client, admin_key):
    _a, admin = admin_key
    headers = {**bearer(admin), "Content-Type": "application/json"}
    nul = client.post("/ai/datasets", data='{"name": "a\\u0000b"}', headers=headers)
    assert nul.status_code == 400 and "name" in nul.json["errors"]["json"]
    lone = client.post("/ai/datasets", data='{"name": "ok", "unique_visual_elements": ["\\udabd"]}', headers=headers)
    assert lone.status_code == 400 and "unique_visual_elements.0" in lone.json["errors"]["json"]
    query = client.get("/og?seed=a%00b")
    assert query.status_code == 400 and "seed" in query.json["errors"]["query"]
    emoji = client.post("/ai/datasets", data='{"name": "caf\\u00e9 \\ud83c\\udffb"}', headers=headers)
    assert emoji.status_code == 201
