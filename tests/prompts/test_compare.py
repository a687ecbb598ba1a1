"""Side-by-side runs: versions (or models) x seeds as one comparison in the ledger, with costs and ratings."""

from sqlalchemy import select

from app.models import GeneratedImage, PromptComparisonImage

URL = "/prompts/poster"


def _two_versions(client, admin, make_prompt):
    make_prompt("poster", template="v1 lighthouse of {subject}")
    client.patch(URL, headers=admin, json={"template": "v2 harbour of {subject}"})


def _compare(client, headers, **fields):
    body = {"arms": [{"version": 1}, {"version": 2}], "seeds": [1, 2, 3], "variables": {"subject": "a fox"},
            "size": "256x256", **fields}
    return client.post(f"{URL}/compare", headers=headers, json=body)


def test_two_versions_by_three_seeds_make_six_images_linked_as_one_comparison(client, admin, user, make_prompt,
                                                                             read):
    _two_versions(client, admin, make_prompt)
    response = _compare(client, user)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "finished" and len(body["cells"]) == 6
    assert {(c["arm"], c["seed"], c["promptVersion"]) for c in body["cells"]} == {
        (arm, seed, arm + 1) for arm in (0, 1) for seed in (1, 2, 3)}
    assert all(c["status"] == "success" and c["costUsd"] == 0.0 and c["durationMs"] is not None
               for c in body["cells"])  # procedural: free, and a known price
    assert [(a["version"], a["images"], a["costUsd"]) for a in body["arms"]] == [(1, 3, 0.0), (2, 3, 0.0)]

    images = read(lambda s: s.scalars(select(GeneratedImage)).all())
    assert len(images) == 6
    assert {i.meta["comparison_id"] for i in images} == {body["id"]}
    assert sorted(i.prompt for i in images) == ["v1 lighthouse of a fox"] * 3 + ["v2 harbour of a fox"] * 3
    links = read(lambda s: s.scalars(select(PromptComparisonImage)).all())
    assert {str(link.image_id) for link in links} == {str(i.id) for i in images}

    again = client.get(response.headers["Location"], headers=user).get_json()
    assert again["cells"] == body["cells"]
    assert [c["id"] for c in client.get(f"{URL}/comparisons", headers=user).get_json()] == [body["id"]]
    assert client.get(response.headers["Location"], headers=admin).status_code == 200


def test_the_same_seed_gives_the_same_image_for_the_same_version(client, admin, user, make_prompt, read):
    _two_versions(client, admin, make_prompt)
    first = _compare(client, user, seeds=[7, 8]).get_json()
    second = _compare(client, user, arms=[{"version": 2}, {"version": 1}], seeds=[7, 8]).get_json()
    # the pixels: each file also carries a manifest naming its own record
    hashes = {str(i.id): i.meta["pixels_sha256"] for i in read(lambda s: s.scalars(select(GeneratedImage)).all())}

    def by_cell(body):
        return {(body["arms"][c["arm"]]["version"], c["seed"]): hashes[c["imageId"]] for c in body["cells"]}

    assert by_cell(first) == by_cell(second)
    assert by_cell(first)[1, 7] != by_cell(first)[2, 7] != by_cell(first)[1, 8]


def test_one_version_through_two_models_and_a_label(client, admin, user, make_prompt):
    _two_versions(client, admin, make_prompt)
    client.put(f"{URL}/labels/production", headers=admin, json={"version": 1})
    body = _compare(client, user, arms=[{"label": "production"}, {"label": "production", "model": "procedural-v2"}],
                    seeds=[5]).get_json()
    assert [(a["version"], a["label"], a["model"]) for a in body["arms"]] == [
        (1, "production", None), (1, "production", "procedural-v2")]


def test_comparisons_are_bounded_and_checked_before_anything_runs(client, admin, user, make_prompt, read):
    _two_versions(client, admin, make_prompt)
    assert _compare(client, user, arms=[{"version": 1}]).status_code == 422  # one arm compares nothing
    assert _compare(client, user, seeds=list(range(9))).status_code == 422
    assert _compare(client, user, seeds=[1, 1]).status_code == 422
    assert _compare(client, user, n=2, seeds=list(range(5)), arms=[{"version": 1}] * 4).status_code == 422
    assert _compare(client, user, arms=[{"version": 1}, {"version": 9}]).status_code == 404
    missing = _compare(client, user, variables={})
    assert missing.status_code == 422 and "variables" in missing.get_json()["errors"]["json"]
    assert _compare(client, user, arms=[{"version": 1}, {"version": 2, "label": "x"}]).status_code == 422
    assert client.post(f"{URL}/compare", json={"arms": [], "seeds": [1]}).status_code == 401
    assert read(lambda s: s.scalars(select(GeneratedImage)).all()) == []


def test_a_large_comparison_asked_async_runs_as_one_job_on_the_generation_queue(make_app, redis_url, read):
    from tests.support import bearer, empty_tables, make_api_key, work_queued_generations

    app = make_app(REDIS_URL=redis_url)
    client = app.test_client()
    with app.app_context():
        admin = bearer(make_api_key(app, "root", is_admin=True)[1])
    client.post("/prompts", headers=admin, json={"id": "poster", "name": "Poster", "template": "v1 {subject}"})
    client.patch(URL, headers=admin, json={"template": "v2 {subject}"})
    client.patch(URL, headers=admin, json={"template": "v3 {subject}"})
    try:
        queued = _compare(client, admin, arms=[{"version": 1}, {"version": 2}, {"version": 3}], seeds=[1, 2, 3],
                          **{"async": True})
        assert queued.status_code == 202, queued.get_json()
        assert queued.get_json()["status"] == "queued" and queued.get_json()["cells"] == []
        work_queued_generations(app)
        done = client.get(queued.headers["Location"], headers=admin).get_json()
        assert done["status"] == "finished" and len(done["cells"]) == 9
        assert [a["images"] for a in done["arms"]] == [3, 3, 3]
    finally:
        empty_tables(app)
