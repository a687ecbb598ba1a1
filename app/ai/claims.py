"""Idempotency by ``request_id``, held by a ``generation_jobs`` row whose id is derived from it.

The id is an HMAC (keyed by ``SECRET_KEY``) of the caller's identity — the
user, or for an anonymous caller the client address — and the
``request_id``: nobody can compute another caller's job id, and two callers
with the same ``request_id`` never share a claim. The primary key makes the claim:
of two concurrent identical requests one INSERT wins, the other waits for
its outcome and answers the same. A finished claim replays its answer; a
failure that was retryable may be claimed again; one that was not (a
refusal) replays its error. The same request_id with different parameters
is a 422.
"""

import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import GenerationJob
from app.models.types import utcnow

from .errors import RequestError

POLL_SECONDS = 0.1
STALE_AFTER = timedelta(minutes=30)  # a "running" claim this old belonged to a process that died


@dataclass
class Claim:
    job_id: uuid.UUID
    replay: dict | None = None  # the stored outcome, when this is a repeat


def job_id_for(identity, request_id):
    """The claim's id for ``request_id`` from ``identity`` (``user:<id>`` or ``ip:<address>``)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, f"{identity}\n{request_id}".encode(), hashlib.sha256).digest()
    return uuid.UUID(bytes=digest[:16], version=4)


def fingerprint(payload):
    """A hash of what was asked (not of how: async and request_id are left out)."""
    kept = {k: v for k, v in payload.items() if k not in ("async", "request_id") and v is not None}
    return hashlib.sha256(json.dumps(kept, sort_keys=True, default=str).encode()).hexdigest()


def has_outcome(identity, request_id):
    """True when ``request_id`` already has an answer to replay (it costs no quota)."""
    job = db.session.get(GenerationJob, job_id_for(identity, request_id))
    if job is None:
        return False
    return job.status == "finished" or (job.status == "failed" and not (job.result or {}).get("retryable"))


def claim_request(identity, user_id, request_id, stored_request, wait_seconds, status="running"):
    """Take the claim for ``request_id`` or return the earlier outcome (``Claim.replay``)."""
    job_id = job_id_for(identity, request_id)
    db.session.add(GenerationJob(id=job_id, user_id=user_id, status=status, request=stored_request))
    try:
        db.session.commit()
        return Claim(job_id)
    except IntegrityError:
        db.session.rollback()
    deadline = time.monotonic() + wait_seconds
    while True:
        job = db.session.get(GenerationJob, job_id, populate_existing=True)
        snapshot = (job.status, job.request or {}, job.result, job.updated_at)
        db.session.rollback()  # end the read: on SQLite an open transaction holds the write lock
        state, request, result, updated_at = snapshot
        if request.get("fingerprint") != stored_request.get("fingerprint"):
            raise RequestError(422, "request_id was already used with different parameters", field="request_id")
        if state == "finished":
            return Claim(job_id, replay=result)
        if state == "failed" and not (result or {}).get("retryable"):
            return Claim(job_id, replay=result)
        if state in ("failed", "cancelled") or updated_at < utcnow() - STALE_AFTER:
            if _reclaim(job_id, state, status):
                return Claim(job_id)
            continue
        if time.monotonic() >= deadline:
            raise RequestError(409, "a request with this request_id is still in progress; retry later",
                               field="request_id", headers={"Retry-After": "2", "Location": f"/ai/jobs/{job_id}"})
        time.sleep(POLL_SECONDS)


def _reclaim(job_id, old_status, new_status):
    """Atomically move a failed (or stale) claim to us; False if another request got there first."""
    result = db.session.execute(
        update(GenerationJob).where(GenerationJob.id == job_id, GenerationJob.status == old_status)
        .values(status=new_status, error=None, result=None, updated_at=utcnow())
    )
    db.session.commit()
    return result.rowcount == 1


def settle_job(job_id, status, result, error=None):
    """Record the outcome on the job row (in the caller's transaction)."""
    if job_id is None:
        return
    db.session.execute(  # a job cancelled while it ran stays cancelled
        update(GenerationJob).where(GenerationJob.id == job_id, GenerationJob.status != "cancelled")
        .values(status=status, result=result, error=error, updated_at=utcnow())
    )
