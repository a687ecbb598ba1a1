"""The official ``openai`` SDK against Imprint's /v1, over HTTP: what an SDK user relies on."""

import base64
import io
import time
import urllib.request

import openai
import pytest
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.models import GeneratedImage, GenerationLog
from app.tracking import flush
from tests.openai_api.conftest import sdk, served


def _records(app):
    with app.app_context():  # a fresh context: the server thread wrote these
        return db.session.scalars(select(GeneratedImage).order_by(GeneratedImage.created_at)).all()


def _logs(app, expected):
    """The generation_logs rows once ``expected`` are there: the server thread writes them after
    each response, so flush() may find them already taken and still being committed."""
    flush(app=app)
    deadline = time.monotonic() + 30
    while True:
        with app.app_context():
            rows = db.session.scalars(select(GenerationLog)).all()
        if len(rows) >= expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.02)


def _png(colour=(200, 40, 40), size=(320, 200), mode="RGB"):
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, "PNG")
    return out.getvalue()


def test_generate_with_url_is_an_absolute_url_to_the_stored_png(app, live_server, user_key):
    user_id, key = user_key
    result = sdk(live_server, key).images.generate(model="procedural", prompt="a lighthouse at dusk",
                                                   size="512x512", user="end-user-42")
    [item] = result.data
    assert item.url.startswith(live_server + "/storage/generated-images/") and item.b64_json is None
    with urllib.request.urlopen(item.url) as response:
        image = Image.open(io.BytesIO(response.read()))
        assert (image.format, image.size) == ("PNG", (512, 512))
    # 512x512 is not in the size enum of OpenAI's ImagesResponse: left out, not echoed
    assert result.size is None and result.output_format == "png" and result.created > 0
    [record] = _records(app)
    assert record.user_id == user_id and record.status == "success"
    assert record.tool_name == "openaiImagesGenerations"
    assert (record.provider, record.model) == ("procedural", "procedural-v1")
    assert float(record.cost_usd) == 0.0
    assert record.meta["api"] == "openai" and record.meta["end_user"] == "end-user-42"
    assert record.meta["requested_model"] == "procedural" and record.meta["response_format"] == "url"
    [log] = _logs(app, 1)
    assert log.success and log.user_id == user_id and log.image_id == record.id
    assert (log.tool_name, log.provider, log.model) == ("openaiImagesGenerations", "procedural", "procedural-v1")
    assert log.costs["total"] == 0.0


def test_generate_b64_json_decodes_to_the_stored_image(app, live_server, user_key):
    _user_id, key = user_key
    result = sdk(live_server, key).images.generate(model="procedural", prompt="a red fox in snow",
                                                   size="256x256", response_format="b64_json",
                                                   output_format="webp",
                                                   extra_body={"imprint_style": "watercolor"})
    [item] = result.data
    assert item.url is None
    data = base64.b64decode(item.b64_json)
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.size) == ("WEBP", (256, 256))
    assert item.revised_prompt.startswith("a red fox in snow") and "watercolor" in item.revised_prompt.lower()
    [record] = _records(app)
    assert record.format == "webp" and record.mime_type == "image/webp" and record.bytes == len(data)
    assert record.style == "watercolor" and record.meta["response_format"] == "b64_json"


def test_n_images_make_n_records_and_n_distinct_images(app, live_server, user_key):
    user_id, key = user_key
    result = sdk(live_server, key).images.generate(model="imprint-procedural", prompt="three boats", n=3,
                                                   size="256x256", response_format="b64_json")
    digests = {base64.b64decode(item.b64_json) for item in result.data}
    assert len(result.data) == 3 and len(digests) == 3
    records = _records(app)
    assert len(records) == 3 and {r.user_id for r in records} == {user_id}
    assert sorted(r.meta["batch_index"] for r in records) == [0, 1, 2]
    assert all(r.n == 3 and r.meta["requested_model"] == "imprint-procedural" for r in records)
    [log] = _logs(app, 1)  # one generation, one log row
    assert log.success


def test_edit_with_a_png_file(app, live_server, user_key):
    user_id, key = user_key
    source = _png()
    result = sdk(live_server, key).images.edit(model="procedural", image=("photo.png", source, "image/png"),
                                               prompt="add a night sky", response_format="b64_json")
    [item] = result.data
    edited = Image.open(io.BytesIO(base64.b64decode(item.b64_json)))
    assert edited.size == (320, 200)  # no size given: the source's shape
    assert edited.getpixel((5, 5)) != (200, 40, 40)  # the art was blended in
    [record] = _records(app)
    assert record.tool_name == "openaiImagesEdits" and record.user_id == user_id
    assert (record.provider, record.status, record.size) == ("procedural", "success", "320x200")
    assert record.meta["endpoint"] == "images.edits" and len(record.meta["input_images"]) == 1
    [log] = _logs(app, 1)
    assert log.tool_name == "openaiImagesEdits" and log.success and log.model == "procedural-v1"


def test_edit_is_deterministic_and_a_mask_keeps_the_opaque_part(app, live_server, user_key):
    _user_id, key = user_key
    mask = Image.new("RGBA", (320, 200), (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (160, 0, 320, 200))  # right half transparent: edit there only
    out = io.BytesIO()
    mask.save(out, "PNG")
    client = sdk(live_server, key)

    def edit():
        result = client.images.edit(model="procedural", image=("a.png", _png(), "image/png"),
                                    mask=("mask.png", out.getvalue(), "image/png"), prompt="a moon",
                                    response_format="b64_json")
        return base64.b64decode(result.data[0].b64_json)

    first, second = edit(), edit()
    # The same pixels; the files differ, since each one's Content Credentials name its record.
    assert Image.open(io.BytesIO(first)).tobytes() == Image.open(io.BytesIO(second)).tobytes()
    image = Image.open(io.BytesIO(first)).convert("RGB")
    assert image.getpixel((10, 100)) == (200, 40, 40)  # kept
    assert image.getpixel((300, 100)) != (200, 40, 40)  # edited
    assert all(r.meta.get("mask_sha256") for r in _records(app))


def test_a_bad_size_is_a_bad_request_naming_size(app, live_server, user_key):
    _user_id, key = user_key
    with pytest.raises(openai.BadRequestError) as raised:
        sdk(live_server, key).images.generate(model="procedural", prompt="x", size="1000x1000")
    assert raised.value.status_code == 400 and raised.value.param == "size"
    assert raised.value.type == "invalid_request_error" and "size" in raised.value.message
    assert _records(app) == []  # nothing written


def test_a_wrong_key_is_an_authentication_error(app, live_server, user_key):
    with pytest.raises(openai.AuthenticationError) as raised:
        sdk(live_server, "imp_not-a-real-key").images.generate(model="procedural", prompt="x")
    assert raised.value.status_code == 401 and raised.value.code == "invalid_api_key"
    assert _records(app) == []


def test_the_daily_quota_is_a_rate_limit_error_and_is_not_retried(build_app, user_key):
    app = build_app(DAILY_GENERATION_LIMIT=1)
    _user_id, key = user_key
    with served(app) as url:
        client = sdk(url, key)
        client.images.generate(model="procedural", prompt="first", size="256x256")
        with pytest.raises(openai.RateLimitError) as raised:
            client.images.generate(model="procedural", prompt="second", size="256x256")
    error = raised.value
    assert error.status_code == 429 and error.code == "insufficient_quota" and error.type == "insufficient_quota"
    assert int(error.response.headers["Retry-After"]) > 0
    assert error.response.headers["x-should-retry"] == "false"  # retrying today cannot succeed
    [record] = _records(app)  # the refused call wrote nothing
    assert record.prompt == "first"


def test_the_ledger_holds_each_call_with_its_user_model_cost_and_status(app, live_server, user_key, admin_key):
    user_id, key = user_key
    admin_id, admin = admin_key
    sdk(live_server, key).images.generate(model="procedural", prompt="one", size="256x256")
    sdk(live_server, admin).images.generate(model="procedural", prompt="two", size="256x256", n=2)
    with pytest.raises(openai.BadRequestError):
        sdk(live_server, key).images.generate(model="procedural", prompt="three", n=99)
    records = _records(app)
    assert [(r.prompt, r.user_id, r.status) for r in records] == [
        ("one", user_id, "success"), ("two", admin_id, "success"), ("two", admin_id, "success")]
    assert all(r.model == "procedural-v1" and float(r.cost_usd) == 0.0 for r in records)
    listed = sdk(live_server, key).models.list()
    assert [m.id for m in listed.data] == ["procedural", "imprint-procedural"]
    logs = _logs(app, 2)
    assert sorted((log.user_id == admin_id, log.success) for log in logs) == [(False, True), (True, True)]
