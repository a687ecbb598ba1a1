"""Who sees what, and forms that change something need their CSRF token."""


from tests.dashboard.conftest import sign_in
from tests.dashboard.ledger import api, generate
from tests.dashboard.support import TOKEN, signed_in_client
from tests.support import make_api_key


def test_a_form_post_without_the_csrf_token_is_refused(app, browsing, live_server, user_key):
    _, key = user_key
    image = generate(live_server, key, "Guarded tags", tags=["before"])
    page = sign_in(browsing.new_page(), key)
    page.goto(f"/dashboard/images/{image['id']}")
    # The page's own session cookie goes along; only the token is missing.
    status = page.evaluate("""id => fetch('/dashboard/images/' + id + '/tags', {method: 'POST',
        headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'tags=forged'})
        .then(r => r.status)""", image["id"])
    assert status == 400
    wrong = page.evaluate("""id => fetch('/dashboard/images/' + id + '/tags', {method: 'POST',
        headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'tags=forged&csrf_token=abc'})
        .then(r => r.status)""", image["id"])
    assert wrong == 400
    assert api(live_server, key, "GET", f"/ai/generated-images/{image['id']}").json()["tags"] == ["before"]


def test_csrf_with_the_test_client(app, user_key):
    _, key = user_key
    client = app.test_client()
    assert client.post("/dashboard/login", data={"api_key": key}).status_code == 400  # login too
    client = signed_in_client(app, key)
    with app.app_context():
        from app.prompts.templates import create_prompt

        create_prompt("csrf-check", "CSRF check", "a {thing}")
    refused = client.post("/dashboard/prompts/csrf-check/favorite", data={"favorite": "1"})
    assert refused.status_code == 400 and b"could not be checked" in refused.data
    assert client.post("/dashboard/logout").status_code == 400
    token = TOKEN.search(client.get("/dashboard/prompts").text).group(1)
    accepted = client.post("/dashboard/prompts/csrf-check/favorite", data={"favorite": "1", "csrf_token": token})
    assert accepted.status_code == 302
    favorites = api_favorites(client, key)
    assert favorites == ["csrf-check"]


def api_favorites(client, key):
    answer = client.get("/prompts/favorites", headers={"Authorization": f"Bearer {key}"})
    return [item["id"] for item in answer.json["items"]] if isinstance(answer.json, dict) else [
        item["id"] for item in answer.json]


def test_a_user_cannot_open_another_users_image(app, browsing, live_server, user_key, admin_key):
    _, alice = user_key
    _, admin = admin_key
    with app.app_context():
        _, bob = make_api_key(app, "bob")
    theirs = generate(live_server, alice, "Alice's private sketch")
    mine = generate(live_server, bob, "Bob's own picture")

    page = sign_in(browsing.new_page(), bob)
    answer = page.goto(f"/dashboard/images/{theirs['id']}")
    assert answer.status == 404 and "not yours" in page.inner_text("main")
    assert page.goto(f"/dashboard/thumbnails/{theirs['id']}/small.webp").status == 404
    page.goto("/dashboard/gallery")
    ids = page.eval_on_selector_all(".tile", "tiles => tiles.map(t => t.dataset.imageId)")
    assert ids == [mine["id"]]
    page.goto(f"/dashboard/gallery?user={theirs['id']}")  # a user filter is ignored for users
    assert page.eval_on_selector_all(".tile", "t => t.length") == 1
    token = page.get_attribute("#tags-form input[name=csrf_token]", "value") if page.locator(
        "#tags-form").count() else page.get_attribute("input[name=csrf_token]", "value")
    forged = page.evaluate("""([id, token]) => fetch('/dashboard/images/' + id + '/regenerate', {method: 'POST',
        headers: {'Content-Type': 'application/x-www-form-urlencoded'},
        body: 'csrf_token=' + encodeURIComponent(token)}).then(r => r.status)""", [theirs["id"], token])
    assert forged == 404
    assert page.goto("/dashboard/analytics").status == 403
    assert page.goto("/dashboard/exports/logs.csv").status == 403

    admin_page = sign_in(browsing.new_page(), admin)
    assert admin_page.goto(f"/dashboard/images/{theirs['id']}").status == 200
    assert admin_page.inner_text("#prompt") == "Alice's private sketch"
