"""Presigned S3 URLs: SigV4 always, path-style or virtual-hosted by setting, fetchable."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from app.storage import build_storage

pytest.importorskip("boto3")


def _storage(settings, **extra):
    return build_storage({"STORAGE_BACKEND": "s3", "S3_BUCKET": "imprint", **settings, **extra})


def _assert_sigv4(url):
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert "X-Amz-Signature" in query and "X-Amz-Credential" in query
    assert "AWSAccessKeyId" not in query and "Signature" not in query


def test_presigned_urls_are_sigv4_in_us_east_1_and_fetchable_path_style(s3_endpoint):
    settings, _client = s3_endpoint
    storage = _storage(settings, S3_REGION="us-east-1")
    stored = storage.put("generated-images", "ab/abc.png", b"\x89PNG sigv4", "image/png")
    _assert_sigv4(stored.url)
    endpoint = urlsplit(settings["S3_ENDPOINT_URL"])
    parts = urlsplit(stored.url)
    assert parts.netloc == endpoint.netloc and parts.path == "/imprint/generated-images/ab/abc.png"
    response = requests.get(stored.url, timeout=10)
    assert response.status_code == 200 and response.content == b"\x89PNG sigv4"


def test_virtual_hosted_addressing_by_setting(s3_endpoint):
    settings, _client = s3_endpoint
    port = urlsplit(settings["S3_ENDPOINT_URL"]).port
    _storage(settings).put("generated-images", "cd/cde.png", b"virtual bytes", "image/png")
    storage = _storage({**settings, "S3_ENDPOINT_URL": f"http://localhost:{port}"},
                       S3_ADDRESSING_STYLE="virtual")
    url = storage.url("generated-images", "cd/cde.png")
    parts = urlsplit(url)
    assert parts.netloc == f"imprint.localhost:{port}" and parts.path == "/generated-images/cd/cde.png"
    _assert_sigv4(url)
    # imprint.localhost may not resolve here: send to the loopback with the signed Host header.
    response = requests.get(f"http://127.0.0.1:{port}{parts.path}?{parts.query}",
                            headers={"Host": parts.netloc}, timeout=10)
    assert response.status_code == 200 and response.content == b"virtual bytes"


def test_aws_defaults_to_virtual_hosted_sigv4():
    storage = _storage({"S3_ACCESS_KEY_ID": "AKIDEXAMPLE", "S3_SECRET_ACCESS_KEY": "secret"},
                       S3_REGION="us-east-1")
    url = storage.url("generated-images", "ef/efg.png")
    assert urlsplit(url).netloc == "imprint.s3.amazonaws.com"
    _assert_sigv4(url)
    path_style = _storage({"S3_ACCESS_KEY_ID": "AKIDEXAMPLE", "S3_SECRET_ACCESS_KEY": "secret"},
                          S3_REGION="eu-west-1", S3_ADDRESSING_STYLE="path")
    assert urlsplit(path_style.url("generated-images", "x.png")).path.startswith("/imprint/")


def test_an_unknown_addressing_style_is_refused():
    with pytest.raises(ValueError, match="S3_ADDRESSING_STYLE must be one of path, virtual"):
        _storage({}, S3_ADDRESSING_STYLE="dns")


def test_objects_are_written_with_cache_control(s3_endpoint):  # noqa: F811
    settings, client = s3_endpoint
    _storage(settings).put("generated-images", "cc/public.png", b"\x89PNG public", "image/png")
    head = client.head_object(Bucket="imprint", Key="generated-images/cc/public.png")
    assert head["CacheControl"] == "public, max-age=31536000, immutable"  # keys are content hashes
    _storage(settings, STORAGE_PRIVATE=True).put("generated-images", "cc/private.png", b"\x89PNG private",
                                                 "image/png")
    head = client.head_object(Bucket="imprint", Key="generated-images/cc/private.png")
    assert head["CacheControl"] == "private, max-age=31536000, immutable"
    with pytest.raises(RuntimeError, match="S3_PUBLIC_URL"):
        _storage(settings, STORAGE_PRIVATE=True, S3_PUBLIC_URL="https://cdn.example.com/{key}")
