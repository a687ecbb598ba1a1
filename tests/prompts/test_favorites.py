"""Favorites are per user; listing can put the caller's favorites first."""

from tests.support import bearer, make_api_key


def test_favorites_are_per_user(app, client, user, make_prompt):
    for prompt_id in ("a-one", "b-two", "c-three"):
        make_prompt(prompt_id)
    with app.app_context():
        _, bob_key = make_api_key(app, "bob")
    bob = bearer(bob_key)
    assert client.put("/prompts/c-three/favorite", headers=user).status_code == 204
    assert client.put("/prompts/c-three/favorite", headers=user).status_code == 204  # idempotent
    assert client.post("/prompts/b-two/favorite", headers=bob).status_code == 204
    assert [p["id"] for p in client.get("/prompts/favorites", headers=user).get_json()] == ["c-three"]
    assert [p["id"] for p in client.get("/prompts/favorites", headers=bob).get_json()] == ["b-two"]
    assert client.delete("/prompts/c-three/favorite", headers=user).status_code == 204
    assert client.delete("/prompts/c-three/favorite", headers=user).status_code == 204
    assert client.get("/prompts/favorites", headers=user).get_json() == []
    assert client.get("/prompts/favorites", headers=bob).get_json()[0]["id"] == "b-two"


def test_favorites_first(client, user, make_prompt):
    for prompt_id in ("a-one", "b-two", "c-three", "d-four"):
        make_prompt(prompt_id)
    client.put("/prompts/d-four/favorite", headers=user)
    client.put("/prompts/b-two/favorite", headers=user)
    listed = client.get("/prompts?favorites_first=true", headers=user).get_json()
    assert [(p["id"], p["isFavorite"]) for p in listed] == [
        ("b-two", True), ("d-four", True), ("a-one", False), ("c-three", False)
    ]
    plain = client.get("/prompts", headers=user).get_json()
    assert [p["id"] for p in plain] == ["a-one", "b-two", "c-three", "d-four"]
    anonymous = client.get("/prompts?favorites_first=true").get_json()
    assert [p["id"] for p in anonymous] == ["a-one", "b-two", "c-three", "d-four"]
    assert not any(p["isFavorite"] for p in anonymous)


def test_favorites_need_a_key_and_a_known_prompt(client, user, make_prompt):
    make_prompt()
    assert client.get("/prompts/favorites").status_code == 401
    assert client.put("/prompts/portrait-selfie-casual/favorite").status_code == 401
    assert client.put("/prompts/nope/favorite", headers=user).status_code == 404
