"""Readers independent of app/provenance: c2pa's own Reader, and ExifTool (Debian's libimage-exiftool-perl)."""

import base64
import hashlib
import io
import json
import shutil
import subprocess

import c2pa
import pytest
from PIL import Image

from tests.support import require_service

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def read_manifest(data):
    """(validation state, active manifest, every manifest, validation results) as c2pa's Reader gives them."""
    reader = c2pa.Reader.try_create(_mime(data), io.BytesIO(data))
    if reader is None:
        return None
    with reader:
        store = json.loads(reader.json())
        state = reader.get_validation_state()
    return state, store["manifests"][store["active_manifest"]], store["manifests"], store.get("validation_results")


def actions(manifest):
    found = []
    for assertion in manifest["assertions"]:
        if assertion["label"].startswith("c2pa.actions"):
            found += assertion["data"]["actions"]
    return found


def assertion(manifest, label):
    return next((a["data"] for a in manifest["assertions"] if a["label"] == label), None)


def failure_codes(results):
    return [f["code"] for f in (results or {}).get("activeManifest", {}).get("failure", [])]


def _mime(data):
    if data.lstrip().startswith(b"<"):
        return "image/svg+xml"
    with Image.open(io.BytesIO(data)) as image:
        return Image.MIME[image.format]


@pytest.fixture(scope="session")
def exiftool():
    """Run ExifTool on bytes; its XMP tags as a dict (``XMP-iptcExt:DigitalSourceType`` …)."""
    path = shutil.which("exiftool")
    if path is None:
        require_service("exiftool", "install Debian's libimage-exiftool-perl")

    def read(data):
        done = subprocess.run([path, "-j", "-G1", "-XMP:all", "-"], input=data, capture_output=True,
                              check=True, timeout=60)
        return json.loads(done.stdout)[0]

    return read


def sign_as_provider(data, mime_type, organization="OpenAI stand-in"):
    """``data`` signed the way OpenAI signs its answers: c2pa.created, trainedAlgorithmicMedia."""
    from app.provenance.credentials import make_local_ca

    _ca, chain, key = make_local_ca(common_name=f"{organization} signer", organization=organization)
    manifest = {"claim_generator_info": [{"name": "ChatGPT", "version": "test"}], "title": "image.png",
                "assertions": [{"label": "c2pa.actions", "data": {"actions": [
                    {"action": "c2pa.created", "digitalSourceType": IPTC + "trainedAlgorithmicMedia"}]}}]}
    out = io.BytesIO()
    with c2pa.Signer.from_info(c2pa.C2paSignerInfo("es256", chain, key, None)) as signer:
        c2pa.Builder(manifest).sign(signer, mime_type, io.BytesIO(data), out)
    return out.getvalue()


def png(colour=(30, 120, 200), size=(96, 64)):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def openai_answer(image_bytes):
    """An images answer as OpenAI's published schema has it, refusing what OpenAI refuses."""

    def answer(seen):
        if seen.headers.get("authorization") != "Bearer sk-test":
            return 401, {}, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                                       "param": None, "code": "invalid_api_key"}}
        if seen.path not in ("/v1/images/generations", "/v1/images/edits"):
            return 404, {}, {"error": {"message": "Unknown URL", "type": "invalid_request_error",
                                       "param": None, "code": None}}
        if seen.path == "/v1/images/generations" and not seen.json().get("prompt"):
            return 400, {}, {"error": {"message": "prompt is required", "type": "invalid_request_error",
                                       "param": "prompt", "code": None}}
        return 200, {}, {"created": 1764580000, "data": [{"b64_json": base64.b64encode(image_bytes).decode()}],
                         "usage": {"input_tokens": 12, "output_tokens": 4160, "total_tokens": 4172,
                                   "input_tokens_details": {"text_tokens": 12, "image_tokens": 0}}}

    return answer
