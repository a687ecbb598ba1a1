"""The caller's job list (status filter, cursor paging) and cancelling: queued jobs leave the queue and give
their quota back; a running Automatic1111 job is interrupted; a finished one cannot be cancelled."""

import uuid

from rq.serializers import JSONSerializer
from sqlalchemy import func, select

from app.extensions import db
from app.models import GeneratedImage, GenerationJob
from app.redis_client import get_redis
from tests.ai.a1111_standin import A1111State, automatic1111
from tests.ai.servers import serve
from tests.support import bearer, empty_tables, make_api_key


def _queue_ids(app):
    from rq import Queue

    with app.app_context():
        return Queue(app.config["GENERATION_QUEUE"], connection=get_redis(), serializer=JSONSerializer).job_ids


def test_list_filter_page_and_cancel_a_queued_job(make_app, redis_url, user_key):
    app = make_app(REDIS_URL=redis_url, DAILY_GENERATION_LIMIT=3)
    client, headers = app.test_client(), bearer(user_key[1])
    with app.app_context():
        _other, other_key = make_api_key(app, "bob")
    ids = []
    for prompt in ("one", "two", "three"):
        response = client.post("/ai/generate?async=true", headers=headers, json={"prompt": prompt})
        assert response.status_code == 202, response.get_json()
        ids.append(response.get_json()["id"])
    assert client.post("/ai/generate?async=true", headers=headers, json={"prompt": "four"}).status_code == 429

    first = client.get("/ai/jobs?limit=2", headers=headers).get_json()
    second = client.get(f"/ai/jobs?limit=2&cursor={first['next_cursor']}", headers=headers).get_json()
    assert [j["id"] for j in first["items"] + second["items"]] == ids[::-1] and second["next_cursor"] is None
    assert client.get("/ai/jobs", headers=bearer(other_key)).get_json()["items"] == []  # only the caller's
    assert client.get("/ai/jobs").get_json()["items"] == []  # anonymous: none
    assert client.get("/ai/jobs?status=paused", headers=headers).status_code == 400

    assert client.post(f"/ai/jobs/{ids[0]}/cancel", headers=bearer(other_key)).status_code == 404
    cancelled = client.post(f"/ai/jobs/{ids[0]}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert f"generation-{ids[0]}" not in _queue_ids(app) and len(_queue_ids(app)) == 2
    assert client.post(f"/ai/jobs/{ids[0]}/cancel", headers=headers).status_code == 200  # again: the same
    # The cancelled job's quota came back: a fourth request fits in the limit of three.
    assert client.post("/ai/generate?async=true", headers=headers, json={"prompt": "four"}).status_code == 202
    listed = client.get("/ai/jobs?status=cancelled", headers=headers).get_json()["items"]
    assert [j["id"] for j in listed] == [ids[0]]

    from app.ai.jobs import run_generation_job

    with app.app_context():
        assert run_generation_job(ids[0]) == "cancelled"  # a worker that still had it skips it
        assert run_generation_job(ids[1]) == "finished"
        assert db.session.scalar(select(func.count()).select_from(GeneratedImage)) == 1
    finished = client.post(f"/ai/jobs/{ids[1]}/cancel", headers=headers)
    assert finished.status_code == 409 and "finished" in finished.get_json()["message"]
    empty_tables(app)


def test_a_running_automatic1111_job_is_interrupted_and_stays_cancelled(provider_app, user_key):
    from app.ai import claims

    state = A1111State()
    with serve(automatic1111(state)) as server:
        app = provider_app(AI_PROVIDER="automatic1111", A1111_URL=server.url)
        job_id = uuid.uuid4()
        with app.app_context():
            db.session.add(GenerationJob(id=job_id, user_id=user_key[0], status="running",
                                         request={"payload": {"prompt": "x"}}))
            db.session.commit()
        response = app.test_client().post(f"/ai/jobs/{job_id}/cancel", headers=bearer(user_key[1]))
        assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
        assert [seen.path for seen in server.requests] == ["/sdapi/v1/interrupt"]
        with app.app_context():  # the run ends afterwards: its settlement does not undo the cancel
            claims.settle_job(job_id, "finished", {"image_ids": []})
            db.session.commit()
            assert db.session.get(GenerationJob, job_id).status == "cancelled"


def test_a_running_job_elsewhere_cannot_be_stopped(app, user_key):
    job_id = uuid.uuid4()
    with app.app_context():
        db.session.add(GenerationJob(id=job_id, user_id=user_key[0], status="running",
                                     request={"payload": {"prompt": "x", "provider": "procedural"}}))
        db.session.commit()
    response = app.test_client().post(f"/ai/jobs/{job_id}/cancel", headers=bearer(user_key[1]))
    assert response.status_code == 409 and "procedural" in response.get_json()["message"]


def test_a_running_comfyui_job_is_interrupted_by_its_own_prompt_id(make_app, redis_url, user_key):
    import threading
    import time

    from app.ai.jobs import run_generation_job
    from tests.ai.comfyui_standin import ComfyState, comfyui

    state = ComfyState(hang=True)
    with serve(comfyui(state)) as server:
        app = make_app(REDIS_URL=redis_url, AI_PROVIDER="comfyui", COMFYUI_URL=server.url, COMFYUI_POLL_SECONDS=0.05,
                       PROVIDER_TIMEOUT=30)
        client, headers = app.test_client(), bearer(user_key[1])
        job_id = client.post("/ai/generate?async=true", headers=headers, json={"prompt": "slow"}).get_json()["id"]
        outcome = {}

        def work():
            with app.app_context():
                outcome["status"] = run_generation_job(job_id)

        worker = threading.Thread(target=work)
        worker.start()
        deadline = time.monotonic() + 15
        while not state.prompts and time.monotonic() < deadline:
            time.sleep(0.02)
        [prompt_id] = state.prompts
        assert state.clients[prompt_id] == job_id  # queued with the job's id as client_id
        cancelled = client.post(f"/ai/jobs/{job_id}/cancel", headers=headers)
        worker.join(30)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert state.interrupted == [prompt_id] and not worker.is_alive()
    assert client.get(f"/ai/jobs/{job_id}", headers=headers).get_json()["status"] == "cancelled"
    empty_tables(app)


def test_cancelling_a_synchronous_request_in_flight_interrupts_the_provider_it_named(provider_app, user_key):
    """A request_id claim keeps the request on its row: the provider the request picked (not the default)
    is the one asked to stop."""
    from app.ai import claims
    from app.ai.planning import plan_generation
    from app.auth import Principal
    from app.security.client import Caller

    state = A1111State()
    with serve(automatic1111(state)) as server:
        app = provider_app(AI_PROVIDER="procedural", AI_PROVIDERS_ALLOWED="automatic1111", A1111_URL=server.url)
        payload = {"prompt": "in flight", "provider": "automatic1111", "request_id": "stop-me"}
        with app.test_request_context():
            caller = Caller(Principal(user_key[0], "alice", None, False), address="127.0.0.1")
            claim = claims.begin_attempt(payload, plan_generation(payload, caller.principal).tool_name, caller)
            db.session.remove()
        response = app.test_client().post(f"/ai/jobs/{claim.job_id}/cancel", headers=bearer(user_key[1]))
        assert response.status_code == 200 and response.get_json()["status"] == "cancelled", response.get_json()
        assert [seen.path for seen in server.requests] == ["/sdapi/v1/interrupt"]
