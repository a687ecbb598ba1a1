"""Datasets: CRUD, reference uploads checked by Pillow, their use in generation, and delete keeping history."""

import io
import os
import struct
import zlib

from sqlalchemy import func, select

from app.extensions import db
from app.models import DatasetImage, GeneratedImage
from tests.ai.servers import png_bytes
from tests.support import bearer


def _upload(client, headers, dataset_id, data, name="ref.png"):
    return client.post(f"/ai/datasets/{dataset_id}/images", headers=headers,
                       data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _bomb_png(width=30000, height=30000):
    """A valid PNG header claiming a huge image (the IHDR is patched, its CRC recomputed)."""
    data = bytearray(png_bytes(size=(1, 1)))
    ihdr = bytearray(data[12:29])  # type + 13 bytes of data
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(data)


def _stored_files(app, bucket):
    root = os.path.join(app.config["STORAGE_ROOT"], bucket)
    return [name for _, _, names in os.walk(root) for name in names]


def test_dataset_crud_upload_and_generation(app, client, user_key, admin_key):
    headers = bearer(user_key[1])
    created = client.post("/ai/datasets", headers=headers, json={
        "brand_name": "Coffee Co.", "vibe": "cozy, warm", "description": "A neighbourhood roastery.",
        "unique_visual_elements": ["copper kettle", "green tiles"]})
    assert created.status_code == 201, created.get_json()
    dataset = created.get_json()
    assert dataset["name"] == "Coffee Co."
    uploaded = _upload(client, headers, dataset["id"], png_bytes((120, 80, 40)))
    assert uploaded.status_code == 201, uploaded.get_json()
    assert uploaded.get_json()["mime_type"] == "image/png" and uploaded.get_json()["width"] == 64
    assert client.get(uploaded.get_json()["image_url"]).status_code == 200
    assert client.get(f"/ai/datasets/{dataset['id']}", headers=headers).get_json()["images"][0]["sha256"]
    assert [d["id"] for d in client.get("/ai/datasets", headers=headers).get_json()] == [dataset["id"]]
    assert client.get(f"/ai/datasets/{dataset['id']}", headers=bearer(admin_key[1])).status_code == 200

    generated = client.post("/ai/generate", headers=headers, json={
        "prompt": "Modern coffee shop interior", "style": "photorealistic", "dataset_id": dataset["id"]}).get_json()
    assert generated["prompt_used"].startswith("Brand: Coffee Co. Vibe: cozy, warm.")
    assert "Unique visual elements: copper kettle, green tiles." in generated["prompt_used"]
    assert generated["reference_images_count"] == 1 and generated["dataset_id"] == dataset["id"]
    by_dataset = client.get(f"/ai/generated-images?dataset_id={dataset['id']}", headers=headers).get_json()
    assert by_dataset["total"] == 1
    record = client.get(f"/ai/generated-images/{generated['id']}", headers=headers).get_json()
    assert record["unique_visual_elements"] == ["copper kettle", "green tiles"]

    # Someone else's dataset is not there for them.
    assert client.post("/ai/generate", json={"prompt": "x", "dataset_id": dataset["id"]}).status_code == 404
    assert client.get("/ai/datasets").status_code == 401

    assert client.delete(f"/ai/datasets/{dataset['id']}", headers=headers).status_code == 204
    assert client.get(f"/ai/datasets/{dataset['id']}", headers=headers).status_code == 404
    kept = client.get(f"/ai/generated-images/{generated['id']}", headers=headers).get_json()
    assert kept["dataset_id"] is None and kept["status"] == "success"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DatasetImage)) == 0


def test_uploads_that_are_not_images_or_too_big_are_refused(make_app, user_key):
    from tests.support import empty_tables

    app = make_app(MAX_UPLOAD_BYTES=20_000, MAX_UPLOAD_PIXELS=1_000_000)
    client, headers = app.test_client(), bearer(user_key[1])
    dataset = client.post("/ai/datasets", headers=headers, json={"name": "refs"}).get_json()
    cases = [
        (b"%PDF-1.4 not an image", 422),
        (png_bytes()[:40], 422),  # truncated
        (os.urandom(30_000), 413),  # over MAX_UPLOAD_BYTES
        (_bomb_png(), 413),  # 900 million pixels claimed by a tiny file
        (_bomb_png(2000, 1000), 413),  # over MAX_UPLOAD_PIXELS
    ]
    for data, status in cases:
        response = _upload(client, headers, dataset["id"], data)
        assert response.status_code == status, (data[:20], response.get_json())
        assert "file" in response.get_json()["errors"]["json"]
    missing = client.post(f"/ai/datasets/{dataset['id']}/images", headers=headers, data={},
                          content_type="multipart/form-data")
    assert missing.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DatasetImage)) == 0
        assert db.session.scalar(select(func.count()).select_from(GeneratedImage)) == 0
    assert _stored_files(app, "dataset-images") == []
    assert client.post("/ai/datasets", headers=headers, json={"vibe": "no name"}).status_code == 422
    empty_tables(app)
