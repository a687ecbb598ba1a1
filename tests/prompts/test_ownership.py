"""Posts and usages refuse what the caller does not own: another user's image, another user's post."""

from tests.support import bearer, make_api_key


def _image_of(client, headers):
    response = client.post("/ai/generate", json={"prompt": "mine"}, headers=headers)
    assert response.status_code == 201
    return response.get_json()


def test_a_post_cannot_take_another_users_image(app, client, user, admin):
    with app.app_context():
        _bob, bob_key = make_api_key(app, "bob")
    bobs = _image_of(client, bearer(bob_key))
    taken = client.post("/posts", json={"generatedImageId": bobs["id"]}, headers=user)
    assert taken.status_code == 404 and "generatedImageId" in taken.get_json()["errors"]["json"]
    assert client.post("/posts", json={"generatedImageId": bobs["id"]}, headers=bearer(bob_key)).status_code == 201
    assert client.post("/posts", json={"generatedImageId": bobs["id"]}, headers=admin).status_code == 201


def test_a_usage_cannot_name_another_users_post(app, client, user, make_prompt):
    make_prompt()
    with app.app_context():
        _bob, bob_key = make_api_key(app, "bob")
    bobs_post = client.post("/posts", json={"prompt": "bob's"}, headers=bearer(bob_key)).get_json()
    body = {"success": True, "postId": bobs_post["id"]}
    refused = client.post("/prompts/portrait-selfie-casual/usage", json=body, headers=user)
    assert refused.status_code == 404 and "postId" in refused.get_json()["errors"]["json"]
    accepted = client.post("/prompts/portrait-selfie-casual/usage", json=body, headers=bearer(bob_key))
    assert accepted.status_code == 202


def test_a_non_admin_asking_for_another_users_posts_is_a_403_not_a_500(app, client, user, user_key):
    with app.app_context():
        bob, _bob_key = make_api_key(app, "bob")
    assert client.get(f"/posts?userId={bob}", headers=user).status_code == 403
    assert client.get(f"/posts?userId={user_key[0]}", headers=user).status_code == 200
