"""Statistics from usages: hand-computed figures, per version, per scene, top used, recount."""

from sqlalchemy import func, select, update

from app.models import Prompt, PromptUsage

USAGES = [  # (scene, success, generation_time_ms)
    ("cafe", True, 1000),
    ("cafe", True, 3000),
    ("cafe", False, None),
    ("beach", True, 2000),
    ("beach", False, 4000),
    (None, True, None),
]


def record(client, headers, prompt_id, scene, success, ms, **extra):
    body = {"scene": scene, "success": success, "generationTimeMs": ms, **extra}
    response = client.post(f"/prompts/{prompt_id}/usage", json=body, headers=headers)
    assert response.status_code == 202, response.get_json()
    return response.get_json()["usageId"]


def test_stats_match_hand_computed_values(client, user, make_prompt, settle, read):
    make_prompt()
    for scene, success, ms in USAGES:
        record(client, user, "portrait-selfie-casual", scene, success, ms)
    settle()
    stats = client.get("/prompts/portrait-selfie-casual/stats").get_json()
    last = read(lambda s: s.scalar(select(func.max(PromptUsage.created_at))))
    assert stats == {
        "promptId": "portrait-selfie-casual",
        "version": None,
        "totalUsage": 6,
        "successCount": 4,
        "failureCount": 2,
        "successRate": 66.67,  # 4 / 6
        "avgGenerationTimeMs": 2500.0,  # (1000 + 3000 + 2000 + 4000) / 4 timed usages
        "lastUsedAt": last.isoformat(),
        "ratingCount": 0, "averageScore": None, "thumbsUp": 0, "thumbsDown": 0,  # nobody rated an image
    }
    template = client.get("/prompts/portrait-selfie-casual").get_json()
    assert (template["usageCount"], template["successCount"], template["successRate"]) == (6, 4, 66.67)


def test_a_template_never_used_has_zero_rate_and_null_average(client, make_prompt):
    make_prompt()
    stats = client.get("/prompts/portrait-selfie-casual/stats").get_json()
    assert stats["totalUsage"] == 0 and stats["successRate"] == 0
    assert stats["avgGenerationTimeMs"] is None and stats["lastUsedAt"] is None
    assert client.get("/prompts/portrait-selfie-casual/scenes").get_json() == []


def test_stats_per_version(client, admin, user, make_prompt, settle):
    make_prompt(template="v1 {scene}")
    record(client, user, "portrait-selfie-casual", "cafe", True, 100)
    record(client, user, "portrait-selfie-casual", "cafe", False, 300)
    client.patch("/prompts/portrait-selfie-casual", json={"template": "v2 {scene}"}, headers=admin)
    record(client, user, "portrait-selfie-casual", "cafe", True, 1000)
    record(client, user, "portrait-selfie-casual", "cafe", True, 500, promptVersion=1)
    settle()
    v1 = client.get("/prompts/portrait-selfie-casual/stats?version=1").get_json()
    v2 = client.get("/prompts/portrait-selfie-casual/stats?version=2").get_json()
    assert (v1["version"], v1["totalUsage"], v1["successCount"], v1["avgGenerationTimeMs"]) == (1, 3, 2, 300.0)
    assert (v2["totalUsage"], v2["successRate"], v2["avgGenerationTimeMs"]) == (1, 100.0, 1000.0)
    assert client.get("/prompts/portrait-selfie-casual/stats").get_json()["totalUsage"] == 4
    assert client.get("/prompts/portrait-selfie-casual/stats?version=3").status_code == 404
    assert client.get("/prompts/portrait-selfie-casual/stats?version=0").status_code == 400
    bad = client.post("/prompts/portrait-selfie-casual/usage", json={"promptVersion": 7}, headers=user)
    assert bad.status_code == 404


def test_scene_performance(client, user, make_prompt, settle):
    make_prompt()
    for scene, success, ms in USAGES:
        record(client, user, "portrait-selfie-casual", scene, success, ms)
    settle()
    scenes = client.get("/prompts/portrait-selfie-casual/scenes").get_json()
    assert scenes == [
        {"scene": "cafe", "usageCount": 3, "successCount": 2, "successRate": 66.67, "avgGenerationTimeMs": 2000.0},
        {"scene": "beach", "usageCount": 2, "successCount": 1, "successRate": 50.0, "avgGenerationTimeMs": 3000.0},
        {"scene": None, "usageCount": 1, "successCount": 1, "successRate": 100.0, "avgGenerationTimeMs": None},
    ]


def test_top_used_orders_and_limits(client, admin, user, make_prompt, settle):
    for prompt_id, uses in (("a-few", 2), ("b-many", 5), ("c-none", 0), ("d-some", 3), ("e-off", 9)):
        make_prompt(prompt_id)
        for index in range(uses):
            record(client, user, prompt_id, "s", index % 2 == 0, 10)
    client.patch("/prompts/e-off", json={"isActive": False}, headers=admin)
    settle()
    top = client.get("/prompts/top/used").get_json()
    assert [(p["id"], p["usageCount"]) for p in top] == [("b-many", 5), ("d-some", 3), ("a-few", 2), ("c-none", 0)]
    assert [p["successRate"] for p in top] == [60.0, 66.67, 50.0, 0.0]
    assert [p["id"] for p in client.get("/prompts/top/used?limit=2").get_json()] == ["b-many", "d-some"]
    for limit in ("0", "101", "-1", "ten"):
        response = client.get(f"/prompts/top/used?limit={limit}")
        assert response.status_code == 400, limit
        assert "limit" in response.get_json()["errors"]["query"]


def test_usage_needs_a_key_and_a_known_prompt(client, user, make_prompt):
    make_prompt()
    assert client.post("/prompts/portrait-selfie-casual/usage", json={"success": True}).status_code == 401
    assert client.post("/prompts/nope/usage", json={"success": True}, headers=user).status_code == 404
    too_long = {"success": True, "generationTimeMs": -1}
    assert client.post("/prompts/portrait-selfie-casual/usage", json=too_long, headers=user).status_code == 422


def test_recount_fixes_drifted_counters(app, client, user, make_prompt, settle, read):
    make_prompt("drifted")
    make_prompt("fine")
    for success in (True, False, True):
        record(client, user, "drifted", "s", success, 5)
    record(client, user, "fine", "s", True, 5)
    settle()
    read(lambda s: (s.execute(update(Prompt).where(Prompt.id == "drifted").values(usage_count=40, success_count=1)),
                    s.commit()))
    result = app.test_cli_runner().invoke(args=["prompts", "recount"])
    assert result.exit_code == 0, result.output
    assert "drifted: usage 40 -> 3, success 1 -> 2" in result.output
    assert "1 template(s) corrected" in result.output
    counters = read(lambda s: {p.id: (p.usage_count, p.success_count) for p in s.scalars(select(Prompt))})
    assert counters == {"drifted": (3, 2), "fine": (1, 1)}
    again = app.test_cli_runner().invoke(args=["prompts", "recount"])
    assert "0 template(s) corrected" in again.output
