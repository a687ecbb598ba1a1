"""Every kind of output read back with c2pa's Reader and with ExifTool."""

import base64
import io

import pytest

from tests.ai.servers import serve
from tests.provenance.conftest import (
    IPTC,
    actions,
    assertion,
    openai_answer,
    png,
    read_manifest,
    sha256,
    sign_as_provider,
)
from tests.support import bearer

IMPRINT = "org.imprint.image"


def _stored(app, client, image_id, headers=None):
    from app.storage import get_storage

    record = client.get(f"/ai/generated-images/{image_id}", headers=headers or {}).get_json()
    with app.app_context():
        bucket = record["metadata"]["bucket"]
        key = record["image_url"].split(f"/{bucket}/", 1)[1]
        return record, get_storage().get(bucket, key)


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
def test_procedural_output_is_signed_algorithmic_media_with_the_ledger_id(app, client, exiftool, fmt):
    prompt = "Ein Fuchs im Schnee — 雪の中の狐 — ثعلب"
    answer = client.post("/ai/generate", json={"prompt": prompt, "format": fmt})
    assert answer.status_code == 201, answer.get_json()
    record, data = _stored(app, client, answer.get_json()["id"])

    state, manifest, _all, _results = read_manifest(data)
    assert state == "Valid"  # intact and signed; untrusted until the local CA is on a trust list
    assert manifest["claim_generator_info"][0]["name"] == "Imprint"
    created = actions(manifest)[0]
    assert created["action"] == "c2pa.created"
    assert created["digitalSourceType"] == IPTC + "algorithmicMedia"  # procedural is not a trained model
    facts = assertion(manifest, IMPRINT)
    assert facts["image_id"] == record["id"]
    assert facts["provider"] == "procedural" and facts["size"] == "1024x1024"
    assert facts["prompt_sha256"] == sha256(prompt.encode())
    assert "prompt" not in facts  # prompts can be private: only their hash by default
    assert record["sha256"] == sha256(data)  # the stored hash is the file's, manifest included

    xmp = exiftool(data)
    assert xmp["XMP-iptcExt:DigitalSourceType"] == IPTC + "algorithmicMedia"
    assert "Imprint" in xmp["XMP-photoshop:Credit"]


def test_same_picture_twice_is_two_files_with_one_pixel_hash(app, client):
    first = client.post("/ai/generate", json={"prompt": "same", "seed": 7}).get_json()
    second = client.post("/ai/generate", json={"prompt": "same", "seed": 7}).get_json()
    one, one_bytes = _stored(app, client, first["id"])
    two, two_bytes = _stored(app, client, second["id"])
    assert one["sha256"] != two["sha256"] and one["image_url"] != two["image_url"]
    assert one["metadata"]["pixels_sha256"] == two["metadata"]["pixels_sha256"]
    assert assertion(read_manifest(two_bytes)[1], IMPRINT)["image_id"] == two["id"]


def test_include_prompt_puts_the_text_in_the_manifest(provider_app):
    app = provider_app(PROVENANCE_INCLUDE_PROMPT=True)
    client = app.test_client()
    answer = client.post("/ai/generate", json={"prompt": "a lighthouse, 灯台"}).get_json()
    _record, data = _stored(app, client, answer["id"])
    assert assertion(read_manifest(data)[1], IMPRINT)["prompt"] == "a lighthouse, 灯台"


def test_disabled_writes_no_credentials(provider_app, exiftool):
    app = provider_app(PROVENANCE_ENABLED=False)
    client = app.test_client()
    answer = client.post("/ai/generate", json={"prompt": "plain"}).get_json()
    _record, data = _stored(app, client, answer["id"])
    assert read_manifest(data) is None
    assert "XMP-iptcExt:DigitalSourceType" not in exiftool(data)


def test_chart_is_algorithmic_media(app, client, exiftool):
    answer = client.post("/ai/tools/chart", json={"type": "bar", "labels": ["a", "b"], "values": [1, 2],
                                                  "format": "webp"})
    assert answer.status_code == 201, answer.get_json()
    _record, data = _stored(app, client, answer.get_json()["id"])
    state, manifest, _all, _results = read_manifest(data)
    assert state == "Valid"
    assert actions(manifest)[0]["digitalSourceType"] == IPTC + "algorithmicMedia"
    assert exiftool(data)["XMP-iptcExt:DigitalSourceType"] == IPTC + "algorithmicMedia"


def test_edit_of_a_stored_image_keeps_it_as_the_parent_ingredient(app, client, exiftool):
    source = client.post("/ai/generate", json={"prompt": "to edit", "format": "png"}).get_json()
    edited = client.post("/ai/tools/edit", json={"image_id": source["id"], "format": "jpeg",
                                                 "operations": [{"op": "filter", "name": "grayscale"}]})
    assert edited.status_code == 201, edited.get_json()
    record, data = _stored(app, client, edited.get_json()["id"])
    state, manifest, manifests, _results = read_manifest(data)
    assert state == "Valid"
    assert [a["action"] for a in actions(manifest)] == ["c2pa.opened", "c2pa.edited"]
    parent, = manifest["ingredients"]
    assert parent["relationship"] == "parentOf"
    # The parent is the signed source file: its own manifest names the source's ledger id.
    assert assertion(manifests[parent["active_manifest"]], IMPRINT)["image_id"] == source["id"]
    assert assertion(manifest, IMPRINT)["image_id"] == record["id"]
    assert record["parent_id"] == source["id"]
    # A plain edit keeps what it edited: the source type of the procedural source.
    assert exiftool(data)["XMP-iptcExt:DigitalSourceType"] == IPTC + "algorithmicMedia"


def test_edit_of_an_upload_has_the_upload_as_parent(app, client):
    upload = base64.b64encode(png()).decode()
    edited = client.post("/ai/tools/edit", json={"image_base64": upload,
                                                 "operations": [{"op": "flip"}]})
    assert edited.status_code == 201, edited.get_json()
    _record, data = _stored(app, client, edited.get_json()["id"])
    state, manifest, _all, _results = read_manifest(data)
    assert state == "Valid"
    parent, = manifest["ingredients"]
    assert parent["relationship"] == "parentOf" and parent["format"] == "image/png"
    assert "active_manifest" not in parent  # the upload carried no credentials


def test_openai_answer_with_its_own_manifest_becomes_the_parent(provider_app, exiftool):
    signed = sign_as_provider(png((200, 40, 40), (64, 64)), "image/png")
    with serve(openai_answer(signed)) as server:
        app = provider_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=server.url + "/v1")
        client = app.test_client()
        answer = client.post("/ai/generate", json={"prompt": "a red square", "format": "webp"})
    assert answer.status_code == 201, answer.get_json()
    _record, data = _stored(app, client, answer.get_json()["id"])
    state, manifest, manifests, _results = read_manifest(data)
    assert state == "Valid"
    opened, transcoded = actions(manifest)
    assert opened["action"] == "c2pa.opened" and transcoded["action"] == "c2pa.transcoded"
    assert opened["digitalSourceType"] == IPTC + "trainedAlgorithmicMedia"
    parent, = manifest["ingredients"]
    assert parent["relationship"] == "parentOf"
    theirs = manifests[parent["active_manifest"]]  # what OpenAI signed, kept
    assert theirs["claim_generator_info"][0]["name"] == "ChatGPT"
    assert theirs["signature_info"]["issuer"] == "OpenAI stand-in"
    assert actions(theirs)[0]["digitalSourceType"] == IPTC + "trainedAlgorithmicMedia"
    assert assertion(manifest, IMPRINT)["provider"] == "openai"
    assert exiftool(data)["XMP-iptcExt:DigitalSourceType"] == IPTC + "trainedAlgorithmicMedia"


def test_openai_answer_without_a_manifest_is_created_trained_media(provider_app):
    with serve(openai_answer(png())) as server:
        app = provider_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=server.url + "/v1")
        client = app.test_client()
        with app.app_context():
            from tests.support import make_api_key

            _user, key = make_api_key(app, "carol")
        answer = client.post("/ai/generate", json={"prompt": "a blue square"}, headers=bearer(key))
    assert answer.status_code == 201, answer.get_json()
    _record, data = _stored(app, client, answer.get_json()["id"], bearer(key))
    state, manifest, _all, _results = read_manifest(data)
    assert state == "Valid"
    created, = actions(manifest)
    assert created["action"] == "c2pa.created"
    assert created["digitalSourceType"] == IPTC + "trainedAlgorithmicMedia"
    assert not manifest.get("ingredients")


def test_v1_edit_answers_a_signed_edit_with_the_upload_as_parent(client, user_key):
    upload = png((10, 160, 90), (128, 96))
    answer = client.post("/v1/images/edits", data={"prompt": "add rain", "model": "procedural",
                                                   "response_format": "b64_json",
                                                   "image": (io.BytesIO(upload), "in.png", "image/png")},
                         headers=bearer(user_key[1]), content_type="multipart/form-data")
    assert answer.status_code == 200, answer.get_json()
    data = base64.b64decode(answer.get_json()["data"][0]["b64_json"])
    state, manifest, _all, _results = read_manifest(data)
    assert state == "Valid"
    assert [a["action"] for a in actions(manifest)] == ["c2pa.opened", "c2pa.edited"]
    parent, = manifest["ingredients"]
    assert parent["relationship"] == "parentOf" and parent["format"] == "image/png"


def _bmp():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (90, 90, 200)).save(out, "BMP")
    return out.getvalue()


def test_a_provider_answer_c2pa_cannot_parse_is_still_signed(provider_app):
    """Pillow reads BMP, c2pa does not: the answer carries no manifest to keep, the output is signed."""
    with serve(openai_answer(_bmp())) as server:
        app = provider_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=server.url + "/v1")
        client = app.test_client()
        answer = client.post("/ai/generate", json={"prompt": "a bitmap"})
    assert answer.status_code == 201, answer.get_json()
    _record, data = _stored(app, client, answer.get_json()["id"])
    state, manifest, _all, _results = read_manifest(data)
    assert state == "Valid" and actions(manifest)[0]["action"] == "c2pa.created"

