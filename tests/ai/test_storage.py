"""Storage backends: local (served safely), S3 (a local S3-compatible server), git (a local bare repo), fallback."""

import subprocess

import pytest
import requests

from app.storage import InvalidKey, build_storage, safe_key
from app.storage.images import store_image
from tests.ai.servers import png_bytes
from tests.support import free_port, image_rows

pytest.importorskip("boto3")


def test_keys_that_escape_their_bucket_are_refused(client):
    for key in ("../secret", "a/../../b", "/etc/passwd", "a\\b", "%2e%2e/x", "a//b", "a/%2F/b"):
        with pytest.raises(InvalidKey):
            safe_key("generated-images", key)
    for path in ("/storage/generated-images/..%2F..%2Fimprint.db", "/storage/generated-images/%2e%2e/secret_key",
                 "/storage/nope/a.png", "/storage/generated-images/missing.png"):
        assert client.get(path).status_code == 404, path


def test_local_files_are_served_with_their_content_type(client):
    body = client.post("/ai/generate", json={"prompt": "jpeg please", "format": "jpeg"}).get_json()
    response = client.get(body["image_url"])
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff" and "immutable" in response.headers["Cache-Control"]
    assert body["image_url"].endswith(f"{body['images'][0]['sha256']}.jpg")


def test_s3_backend_with_bucket_map_and_presigned_urls(make_app, s3_endpoint):
    settings, client = s3_endpoint
    app = make_app(STORAGE_BACKEND="s3", S3_BUCKET="imprint", S3_BUCKET_MAP="generated-images=prod-images", **settings)
    response = app.test_client().post("/ai/generate", json={"prompt": "to the cloud"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    sha = body["images"][0]["sha256"]
    stored = client.get_object(Bucket="prod-images", Key=f"{sha[:2]}/{sha}.png")
    assert stored["ContentType"] == "image/png" and len(stored["Body"].read()) == body["images"][0]["bytes"]
    assert body["images"][0]["storage_provider"] == "s3"
    fetched = requests.get(body["image_url"], timeout=10)  # a presigned URL on the local server
    assert fetched.status_code == 200 and fetched.headers["Content-Type"] == "image/png"
    record = app.test_client().get(f"/ai/generated-images/{body['id']}").get_json()
    assert record["storage_url"] == f"s3://prod-images/{sha[:2]}/{sha}.png"
    # Unmapped buckets live under a prefix in S3_BUCKET; identical bytes are stored once.
    with app.app_context():
        storage = build_storage(app.config)
        first = store_image(storage, "dataset-images", png_bytes())
        second = store_image(storage, "dataset-images", png_bytes())
    assert first.storage_url == f"s3://imprint/dataset-images/{first.key}"
    assert not first.deduplicated and second.deduplicated
    from tests.support import empty_tables

    empty_tables(app)


def test_s3_public_url_template(make_app, s3_endpoint):
    settings, _client = s3_endpoint
    app = make_app(STORAGE_BACKEND="s3", S3_BUCKET="imprint", S3_PUBLIC_URL="https://cdn.example.com/{key}", **settings)
    body = app.test_client().post("/ai/generate", json={"prompt": "public"}).get_json()
    sha = body["images"][0]["sha256"]
    assert body["image_url"] == f"https://cdn.example.com/generated-images/{sha[:2]}/{sha}.png"
    from tests.support import empty_tables

    empty_tables(app)


def test_fallback_stores_when_the_primary_fails(make_app):
    closed = f"http://127.0.0.1:{free_port()}"
    app = make_app(STORAGE_BACKEND="s3", STORAGE_FALLBACK="local", S3_ENDPOINT_URL=closed, S3_BUCKET="imprint",
                   S3_ACCESS_KEY_ID="x", S3_SECRET_ACCESS_KEY="x", S3_MAX_ATTEMPTS=1, S3_TIMEOUT=2)
    client = app.test_client()
    body = client.post("/ai/generate", json={"prompt": "s3 is down"}).get_json()
    assert body["images"][0]["storage_provider"] == "local"
    record = client.get(f"/ai/generated-images/{body['id']}").get_json()
    assert record["storage_provider"] == "local" and record["status"] == "success"
    assert client.get(body["image_url"]).status_code == 200
    from tests.support import empty_tables

    empty_tables(app)


def test_storage_failure_without_fallback_is_a_retryable_failure(make_app):
    closed = f"http://127.0.0.1:{free_port()}"
    app = make_app(STORAGE_BACKEND="s3", S3_ENDPOINT_URL=closed, S3_BUCKET="imprint", S3_ACCESS_KEY_ID="x",
                   S3_SECRET_ACCESS_KEY="x", S3_MAX_ATTEMPTS=1, S3_TIMEOUT=2)
    client = app.test_client()
    response = client.post("/ai/generate", json={"prompt": "nowhere to put it"})
    assert response.status_code == 502 and response.get_json()["retryable"] is True
    with app.app_context():
        from app.models import GeneratedImage

        assert len(image_rows(GeneratedImage.status != "success")) == 1
    from tests.support import empty_tables

    empty_tables(app)


def _git(*args, cwd=None):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_git_backend_commits_and_pushes(make_app, tmp_path):
    remote = tmp_path / "images.git"
    _git("init", "-q", "--bare", "-b", "main", str(remote))
    app = make_app(STORAGE_BACKEND="git", GIT_STORAGE_REMOTE=str(remote), GIT_STORAGE_DIR=str(tmp_path / "clone"),
                   GIT_STORAGE_RAW_URL="https://raw.example.com/org/images/{branch}/{path}")
    client = app.test_client()
    first = client.post("/ai/generate", json={"prompt": "versioned"}).get_json()
    second = client.post("/ai/generate", json={"prompt": "versioned, again"}).get_json()
    sha = first["images"][0]["sha256"]
    path = f"file-library/generated-images/{sha[:2]}/{sha}.png"
    assert first["image_url"] == f"https://raw.example.com/org/images/main/{path}"
    assert first["images"][0]["storage_provider"] == "git"
    assert path in _git("--git-dir", str(remote), "ls-tree", "-r", "--name-only", "main")
    assert len(_git("--git-dir", str(remote), "log", "--oneline", "main").splitlines()) == 2
    blob = subprocess.run(["git", "--git-dir", str(remote), "show", f"main:{path}"], capture_output=True, check=True)
    assert blob.stdout == client.get(f"/storage/generated-images/{sha[:2]}/{sha}.png").data
    assert second["images"][0]["sha256"] != sha
    from tests.support import empty_tables

    empty_tables(app)


def test_git_push_failure_falls_back_to_local(make_app, tmp_path):
    app = make_app(STORAGE_BACKEND="git", STORAGE_FALLBACK="local", GIT_STORAGE_REMOTE=str(tmp_path / "missing.git"),
                   GIT_STORAGE_DIR=str(tmp_path / "clone"))
    body = app.test_client().post("/ai/generate", json={"prompt": "no remote"}).get_json()
    assert body["images"][0]["storage_provider"] == "local"
    from tests.support import empty_tables

    empty_tables(app)
