"""Ratings: one per user per image, changeable; they move a template version's stats and show in comparisons."""

from tests.support import bearer, make_api_key

URL = "/prompts/poster"


def _made(client, headers, version):
    body = {"prompt_id": "poster", "prompt_version": version, "variables": {"subject": "a fox"}, "size": "256x256"}
    response = client.post("/ai/generate", headers=headers, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _rate(client, headers, image_id, **body):
    return client.put(f"/ai/generated-images/{image_id}/rating", headers=headers, json=body)


def test_ratings_change_the_stats_of_the_version_that_made_the_image(app, client, admin, user, make_prompt):
    make_prompt("poster", template="v1 {subject}")
    client.patch(URL, headers=admin, json={"template": "v2 {subject}"})
    first, second, other = _made(client, user, 1), _made(client, user, 1), _made(client, user, 2)
    assert client.get(f"{URL}/stats?version=1").get_json()["ratingCount"] == 0

    assert _rate(client, user, first, score=2, comment="muddy").status_code == 200
    changed = _rate(client, user, first, score=4, comment="better on a second look").get_json()
    assert (changed["score"], changed["comment"], changed["promptVersion"]) == (4, "better on a second look", 1)
    _rate(client, user, second, thumb="up")
    _rate(client, admin, first, score=5)  # an admin sees every image
    _rate(client, user, other, thumb="down")

    v1 = client.get(f"{URL}/stats?version=1").get_json()
    assert (v1["ratingCount"], v1["averageScore"], v1["thumbsUp"], v1["thumbsDown"]) == (3, 4.5, 1, 0)
    v2 = client.get(f"{URL}/stats?version=2").get_json()
    assert (v2["ratingCount"], v2["averageScore"], v2["thumbsDown"]) == (1, None, 1)
    everything = client.get(f"{URL}/stats").get_json()
    assert (everything["ratingCount"], everything["thumbsDown"]) == (4, 1)

    mine = client.get(f"/ai/generated-images/{first}/rating", headers=user).get_json()
    assert mine["mine"]["score"] == 4 and mine["figures"]["ratingCount"] == 2
    assert {r["comment"] for r in mine["ratings"]} == {"better on a second look", None}
    assert client.delete(f"/ai/generated-images/{first}/rating", headers=user).status_code == 204
    assert client.get(f"{URL}/stats?version=1").get_json()["ratingCount"] == 2


def test_ratings_are_checked_and_private_images_cannot_be_rated_by_others(app, client, admin, user, make_prompt):
    make_prompt("poster", template="v1 {subject}")
    image = _made(client, user, 1)
    with app.app_context():
        stranger = bearer(make_api_key(app, "mallory")[1])
    assert _rate(client, stranger, image, score=1).status_code == 404
    assert _rate(client, user, image, score=6).status_code == 422
    assert _rate(client, user, image, score=3, thumb="up").status_code == 422
    assert _rate(client, user, image).status_code == 422
    assert _rate(client, user, image, thumb="sideways").status_code == 422
    assert _rate(client, user, image, score=3, comment="x" * 2001).status_code == 422
    assert client.put(f"/ai/generated-images/{image}/rating", json={"score": 3}).status_code == 401


def test_a_comparison_shows_the_ratings_of_its_images(client, admin, user, make_prompt):
    make_prompt("poster", template="v1 {subject}")
    client.patch(URL, headers=admin, json={"template": "v2 {subject}"})
    body = client.post(f"{URL}/compare", headers=user, json={
        "arms": [{"version": 1}, {"version": 2}], "seeds": [1, 2], "variables": {"subject": "a fox"},
        "size": "256x256"}).get_json()
    for cell in body["cells"]:
        _rate(client, user, cell["imageId"], score=5 if cell["arm"] == 1 else 2)
    graded = client.get(f"{URL}/comparisons/{body['id']}", headers=user).get_json()
    assert [(a["version"], a["rating"]["averageScore"], a["rating"]["ratingCount"]) for a in graded["arms"]] == [
        (1, 2.0, 2), (2, 5.0, 2)]
    assert {c["rating"]["averageScore"] for c in graded["cells"] if c["arm"] == 1} == {5.0}


def test_ratings_are_exported(client, admin, user, make_prompt):
    make_prompt("poster", template="v1 {subject}")
    image = _made(client, user, 1)
    _rate(client, user, image, score=4, comment="=cmd|' /C calc'!A0")
    exported = client.get("/analytics/exports/ratings?format=csv&since=2000-01-01T00:00:00Z", headers=admin)
    assert exported.status_code == 200, exported.get_data(as_text=True)
    lines = exported.get_data(as_text=True).splitlines()
    assert lines[0].split(",")[:3] == ["id", "image_id", "user_id"] and len(lines) == 2
    assert image in lines[1] and ",4," in lines[1] and "'=cmd" in lines[1]  # a formula is defused
