"""An instance filled through its API, and the answers two instances must agree on."""

import base64
import io
import os
import signal
import subprocess
import sys
from datetime import timedelta

from PIL import Image

from tests.ai.servers import png_bytes
from tests.support import bearer, make_api_key, require_service, settings_for

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_database(name):
    """A fresh database ``name``_<pid> on the server of TEST_DATABASE_URL (or the local default); its URL.

    The process id keeps two runs on one server (SQLite's and PostgreSQL's suites) apart.
    """
    from app.transfer.engines import recreate_postgres_database

    base = os.environ.get("TEST_DATABASE_URL") or DEFAULT_SERVER
    url = f"{base.rsplit('/', 1)[0]}/{name}_{os.getpid()}"
    try:
        recreate_postgres_database(url)
    except Exception as error:
        require_service("PostgreSQL", error)
    return url


def drop_postgres_database(url):
    from app.transfer.engines import drop_postgres_database as drop

    drop(url)


def build_app(database_url, directory, **overrides):
    from app import create_app

    return create_app({**settings_for(database_url, str(directory)), **overrides})


def migrate_target(url):
    """What the CLI hands ``copy_database``: the target migrated with an app of its own."""
    from app import create_app
    from app.transfer.engines import app_migrator

    app_migrator(create_app, "test-secret")(url)


def migrate(app):
    from app.migrating import upgrade_database

    upgrade_database(app)


def close(app):
    from app.extensions import db

    app.extensions["tracking"].close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def fill(app):
    """Users, keys, prompt templates with versions, usages, favorites, posts, images with provenance,
    datasets with references, OG templates with logos, OG renders, a failed log, alerts and rollups."""
    client = app.test_client()
    with app.app_context():
        _admin_id, admin_key = make_api_key(app, "root", is_admin=True)
        _alice_id, alice_key = make_api_key(app, "alice")
        _bob_id, bob_key = make_api_key(app, "bob")
    admin, alice, bob = bearer(admin_key), bearer(alice_key), bearer(bob_key)
    made = client.post("/prompts", headers=admin, json={
        "id": "poster-bold", "name": "Bold poster", "category": "poster",
        "template": "A bold poster of {subject}"})
    assert made.status_code == 201, made.get_json()
    assert client.patch("/prompts/poster-bold", headers=admin,
                        json={"template": "A bold, bright poster of {subject}"}).status_code == 200
    images = []
    for number, (headers, body) in enumerate([
            (alice, {"prompt_id": "poster-bold", "variables": {"subject": "a lighthouse"}}),
            (bob, {"prompt_id": "poster-bold", "variables": {"subject": "a fox ünïcode"}}),
            (alice, {"prompt": "a quiet harbour at dawn", "style": "photorealistic", "format": "jpeg"}),
            (bob, {"prompt": "three red kites", "style": "watercolor"})]):
        answer = client.post("/ai/generate", headers=headers, json=body)
        assert answer.status_code in (200, 201), (number, answer.get_json())
        images.append(answer.get_json())
    variant_url = f"/ai/generated-images/{images[0]['id']}/image?w=64&format=webp"
    variant = client.get(variant_url, headers=alice)
    assert variant.status_code == 200 and variant.mimetype == "image/webp"
    assert client.put("/prompts/poster-bold/favorite", headers=alice).status_code == 204
    assert client.post("/posts", headers=alice, json={"generatedImageId": images[0]["id"]}).status_code == 201
    dataset = client.post("/ai/datasets", headers=alice, json={
        "brand_name": "Coffee Co.", "vibe": "cozy", "unique_visual_elements": ["copper kettle"]}).get_json()
    uploaded = client.post(f"/ai/datasets/{dataset['id']}/images", headers=alice,
                           data={"file": (io.BytesIO(png_bytes((120, 80, 40))), "ref.png")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_json()
    answer = client.post("/ai/generate", headers=alice, json={"prompt": "a cup", "dataset_id": dataset["id"]})
    images.append(answer.get_json())
    logo = io.BytesIO()
    Image.new("RGBA", (120, 40), (200, 30, 60, 255)).save(logo, "PNG")
    made = client.post("/og/templates", headers=admin, json={
        "name": "acme", "logo": base64.b64encode(logo.getvalue()).decode(),
        "defaults": {"site": "acme.example", "title": "Hello"}})
    assert made.status_code == 201, made.get_json()
    assert client.get("/og/t/acme/v1/launch.png?shapes=0").status_code == 200
    assert client.get("/og/transfer.png").status_code == 200
    from app import tracking

    tracking.flush(app=app)
    with app.app_context():
        from app.analytics import alerts
        from app.models.types import utcnow
        from tests.factories import make_log

        make_log(None, success=False, error_message="HTTP 429 Too Many Requests",
                 created_at=utcnow() - timedelta(minutes=2))
        alerts.check_alerts({**app.config, "ALERT_MIN_GENERATIONS": 1, "ALERT_WEBHOOK_URL": None}, now=utcnow())
    result = app.test_cli_runner().invoke(args=["history", "rollup"])
    assert result.exit_code == 0, result.output
    from urllib.parse import quote

    from app.models.types import utcnow

    now = utcnow()
    return {"admin": admin, "alice": alice, "bob": bob, "images": [image["id"] for image in images],
            "variant": (variant_url, variant.data),
            "since": quote((now - timedelta(days=1)).isoformat()), "until": quote((now + timedelta(hours=1)).isoformat())}


URL_FIELDS = {"image_url", "url", "storage_url", "storage_provider"}  # what a storage move changes


def _without_urls(value):
    if isinstance(value, dict):
        return {k: _without_urls(v) for k, v in value.items() if k not in URL_FIELDS}
    if isinstance(value, list):
        return [_without_urls(v) for v in value]
    return value


def answers(app, people, *, urls=True):
    """What the API says about the ledger: history, stats, logs, prompt statistics, records, analytics.

    Windows are fixed (``people["since"]``…``["until"]``), so "now" moving on changes nothing; active
    alerts are listed in no particular order by the API, so they are compared sorted.
    """
    client = app.test_client()
    window = f"since={people['since']}&until={people['until']}"
    admin, alice = people["admin"], people["alice"]
    said = {}
    for name, path, headers in [
            ("images", "/history/images?limit=100", admin), ("stats", "/history/images/stats", admin),
            ("logs", "/history/logs?limit=100", admin), ("prompt", "/prompts/poster-bold", admin),
            ("prompt stats", "/prompts/poster-bold/stats", admin), ("top used", "/prompts/top/used", admin),
            ("versions", "/prompts/poster-bold/versions", admin), ("favorites", "/prompts/favorites", alice),
            ("alice's images", "/ai/generated-images?limit=100", alice), ("datasets", "/ai/datasets", alice),
            ("og templates", "/og/templates", admin), ("dashboard", f"/analytics/dashboard?{window}", admin),
            ("styles", f"/analytics/top-styles?{window}", admin), ("errors", f"/analytics/errors?{window}", admin),
            ("alerts", "/analytics/alerts", admin)]:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (name, response.status_code, response.get_data(as_text=True)[:300])
        said[name] = response.get_json() if urls else _without_urls(response.get_json())
    said["alerts"]["active"].sort(key=lambda alert: alert["rule"])
    return said


def image_bytes(app, people):
    """Each image's bytes, fetched by the URL its record gives (the app's route, or S3's)."""
    import requests

    client = app.test_client()
    fetched = {}
    for image_id in people["images"]:
        record = client.get(f"/ai/generated-images/{image_id}", headers=people["admin"]).get_json()
        url = record["image_url"]
        if url.startswith("http"):
            fetched[image_id] = requests.get(url, timeout=10).content
        else:
            response = client.get(url)
            assert response.status_code == 200, url
            fetched[image_id] = response.data
    return fetched


def verified_ledger_id(app, data, headers):
    body = app.test_client().post("/provenance/verify", data={"image": (io.BytesIO(data), "image.png")},
                                  content_type="multipart/form-data", headers=headers).get_json()
    return body.get("ledger"), (body.get("image") or {}).get("id")


def run_copy_killed_halfway(source_url, target_url, directory, kill_at="  generation_logs: 2/"):
    """``flask db copy`` in its own process, killed (SIGKILL) once a progress line starts with ``kill_at``."""
    env = {**os.environ, "DATABASE_URL": source_url, "SECRET_KEY": "test-secret", "AUTO_MIGRATE": "false",
           "STORAGE_ROOT": os.path.join(str(directory), "storage")}
    env.pop("REDIS_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "db", "copy", "--to", target_url,
                                "--batch-size", "1"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                               text=True, cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith(kill_at):
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    return "".join(lines), process.returncode


def assert_same(found, expected):
    """Field by field: the first differing answer is named."""
    assert found.keys() == expected.keys()
    for name in expected:
        assert found[name] == expected[name], name


def strip_urls(said):
    return {name: _without_urls(value) for name, value in said.items()}
