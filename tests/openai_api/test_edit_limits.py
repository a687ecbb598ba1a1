"""``/v1/images/edits`` checks what is cheap first (quota, counts, headers, total pixels), decodes last.

The uploads here have a valid PNG header claiming a large image but carry only
a 1x1 image's data: decoding them fails, so a refusal that names the quota,
the total pixels or the mask shows that nothing was decoded before it.
"""

import io
import struct
import zlib

from tests.ai.servers import png_bytes
from tests.support import bearer


def _claims(width, height, mode=6):
    """A PNG whose header claims ``width``x``height`` (colour type ``mode``; 6 = RGBA) over 1x1 data."""
    data = bytearray(png_bytes(size=(1, 1)))
    ihdr = bytearray(data[12:29])
    ihdr[4:12] = struct.pack(">II", width, height)
    ihdr[13] = mode
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(data)


def _edit(client, images, mask=None, headers=None):
    files = [("image[]", (io.BytesIO(data), f"{i}.png", "image/png")) for i, data in enumerate(images)]
    form = {"prompt": "add a hat", "image[]": [f[1] for f in files]}
    if mask is not None:
        form["mask"] = (io.BytesIO(mask), "mask.png", "image/png")
    return client.post("/v1/images/edits", data=form, headers=headers or {}, content_type="multipart/form-data")


def test_total_pixels_of_a_request_are_bounded_before_decoding(make_app, user_key):
    app = make_app(MAX_EDIT_PIXELS=50_000_000)
    response = _edit(app.test_client(), [_claims(6000, 6000)] * 2, headers=bearer(user_key[1]))
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["param"] == "image" and "72000000 pixels" in error["message"] and "MAX_EDIT_PIXELS" in error["message"]


def test_a_spent_quota_is_refused_before_any_decoding(make_app):
    app = make_app(ANON_DAILY_GENERATION_LIMIT=0)
    response = _edit(app.test_client(), [_claims(4000, 4000)])
    assert response.status_code == 429, response.get_json()


def test_a_bad_mask_is_refused_from_its_header(make_app, user_key):
    app = make_app()
    wrong_size = _edit(app.test_client(), [_claims(3000, 3000)], mask=_claims(10, 10),
                       headers=bearer(user_key[1]))
    assert wrong_size.status_code == 400 and "size of the image" in wrong_size.get_json()["error"]["message"]
    no_alpha = _edit(app.test_client(), [_claims(3000, 3000)], mask=_claims(3000, 3000, mode=2),
                     headers=bearer(user_key[1]))
    assert no_alpha.status_code == 400 and "alpha" in no_alpha.get_json()["error"]["message"]


def test_a_truncated_image_is_still_refused_once_decoded_and_its_quota_given_back(make_app, user_key):
    app = make_app(DAILY_GENERATION_LIMIT=1)
    client, headers = app.test_client(), bearer(user_key[1])
    response = _edit(client, [_claims(300, 300)], headers=headers)
    assert response.status_code == 400 and response.get_json()["error"]["param"] == "image"
    assert client.get("/me/usage", headers=headers).get_json()["generations_today"] == 0
    assert _edit(client, [png_bytes(size=(64, 64))], headers=headers).status_code == 200


def test_a_form_field_sent_as_null_is_not_given_where_null_can_mean_nothing_else(make_app, user_key):
    client = make_app().test_client()
    form = {"prompt": "null", "image": (io.BytesIO(png_bytes(size=(64, 64))), "a.png", "image/png"),
            "size": "null", "n": "null", "background": "null"}
    made = client.post("/v1/images/edits", data=form, headers=bearer(user_key[1]), content_type="multipart/form-data")
    assert made.status_code == 200 and len(made.get_json()["data"]) == 1, made.get_json()
    form = {"prompt": "x", "image": (io.BytesIO(png_bytes(size=(64, 64))), "a.png", "image/png"), "size": "big"}
    refused = client.post("/v1/images/edits", data=form, headers=bearer(user_key[1]), content_type="multipart/form-data")
    assert refused.status_code == 400 and refused.get_json()["error"]["param"] == "size"
