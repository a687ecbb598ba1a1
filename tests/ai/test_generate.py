"""POST /ai/generate end to end with the offline provider: image, record, log, history."""

import os
import threading

from sqlalchemy import func, select

from app.extensions import db
from app.models import GeneratedImage, GenerationLog, Prompt, PromptUsage
from app.storage.images import read_parameters
from tests.ai.servers import flush_tracking, png_b64, serve
from tests.support import bearer, image_rows

SEED_002_FIELDS = {"id", "image_url", "caption", "prompt_used", "dataset_id", "style", "aspect_ratio", "quality",
                   "format", "resolution", "reference_images_count"}


def _count(app, model=GeneratedImage, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_fresh_install_generates_serves_records_and_logs(app, client):
    response = client.post("/ai/generate", json={"prompt": "Modern coffee shop interior", "style": "photorealistic",
                                                 "aspect_ratio": "16:9", "quality": "high", "format": "png"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert SEED_002_FIELDS <= set(body)
    assert body["caption"] == "Modern coffee shop interior" and body["resolution"] == "1344x768"
    assert "photorealistic" in body["prompt_used"] and body["provider"] == "procedural"
    assert response.headers["Location"] == f"/ai/generated-images/{body['id']}"
    image = client.get(body["image_url"])
    assert image.status_code == 200 and image.mimetype == "image/png"
    parameters = read_parameters(image.data)
    assert parameters.startswith("Modern coffee shop interior") and "Provider: procedural" in parameters
    assert "Size: 1344x768" in parameters
    record = client.get(f"/ai/generated-images/{body['id']}").get_json()
    assert record["sha256"] == body["images"][0]["sha256"] and record["bytes"] == len(image.data)
    assert (record["width"], record["height"], record["mime_type"]) == (1344, 768, "image/png")
    assert record["user_id"] is None and record["status"] == "success" and record["storage_provider"] == "local"
    history = client.get("/ai/generated-images").get_json()  # anonymous: nobody's list, not even the anonymous one
    assert history["items"] == [] and history["total"] == 0
    flush_tracking(app)
    with app.app_context():
        log = db.session.scalars(select(GenerationLog)).one()
        assert log.success and log.style == "photorealistic" and log.costs == {"image": 0.0, "total": 0.0}
        assert set(log.steps) == {"prompt_building", "provider_call", "storage"}
        assert str(log.image_id) == body["id"] and log.tool_name == "generateUserImage"


def test_identical_bytes_are_stored_once(provider_app):
    # Without Content Credentials; with them each file names its record (tests/provenance).
    app = provider_app(PROVENANCE_ENABLED=False)
    client = app.test_client()
    first = client.post("/ai/generate", json={"prompt": "same"}).get_json()
    second = client.post("/ai/generate", json={"prompt": "same"}).get_json()
    assert first["id"] != second["id"] and first["image_url"] == second["image_url"]
    files = [f for _, _, names in os.walk(app.config["STORAGE_ROOT"]) for f in names]
    assert len(files) == 1
    with app.app_context():
        assert db.session.get(GeneratedImage, __import__("uuid").UUID(second["id"])).meta["deduplicated"] is True


def test_n_images_and_format(client):
    body = client.post("/ai/generate", json={"prompt": "a set", "n": 3, "format": "webp"}).get_json()
    assert body["n"] == 3 and len(body["images"]) == 3
    assert len({image["sha256"] for image in body["images"]}) == 3
    assert all(image["mime_type"] == "image/webp" for image in body["images"])
    assert client.get(body["images"][2]["image_url"]).mimetype == "image/webp"


def test_bad_input_is_a_4xx_and_writes_nothing(app, client):
    cases = [({}, "prompt"), ({"prompt": "x", "style": "cubism"}, "style"), ({"prompt": "x", "size": "3x3"}, "size"),
             ({"prompt": "x", "n": 50}, "n"), ({"prompt": "x", "tool": "nope"}, "tool"),
             ({"prompt": "x" * 5000}, "prompt")]
    for payload, field in cases:
        response = client.post("/ai/generate", json=payload)
        assert response.status_code == 422, (payload, response.get_json())
        assert field in response.get_json()["errors"]["json"], payload
    not_enabled = client.post("/ai/generate", json={"prompt": "x", "provider": "openai"})  # a real one, not on here
    assert not_enabled.status_code == 403 and "provider" in not_enabled.get_json()["errors"]["json"]
    assert _count(app) == 0 and not os.path.exists(os.path.join(app.config["STORAGE_ROOT"], "generated-images"))


def test_request_id_gives_the_same_answer(app, client):
    payload = {"prompt": "once", "request_id": "req-1"}
    first = client.post("/ai/generate", json=payload)
    again = client.post("/ai/generate", json=payload)
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json()["id"] == first.get_json()["id"]
    assert _count(app) == 1
    changed = client.post("/ai/generate", json={"prompt": "twice", "request_id": "req-1"})
    assert changed.status_code == 409 and "request_id" in changed.get_json()["errors"]["json"]


def test_request_id_is_per_caller(app, client, user_key):
    anonymous = client.post("/ai/generate", json={"prompt": "mine", "request_id": "r"}).get_json()
    alice = client.post("/ai/generate", json={"prompt": "mine", "request_id": "r"}, headers=bearer(user_key[1]))
    assert alice.status_code == 201 and alice.get_json()["id"] != anonymous["id"]


def test_a_reused_request_id_with_other_parameters_says_what_is_wrong(client):
    assert client.post("/ai/generate", json={"prompt": "once", "request_id": "req-2"}).status_code == 201
    changed = client.post("/ai/generate", json={"prompt": "twice", "request_id": "req-2"})
    assert changed.status_code == 409
    assert changed.get_json()["errors"]["json"]["request_id"] == ["request_id was already used with different parameters"]


def test_anonymous_callers_at_different_addresses_never_share_a_request_id(app):
    payload = {"prompt": "mine", "request_id": "r"}
    ours, theirs = ({"REMOTE_ADDR": address} for address in ("198.51.100.7", "203.0.113.9"))
    first = app.test_client().post("/ai/generate", json=payload, environ_base=ours)
    other = app.test_client().post("/ai/generate", json=payload, environ_base=theirs)
    again = app.test_client().post("/ai/generate", json=payload, environ_base=ours)
    assert first.status_code == other.status_code == 201 and again.status_code == 200
    assert other.get_json()["id"] != first.get_json()["id"] == again.get_json()["id"]


def test_a_claim_id_is_keyed_by_the_secret_and_shaped_like_any_job_id(make_app):
    """Nobody without SECRET_KEY can compute a caller's job id, which looks like the random id of a job
    sent without request_id (a version 4 UUID)."""
    from app.ai.claims import job_id_for

    ids = []
    for secret in ("one secret", "another secret"):
        with make_app(SECRET_KEY=secret).app_context():
            ids.append(job_id_for("user:7", "r-1"))
    assert ids[0] != ids[1]
    assert {(job_id.version, job_id.variant) for job_id in ids} == {(4, "specified in RFC 4122")}


def test_a_refused_request_replays_its_refusal_without_calling_the_provider_again(make_app):
    refusal = (400, {}, {"error": {"message": "Your request was rejected by the safety system.",
                                   "type": "invalid_request_error", "param": None, "code": "moderation_blocked"}})
    with serve(lambda seen: refusal) as server:
        app = make_app(AI_PROVIDER="openai", OPENAI_API_KEY="k", OPENAI_BASE_URL=server.url, PROVIDER_RETRIES=0)
        client = app.test_client()
        refused = client.post("/ai/generate", json={"prompt": "p", "request_id": "r2"})
        again = client.post("/ai/generate", json={"prompt": "p", "request_id": "r2"})
    assert refused.get_json()["retryable"] is False, refused.get_json()
    assert again.status_code == refused.status_code and again.get_json() == refused.get_json()
    assert len(server.requests) == 1 and _count(app) == 1
    from tests.support import empty_tables

    empty_tables(app)


def test_synchronous_generations_are_the_callers_jobs_in_sync_mode_with_their_answer(client, user_key):
    headers = bearer(user_key[1])
    plain = client.post("/ai/generate", json={"prompt": "plain"}, headers=headers)
    keyed = client.post("/ai/generate", json={"prompt": "keyed", "request_id": "k-1"}, headers=headers)
    assert plain.status_code == keyed.status_code == 201
    jobs = client.get("/ai/jobs", headers=headers).get_json()["items"]
    assert {(job["mode"], job["status"], job["result"]["id"]) for job in jobs} == {
        ("sync", "finished", keyed.get_json()["id"]), ("sync", "finished", plain.get_json()["id"])}


def test_a_repeat_is_the_same_request_whatever_the_order_of_its_fields(app, client):
    """Clients serialise objects in any order: a repeat that orders the same fields otherwise is a replay."""
    with app.app_context():
        db.session.add(Prompt(id="duo", name="Duo", template="{first} beside {second}"))
        db.session.commit()
    bodies = ('{"prompt_id": "duo", "request_id": "order", "variables": {"first": "a fox", "second": "an owl"}}',
              '{"variables": {"second": "an owl", "first": "a fox"}, "request_id": "order", "prompt_id": "duo"}')
    first, again = (client.post("/ai/generate", data=body, content_type="application/json") for body in bodies)
    assert first.status_code == 201 and again.status_code == 200, again.get_json()
    assert again.get_json()["id"] == first.get_json()["id"]


def test_two_concurrent_identical_requests_make_one_image(make_app):
    release, arrived = threading.Event(), threading.Event()

    def answer(seen):
        arrived.set()
        release.wait(10)
        return 200, {}, {"created": 1, "data": [{"b64_json": png_b64()}]}

    with serve(answer) as server:
        app = make_app(AI_PROVIDER="openai", OPENAI_API_KEY="k", OPENAI_BASE_URL=server.url, PROVIDER_RETRIES=0)
        results = {}

        def call(name):
            results[name] = app.test_client().post("/ai/generate", json={"prompt": "race", "request_id": "same"})

        first = threading.Thread(target=call, args=("first",))
        first.start()
        assert arrived.wait(10)
        second = threading.Thread(target=call, args=("second",))
        second.start()
        second.join(0.5)  # the second request is waiting on the first's claim
        release.set()
        first.join(10)
        second.join(10)
    assert results["first"].status_code == 201 and results["second"].status_code == 200
    assert results["first"].get_json()["id"] == results["second"].get_json()["id"]
    assert len(server.requests) == 1
    from tests.support import empty_tables

    assert _count(app) == 1
    empty_tables(app)


def test_a_retryable_failure_can_be_retried_with_the_same_request_id(make_app):
    answers = iter([(500, {}, {"error": {"message": "boom"}}), (200, {}, {"created": 1, "data": [{"b64_json": png_b64()}]})])
    with serve(lambda seen: next(answers)) as server:
        app = make_app(AI_PROVIDER="openai", OPENAI_API_KEY="k", OPENAI_BASE_URL=server.url, PROVIDER_RETRIES=0)
        client = app.test_client()
        failed = client.post("/ai/generate", json={"prompt": "p", "request_id": "r1"})
        retried = client.post("/ai/generate", json={"prompt": "p", "request_id": "r1"})
    assert failed.status_code == 502 and failed.get_json()["retryable"] is True
    assert retried.status_code == 201
    with app.app_context():
        statuses = sorted(r.status for r in db.session.scalars(select(GeneratedImage)))
    assert statuses == ["failed", "success"]
    from tests.support import empty_tables

    empty_tables(app)


def test_history_shows_each_caller_their_own(app, client, user_key, admin_key):
    alice = client.post("/ai/generate", json={"prompt": "alice's"}, headers=bearer(user_key[1])).get_json()
    root = client.post("/ai/generate", json={"prompt": "root's"}, headers=bearer(admin_key[1])).get_json()
    anonymous = client.post("/ai/generate", json={"prompt": "nobody's"}).get_json()
    ids = lambda headers: [i["id"] for i in client.get("/ai/generated-images", headers=headers).get_json()["items"]]  # noqa: E731
    assert ids(bearer(user_key[1])) == [alice["id"]]
    assert ids({}) == []  # anonymous callers list nobody's images, not even anonymous ones
    assert ids(bearer(admin_key[1])) == [anonymous["id"], root["id"], alice["id"]]  # newest first
    assert client.get(f"/ai/generated-images/{alice['id']}").status_code == 404
    assert client.get(f"/ai/generated-images/{alice['id']}", headers=bearer(admin_key[1])).status_code == 200
    page = client.get("/ai/generated-images?limit=1&offset=1", headers=bearer(admin_key[1])).get_json()
    assert page["total"] == 3 and [i["id"] for i in page["items"]] == [root["id"]]
    assert client.get("/ai/generated-images?limit=0").status_code == 400  # a bad query parameter: 400 everywhere


def test_the_image_list_pages_by_cursor_without_skipping_or_repeating(app, client, admin_key):
    """A cursor page continues after the last image seen, even when new images arrive meanwhile."""
    admin = bearer(admin_key[1])
    made = [client.post("/ai/generate", json={"prompt": f"image {n}"}, headers=admin).get_json()["id"]
            for n in range(5)]
    first = client.get("/ai/generated-images?limit=2", headers=admin).get_json()
    assert [i["id"] for i in first["items"]] == made[:2:-1] and first["next_cursor"]
    newer = client.post("/ai/generate", json={"prompt": "arrives between pages"}, headers=admin).get_json()["id"]
    seen, cursor = [i["id"] for i in first["items"]], first["next_cursor"]
    while cursor:
        page = client.get("/ai/generated-images", query_string={"limit": 2, "cursor": cursor},
                          headers=admin).get_json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert seen == made[::-1] and newer not in seen  # offsets would have shown image 2 twice
    bad = client.get("/ai/generated-images?cursor=not-ours", headers=admin)
    assert bad.status_code == 400 and "cursor" in str(bad.get_json())
    skipped = client.get(f"/ai/generated-images?offset=2&cursor={first['next_cursor']}", headers=admin)
    assert [i["id"] for i in skipped.get_json()["items"]] == made[::-1][4:]  # the offset counts after the cursor


def test_anonymous_history_needs_a_key_when_anonymous_is_off(make_app):
    app = make_app(ALLOW_ANONYMOUS=False)
    assert app.test_client().get("/ai/generated-images").status_code == 401
    assert app.test_client().post("/ai/generate", json={"prompt": "x"}).status_code == 401


def test_failed_generations_are_listed_with_status_and_error(app, client, user_key):
    app.config.update(AI_PROVIDER="automatic1111", A1111_URL="http://127.0.0.1:9", PROVIDER_RETRIES=0)
    response = client.post("/ai/generate", json={"prompt": "nowhere"}, headers=bearer(user_key[1]))
    assert response.status_code == 502 and response.get_json()["retryable"] is True
    failed = client.get("/ai/generated-images?status=failed", headers=bearer(user_key[1])).get_json()["items"]
    assert len(failed) == 1 and failed[0]["status"] == "failed" and "unreachable" in failed[0]["error"]
    with app.app_context():
        from app.models import GeneratedImage

        assert [str(r.id) for r in image_rows(GeneratedImage.status != "success")] == [failed[0]["id"]]
        assert len(image_rows()) == 1
        assert image_rows(GeneratedImage.tool_name == "generateUserImage")[0].status == "failed"


def test_prompt_template_is_rendered_and_its_usage_recorded(app, client, user_key):
    with app.app_context():
        db.session.add(Prompt(id="portrait-selfie-casual", name="Selfie", version=3,
                              template="A casual selfie of {character} in {scene}", negative_prompt="blurry"))
        db.session.commit()
    response = client.post("/ai/generate", headers=bearer(user_key[1]), json={
        "prompt_id": "portrait-selfie-casual", "variables": {"character": "Ada", "scene": "a cafe"}})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["caption"] == "A casual selfie of Ada in a cafe" and body["negative_prompt"] == "blurry"
    assert body["prompt_id"] == "portrait-selfie-casual"
    flush_tracking(app)
    with app.app_context():
        usage = db.session.scalars(select(PromptUsage)).one()
        assert usage.success and usage.prompt_version == 3 and usage.user_id == user_key[0]
        assert usage.prompt.startswith("A casual selfie of Ada") and usage.generation_time_ms is not None
    missing = client.post("/ai/generate", json={"prompt_id": "portrait-selfie-casual", "variables": {}})
    assert missing.status_code == 422 and "variables" in missing.get_json()["errors"]["json"]
    unknown = client.post("/ai/generate", json={"prompt_id": "no-such-prompt"})
    assert unknown.status_code == 404
    assert _count(app) == 1


def test_regenerate_links_to_the_original(client, user_key):
    headers = bearer(user_key[1])
    original = client.post("/ai/generate", json={"prompt": "a fox", "style": "watercolor", "aspect_ratio": "3:2"},
                           headers=headers).get_json()
    again = client.post(f"/ai/generated-images/{original['id']}/regenerate", json={"quality": "high"}, headers=headers)
    assert again.status_code == 201
    body = again.get_json()
    assert body["parent_id"] == original["id"] and body["style"] == "watercolor" and body["aspect_ratio"] == "3:2"
    assert body["quality"] == "high" and body["images"][0]["sha256"] != original["images"][0]["sha256"]
    assert client.post(f"/ai/generated-images/{original['id']}/regenerate", json={}).status_code == 404


def test_async_without_redis_runs_synchronously_and_says_so(client):
    response = client.post("/ai/generate?async=true", json={"prompt": "later"})
    assert response.status_code == 201
    assert response.get_json()["mode"] == "sync" and "Redis" in response.get_json()["notice"]
