"""A file shared by two users' rows (identical bytes, one key) outlives either user's deletion."""

import io
import os
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Dataset, DatasetImage, GeneratedImage
from app.models.types import utcnow
from app.storage import get_storage
from app.storage.thumbnails import get_thumbnail, thumbnail_path
from tests.ai.servers import png_bytes
from tests.support import bearer, make_api_key

SAME = {"prompt": "a lighthouse at dusk", "seed": 7}  # the procedural provider: the same bytes for both
# Signed files name their record, so bytes are shared only with Content Credentials off.
UNSIGNED = {"PROVENANCE_ENABLED": False}


def _generate(client, key, payload=SAME):
    response = client.post("/ai/generate", json=payload, headers=bearer(key))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _key_of(app, image_id):
    with app.app_context():
        return db.session.get(GeneratedImage, uuid.UUID(image_id)).storage_key


def _upload(client, key, dataset_id, data):
    return client.post(f"/ai/datasets/{dataset_id}/images", headers=bearer(key),
                       data={"file": (io.BytesIO(data), "ref.png")}, content_type="multipart/form-data")


@pytest.fixture(params=["local", "s3"])
def storage_app(request, make_app):
    """An app on each storage backend (S3: a local S3-compatible server)."""
    if request.param == "local":
        return make_app(**UNSIGNED)
    settings, _client = request.getfixturevalue("s3_endpoint")
    return make_app(STORAGE_BACKEND="s3", S3_BUCKET="imprint", **UNSIGNED, **settings)


@pytest.mark.usefixtures("app")  # empties the tables afterwards
def test_gdpr_deletion_keeps_a_file_another_user_shares_and_removes_the_rest(storage_app):
    app, client = storage_app, storage_app.test_client()
    with app.app_context():
        alice, alice_key = make_api_key(app, "alice")
        _bob, bob_key = make_api_key(app, "bob")
    alices, bobs = _generate(client, alice_key), _generate(client, bob_key)
    only_alice = _generate(client, alice_key, {"prompt": "only alice has this"})
    shared = _key_of(app, bobs["id"])
    assert _key_of(app, alices["id"]) == shared  # one file, two rows
    dataset = client.post("/ai/datasets", headers=bearer(alice_key), json={"name": "refs"}).get_json()
    reference = _upload(client, alice_key, dataset["id"], png_bytes(size=(9, 9))).get_json()
    with app.app_context():
        for image_id in (alices["id"], only_alice["id"]):
            get_thumbnail(app, db.session.get(GeneratedImage, uuid.UUID(image_id)))
        only_thumb = thumbnail_path(app, db.session.get(GeneratedImage, uuid.UUID(only_alice["id"])), "small")

    response = client.delete(f"/users/{alice}/data", headers=bearer(alice_key))
    assert response.status_code == 200, response.get_json()
    deleted = response.get_json()["deleted"]
    assert deleted["generated_images"] == 2 and deleted["files"] == 1  # the shared file stayed
    assert (deleted["datasets"], deleted["dataset_images"], deleted["dataset_files"]) == (1, 1, 1)
    assert deleted["thumbnails"] == 1  # the shared image's thumbnail is Bob's too

    storage = get_storage(app)
    assert storage.get("generated-images", shared)  # Bob's image survives Alice's deletion
    assert client.get(f"/ai/generated-images/{bobs['id']}", headers=bearer(bob_key)).status_code == 200
    assert not storage.exists("generated-images", _key_of_deleted(only_alice))
    assert not storage.exists("dataset-images", _key_of_reference(reference))
    assert not os.path.exists(only_thumb)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Dataset)) == 0
        assert db.session.scalar(select(func.count()).select_from(DatasetImage)) == 0


def _key_of_deleted(body):
    sha = body["images"][0]["sha256"]
    return f"{sha[:2]}/{sha}.png"


def _key_of_reference(body):
    sha = body["sha256"]
    return f"{sha[:2]}/{sha}.png"


@pytest.mark.usefixtures("app")
def test_image_cleanup_keeps_a_file_a_recent_image_shares(make_app):
    app = make_app(**UNSIGNED)
    client = app.test_client()
    with app.app_context():
        _alice, alice_key = make_api_key(app, "alice")
        _bob, bob_key = make_api_key(app, "bob")
    old, recent = _generate(client, alice_key), _generate(client, bob_key)
    with app.app_context():
        db.session.execute(update(GeneratedImage).where(GeneratedImage.id == uuid.UUID(old["id"]))
                           .values(created_at=utcnow() - timedelta(days=60)))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["cleanup-images", "--older-than-days", "30"])
    assert "deleted 1 image(s) and 0 file(s)" in result.output, result.output
    assert get_storage(app).exists("generated-images", _key_of(app, recent["id"]))


@pytest.mark.usefixtures("app")
def test_a_generation_deduplicating_onto_a_file_being_deleted_keeps_its_file(make_app, monkeypatch):
    """Alice's deletion runs after Bob's generation found the file and before it committed its row."""
    app = make_app(**UNSIGNED)
    client = app.test_client()
    with app.app_context():
        alice, alice_key = make_api_key(app, "alice")
        _bob, bob_key = make_api_key(app, "bob")
    _generate(client, alice_key)
    storage = get_storage(app)
    real_find, ran = storage.find, []

    def find_then_delete_alice(bucket, key):
        found = real_find(bucket, key)
        if found is not None and not ran:
            ran.append(True)
            deleter = threading.Thread(target=lambda: ran.append(
                app.test_client().delete(f"/users/{alice}/data", headers=bearer(alice_key)).get_json()))
            deleter.start()
            deleter.join(30)
        return found

    monkeypatch.setattr(storage, "find", find_then_delete_alice)
    bobs = _generate(client, bob_key)
    assert ran[1]["deleted"]["files"] == 1  # Alice's deletion saw no committed row and removed the file
    monkeypatch.undo()
    assert storage.get("generated-images", _key_of(app, bobs["id"]))  # Bob's commit put it back
