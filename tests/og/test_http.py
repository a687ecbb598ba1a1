"""GET /og over HTTP: determinism, sizes, escaping, bounds, caching headers, 304 and HEAD."""

import io
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from PIL import Image

from app.og import presets

QUOTE = ("The best way to predict the future is to invent it; the second best is to "
         "render it fast and cache it forever, they say.")


def get_card(client, **params):
    response = client.get("/og?" + urlencode(params))
    assert response.status_code == 200, response.get_json()
    return response


def test_same_params_same_bytes_and_etag_across_apps(make_app):
    first = get_card(make_app().test_client(), seed="same", quote=QUOTE, author="Alan Kay")
    second = get_card(make_app().test_client(), seed="same", quote=QUOTE, author="Alan Kay")
    assert first.data == second.data and first.headers["ETag"] == second.headers["ETag"]
    other = get_card(make_app().test_client(), seed="other", quote=QUOTE, author="Alan Kay")
    assert other.data != first.data and other.headers["ETag"] != first.headers["ETag"]


def test_png_is_served_like_a_static_file(client):
    response = get_card(client, seed="static", quote="Hello")
    assert response.content_type == "image/png"
    assert response.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert int(response.headers["Content-Length"]) == len(response.data)


def test_path_form_serves_the_same_card(client):
    query = get_card(client, seed="hello", quote=QUOTE, format="svg")
    path = client.get("/og/hello.svg?" + urlencode({"quote": QUOTE, "utm_source": "x"}))
    assert path.status_code == 200 and path.data == query.data
    assert path.headers["ETag"] == query.headers["ETag"]
    dotted = client.get("/og/v1.2.jpg")
    assert dotted.status_code == 200 and dotted.content_type == "image/jpeg"
    assert dotted.data == get_card(client, seed="v1.2", format="jpeg").data


@pytest.mark.parametrize("aspect", presets.ASPECTS)
def test_every_preset_has_its_exact_pixel_size(client, aspect):
    response = client.get(f"/og/size.png?aspect={aspect}&quote=Sized")
    image = Image.open(io.BytesIO(response.data))
    image.load()
    preset = presets.get_preset(aspect)
    assert (image.format, image.size) == ("PNG", (preset.width, preset.height))


def test_custom_size_overrides_the_preset(client):
    image = Image.open(io.BytesIO(get_card(client, seed="c", aspect="square", width=640, height=64).data))
    assert image.size == (640, 64)


@pytest.mark.parametrize("fmt, content_type, magic", [
    ("webp", "image/webp", b"RIFF"), ("jpeg", "image/jpeg", b"\xff\xd8"),
])
def test_other_formats(client, fmt, content_type, magic):
    response = get_card(client, seed="f", format=fmt)
    assert response.content_type == content_type and response.data.startswith(magic)


def test_svg_escapes_text_and_is_sandboxed(client):
    quote = '<script>alert("x")</script> & \'single\' "double" 😀 ]]> end'
    author = "</title><script>evil()</script>"
    response = get_card(client, seed="esc", format="svg", quote=quote, author=author)
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Security-Policy"].startswith("sandbox")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    root = ET.fromstring(response.data)
    assert not [el for el in root.iter() if el.tag.rsplit("}", 1)[-1] in ("script", "foreignObject")]
    title = root.find("{http://www.w3.org/2000/svg}title").text
    assert quote in title and author in title


BOUNDS = [
    ("width", {"width": "63"}, "64 and 4096"),
    ("width", {"width": "4097"}, "64 and 4096"),
    ("width", {"width": "huge"}, "64 and 4096"),
    ("height", {"height": "0"}, "64 and 4096"),
    ("height", {"height": "1000000000"}, "64 and 4096"),
    ("shapes", {"shapes": "-1"}, f"0 and {presets.MAX_SHAPES}"),
    ("shapes", {"shapes": str(presets.MAX_SHAPES + 1)}, f"0 and {presets.MAX_SHAPES}"),
    ("quote", {"quote": "q" * (presets.MAX_QUOTE + 1)}, f"at most {presets.MAX_QUOTE}"),
    ("author", {"author": "a" * (presets.MAX_AUTHOR + 1)}, f"at most {presets.MAX_AUTHOR}"),
    ("aspect", {"aspect": "cinema"}, "default"),
    ("theme", {"theme": "neon"}, "sunset"),
    ("format", {"format": "gif"}, "png"),
    ("seed", {"seed": ""}, "1 and 255"),
    ("seed", {"seed": "s" * 256}, "1 and 255"),
]


@pytest.mark.parametrize("field, params, expected", BOUNDS)
def test_every_bound_is_a_400_naming_the_field_and_its_range(client, field, params, expected):
    response = client.get("/og?" + urlencode({"seed": "bounds", **params}))
    assert response.status_code == 400
    body = response.get_json()
    assert list(body["errors"]["query"]) == [field]
    assert body["message"].startswith(f"{field}:") and expected in body["message"]


def test_missing_seed_and_bad_path_extension_are_400(client):
    missing = client.get("/og?quote=hi")
    assert missing.status_code == 400 and "seed" in missing.get_json()["errors"]["query"]
    bad_ext = client.get("/og/hello.gif")
    assert bad_ext.status_code == 400 and "format" in bad_ext.get_json()["errors"]["query"]
    too_wide = client.get("/og/hello.png?width=9999")
    assert too_wide.status_code == 400 and "width" in too_wide.get_json()["errors"]["query"]
    long_seed = client.get("/og/" + "s" * 256 + ".png")
    assert long_seed.status_code == 400 and "seed" in long_seed.get_json()["errors"]["query"]


def test_if_none_match_is_answered_304_without_rendering(make_app):
    etag = get_card(make_app().test_client(), seed="etag", quote="Hi").headers["ETag"]
    fresh = make_app()  # empty cache: a render would fill it
    client = fresh.test_client()
    for header in (etag, f"W/{etag}", f'"nope", {etag}', "*"):
        response = client.get("/og?seed=etag&quote=Hi", headers={"If-None-Match": header})
        assert response.status_code == 304 and response.data == b""
        assert response.headers["ETag"] == etag
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert len(fresh.extensions.get("og_cache") or ()) == 0
    stale = client.get("/og?seed=etag&quote=Hi", headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200 and stale.headers["ETag"] == etag


def test_head_has_the_headers_and_length_but_no_body(client):
    get = get_card(client, seed="head", format="svg")
    head = client.head("/og?seed=head&format=svg")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == str(len(get.data))
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["Content-Type"] == get.headers["Content-Type"]


def test_a_repeat_comes_from_the_cache_and_the_cache_is_bounded_in_bytes(make_app):
    app = make_app(OG_CACHE_BYTES=400_000)
    client = app.test_client()
    first = get_card(client, seed="repeat")
    second = get_card(client, seed="repeat")
    assert first.headers["Server-Timing"].startswith("render;")
    assert second.headers["Server-Timing"].startswith("cache;") and second.data == first.data
    for index in range(12):
        get_card(client, seed=f"fill-{index}")
    cache = app.extensions["og_cache"]
    assert 0 < cache.size <= 400_000 and len(cache) < 13


def test_without_a_cache_cards_are_still_served(make_app):
    client = make_app(OG_CACHE_BYTES=0).test_client()
    assert get_card(client, seed="nocache").data == get_card(client, seed="nocache").data


def test_openapi_documents_the_card_parameters_and_their_bounds(client):
    spec = client.get("/openapi.json").get_json()
    params = {p["name"]: p for p in spec["paths"]["/og"]["get"]["parameters"]}
    assert params["seed"]["required"] is True
    assert (params["width"]["schema"]["minimum"], params["width"]["schema"]["maximum"]) == (64, 4096)
    assert set(params) >= {"aspect", "quote", "author", "height", "shapes", "format", "theme"}
    assert "image/png" in spec["paths"]["/og"]["get"]["responses"]["200"]["content"]
    assert "/og/{seed}.{ext}" in spec["paths"]


def test_a_ten_megapixel_card_is_refused_before_rendering(client):
    answer = client.get("/og?seed=big&width=4000&height=2500")
    assert answer.status_code == 400
    assert "width" in answer.json["errors"]["query"]
    assert "4194304" in answer.json["message"]
    assert client.get("/og?seed=big&width=2048&height=2048").status_code == 200
