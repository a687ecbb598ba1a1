"""Upload limits on the dataset page, as a browser's form sends them: each one refused with its reason."""

import io
import re

from PIL import Image

from tests.dashboard.support import TOKEN, signed_in_client
from tests.support import make_api_key


def _png(size, noisy=True):
    buffer = io.BytesIO()
    image = Image.effect_noise(size, 80).convert("RGB") if noisy else Image.new("RGB", size, (9, 99, 199))
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _errors(page):
    return re.findall(r'class="field-error"[^>]*>([^<]*)', page.text)


def test_each_upload_limit_is_enforced_and_explained(make_app):
    app = make_app(MAX_UPLOAD_BYTES=30_000, MAX_UPLOAD_PIXELS=40_000, MAX_DATASET_IMAGES=2,
                   MAX_CONTENT_LENGTH=200_000)
    with app.app_context():
        _, key = make_api_key(app, "uploader")
    client = signed_in_client(app, key)
    token = TOKEN.search(client.get("/dashboard/datasets").text).group(1)
    made = client.post("/dashboard/datasets", data={"csrf_token": token, "name": "Limits"})
    page_url = made.headers["Location"]
    page = client.get(page_url)
    assert "at most 30,000 bytes" in page.text and "40,000 pixels" in page.text and "holds at most 2" in page.text

    def upload(*files):
        data = {"csrf_token": token, "file": [(io.BytesIO(body), name) for name, body in files]}
        return client.post(f"{page_url}/images", data=data, content_type="multipart/form-data")

    big = _png((150, 150))
    assert 30_000 < len(big) < 200_000
    answer = upload(("big.png", big))
    assert answer.status_code == 422 and "big.png: file is larger than 30000 bytes" in _errors(answer)[0]
    wide = _png((300, 150), noisy=False)  # 45,000 pixels in a few hundred bytes
    answer = upload(("wide.png", wide))
    assert answer.status_code == 422 and "45000 pixels; at most 40000" in _errors(answer)[0]
    answer = upload(("huge.bin", b"\0" * 250_000))
    assert answer.status_code == 413 and "200,000 bytes" in answer.text  # the whole request, before reading it
    answer = upload(("none", b""))
    assert answer.status_code in (400, 422)

    small = [(f"{n}.png", _png((40, 40 + n), noisy=False)) for n in range(3)]
    answer = upload(*small)
    assert answer.status_code == 422 and "2.png: a dataset holds at most 2 images" in _errors(answer)[0]
    assert len(re.findall(r'<figure class="tile reference"', answer.text)) == 2
