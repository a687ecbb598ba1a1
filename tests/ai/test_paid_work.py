"""Paid work is never lost: an attempt row with a lease before the provider is called, the reaper
settles what a dead process leaves, a repeat never reserves twice, Redis faults are 503s."""

import base64
import socket
import time
import uuid

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import GeneratedImage, GenerationJob, GenerationLog
from app.security.quotas import get_quotas
from tests.ai.openai_standin import openai_images
from tests.ai.servers import png_bytes, serve
from tests.support import bearer, empty_tables, work_queued_generations

LEASE = 2.0


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _count(app, model, *where):
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(model).where(*where))
        finally:
            db.session.remove()


def _logs(app, job_id=None):
    app.extensions["tracking"].chain.flush(None)
    where = [GenerationLog.job_id == str(job_id)] if job_id else []
    return _count(app, GenerationLog, *where)


def _used(app, user_id):
    with app.app_context():
        return get_quotas().usage(f"user:{user_id}")["generations"]


@pytest.fixture
def paid_app(make_app):
    built = []

    def build(**settings):
        app = make_app(**{"DAILY_GENERATION_LIMIT": 10, "GENERATION_LEASE_SECONDS": LEASE, **settings})
        built.append(app)
        return app

    yield build
    for app in built[:1]:
        app.extensions["tracking"].chain.flush(None)
        empty_tables(app)


def _user(app, name="payer"):
    from tests.support import make_api_key

    with app.app_context():
        return make_api_key(app, name)


def _editing(app, key):
    """``edit(request_id, **fields)``: one PNG to /ai/tools/edit as ``key``'s caller."""
    client, source = app.test_client(), base64.b64encode(png_bytes()).decode()

    def edit(request_id, **fields):
        return client.post("/ai/tools/edit", headers=bearer(key),
                           json={"image_base64": source, "request_id": request_id, **fields})

    return edit


def test_the_attempt_row_is_committed_with_its_lease_and_quota_before_the_provider_is_called(paid_app):
    from app.ai import leases

    seen = []
    standin = openai_images()

    def answer(request):
        with app.app_context():  # another connection: only committed rows are visible
            rows = db.session.execute(select(GenerationJob.status, GenerationJob.reservation,
                                             GenerationJob.request, ~leases.is_lapsed())).all()
            db.session.remove()
        seen.append(rows)
        return standin(request)

    with serve(answer) as server:
        app = paid_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=server.url + "/v1",
                       PROVIDER_RETRIES=0)
        user_id, key = _user(app)
        response = app.test_client().post("/ai/generate", headers=bearer(key), json={"prompt": "a paid lighthouse"})
    assert response.status_code == 201, response.get_json()
    [[(status, reservation, request, lease_live)]] = seen
    assert status == "running" and lease_live
    assert reservation["units"] == 1
    assert request["record"]["prompt"] == "a paid lighthouse" and request["record"]["provider"] == "openai"
    with app.app_context():
        job = db.session.scalars(select(GenerationJob)).one()
        assert job.status == "finished" and job.lease_expires_at is None and job.reservation is None
        assert job.result["image_ids"] == [response.get_json()["id"]]
    assert _logs(app, job.id) == 1 and _used(app, user_id) == 1


def _dead_attempt(app, user_id, request_id=None):
    """What a process killed during the provider call leaves: a held attempt row that nobody renews."""
    from app.ai import claims
    from app.ai.planning import plan_generation
    from app.ai.quota import reserve_generation
    from app.ai.run import Run, attempt_record
    from app.auth import Principal
    from app.security.client import Caller

    payload = {"prompt": "lost in flight", **({"request_id": request_id} if request_id else {})}
    with app.test_request_context():
        caller = Caller(Principal(user_id, "payer", None, False), address="127.0.0.1")
        plan = plan_generation(payload, caller.principal)
        claim = claims.begin_attempt(payload, plan.tool_name, caller)
        reservation = reserve_generation(plan, caller)
        claims.hold(claim, attempt_record(Run(plan, caller, None, claim.job_id)), reservation)
        db.session.remove()
    return claim.job_id


def test_a_dead_process_leaves_an_abandoned_row_a_log_and_its_quota_back_once_its_lease_lapses(paid_app):
    app = paid_app()
    user_id, _key = _user(app)
    job_id = _dead_attempt(app, user_id)
    assert _used(app, user_id) == 1
    runner = app.test_cli_runner()
    assert "abandoned 0" in runner.invoke(args=["ai", "reap"]).output  # the lease is still live
    time.sleep(LEASE + 0.5)
    result = runner.invoke(args=["ai", "reap"])
    assert "abandoned 1" in result.output, result.output
    assert "abandoned 0" in runner.invoke(args=["ai", "reap"]).output  # settled once
    with app.app_context():
        row = db.session.scalars(select(GeneratedImage)).one()
        assert row.status == "abandoned" and row.prompt == "lost in flight" and row.user_id == user_id
        job = db.session.get(GenerationJob, job_id)
        assert job.status == "failed" and job.result["retryable"] is True and job.reservation is None
        assert job.result["body"]["id"] == str(row.id)
    assert _logs(app, job_id) == 1 and _used(app, user_id) == 0


def test_a_claim_is_never_taken_while_its_lease_is_live_and_is_retryable_once_it_lapses(paid_app):
    app = paid_app(IDEMPOTENCY_WAIT_SECONDS=0.2)
    user_id, key = _user(app)
    _dead_attempt(app, user_id, request_id="r-1")
    client, body = app.test_client(), {"prompt": "lost in flight", "request_id": "r-1"}
    waiting = client.post("/ai/generate", headers=bearer(key), json=body)
    assert waiting.status_code == 409 and waiting.headers["Location"].startswith("/ai/jobs/")
    time.sleep(LEASE + 0.5)
    retried = client.post("/ai/generate", headers=bearer(key), json=body)
    assert retried.status_code == 201, retried.get_json()
    assert client.post("/ai/generate", headers=bearer(key), json=body).status_code == 200  # a replay
    assert _count(app, GeneratedImage, GeneratedImage.status == "success") == 1
    assert _count(app, GeneratedImage, GeneratedImage.status == "abandoned") == 1
    assert _used(app, user_id) == 1  # the abandoned run's unit went back


def test_a_job_cancelled_while_running_whose_process_dies_gives_its_quota_back_and_stays_cancelled(paid_app):
    from app.ai.job_control import _mark_cancelled

    app = paid_app(IDEMPOTENCY_WAIT_SECONDS=0.2)
    user_id, key = _user(app)
    job_id = _dead_attempt(app, user_id, request_id="c-1")
    with app.app_context():
        assert _mark_cancelled(job_id, "running")  # the run keeps the reservation and the lease
        assert db.session.get(GenerationJob, job_id).reservation["units"] == 1
    client, body = app.test_client(), {"prompt": "lost in flight", "request_id": "c-1"}
    assert client.post("/ai/generate", headers=bearer(key), json=body).status_code == 409  # its run may go on
    assert _used(app, user_id) == 1
    time.sleep(LEASE + 0.5)
    result = app.test_cli_runner().invoke(args=["ai", "reap"])
    assert "abandoned 1" in result.output, result.output
    with app.app_context():
        job = db.session.get(GenerationJob, job_id)
        assert job.status == "cancelled" and job.result["body"]["error_code"] == "job_cancelled"
        assert job.reservation is None and job.lease_expires_at is None
    assert _used(app, user_id) == 0 and _logs(app, job_id) == 1
    assert _count(app, GeneratedImage, GeneratedImage.status == "abandoned") == 1
    retried = client.post("/ai/generate", headers=bearer(key), json=body)  # a cancelled request may run again
    assert retried.status_code == 201, retried.get_json()
    assert _used(app, user_id) == 1


def test_repeats_of_a_request_in_flight_never_reserve_quota(paid_app):
    app = paid_app(IDEMPOTENCY_WAIT_SECONDS=0.1, DAILY_GENERATION_LIMIT=2, GENERATION_LEASE_SECONDS=30)
    user_id, key = _user(app)
    _dead_attempt(app, user_id, request_id="busy")  # in flight elsewhere, its lease live
    client = app.test_client()
    answers = [client.post("/ai/generate", headers=bearer(key),
                           json={"prompt": "lost in flight", "request_id": "busy"}).status_code for _ in range(5)]
    assert answers == [409] * 5
    assert _used(app, user_id) == 1  # the one in flight, nothing for its repeats
    assert client.post("/ai/generate", headers=bearer(key), json={"prompt": "another"}).status_code == 201


def test_redis_down_is_a_503_with_retry_after_on_quota_limited_generation(paid_app):
    app = paid_app(REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0")
    _user_id, key = _user(app)
    response = app.test_client().post("/ai/generate", headers=bearer(key), json={"prompt": "no counter"})
    assert response.status_code == 503, response.get_json()
    assert response.headers["Retry-After"] and "Redis" in response.get_json()["message"]
    assert _count(app, GenerationJob) == 0  # nothing was spent: no attempt is left behind
    usage = app.test_client().get("/me/usage", headers=bearer(key))
    assert usage.status_code == 503 and usage.headers["Retry-After"]


def test_quota_counters_lost_by_redis_are_rebuilt_from_the_rows(paid_app, redis_url):
    import redis

    app = paid_app(REDIS_URL=redis_url, DAILY_GENERATION_LIMIT=3)
    user_id, key = _user(app)
    client = app.test_client()
    for index in range(2):
        assert client.post("/ai/generate", headers=bearer(key), json={"prompt": f"p{index}"}).status_code == 201
    redis.Redis.from_url(redis_url).flushdb()  # a restart without persistence
    assert client.post("/ai/generate", headers=bearer(key), json={"prompt": "third"}).status_code == 201
    assert client.post("/ai/generate", headers=bearer(key), json={"prompt": "fourth"}).status_code == 429
    assert _used(app, user_id) == 3


def test_a_failed_row_names_the_storage_that_refused_the_bytes(paid_app):
    app = paid_app(STORAGE_BACKEND="s3", S3_ENDPOINT_URL=f"http://127.0.0.1:{_closed_port()}", S3_BUCKET="imprint",
                   S3_ACCESS_KEY_ID="x", S3_SECRET_ACCESS_KEY="x", S3_MAX_ATTEMPTS=1, S3_TIMEOUT=2)
    user_id, key = _user(app)
    response = app.test_client().post("/ai/generate", headers=bearer(key), json={"prompt": "nowhere"})
    assert response.status_code == 502
    with app.app_context():
        row = db.session.scalars(select(GeneratedImage)).one()
        assert row.status == "failed" and row.storage_provider == "s3"
    assert _logs(app) == 1 and _used(app, user_id) == 0


def test_a_database_cut_at_commit_still_logs_the_paid_call_and_the_reaper_settles_it(paid_app):
    app = paid_app()
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL): the test ends its own session's backend")
    from sqlalchemy import create_engine, event, text
    from sqlalchemy.orm import Session

    user_id, key = _user(app)
    cut = []

    def cut_before_commit(session):
        if cut or not any(isinstance(o, GeneratedImage) for o in session.identity_map.values()):
            return
        cut.append(True)
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
        engine = create_engine(db.engine.url)
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        engine.dispose()

    event.listen(Session, "before_commit", cut_before_commit)
    try:
        response = app.test_client().post("/ai/generate", headers=bearer(key), json={"prompt": "cut at commit"})
    finally:
        event.remove(Session, "before_commit", cut_before_commit)
    assert cut and response.status_code == 503 and response.headers["Retry-After"]
    with app.app_context():
        job_id = db.session.scalars(select(GenerationJob.id)).one()
    assert _logs(app, job_id) == 1  # written from the data in hand
    assert _count(app, GeneratedImage) == 0
    time.sleep(LEASE + 0.5)
    assert "abandoned 1" in app.test_cli_runner().invoke(args=["ai", "reap"]).output
    assert _count(app, GeneratedImage, GeneratedImage.status == "abandoned") == 1
    assert _logs(app, job_id) == 1 and _used(app, user_id) == 0  # one log, and the quota is back


def test_an_async_job_that_fails_outside_the_pipeline_is_settled_by_the_failure_callback(paid_app, redis_url):
    app = paid_app(REDIS_URL=redis_url)
    user_id, key = _user(app)
    client = app.test_client()
    job = client.post("/ai/generate?async=true", headers=bearer(key), json={"prompt": "queued"}).get_json()
    assert _used(app, user_id) == 1
    with app.app_context():  # a job the worker cannot even start (its request lost a field)
        row = db.session.get(GenerationJob, uuid.UUID(job["id"]))
        db.session.execute(update(GenerationJob).where(GenerationJob.id == row.id)
                           .values(request={k: v for k, v in row.request.items() if k != "payload"}))
        db.session.commit()
        db.session.remove()
    work_queued_generations(app)
    view = client.get(f"/ai/jobs/{job['id']}", headers=bearer(key)).get_json()
    assert view["status"] == "failed" and view["failure"]["retryable"] is True
    assert _used(app, user_id) == 0


def test_a_queued_job_the_queue_lost_is_settled_by_the_reaper(paid_app, redis_url):
    from rq.job import Job

    from app.ai.jobs import generation_queue, rq_job_id

    app = paid_app(REDIS_URL=redis_url)
    user_id, key = _user(app)
    client = app.test_client()
    job = client.post("/ai/generate?async=true", headers=bearer(key), json={"prompt": "queued"}).get_json()
    with app.app_context():
        queue = generation_queue()
        Job.fetch(rq_job_id(job["id"]), connection=queue.connection, serializer=queue.serializer).delete()
        from datetime import timedelta

        from app.models.types import utcnow

        db.session.execute(update(GenerationJob).values(updated_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        db.session.remove()
    assert "lost 1" in app.test_cli_runner().invoke(args=["ai", "reap"]).output
    view = client.get(f"/ai/jobs/{job['id']}", headers=bearer(key)).get_json()
    assert view["status"] == "failed" and _used(app, user_id) == 0
    assert _count(app, GeneratedImage) == 0  # no provider was called: no row claims one was


def test_doctor_reports_quota_drift_and_generations_past_their_lease(paid_app, redis_url):
    import redis

    app = paid_app(REDIS_URL=redis_url)
    user_id, key = _user(app)
    client = app.test_client()
    for index in range(2):
        assert client.post("/ai/generate", headers=bearer(key), json={"prompt": f"p{index}"}).status_code == 201
    assert "ok   generations" in app.test_cli_runner().invoke(args=["doctor"]).output
    _dead_attempt(app, user_id)
    counters = redis.Redis.from_url(redis_url)
    [gen_key] = [k for k in counters.keys("imprint:quota:*") if k.endswith(b":gen")]
    counters.set(gen_key, 1)  # a counter that lost units
    time.sleep(LEASE + 0.5)
    output = app.test_cli_runner().invoke(args=["doctor"]).output
    assert "WARN generations" in output, output
    assert "1 generation(s) past their lease" in output and "flask ai reap" in output
    assert f"user {user_id}: counted 1, made 2" in output


def test_a_request_in_flight_is_the_callers_job_and_no_one_elses(paid_app):
    app = paid_app(IDEMPOTENCY_WAIT_SECONDS=0.1, GENERATION_LEASE_SECONDS=30)
    user_id, key = _user(app)
    _other_id, other_key = _user(app, "onlooker")
    job_id = _dead_attempt(app, user_id, request_id="mine")
    client = app.test_client()
    waiting = client.post("/ai/generate", headers=bearer(key), json={"prompt": "lost in flight", "request_id": "mine"})
    assert waiting.status_code == 409 and waiting.headers["Location"] == f"/ai/jobs/{job_id}"
    assert waiting.get_json()["errors"]["json"] == {
        "request_id": ["a request with this request_id is still in progress; retry later"]}
    listed = client.get("/ai/jobs", headers=bearer(key)).get_json()["items"]
    assert [(job["id"], job["status"]) for job in listed] == [(str(job_id), "running")]
    assert client.get(waiting.headers["Location"], headers=bearer(other_key)).status_code == 404


def test_a_cancelled_request_whose_process_died_runs_again_once_its_lease_lapses(paid_app):
    """No reaper passed: the repeat itself settles the dead run, then takes the claim."""
    from app.ai.job_control import _mark_cancelled

    app = paid_app(IDEMPOTENCY_WAIT_SECONDS=0.2)
    user_id, key = _user(app)
    job_id = _dead_attempt(app, user_id, request_id="c-2")
    with app.app_context():
        assert _mark_cancelled(job_id, "running")
    time.sleep(LEASE + 0.5)
    body = {"prompt": "lost in flight", "request_id": "c-2"}
    retried = app.test_client().post("/ai/generate", headers=bearer(key), json=body)
    assert retried.status_code == 201, retried.get_json()
    assert _count(app, GeneratedImage, GeneratedImage.status == "abandoned") == 1
    assert _used(app, user_id) == 1  # the dead run's unit went back, the new run holds one


def test_a_repeated_edit_is_answered_again_even_when_the_quota_is_spent(paid_app):
    """A repeat that only replays an outcome (an image, a refusal) costs no quota, so a spent quota
    does not turn it into a 429."""
    refusal = (400, {}, {"error": {"message": "Your request was rejected by the safety system.",
                                   "type": "invalid_request_error", "param": None, "code": "moderation_blocked"}})
    with serve(lambda seen: refusal) as server:
        app = paid_app(DAILY_GENERATION_LIMIT=1, AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=server.url + "/v1",
                       PROVIDER_RETRIES=0)
        user_id, key = _user(app)
        edit = _editing(app, key)

        refused = edit("refused", instruction="make it red")
        assert refused.get_json()["retryable"] is False and _used(app, user_id) == 0, refused.get_json()
        made = edit("made", operations=[{"op": "flip"}])
        assert made.status_code == 201 and _used(app, user_id) == 1  # the day's one generation is spent
        assert edit("other", operations=[{"op": "flip"}]).status_code == 429
        again = edit("made", operations=[{"op": "flip"}])
        assert again.status_code == 200 and again.get_json()["id"] == made.get_json()["id"]
        refused_again = edit("refused", instruction="make it red")
        assert refused_again.status_code == refused.status_code and refused_again.get_json() == refused.get_json()
    assert len(server.requests) == 1 and _used(app, user_id) == 1


def test_a_refused_quota_never_deletes_a_claim_another_request_took_over(paid_app, monkeypatch):
    """The quota answered after the lease had lapsed and another request had taken the claim: the row
    is the other request's now, and stays."""
    from app.ai import pipeline
    from app.ai.errors import RequestError

    app = paid_app()
    _user_id, key = _user(app)

    def taken_over_then_refused(plan, caller):
        db.session.execute(update(GenerationJob).values(owner="elsewhere:1:0123456789ab"))
        db.session.commit()
        raise RequestError(429, "spent")

    monkeypatch.setattr(pipeline, "reserve_generation", taken_over_then_refused)
    response = app.test_client().post("/ai/generate", headers=bearer(key), json={"prompt": "p", "request_id": "t-1"})
    assert response.status_code == 429
    with app.app_context():
        assert db.session.scalars(select(GenerationJob.owner)).all() == ["elsewhere:1:0123456789ab"]


def test_an_edit_over_the_quota_is_refused_before_its_source_is_read_and_keeps_earlier_failures(paid_app):
    """Over the quota an edit is a 429 whatever its source, and a retry of a failed edit refused so leaves
    the failure on record; only a repeat with an answer to replay skips the quota."""
    outage = (500, {}, {"error": {"message": "The server had an error.", "type": "server_error", "param": None,
                                  "code": None}})
    with serve(lambda seen: outage) as server:
        app = paid_app(DAILY_GENERATION_LIMIT=1, AI_PROVIDER="openai", OPENAI_API_KEY="sk-test",
                       OPENAI_BASE_URL=server.url + "/v1", PROVIDER_RETRIES=0)
        user_id, key = _user(app)
        edit = _editing(app, key)

        failed = edit("flaky", instruction="make it red")
        assert failed.get_json()["retryable"] is True and _used(app, user_id) == 0, failed.get_json()
        assert edit("made", operations=[{"op": "flip"}]).status_code == 201 and _used(app, user_id) == 1
        unreadable = edit("fresh", image_base64=base64.b64encode(b"not an image").decode())
        assert unreadable.status_code == 429, unreadable.get_json()
        assert edit("flaky", instruction="make it red").status_code == 429
        jobs = app.test_client().get("/ai/jobs?status=failed", headers=bearer(key)).get_json()["items"]
        assert len(jobs) == 1 and jobs[0]["failure"]["retryable"] is True
        assert jobs[0]["error"] == failed.get_json()["message"], (jobs[0], failed.get_json())
    assert len(server.requests) == 1 and _used(app, user_id) == 1


def test_a_retry_that_loses_the_claim_to_another_request_waits_for_that_one(paid_app, monkeypatch):
    """Two retries of a failed request race to take its claim: the one that loses reads the claim again and,
    the other request's run being in flight, answers that it is still in progress."""
    from app.ai import claims

    app = paid_app(IDEMPOTENCY_WAIT_SECONDS=0.2, GENERATION_LEASE_SECONDS=30)
    user_id, key = _user(app)
    job_id = _dead_attempt(app, user_id, request_id="race")
    with app.app_context():
        db.session.execute(update(GenerationJob).values(status="failed", lease_expires_at=None,
                                                        result={"failed": True, "retryable": True}))
        db.session.commit()
    taken, reclaim = [], claims._reclaim

    def the_other_request_got_there_first(job_id, state, owner):
        taken.append(reclaim(job_id, state, "elsewhere:1:0123456789ab"))
        return False

    monkeypatch.setattr(claims, "_reclaim", the_other_request_got_there_first)
    body = {"prompt": "lost in flight", "request_id": "race"}
    lost = app.test_client().post("/ai/generate", headers=bearer(key), json=body)
    assert taken == [True] and lost.status_code == 409, lost.get_json()
    assert lost.headers["Location"] == f"/ai/jobs/{job_id}"


def test_a_retried_request_keeps_its_claim_while_its_run_outlasts_a_lease(paid_app):
    """The run that took a failed claim back renews its lease: a repeat arriving after one lease is told
    the run is in progress, and the provider is paid once."""
    import threading

    arrived, release, standin = threading.Event(), threading.Event(), openai_images()

    def answer(request):
        if not arrived.is_set():
            arrived.set()
            release.wait(15)
        return standin(request)

    with serve(answer) as server:
        app = paid_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=server.url + "/v1",
                       PROVIDER_RETRIES=0, IDEMPOTENCY_WAIT_SECONDS=0.2)
        user_id, key = _user(app)
        _dead_attempt(app, user_id, request_id="long")
        with app.app_context():
            db.session.execute(update(GenerationJob).values(status="failed", lease_expires_at=None,
                                                            result={"failed": True, "retryable": True}))
            db.session.commit()
        body, answers = {"prompt": "lost in flight", "request_id": "long"}, {}

        def retry():
            answers["first"] = app.test_client().post("/ai/generate", headers=bearer(key), json=body)

        first = threading.Thread(target=retry)
        first.start()
        try:
            assert arrived.wait(10)
            time.sleep(LEASE + 0.5)  # one lease and more: only renewals keep the claim
            repeat = app.test_client().post("/ai/generate", headers=bearer(key), json=body)
        finally:
            release.set()
            first.join(15)
    assert repeat.status_code == 409, repeat.get_json()
    assert answers["first"].status_code == 201 and len(server.requests) == 1


def test_each_hold_of_a_claim_logs_under_its_own_id(paid_app):
    """The ledger keeps one row per hold of a claim, whoever writes it (the run, or a reaper after its death):
    the dead run's abandoned row and the retry's row are logged under the ids their holds name."""
    from app.ai.leases import log_id
    from app.models import GenerationLog

    app = paid_app(IDEMPOTENCY_WAIT_SECONDS=0.2)
    user_id, key = _user(app)
    job_id = _dead_attempt(app, user_id, request_id="again")
    with app.app_context():
        dead_owner = db.session.get(GenerationJob, job_id).owner
    time.sleep(LEASE + 0.5)
    body = {"prompt": "lost in flight", "request_id": "again"}
    assert app.test_client().post("/ai/generate", headers=bearer(key), json=body).status_code == 201
    app.extensions["tracking"].chain.flush(None)
    with app.app_context():
        owner = db.session.get(GenerationJob, job_id).owner
        logged = set(db.session.scalars(select(GenerationLog.id).where(GenerationLog.job_id == str(job_id))))
    assert owner and owner != dead_owner
    assert logged == {log_id(job_id, dead_owner), log_id(job_id, owner)}


def test_settling_a_job_leaves_other_cancelled_runs_their_lease_and_quota(paid_app):
    """A run cancelled while it works keeps its lease and reservation until it ends (or the reaper settles
    it): another job finishing meanwhile touches neither."""
    from app.ai.job_control import _mark_cancelled

    app = paid_app(GENERATION_LEASE_SECONDS=30)
    user_id, key = _user(app)
    cancelled = _dead_attempt(app, user_id)
    with app.app_context():
        assert _mark_cancelled(cancelled, "running")
    assert app.test_client().post("/ai/generate", headers=bearer(key), json={"prompt": "other"}).status_code == 201
    with app.app_context():
        job = db.session.get(GenerationJob, cancelled)
        assert job.status == "cancelled" and job.reservation["units"] == 1 and job.lease_expires_at is not None
    assert _used(app, user_id) == 2


def test_a_cancelled_run_that_ends_leaves_nothing_for_the_reaper(paid_app):
    """Its run ended: the cancelled row keeps saying cancelled, and its lease and reservation end with the run."""
    from app.ai import claims
    from app.ai.job_control import _mark_cancelled

    app = paid_app()
    user_id, _key = _user(app)
    job_id = _dead_attempt(app, user_id)
    with app.app_context():
        assert _mark_cancelled(job_id, "running")
        claims.settle_job(job_id, "finished", {"image_ids": []})
        db.session.commit()
        job = db.session.get(GenerationJob, job_id, populate_existing=True)
        assert job.status == "cancelled" and job.lease_expires_at is None and job.reservation is None


def test_a_database_error_as_a_worker_starts_a_job_leaves_the_job_on_record(paid_app, monkeypatch):
    """The queued job's row is the record of the request (the failure callback or the reaper settles it):
    an error while the worker holds it never deletes it, as it would the row of a request that made its own."""
    from sqlalchemy.exc import OperationalError

    from app.ai import claims
    from app.ai.jobs import run_generation_job

    app = paid_app()
    job_id = uuid.uuid4()
    with app.app_context():
        db.session.add(GenerationJob(id=job_id, status="queued",
                                     request={"payload": {"prompt": "queued"}, "tool_name": "generateUserImage"}))
        db.session.commit()

    def database_gone(claim, record, reservation):
        raise OperationalError("UPDATE generation_jobs", {}, Exception("server closed the connection"))

    monkeypatch.setattr(claims, "hold", database_gone)
    with app.app_context(), pytest.raises(OperationalError):
        run_generation_job(str(job_id))
    with app.app_context():
        assert db.session.get(GenerationJob, job_id).status == "running"
