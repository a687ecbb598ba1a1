"""Posts (seed 003): a post with promptId records a usage; failures count as failures."""

import uuid

from sqlalchemy import select

from app.models import GeneratedImage, Prompt, PromptUsage
from tests.support import bearer, make_api_key

POST = {
    "promptId": "portrait-selfie-casual",
    "characterId": "char-1",
    "jobId": "job-1",
    "scene": "candid_lifestyle",
    "environment": "studio",
    "outfit": "casual-jeans",
    "imageUrl": "https://cdn.example/1.png",
    "prompt": "selfie of Ada",
    "negativePrompt": "blurry",
    "generationTimeMs": 5000,
}


def test_a_post_with_a_prompt_records_its_usage(client, user, user_key, make_prompt, settle, read):
    make_prompt()
    response = client.post("/posts", json=POST, headers=user)
    assert response.status_code == 201, response.get_json()
    post = response.get_json()
    assert post["promptId"] == "portrait-selfie-casual" and post["userId"] == str(user_key[0])
    assert post["outfit"] == "casual-jeans" and post["imageUrl"] == "https://cdn.example/1.png"
    settle()
    usage = read(lambda s: s.scalars(select(PromptUsage)).one())
    assert str(usage.id) == post["usageId"] and str(usage.post_id) == post["id"]
    assert (usage.user_id, usage.character_id, usage.job_id) == (user_key[0], "char-1", "job-1")
    assert (usage.scene, usage.environment, usage.outfit) == ("candid_lifestyle", "studio", "casual-jeans")
    assert (usage.prompt, usage.negative_prompt, usage.prompt_version) == ("selfie of Ada", "blurry", 1)
    assert (usage.success, usage.generation_time_ms) == (True, 5000)
    stats = client.get("/prompts/portrait-selfie-casual/stats").get_json()
    assert (stats["totalUsage"], stats["successCount"]) == (1, 1)


def test_a_failed_generation_is_tracked_as_a_failure(client, user, make_prompt, settle, read):
    make_prompt()
    body = {**POST, "success": False, "errorMessage": "provider timed out", "imageUrl": None}
    assert client.post("/posts", json=body, headers=user).status_code == 201
    settle()
    usage = read(lambda s: s.scalars(select(PromptUsage)).one())
    assert (usage.success, usage.error_message) == (False, "provider timed out")
    stats = client.get("/prompts/portrait-selfie-casual/stats").get_json()
    assert (stats["totalUsage"], stats["successCount"], stats["failureCount"]) == (1, 0, 1)


def test_snake_case_and_posts_without_a_prompt(client, user, make_prompt, settle, read):
    make_prompt()
    snake = client.post("/posts", json={"prompt_id": "portrait-selfie-casual", "character_id": "c"}, headers=user)
    assert snake.status_code == 201 and snake.get_json()["characterId"] == "c"
    plain = client.post("/posts", json={"scene": "x"}, headers=user)
    assert plain.status_code == 201 and plain.get_json()["usageId"] is None
    settle()
    assert len(read(lambda s: s.scalars(select(PromptUsage)).all())) == 1


def test_tracking_never_fails_the_post(app, client, user, make_prompt, read, settle):
    from app.prompts.usage import record_usage

    make_prompt()
    # A usage the database refuses (its template is gone) is logged, never raised.
    assert client.post("/posts", json=POST, headers=user).status_code == 201
    with app.app_context():
        record_usage("gone", success=True, post_id="not-a-uuid")
        record_usage("gone", success=True, nonsense=1)
    settle()
    assert read(lambda s: s.scalar(select(Prompt.usage_count))) == 1


def test_bad_input(client, user, make_prompt):
    make_prompt()
    assert client.post("/posts", json=POST).status_code == 401
    unknown = client.post("/posts", json={**POST, "promptId": "nope"}, headers=user)
    assert unknown.status_code == 404 and "promptId" in unknown.get_json()["errors"]["json"]
    image = client.post("/posts", json={"generatedImageId": str(uuid.uuid4())}, headers=user)
    assert image.status_code == 404 and "generatedImageId" in image.get_json()["errors"]["json"]
    version = client.post("/posts", json={**POST, "promptVersion": 5}, headers=user)
    assert version.status_code == 404 and "promptVersion" in version.get_json()["errors"]["json"]
    both = client.post("/posts", json={**POST, "generatedImageId": str(uuid.uuid4())}, headers=user)
    assert list(both.get_json()["errors"]["json"]) == ["generatedImageId"]
    for field, value in (("imageUrl", "javascript:alert(1)"), ("scene", "x" * 201), ("generationTimeMs", -5)):
        response = client.post("/posts", json={**POST, field: value}, headers=user)
        assert response.status_code == 422 and field in response.get_json()["errors"]["json"], field


def test_a_post_links_its_generated_image(client, user, user_key, make_prompt, read):
    def add(session):
        session.add(image := GeneratedImage(prompt="p", image_url="/images/abc.png", user_id=user_key[0]))
        session.commit()
        return str(image.id)

    image_id = read(add)
    response = client.post("/posts", json={"generatedImageId": image_id}, headers=user)
    assert response.get_json()["generatedImageId"] == image_id
    assert response.get_json()["imageUrl"] == "/images/abc.png"


def test_posts_are_listed_per_user_newest_first_with_a_cursor(app, client, user, admin, make_prompt):
    make_prompt()
    with app.app_context():
        _, other_key = make_api_key(app, "bob")
    other = bearer(other_key)
    mine = [client.post("/posts", json={**POST, "jobId": f"j{i}"}, headers=user).get_json()["id"] for i in range(5)]
    client.post("/posts", json={"scene": "theirs"}, headers=other)

    first = client.get("/posts?limit=2", headers=user)
    assert [p["id"] for p in first.get_json()] == mine[::-1][:2]
    cursor = first.headers["X-Next-Cursor"]
    second = client.get(f"/posts?limit=2&cursor={cursor}", headers=user)
    assert [p["id"] for p in second.get_json()] == mine[::-1][2:4]
    third = client.get(f"/posts?limit=2&cursor={second.headers['X-Next-Cursor']}", headers=user)
    assert [p["id"] for p in third.get_json()] == mine[:1] and "X-Next-Cursor" not in third.headers

    assert [p["scene"] for p in client.get("/posts", headers=other).get_json()] == ["theirs"]
    assert len(client.get("/posts", headers=admin).get_json()) == 6
    assert len(client.get("/posts?promptId=portrait-selfie-casual", headers=admin).get_json()) == 5
    assert client.get(f"/posts/{mine[0]}", headers=user).status_code == 200
    assert client.get(f"/posts/{mine[0]}", headers=other).status_code == 404
    assert client.get("/posts?cursor=garbage", headers=user).status_code == 400
    assert client.get("/posts?limit=101", headers=user).status_code == 400


def test_deleting_a_template_keeps_its_posts_unlinked(client, user, admin, make_prompt):
    make_prompt()
    post = client.post("/posts", json=POST, headers=user).get_json()
    assert client.delete("/prompts/portrait-selfie-casual", headers=admin).status_code == 204
    kept = client.get(f"/posts/{post['id']}", headers=user).get_json()
    assert kept["promptId"] is None and kept["scene"] == "candid_lifestyle"
