"""The HTTP surface: errors are JSON, the OpenAPI document is valid and complete, health."""

import json
import re

from openapi_spec_validator import validate

from tests.support import bearer


def test_unknown_route_wrong_method_oversize_and_bad_json_are_clear_4xx(make_app, admin_key):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    client = app.test_client()
    _admin_id, admin = admin_key

    missing = client.get("/no/such/thing")
    assert missing.status_code == 404 and missing.json["message"]

    wrong = client.delete("/healthz")
    assert wrong.status_code == 405 and "GET" in wrong.headers["Allow"]

    big = client.post("/users", data="x" * 4096, content_type="application/json", headers=bearer(admin))
    assert big.status_code == 413 and big.json["message"]

    bad = client.post("/users", data="{bad json", content_type="application/json", headers=bearer(admin))
    assert bad.status_code == 400
    assert "json" in json.dumps(bad.json).lower()

    invalid = client.post("/users", json={"username": "has space"}, headers=bearer(admin))
    assert invalid.status_code == 422
    assert "username" in invalid.json["errors"]["json"]


def test_openapi_document_is_valid_and_lists_every_endpoint(app, client):
    spec = client.get("/openapi.json").json
    validate(spec)
    documented = {
        (path, method.upper()) for path, item in spec["paths"].items() for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    undocumented = []
    for rule in app.url_map.iter_rules():
        # openai.image_variations: answered with OpenAI's error, not documented (Imprint makes no variations)
        if rule.endpoint in ("static", "api-docs.openapi_json", "docs.docs_page", "landing.landing", "landing.favicon",
                             "openai.image_variations"):
            continue
        if rule.endpoint.startswith("dashboard."):  # HTML pages, not API (tests/dashboard)
            continue
        path = rule.rule
        path = re.sub(r"<[a-z_]+:", "<", path)  # the converter goes: <uuid:image_id> is {image_id}
        path = path.replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (path, method) not in documented:
                undocumented.append((path, method))
    assert undocumented == []


def test_docs_page_is_served(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert b"/healthz" in page.data and b"<script" not in page.data


def test_healthz_reports_each_component(client):
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json["database"]["status"] == "ok"
    assert health.json["redis"]["status"] == "not configured"
    assert health.json["storage"]["status"] == "ok"


def test_healthz_is_503_when_the_database_is_unreachable(make_app):
    app = make_app(DATABASE_URL="postgresql://postgres@127.0.0.1:9/unreachable", DB_CONNECT_TIMEOUT=1)
    health = app.test_client().get("/healthz")
    assert health.status_code == 503
    assert health.json["status"] == "down"
    assert health.json["database"]["status"] == "error"


def test_pool_settings_come_from_the_environment(make_app):
    app = make_app(DATABASE_URL="postgresql://u@db.example:5432/x", DB_POOL_SIZE=7, DB_POOL_TIMEOUT=3)
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_size"] == 7 and options["pool_timeout"] == 3
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
