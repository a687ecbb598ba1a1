"""Asynchronous generation: a ``generation_jobs`` row is the record, RQ only carries its id.

The job row is committed before the enqueue (a fast worker must find it);
the RQ job takes the id as plain JSON and the worker reloads everything. The
RQ path and the synchronous fallback run the same function.
"""

import logging
import uuid

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.auth import Principal
from app.extensions import db
from app.models import GenerationJob
from app.observability import context, tracing
from app.redis_client import get_redis
from app.security.client import Caller

from . import claims, reaper
from .claims import caller_identity
from .errors import GenerationFailed, RequestError
from .leases import hold_values, new_owner
from .pipeline import generate_images
from .planning import plan_generation
from .quota import reservation_from_json, reservation_json, reserve_generation

log = logging.getLogger(__name__)
JOB_FUNCTION = "app.ai.queued.run_generation_job"
FAILURE_CALLBACK = "app.ai.queued.settle_failed_job"


def _principal_json(principal):
    if principal is None:
        return None
    return {"user_id": str(principal.user_id), "username": principal.username,
            "key_id": str(principal.key_id) if principal.key_id else None, "is_admin": principal.is_admin}


def _principal(data):
    if not data:
        return None
    key_id = uuid.UUID(data["key_id"]) if data.get("key_id") else None
    return Principal(uuid.UUID(data["user_id"]), data["username"], key_id, data["is_admin"])


def generation_queue(app=None):
    """The RQ queue for generation jobs (JSON serializer), or None without Redis."""
    from rq import Queue
    from rq.serializers import JSONSerializer

    connection = get_redis(app)
    if connection is None:
        return None
    config = (app or current_app).config
    return Queue(config["GENERATION_QUEUE"], connection=connection, serializer=JSONSerializer)


def submit_generation_job(payload, caller, tool_name=None):
    """Check the request, commit a queued job row, enqueue its id; returns (job, queued).

    ``queued`` is False when there is no Redis (or it refused the enqueue): the job
    then ran here, synchronously, before this returned.
    """
    principal = caller.principal
    plan = plan_generation(payload, principal, tool_name=tool_name)  # 4xx now, not in the worker
    db.session.rollback()
    user_id = principal.user_id if principal is not None else None
    request_id = payload.get("request_id")
    job_id = claims.job_id_for(caller_identity(caller), request_id) if request_id else uuid.uuid4()
    stored = {"payload": payload, "tool_name": plan.tool_name, "principal": _principal_json(principal),
              "fingerprint": claims.fingerprint({**payload, "tool_name": plan.tool_name}),
              "country": caller.country, "tags": list(caller.tags),  # the worker has no request
              "trace": context.carried()}  # the worker continues the request's trace
    existing = db.session.get(GenerationJob, job_id)
    if existing is None:
        reservation = reserve_generation(plan, caller)  # 429 now, in the request
        db.session.add(GenerationJob(id=job_id, user_id=user_id, status="queued", request=stored,
                                     reservation=reservation_json(reservation)))
        try:
            db.session.commit()
        except IntegrityError:  # an identical request won the race: answer with its job
            db.session.rollback()
            if reservation is not None:
                reservation.release()
            existing = db.session.get(GenerationJob, job_id)
    if existing is not None:
        if (existing.request or {}).get("fingerprint") != stored["fingerprint"]:
            raise RequestError(409, "request_id was already used with different parameters", field="request_id")
        return existing, existing.status != "finished"
    queue = generation_queue()
    if queue is not None:
        from rq import Callback

        try:
            queue.enqueue_call(JOB_FUNCTION, args=(str(job_id),), job_id=rq_job_id(job_id),
                               timeout=int(current_app.config["PROVIDER_TIMEOUT"] * 3) + 60,
                               result_ttl=3600, failure_ttl=86400, on_failure=Callback(FAILURE_CALLBACK))
            return db.session.get(GenerationJob, job_id), True
        except Exception as error:  # Redis down: do the work now rather than lose it
            log.warning("generation: enqueue failed (%s); running job %s synchronously", error, job_id)
    run_generation_job(str(job_id))
    return db.session.get(GenerationJob, job_id, populate_existing=True), False


def run_generation_job(job_id):
    """Run generation job ``job_id`` (a string) in the current app; returns its final status."""
    return _run(uuid.UUID(job_id))


def settle_failed_job(job_id, exc_type, exc_value):
    """A job that raised past the pipeline (or whose work horse died) is settled as failed and its
    quota given back, so ``GET /ai/jobs/<id>`` says so."""
    reaper.settle_dead(uuid.UUID(job_id), "job_failed", f"{getattr(exc_type, '__name__', exc_type)}: {exc_value}")


def rq_job_id(job_id):
    return f"generation-{job_id}"


def _run(job_id):
    """Run a queued job inside the trace of the request that queued it."""
    job = db.session.get(GenerationJob, job_id)
    carrier = (job.request or {}).get("trace") if job else None
    db.session.rollback()  # _run_bound takes the job in its own transaction
    with context.bound(context.resumed(carrier, job_id)), \
            tracing.continued(carrier, "imprint.job generation", {"imprint.job_id": str(job_id)}):
        return _run_bound(job_id)


def _run_bound(job_id):
    owner = new_owner()
    taken = db.session.execute(update(GenerationJob).where(GenerationJob.id == job_id,
                                                           GenerationJob.status == "queued")
                               .values(status="running", **hold_values(owner))).rowcount
    db.session.commit()
    job = db.session.get(GenerationJob, job_id)
    if not taken:
        return job.status if job else "missing"
    stored = job.request
    try:
        caller = Caller(_principal(stored.get("principal")), country=stored.get("country"),
                        tags=tuple(stored.get("tags") or ()))
        generate_images(stored["payload"], caller, tool_name=stored.get("tool_name"), job_id=job_id, owner=owner,
                        reservation=reservation_from_json(job.reservation))
        return "finished"
    except GenerationFailed:
        return "failed"  # the pipeline settled the job and wrote the failed record
    except RequestError as error:  # e.g. the dataset was deleted while queued
        db.session.rollback()
        body = {"code": error.status, "message": error.message, "retryable": False, "field": error.field}
        claims.settle_job(job_id, "failed", {"failed": True, "retryable": False, "http_status": error.status,
                                             "body": body}, error.message)
        db.session.commit()
        return "failed"


def queue_state(job_id, app=None):
    """What RQ knows of generation job ``job_id``: "failed", "missing", or its status."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    queue = generation_queue(app)
    try:
        job = Job.fetch(rq_job_id(job_id), connection=queue.connection, serializer=queue.serializer)
    except NoSuchJobError:
        return "missing"
    return "failed" if job.is_failed else str(job.get_status())


def find_job(principal, job_id):
    """A job the caller may see: their own, an anonymous one (its id is the secret), or any for admins."""
    job = db.session.get(GenerationJob, job_id)
    if job is None or job.user_id is None or (principal is not None and principal.is_admin):
        return job
    return job if principal is not None and principal.user_id == job.user_id else None
