"""Image variants for the web: sizes from a list, WebP/AVIF/JPEG/PNG decoded back by Pillow, Accept
negotiation, made once and kept, signed as a resize of the original, and gone with their source."""

import io

import c2pa
from PIL import Image

from app.models import ImageVariant
from tests.support import bearer

CHROME_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"


def _image(client, key, **fields):
    fields = fields or {"size": "1024x1024"}
    made = client.post("/ai/generate", headers=bearer(key), json={"prompt": "a lighthouse at dusk", **fields})
    assert made.status_code == 201, made.get_json()
    return made.get_json()


def _decode(body):
    picture = Image.open(io.BytesIO(body))
    picture.load()
    return picture


def test_a_320_wide_avif_decodes_to_320_pixels(app, user_key):
    client = app.test_client()
    image = _image(client, user_key[1])
    answer = client.get(f"/ai/generated-images/{image['id']}/image?w=320&format=avif", headers=bearer(user_key[1]))
    assert answer.status_code == 200 and answer.mimetype == "image/avif"
    picture = _decode(answer.data)
    assert picture.format == "AVIF" and picture.size == (320, 320)
    assert "immutable" in answer.headers["Cache-Control"] and answer.headers["ETag"]


def test_the_storage_url_takes_the_same_parameters_and_cover_crops(app, user_key):
    client = app.test_client()
    image = _image(client, user_key[1], aspect_ratio="16:9")
    path = image["image_url"].split("://", 1)[-1]
    path = path[path.index("/storage/"):]
    answer = client.get(path + "?w=256&h=256&fit=cover&format=jpeg&q=65")
    assert answer.status_code == 200 and _decode(answer.data).size == (256, 256)
    contained = _decode(client.get(path + "?w=256&h=256&format=png").data)
    assert contained.width == 256 and contained.height < 256  # the whole image inside the box
    assert client.get(path + "?w=256&fit=cover").status_code == 400


def test_auto_gives_what_the_browser_takes_and_varies_on_accept(app, user_key):
    client = app.test_client()
    image = _image(client, user_key[1])
    url = f"/ai/generated-images/{image['id']}/image?w=480&format=auto"
    chrome = client.get(url, headers={**bearer(user_key[1]), "Accept": CHROME_ACCEPT})
    assert chrome.mimetype == "image/avif" and _decode(chrome.data).format == "AVIF"
    assert "Accept" in chrome.headers["Vary"]
    webp_only = client.get(url, headers={**bearer(user_key[1]), "Accept": "image/webp,*/*"})
    assert webp_only.mimetype == "image/webp" and _decode(webp_only.data).format == "WEBP"
    old = client.get(url, headers={**bearer(user_key[1]), "Accept": "*/*"})
    assert old.mimetype == image.get("mime_type", "image/png")


def test_a_variant_is_made_once_then_read_from_storage(app, user_key, monkeypatch):
    from app.storage import variants

    client = app.test_client()
    image = _image(client, user_key[1])
    url = f"/ai/generated-images/{image['id']}/image?w=640&format=webp"
    first = client.get(url, headers=bearer(user_key[1]))
    made = []
    monkeypatch.setattr(variants, "make_variant", lambda *a: made.append(a) or (b"never", 1, 1))
    second = client.get(url, headers=bearer(user_key[1]))
    assert made == [] and second.data == first.data
    assert client.get(url, headers={**bearer(user_key[1]), "If-None-Match": first.headers["ETag"]}).status_code == 304
    with app.app_context():
        assert ImageVariant.query.count() == 1


def test_sizes_outside_the_list_and_bad_values_are_400(app, user_key):
    client = app.test_client()
    image = _image(client, user_key[1])
    base = f"/ai/generated-images/{image['id']}/image"
    for query, field in (("w=321", "w"), ("w=99999999", "w"), ("h=abc", "h"), ("format=gif", "format"),
                         ("q=77", "q"), ("fit=stretch", "fit")):
        answer = client.get(f"{base}?{query}", headers=bearer(user_key[1]))
        assert answer.status_code == 400, query
        assert field in str(answer.get_json()), query


def test_others_cannot_fetch_a_users_image_or_its_variants(app, user_key, admin_key):
    from tests.support import make_api_key

    client = app.test_client()
    image = _image(client, user_key[1])
    with app.app_context():
        _, other = make_api_key(app, "mallory")
    url = f"/ai/generated-images/{image['id']}/image?w=320"
    assert client.get(url, headers=bearer(other)).status_code == 404
    assert client.get(url).status_code == 404
    assert client.get(url, headers=bearer(admin_key[1])).status_code == 200
    own = client.get(url, headers=bearer(user_key[1]))
    assert own.headers["Cache-Control"].startswith("private")


def test_a_variant_of_a_signed_image_names_the_original_as_its_parent(app, user_key):
    client = app.test_client()
    image = _image(client, user_key[1])
    body = client.get(f"/ai/generated-images/{image['id']}/image?w=320&format=webp",
                      headers=bearer(user_key[1])).data
    with c2pa.Reader("image/webp", io.BytesIO(body)) as reader:
        import json

        store = json.loads(reader.json())
    active = store["manifests"][store["active_manifest"]]
    actions = [a["action"] for assertion in active["assertions"] if assertion["label"].startswith("c2pa.actions")
               for a in assertion["data"]["actions"]]
    assert actions == ["c2pa.opened", "c2pa.resized"]
    parent = active["ingredients"][0]
    assert parent["relationship"] == "parentOf"
    original = store["manifests"][parent["active_manifest"]]
    ledger = [a["data"] for a in original["assertions"] if "image_id" in str(a.get("data", {}))]
    assert ledger and ledger[0]["image_id"] == image["id"]


def test_variants_go_with_the_last_reference_to_their_source(app, user_key):
    from app.extensions import db
    from app.history.files import delete_unreferenced
    from app.models import GeneratedImage
    from app.storage import get_storage

    client = app.test_client()
    image = _image(client, user_key[1])
    client.get(f"/ai/generated-images/{image['id']}/image?w=320&format=webp", headers=bearer(user_key[1]))
    with app.app_context():
        row = db.session.get(GeneratedImage, __import__("uuid").UUID(image["id"]))
        key = row.storage_key
        variant_key = ImageVariant.query.one().variant_key
        storage = get_storage()
        assert storage.exists("image-variants", variant_key)
        db.session.delete(row)
        assert delete_unreferenced(storage, "generated-images", [key]) == 1
        db.session.commit()
        assert not storage.exists("image-variants", variant_key)
        assert ImageVariant.query.count() == 0
