"""Importing a dataset image from a URL goes through the SSRF guard."""

import io
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from app.security.ssrf import fetch_url, is_blocked_address
from tests.support import bearer, serve_in_thread


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 80, 40)).save(buffer, "PNG")
    return buffer.getvalue()


class _Images(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/to-metadata":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/iam/")
            self.end_headers()
            return
        body = _png()
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def dataset(client, user_key):
    _u, key = user_key
    created = client.post("/ai/datasets", json={"name": "Coffee Co."}, headers=bearer(key))
    return created.json["id"], key


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:5000/healthz", "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.8/logo.png", "http://[::1]/x.png", "http://localhost/x.png",
])
def test_urls_into_our_own_network_are_refused(client, dataset, url):
    dataset_id, key = dataset
    answer = client.post(f"/ai/datasets/{dataset_id}/images/import", json={"url": url}, headers=bearer(key))
    assert answer.status_code == 422
    assert "url" in answer.json["errors"]["json"]


def test_non_http_schemes_are_refused(client, dataset):
    dataset_id, key = dataset
    answer = client.post(f"/ai/datasets/{dataset_id}/images/import", json={"url": "file:///etc/passwd"},
                         headers=bearer(key))
    assert answer.status_code == 422 and "url" in answer.json["errors"]["json"]


def test_a_public_image_is_imported_and_a_redirect_to_metadata_is_not(app, dataset):
    from app.ai.errors import RequestError
    from app.datasets import service as datasets
    from app.extensions import db
    from app.models import Dataset

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Images)
    serve_in_thread(server)
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def public_stand_in(url, **limits):
        # The loopback test server stands in for a public host; every other address keeps the real rules.
        return fetch_url(url, blocked=lambda a: a != "127.0.0.1" and is_blocked_address(a), **limits)

    dataset_id, _key = dataset
    try:
        with app.app_context():
            row = db.session.get(Dataset, uuid.UUID(dataset_id))
            image = datasets.import_dataset_image(row, f"{base}/logo.png", fetch=public_stand_in)
            assert (image.width, image.height, image.mime_type) == (32, 32, "image/png")
            with pytest.raises(RequestError) as refused:
                datasets.import_dataset_image(row, f"{base}/to-metadata", fetch=public_stand_in)
            assert refused.value.field == "url" and "non-public" in refused.value.message
    finally:
        server.shutdown()
