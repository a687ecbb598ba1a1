"""Curation: each action by the owner, by another user (404, nothing changes) and by an admin; files
go only with their last reference; shared links are read-only and revocable; ZIPs stream."""

import tracemalloc
import zipfile

from app.extensions import db
from app.models import GeneratedImage, GenerationLog
from tests.support import bearer, make_api_key


def _make(client, key, prompt="a lighthouse", **fields):
    made = client.post("/ai/generate", headers=bearer(key), json={"prompt": prompt, "size": "512x512", **fields})
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]


def _people(app):
    with app.app_context():
        return (make_api_key(app, "owner")[1], make_api_key(app, "other")[1],
                make_api_key(app, "boss", is_admin=True)[1])


def test_delete_one_image_owner_other_and_admin(app):
    owner, other, admin = _people(app)
    client = app.test_client()
    first, second = _make(client, owner), _make(client, owner, "a fox")
    assert client.delete(f"/ai/generated-images/{first}", headers=bearer(other)).status_code == 404
    assert client.get(f"/ai/generated-images/{first}", headers=bearer(owner)).status_code == 200
    assert client.delete(f"/ai/generated-images/{first}").status_code == 401
    assert client.delete(f"/ai/generated-images/{first}", headers=bearer(owner)).status_code == 204
    assert client.get(f"/ai/generated-images/{first}", headers=bearer(owner)).status_code == 404
    assert client.delete(f"/ai/generated-images/{second}", headers=bearer(admin)).status_code == 204
    with app.app_context():
        assert db.session.query(GeneratedImage).count() == 0
        assert db.session.query(GenerationLog).count() >= 0  # logs are tracking events; they are not deleted


def test_tags_and_favourites(app):
    owner, other, admin = _people(app)
    client = app.test_client()
    image = _make(client, owner)
    url = f"/ai/generated-images/{image}"
    assert client.patch(url, json={"tags": ["hero", "blue"]}, headers=bearer(other)).status_code == 404
    answer = client.patch(url, json={"tags": ["hero", "blue"]}, headers=bearer(owner))
    assert answer.status_code == 200 and answer.get_json()["tags"] == ["hero", "blue"]
    assert client.get(url, headers=bearer(owner)).get_json()["tags"] == ["hero", "blue"]
    too_many = client.patch(url, json={"tags": [f"t{n}" for n in range(21)]}, headers=bearer(owner))
    assert too_many.status_code == 422 and "tags" in too_many.get_json()["message"]
    assert client.patch(url, json={"tags": ["x"], "extra": 1}, headers=bearer(owner)).status_code == 422

    assert client.put(url + "/favorite", headers=bearer(other)).status_code == 404
    assert client.put(url + "/favorite", headers=bearer(owner)).status_code == 204
    assert client.put(url + "/favorite", headers=bearer(owner)).status_code == 204  # idempotent
    favourites = client.get("/favorites/images", headers=bearer(owner)).get_json()
    assert [item["id"] for item in favourites["items"]] == [image] and favourites["total"] == 1
    assert client.get("/favorites/images", headers=bearer(other)).get_json()["items"] == []
    assert client.delete(url + "/favorite", headers=bearer(owner)).status_code == 204
    assert client.get("/favorites/images", headers=bearer(owner)).get_json()["total"] == 0
    assert client.put(url + "/favorite", headers=bearer(admin)).status_code == 204  # the admin's own favourite


def test_collections_shared_read_only_and_revocable(app):
    owner, other, admin = _people(app)
    client = app.test_client()
    images = [_make(client, owner, f"board {n}") for n in range(3)]
    board = client.post("/collections", json={"name": "Launch"}, headers=bearer(owner))
    assert board.status_code == 201
    board = board.get_json()
    path = f"/collections/{board['id']}"
    assert client.get(path, headers=bearer(other)).status_code == 404
    added = client.post("/ai/generated-images/bulk", headers=bearer(owner),
                        json={"action": "collect", "ids": images[:2], "collection_id": board["id"]})
    assert added.status_code == 200 and added.get_json()["count"] == 2
    # another user cannot put their image in, nor the owner's images in their own board
    theirs = _make(client, other, "not yours")
    refused = client.post("/ai/generated-images/bulk", headers=bearer(owner),
                          json={"action": "collect", "ids": [theirs], "collection_id": board["id"]})
    assert refused.status_code == 404
    assert client.get(path + "/images", headers=bearer(owner)).get_json()["items"][0]["id"] in images
    assert client.get(path, headers=bearer(admin)).status_code == 200

    shared = client.post(path + "/share", json={"shared": True}, headers=bearer(owner)).get_json()
    link = shared["share_path"]
    anonymous = client.get(link)
    assert anonymous.status_code == 200 and len(anonymous.get_json()["images"]) == 2
    picture = client.get(anonymous.get_json()["images"][0]["image_path"] + "?w=128&format=webp")
    assert picture.status_code == 200 and picture.mimetype == "image/webp"
    assert client.get(f"{link}/images/{images[2]}/image").status_code == 404  # not in the board
    assert client.delete(path, headers=bearer(other)).status_code == 404
    client.post(path + "/share", json={"shared": False}, headers=bearer(owner))
    assert client.get(link).status_code == 404
    assert client.delete(path, headers=bearer(owner)).status_code == 204
    assert client.get(f"/ai/generated-images/{images[0]}", headers=bearer(owner)).status_code == 200


def test_bulk_is_all_or_nothing_and_bounded(app):
    owner, other, _ = _people(app)
    client = app.test_client()
    mine = [_make(client, owner, f"bulk {n}") for n in range(3)]
    theirs = _make(client, other, "theirs")
    refused = client.post("/ai/generated-images/bulk", headers=bearer(owner),
                          json={"action": "delete", "ids": [*mine, theirs]})
    assert refused.status_code == 404
    assert all(client.get(f"/ai/generated-images/{i}", headers=bearer(owner)).status_code == 200 for i in mine)
    tagged = client.post("/ai/generated-images/bulk", headers=bearer(owner),
                         json={"action": "tag", "ids": mine, "tags": ["summer"]})
    assert tagged.get_json()["count"] == 3
    assert client.get(f"/ai/generated-images/{mine[0]}", headers=bearer(owner)).get_json()["tags"] == ["summer"]
    assert client.post("/ai/generated-images/bulk", headers=bearer(owner),
                       json={"action": "tag", "ids": mine}).status_code == 422  # tags missing
    huge = client.post("/ai/generated-images/bulk", headers=bearer(owner),
                       json={"action": "delete", "ids": [mine[0]] * 101})
    assert huge.status_code == 422 and "ids" in huge.get_json()["message"]
    deleted = client.post("/ai/generated-images/bulk", headers=bearer(owner), json={"action": "delete", "ids": mine})
    assert deleted.get_json()["count"] == 3
    assert client.get(f"/ai/generated-images/{theirs}", headers=bearer(other)).status_code == 200


def test_a_zip_of_100_images_streams_with_bounded_memory(app, tmp_path):
    owner, other, _ = _people(app)
    client = app.test_client()
    ids = [_make(client, owner, f"zip {n}", n=1) for n in range(100)]
    assert client.post("/ai/generated-images/archive", json={"ids": ids[:1]}, headers=bearer(other)).status_code == 404
    tracemalloc.start()
    response = client.post("/ai/generated-images/archive", json={"ids": ids}, headers=bearer(owner), buffered=False)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    largest_chunk = 0
    with open(tmp_path / "images.zip", "wb") as body:
        for chunk in response.response:
            largest_chunk = max(largest_chunk, len(chunk))
            body.write(chunk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    archive = zipfile.ZipFile(tmp_path / "images.zip")
    assert len(archive.namelist()) == 100 and archive.testzip() is None
    total = sum(info.file_size for info in archive.infolist())
    biggest = max(info.file_size for info in archive.infolist())
    assert largest_chunk < biggest * 2 + 65536  # one image at a time, never the whole archive
    assert peak < total  # the archive was never held whole
