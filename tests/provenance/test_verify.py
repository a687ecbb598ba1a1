"""POST /provenance/verify and GET /ai/generated-images/<id>/provenance, for two users."""

import io
import struct
import zlib

import pytest

from tests.provenance.conftest import IPTC, png, sha256
from tests.support import bearer, make_api_key


def _verify(client, data, headers=None, name="image.bin"):
    return client.post("/provenance/verify", data={"image": (io.BytesIO(data), name)},
                       headers=headers or {}, content_type="multipart/form-data")


def _download(client, answer, headers=None):
    return client.get(answer["image_url"], headers=headers or {}).data


def _pixel_offset(data):
    """An offset inside the compressed pixels (not the metadata), per format."""
    if data.startswith(b"\x89PNG"):
        offset = 8
        while True:
            length, tag = struct.unpack(">I4s", data[offset:offset + 8])
            if tag == b"IDAT":
                return offset + 8 + length // 2
            offset += 12 + length
    if data.startswith(b"\xff\xd8"):
        return data.index(b"\xff\xda") + 200  # inside the scan after Start Of Scan
    offset = 12
    while True:  # WebP: RIFF chunks
        tag, length = data[offset:offset + 4], struct.unpack("<I", data[offset + 4:offset + 8])[0]
        if tag in (b"VP8 ", b"VP8L"):
            return offset + 8 + length // 2
        offset += 8 + length + (length & 1)


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
def test_a_downloaded_file_verifies_and_names_its_record(client, user_key, fmt):
    _user, key = user_key
    answer = client.post("/ai/generate", json={"prompt": "verify me", "format": fmt}, headers=bearer(key))
    made = answer.get_json()
    data = _download(client, made, bearer(key))

    found = _verify(client, data, bearer(key))
    assert found.status_code == 200, found.get_json()
    body = found.get_json()
    assert body["credentials"] == "present"
    assert body["state"] == "valid" and body["trusted"] is False and body["failures"] == []
    assert body["signed_here"] is True
    assert body["actions"][0]["action"] == "c2pa.created"
    assert body["digital_source_type"] == "algorithmicMedia"
    assert body["signer"]["issuer"] == "Imprint"
    assert body["ledger"] == "match"
    assert body["image"]["id"] == made["id"] and body["image"]["sha256"] == sha256(data)


def test_someone_else_learns_the_credentials_but_not_the_record(app, client, user_key):
    _user, key = user_key
    made = client.post("/ai/generate", json={"prompt": "private"}, headers=bearer(key)).get_json()
    data = _download(client, made, bearer(key))
    with app.app_context():
        _bob, bob_key = make_api_key(app, "bob")
    for headers in (bearer(bob_key), {}):  # another user, and an anonymous caller
        body = _verify(client, data, headers).get_json()
        assert body["state"] == "valid" and body["digital_source_type"] == "algorithmicMedia"
        assert body["image"] is None and body["ledger"] == "not_found"
    assert client.get(f"/ai/generated-images/{made['id']}/provenance", headers=bearer(bob_key)).status_code == 404


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
def test_one_changed_byte_is_invalid(client, fmt):
    data = _download(client, client.post("/ai/generate", json={"prompt": "tamper", "format": fmt}).get_json())
    tampered = bytearray(data)
    tampered[_pixel_offset(data)] ^= 0x01
    body = _verify(client, bytes(tampered)).get_json()
    assert body["credentials"] == "present"
    assert body["state"] == "invalid"
    assert any("mismatch" in f["code"] for f in body["failures"]), body["failures"]
    assert body["image"] is None and body["ledger"] is None


def test_a_damaged_manifest_is_invalid(client):
    data = _download(client, client.post("/ai/generate", json={"prompt": "damaged"}).get_json())
    start = data.index(b"caBX") + 4 + 200  # inside the manifest store's chunk
    damaged = data[:start] + bytes(b ^ 0xFF for b in data[start:start + 64]) + data[start + 64:]
    body = _verify(client, damaged).get_json()
    assert body["credentials"] == "present" and body["state"] == "invalid"
    assert body["image"] is None


def test_unsigned_file_has_no_credentials(client):
    body = _verify(client, png()).get_json()
    assert body == {"credentials": "none"}


def test_uploads_are_bounded_and_named(make_app):
    client = make_app(MAX_UPLOAD_BYTES=1000).test_client()
    too_big = _verify(client, png(size=(400, 400)) + b"\0" * 1000)
    assert too_big.status_code == 413 and "image" in too_big.get_json()["message"]
    for garbage in (b"%PDF-1.7 not an image", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3, b"\xff\xd8\xff" + b"x" * 900):
        not_image = _verify(client, garbage)
        assert not_image.status_code == 422 and "image" in not_image.get_json()["message"]
    missing = client.post("/provenance/verify", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "image" in str(missing.get_json())
    extra = client.post("/provenance/verify", data={"image": (io.BytesIO(png()), "a.png"), "strict": "1"},
                        content_type="multipart/form-data")
    assert extra.status_code == 422 and "strict" in extra.get_json()["message"]  # a form field it does not take


def test_stored_image_provenance(client, user_key):
    _user, key = user_key
    made = client.post("/ai/generate", json={"prompt": "show it"}, headers=bearer(key)).get_json()
    answer = client.get(f"/ai/generated-images/{made['id']}/provenance", headers=bearer(key))
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["state"] == "valid" and body["ledger"] == "match" and body["imprint"]["image_id"] == made["id"]
    assert client.get("/ai/generated-images/00000000-0000-4000-8000-000000000000/provenance",
                      headers=bearer(key)).status_code == 404


def test_a_trust_list_with_the_local_ca_makes_it_trusted(provider_app, tmp_path):
    app = provider_app()
    ca_path = app.extensions["provenance"].credentials.ca_path
    trusting = provider_app(PROVENANCE_TRUST_ANCHORS=ca_path)
    client = trusting.test_client()
    data = _download(client, client.post("/ai/generate", json={"prompt": "trusted"}).get_json())
    body = _verify(client, data).get_json()
    assert body["state"] == "trusted" and body["trusted"] is True


def test_a_forged_signer_with_our_serial_number_is_not_ours(app, client, user_key):
    """Anyone can copy our certificate's names and serial number; the signature does not chain to our CA."""
    import c2pa

    from app.provenance.credentials import make_local_ca

    _user, key = user_key
    made = client.post("/ai/generate", json={"prompt": "original"}, headers=bearer(key)).get_json()
    ours = app.extensions["provenance"].credentials.certificate
    _ca, chain, private = make_local_ca(signer_serial=ours.serial_number)  # same names, same serial, other keys
    manifest = {"claim_generator_info": [{"name": "Imprint", "version": "0.1.0"}], "assertions": [
        {"label": "c2pa.actions", "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": IPTC + "algorithmicMedia"}]}},
        {"label": "org.imprint.image", "data": {"image_id": made["id"]}}]}
    out = io.BytesIO()
    with c2pa.Signer.from_info(c2pa.C2paSignerInfo("es256", chain, private, None)) as signer:
        c2pa.Builder(manifest).sign(signer, "image/png", io.BytesIO(png()), out)

    body = _verify(client, out.getvalue(), bearer(key)).get_json()
    assert body["signer"]["serial_number"] == str(ours.serial_number)  # it looks like ours
    assert body["state"] == "valid" and body["signed_here"] is False
    assert body["ledger"] is None and body["image"] is None


def test_a_stored_file_that_differs_from_its_record_is_not_a_match(app, client, user_key):
    from app.extensions import db
    from app.models import GeneratedImage

    _user, key = user_key
    made = client.post("/ai/generate", json={"prompt": "moved"}, headers=bearer(key)).get_json()
    data = _download(client, made, bearer(key))
    with app.app_context():  # the ledger now holds other bytes for that id (e.g. a re-encoded store)
        db.session.get(GeneratedImage, __import__("uuid").UUID(made["id"])).sha256 = "0" * 64
        db.session.commit()
    body = _verify(client, data, bearer(key)).get_json()
    assert body["state"] == "valid" and body["signed_here"] is True
    assert body["ledger"] == "different_bytes" and body["image"] is None


def test_provider_manifests_are_reported_as_ingredients_valid_or_not(provider_app):
    from tests.ai.servers import serve
    from tests.provenance.conftest import openai_answer, sign_as_provider

    signed = sign_as_provider(png((200, 40, 40), (64, 64)), "image/png")
    # Changed after the provider signed it, still a readable PNG: a text chunk added after IHDR.
    text = b"Comment\x00changed in transit"
    chunk = struct.pack(">I", len(text)) + b"tEXt" + text + struct.pack(">I", zlib.crc32(b"tEXt" + text))
    broken = signed[:33] + chunk + signed[33:]
    for answer_bytes, expected in ((signed, "valid"), (broken, "invalid")):
        with serve(openai_answer(answer_bytes)) as server:
            app = provider_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=server.url + "/v1")
            client = app.test_client()
            made = client.post("/ai/generate", json={"prompt": "a red square"}).get_json()
        body = client.get(f"/ai/generated-images/{made['id']}/provenance").get_json()
        assert body["state"] == "valid"  # Imprint's own manifest holds either way
        parent, = body["ingredients"]
        assert parent["relationship"] == "parentOf" and parent["state"] == expected
        assert parent["manifest"]["claim_generator"] == "ChatGPT test"
        assert parent["manifest"]["digital_source_type"] == "trainedAlgorithmicMedia"
