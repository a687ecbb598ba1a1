"""A caller's asynchronous jobs: the list, and cancelling one.

A queued job is cancelled outright: its row says ``cancelled`` (the worker
takes only queued rows), its RQ entry is removed and the quota reservation
its row held is taken off it and released, in that order, once. A
running job is cancelled where the provider can stop it: Automatic1111's
``POST /sdapi/v1/interrupt`` (the web UI runs one generation at a time);
the row says ``cancelled`` at once and keeps saying it whatever the run
ends with, and the run's own quota settlement stays (what was made was
paid for; the run keeps its lease, so the reaper still settles it if its
process dies). Other providers cannot stop a call in flight: 409.
"""

import logging

from flask import current_app
from sqlalchemy import update

from app.extensions import db
from app.history.search import page_rows
from app.models import GenerationJob
from app.models.types import utcnow
from app.webhooks.events import emit

from .errors import RequestError
from .jobs import find_job, generation_queue
from .providers import ProviderError, get_provider
from .quota import reservation_from_json

log = logging.getLogger(__name__)
STATUSES = ("queued", "running", "finished", "failed", "cancelled")
# ComfyUI: the call queued with the job's id as client_id; A1111 runs one generation at a time.
INTERRUPTIBLE = ("automatic1111", "comfyui")


def list_jobs(principal, status=None, limit=50, cursor=None):
    """The caller's jobs, newest first, optionally of one status; (jobs, next cursor). Anonymous: none."""
    if principal is None:
        return [], None
    conditions = [GenerationJob.user_id == principal.user_id]
    if status:
        conditions.append(GenerationJob.status == status)
    return page_rows(GenerationJob, conditions, limit, 0, cursor)


def _mark_cancelled(job_id, from_status):
    """Atomically move the job from ``from_status`` to cancelled; False when it had moved on.

    A queued job's reservation comes off its row in the same UPDATE (the caller releases it);
    a running job's stays with its run.
    """
    body = {"code": 409, "status": "Conflict", "message": "the job was cancelled", "retryable": True,
            "error_kind": "cancelled", "error_code": "job_cancelled"}
    done = db.session.execute(
        update(GenerationJob).where(GenerationJob.id == job_id, GenerationJob.status == from_status)
        .values(status="cancelled", error="cancelled by the caller", updated_at=utcnow(),
                result={"failed": True, "retryable": True, "http_status": 409, "body": body},
                **({"reservation": None} if from_status == "queued" else {})))
    db.session.commit()
    return done.rowcount == 1


def _dequeue(job_id):
    queue = generation_queue()
    if queue is None:
        return
    try:
        queue.remove(f"generation-{job_id}")
    except Exception as error:  # Redis down: the worker finds the row cancelled and skips it
        log.warning("cancel: could not remove job %s from the queue (%s)", job_id, error)


def _job_provider(job):
    payload = (job.request or {}).get("payload") or {}
    return payload.get("provider") or current_app.config["AI_PROVIDER"]


def _interrupt(name, job_id):
    """Ask the provider to stop the job's call; errors are logged (the job is cancelled either way)."""
    provider = get_provider(name, current_app.config)
    try:
        if name == "comfyui":
            provider.cancel_call(str(job_id))
        else:
            base = (current_app.config.get("A1111_URL") or "").rstrip("/")
            provider.http.request("POST", base + "/sdapi/v1/interrupt", auth=provider.auth())
    except ProviderError as error:
        log.warning("cancel: %s did not take the interrupt (%s)", name, error.message)


def cancel_job(principal, job_id):
    """Cancel the caller's job; returns the job row. 404 unknown, 409 finished or not interruptible."""
    job = find_job(principal, job_id)
    if job is None:
        raise RequestError(404, "job not found")
    for _ in range(2):  # a worker may take the job between the read and the update: read it again
        if job.status == "cancelled":
            return job
        if job.status == "queued":
            held = job.reservation  # read before the UPDATE that takes it off the row
            if _mark_cancelled(job.id, "queued"):
                _dequeue(job.id)
                reservation = reservation_from_json(held)
                if reservation is not None:
                    reservation.release()  # Redis away: logged, and the day's counter is rebuilt from the rows
        elif job.status == "running":
            provider = _job_provider(job)
            if provider not in INTERRUPTIBLE:
                raise RequestError(409, f"the job is running on {provider}, which cannot stop a call in flight")
            if _mark_cancelled(job.id, "running"):
                _interrupt(provider, job.id)
        elif job.status != "queued":
            break
        job = db.session.get(GenerationJob, job.id, populate_existing=True)
        if job.status == "cancelled":
            payload = (job.request or {}).get("payload") or {}
            emit("job.cancelled", {"job_id": str(job.id), "request_id": payload.get("request_id")},
                 user_id=job.user_id, webhook_url=payload.get("webhook_url"))
            return job
    db.session.rollback()
    raise RequestError(409, f"the job is {job.status}: there is nothing to cancel")
