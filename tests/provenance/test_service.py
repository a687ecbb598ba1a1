"""What the marking says beyond the manifest's shape: credits, facts, bounds of an upload, a stored file that
failed, vanished or cannot be read, and whose signature counts as ours."""

import base64
import hashlib
import io
import struct
import uuid
import zlib

import pytest
from PIL import Image

from tests.provenance.conftest import IPTC, actions, assertion, png, read_manifest, sign_as_provider
from tests.provenance.test_marking import IMPRINT, _stored
from tests.provenance.test_verify import _download, _verify
from tests.support import bearer


def test_uploads_up_to_the_limit_are_read_and_each_refusal_says_why(make_app):
    data = png()
    exact = make_app(MAX_UPLOAD_BYTES=len(data)).test_client()
    assert _verify(exact, data).get_json() == {"credentials": "none"}  # exactly the limit is taken
    smaller = make_app(MAX_UPLOAD_BYTES=len(data) - 1).test_client()
    refused = _verify(smaller, data)
    assert refused.status_code == 413
    assert refused.get_json()["message"] == f"image: larger than {len(data) - 1} bytes"
    empty = _verify(exact, b"")
    assert empty.status_code == 422 and empty.get_json()["message"] == "image: empty file"
    other = _verify(exact, b"%PDF-1.7 not an image")
    assert other.status_code == 422
    assert other.get_json()["message"] == "image: must be a PNG, JPEG, WebP or GIF file"
    gif = io.BytesIO()
    Image.new("P", (8, 8)).save(gif, "GIF")
    assert _verify(exact, gif.getvalue()).get_json() == {"credentials": "none"}  # a GIF is verified too


def test_the_pixel_hash_is_the_mode_the_size_and_the_pixels():
    from app.provenance.service import pixels_sha256

    wide = Image.frombytes("L", (2, 1), b"\x01\x02")
    expected = hashlib.sha256(b"L:2x1:" + b"\x01\x02").hexdigest()  # stored in records: it must not drift
    assert pixels_sha256(wide) == expected
    # the same bytes in another shape or mode are another picture
    assert pixels_sha256(Image.frombytes("L", (1, 2), b"\x01\x02")) != expected
    assert pixels_sha256(Image.frombytes("P", (2, 1), b"\x01\x02")) != expected


def test_the_credit_says_ai_only_for_a_models_work(app, client, exiftool, provider_app):
    from tests.ai.servers import serve
    from tests.provenance.conftest import openai_answer

    made = client.post("/ai/generate", json={"prompt": "procedural"}).get_json()
    _record, data = _stored(app, client, made["id"])
    xmp = exiftool(data)
    assert xmp["XMP-photoshop:Credit"] == "Made with Imprint"
    from app.provenance.manifest import imprint_version

    assert xmp["XMP-xmp:CreatorTool"] == f"Imprint {imprint_version()}"
    with serve(openai_answer(png())) as server:
        ai = provider_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=server.url + "/v1")
        ai_client = ai.test_client()
        answer = ai_client.post("/ai/generate", json={"prompt": "a model's"}).get_json()
    _record, ai_data = _stored(ai, ai_client, answer["id"])
    assert exiftool(ai_data)["XMP-photoshop:Credit"] == "Generated with AI by Imprint"


def test_the_manifest_names_the_image_its_maker_and_when(app, client):
    made = client.post("/ai/generate", json={"prompt": "facts", "size": "256x256"}).get_json()
    _record, data = _stored(app, client, made["id"])
    _state, manifest, _all, _results = read_manifest(data)
    assert manifest["title"] == f"Imprint image {made['id']}"
    facts = assertion(manifest, IMPRINT)
    assert facts["model"] == made["model"] and facts["size"] == "256x256" and facts["tool"] == "generateUserImage"
    assert facts["created_at"].endswith("+00:00") and len(facts["created_at"]) == len("2026-01-01T00:00:00+00:00")


def test_signing_is_traced_with_the_size_of_what_is_signed(app, client, monkeypatch):
    from contextlib import nullcontext

    from app.observability import tracing
    from app.provenance import service

    seen, given = [], []
    monkeypatch.setattr(tracing, "span", lambda name, attributes=None, kind=None: seen.append((name, attributes))
                        or nullcontext())
    sign_bytes = service.sign_bytes
    monkeypatch.setattr(service, "sign_bytes", lambda data, *args: given.append(len(data)) or sign_bytes(data, *args))
    made = client.post("/ai/generate", json={"prompt": "traced"}).get_json()
    _record, data = _stored(app, client, made["id"])
    [signed] = [attributes for name, attributes in seen if name == "imprint.sign"]
    assert signed == {"imprint.sign.bytes": given[0]} and given[0] < len(data)  # the picture, before its manifest


def _upload_edit(client, upload):
    edited = client.post("/ai/tools/edit", json={"image_base64": base64.b64encode(upload).decode(),
                                                 "operations": [{"op": "flip"}]})
    assert edited.status_code == 201, edited.get_json()
    return edited.get_json()["id"]


def test_a_plain_edit_keeps_the_source_type_only_of_an_intact_manifest(app, client, exiftool):
    signed = sign_as_provider(png((200, 40, 40), (64, 64)), "image/png")
    _record, data = _stored(app, client, _upload_edit(client, signed))
    _state, manifest, _all, _results = read_manifest(data)
    assert actions(manifest)[1]["digitalSourceType"] == IPTC + "trainedAlgorithmicMedia"
    assert exiftool(data)["XMP-iptcExt:DigitalSourceType"] == IPTC + "trainedAlgorithmicMedia"
    # the same file changed after signing: its manifest is invalid and says nothing the edit keeps
    text = b"Comment\x00changed in transit"  # a text chunk after IHDR: still a readable PNG
    chunk = struct.pack(">I", len(text)) + b"tEXt" + text + struct.pack(">I", zlib.crc32(b"tEXt" + text))
    _record, data = _stored(app, client, _upload_edit(client, signed[:33] + chunk + signed[33:]))
    _state, manifest, _all, _results = read_manifest(data)
    assert "digitalSourceType" not in actions(manifest)[1]
    assert "XMP-iptcExt:DigitalSourceType" not in exiftool(data)


def test_someone_elses_signed_file_is_never_signed_here(client, user_key):
    body = _verify(client, sign_as_provider(png(), "image/png"), bearer(user_key[1])).get_json()
    assert body["credentials"] == "present" and body["signed_here"] is False
    assert body["ledger"] is None and body["image"] is None


def test_with_signing_off_even_our_own_file_is_not_signed_here(make_app, user_key):
    app = make_app()
    client = app.test_client()
    _user, key = user_key
    data = _download(client, client.post("/ai/generate", json={"prompt": "ours"}, headers=bearer(key)).get_json(),
                     bearer(key))
    off = make_app(PROVENANCE_ENABLED=False).test_client()
    body = _verify(off, data, bearer(key)).get_json()
    assert body["credentials"] == "present" and body["signed_here"] is False and body["ledger"] is None


def _provenance(client, image_id, key):
    answer = client.get(f"/ai/generated-images/{image_id}/provenance", headers=bearer(key))
    assert answer.status_code == 200
    return answer.get_json()


def test_a_failed_vanished_or_unreadable_stored_file(app, client, user_key, caplog):
    from app.extensions import db
    from app.models import GeneratedImage
    from app.storage import get_storage

    user_id, key = user_key
    with app.app_context():
        failed = GeneratedImage(user_id=user_id, prompt="failed", status="failed", error="provider down")
        db.session.add(failed)
        db.session.commit()
        failed_id = failed.id
    assert _provenance(client, failed_id, key) == {"credentials": "none"}

    made = client.post("/ai/generate", json={"prompt": "stored"}, headers=bearer(key)).get_json()
    with app.app_context():
        record = db.session.get(GeneratedImage, uuid.UUID(made["id"]))
        storage, stored_key = get_storage(), record.storage_key
        storage.put("generated-images", stored_key, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")
    assert _provenance(client, made["id"], key) == {"credentials": "none"}  # c2pa cannot parse it
    with app.app_context():
        storage.delete("generated-images", stored_key)
        with pytest.raises(Exception) as missing:
            storage.get("generated-images", stored_key)
    assert _provenance(client, made["id"], key) == {"credentials": "unavailable"}
    # the operator learns which record's file and what the storage said
    warnings = [r.getMessage() for r in caplog.records if r.name == "app.provenance.service"]
    assert warnings == [f"provenance: stored file of {made['id']} unreadable: {missing.value}"]


@pytest.mark.parametrize(("source_signed", "signing"), [(False, True), (True, False)])
def test_a_variant_is_signed_only_when_its_source_is_and_signing_is_on(make_app, user_key, source_signed, signing):
    _user, key = user_key
    source = make_app(PROVENANCE_ENABLED=source_signed).test_client()
    made = source.post("/ai/generate", json={"prompt": "plain"}, headers=bearer(key)).get_json()
    app = make_app(PROVENANCE_ENABLED=signing)
    variant = app.test_client().get(f"/ai/generated-images/{made['id']}/image?w=320&format=png", headers=bearer(key))
    assert variant.status_code == 200 and read_manifest(variant.data) is None


def test_an_og_cards_manifest_names_it_and_its_time(provider_app):
    client = provider_app(OG_PROVENANCE=True).test_client()
    _state, manifest, _all, _results = read_manifest(client.get("/og/facts.png?quote=Facts").data)
    assert manifest["title"] == "Imprint OG card"
    facts = assertion(manifest, IMPRINT)
    assert (facts["tool"], facts["provider"]) == ("og", "og")
    assert facts["created_at"].endswith("+00:00") and len(facts["created_at"]) == len("2026-01-01T00:00:00+00:00")


def test_a_models_edit_is_marked_composite_with_trained_media(provider_app, exiftool):
    from tests.ai.servers import serve
    from tests.provenance.conftest import openai_answer

    with serve(openai_answer(png((10, 200, 10), (64, 64)))) as server:
        app = provider_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=server.url + "/v1")
        client = app.test_client()
        edited = client.post("/ai/tools/edit", json={"image_base64": base64.b64encode(png()).decode(),
                                                     "instruction": "make it green", "provider": "openai"})
    assert edited.status_code == 201, edited.get_json()
    _record, data = _stored(app, client, edited.get_json()["id"])
    _state, manifest, _all, _results = read_manifest(data)
    opened, changed = actions(manifest)
    assert (opened["action"], changed["action"]) == ("c2pa.opened", "c2pa.edited")
    assert changed["digitalSourceType"] == IPTC + "compositeWithTrainedAlgorithmicMedia"
    xmp = exiftool(data)
    assert xmp["XMP-iptcExt:DigitalSourceType"] == IPTC + "compositeWithTrainedAlgorithmicMedia"
    assert xmp["XMP-photoshop:Credit"] == "Generated with AI by Imprint"


@pytest.mark.parametrize("signing", [True, False])
def test_a_png_keeps_its_generation_parameters_signed_or_not(provider_app, signing):
    app = provider_app(PROVENANCE_ENABLED=signing)
    client = app.test_client()
    made = client.post("/ai/generate", json={"prompt": "a lighthouse, parameters kept"}).get_json()
    _record, data = _stored(app, client, made["id"])
    with Image.open(io.BytesIO(data)) as picture:
        parameters = picture.text["parameters"]
    assert parameters.startswith("a lighthouse, parameters kept") and "Provider: procedural" in parameters
