"""Private images: the URLs the API hands out are signed and expire; unsigned, tampered and expired
ones are 403; the dashboard keeps showing the images."""

from urllib.parse import urlsplit

from app.storage.private import UrlSigner
from tests.support import bearer


def _path(url):
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def test_private_urls_are_signed_and_expire(make_app, user_key):
    app = make_app(STORAGE_PRIVATE=True, STORAGE_URL_EXPIRES=600)
    client = app.test_client()
    from tests.support import make_api_key

    with app.app_context():
        _, key = make_api_key(app, "private-owner")
    made = client.post("/ai/generate", json={"prompt": "a private lighthouse", "size": "512x512"},
                       headers=bearer(key)).get_json()
    url = made["image_url"]
    assert "expires=" in url and "sig=" in url
    assert client.get(_path(url)).status_code == 200
    assert client.get(_path(url) + "&w=128&format=webp").status_code == 200  # variants of it too
    bare = urlsplit(url).path
    assert client.get(bare).status_code == 403
    assert client.get(bare + "?w=128").status_code == 403
    assert client.get(_path(url).replace("sig=", "sig=x")).status_code == 403
    bucket, key_path = bare.removeprefix("/storage/").split("/", 1)
    expired = UrlSigner("test-secret", 600).query(bucket, key_path, now=0)  # expired in 1970
    assert client.get(f"{bare}?{expired}").status_code == 403
    fresh = client.get(f"/ai/generated-images/{made['id']}", headers=bearer(key)).get_json()["image_url"]
    assert client.get(_path(fresh)).status_code == 200  # the API signs afresh on every answer


def test_public_by_default(app, user_key):
    client = app.test_client()
    made = client.post("/ai/generate", json={"prompt": "a public lighthouse", "size": "512x512"},
                       headers=bearer(user_key[1])).get_json()
    assert "sig=" not in made["image_url"]
    assert client.get(_path(made["image_url"])).status_code == 200
