"""The attempt row every generation holds, and idempotency by ``request_id``.

Before a provider is called a ``generation_jobs`` row exists, committed, with
the caller's request, the quota it holds and a lease (``leases``): the
intent is on record before the money is spent, and the outcome completes it.

With a ``request_id`` the row's id is an HMAC (keyed by ``SECRET_KEY``) of the
caller's identity — the user, or for an anonymous caller the client address —
and the ``request_id``: nobody can compute another caller's job id, and two
callers with the same ``request_id`` never share a claim. The primary key
makes the claim: of two concurrent identical requests one INSERT wins, the
other waits for its outcome and answers the same, and never reserves quota.
A finished claim replays its answer; a failure that was retryable (an
abandoned run included) may be claimed again; one that was not (a refusal)
replays its error. A live lease is never taken over; a lapsed one is settled
as abandoned first. The same request_id with different parameters is a 422.
"""

import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import GenerationJob
from app.security.quotas import quota_identity

from . import reaper
from .errors import RequestError
from .leases import dialect, hold_values, is_lapsed, lease_seconds, lease_until, new_owner
from .quota import reservation_json

POLL_SECONDS = 0.1


@dataclass
class Claim:
    job_id: uuid.UUID
    owner: str | None = None
    replay: dict | None = None  # the stored outcome, when this is a repeat
    created: bool = True  # this call made (or took back) the row: it goes again if nothing was spent


def job_id_for(identity, request_id):
    """The claim's id for ``request_id`` from ``identity`` (``user:<id>`` or ``ip:<address>``)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, f"{identity}\n{request_id}".encode(), hashlib.sha256).digest()
    return uuid.UUID(bytes=digest[:16], version=4)


def fingerprint(payload):
    """A hash of what was asked (request_id left out; the async switch never reaches a payload)."""
    kept = {k: v for k, v in payload.items() if k != "request_id" and v is not None}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()


def caller_identity(caller):
    """Whose ``request_id`` and quota this is: the user, or an anonymous caller's address."""
    return quota_identity(caller.principal, caller.address)


def has_outcome(identity, request_id):
    """True when ``request_id`` already has an answer to replay (it costs no quota)."""
    job = db.session.get(GenerationJob, job_id_for(identity, request_id))
    if job is None:
        return False
    return job.status == "finished" or (job.status == "failed" and not (job.result or {}).get("retryable"))


def is_replay(payload, caller):
    """True when the payload's ``request_id`` already has an answer to replay."""
    request_id = payload.get("request_id")
    return bool(request_id) and has_outcome(caller_identity(caller), request_id)


def begin_attempt(payload, tool_name, caller, job_id=None, owner=None):
    """The committed row this generation runs under, or the earlier outcome of its ``request_id``.

    ``job_id``/``owner``: a queued job's row, already held by this worker.
    """
    if job_id is not None:
        return Claim(job_id, owner, created=False)
    request_id = payload.get("request_id")
    if request_id:
        stored = {"payload": payload, "fingerprint": fingerprint({**payload, "tool_name": tool_name}),
                  "tool_name": tool_name, "mode": "sync"}
        return claim_request(caller_identity(caller), caller.user_id, request_id, stored,
                             current_app.config["IDEMPOTENCY_WAIT_SECONDS"])
    return _insert(uuid.uuid4(), caller.user_id, {"tool_name": tool_name, "mode": "sync"})


def _insert(job_id, user_id, stored):
    owner = new_owner()
    db.session.add(GenerationJob(id=job_id, user_id=user_id, status="running", request=stored, owner=owner,
                                 lease_expires_at=lease_until(dialect(), lease_seconds())))
    db.session.commit()
    return Claim(job_id, owner)


def claim_request(identity, user_id, request_id, stored_request, wait_seconds):
    """Take the claim for ``request_id`` or return the earlier outcome (``Claim.replay``)."""
    job_id = job_id_for(identity, request_id)
    try:
        return _insert(job_id, user_id, stored_request)
    except IntegrityError:
        db.session.rollback()
    deadline = time.monotonic() + wait_seconds
    while True:
        row = db.session.execute(select(GenerationJob.status, GenerationJob.request, GenerationJob.result,
                                        is_lapsed()).where(GenerationJob.id == job_id)).one()
        db.session.rollback()  # end the read: on SQLite an open transaction holds the write lock
        state, request, result, lapsed = row
        if (request or {}).get("fingerprint") != stored_request.get("fingerprint"):
            raise RequestError(409, "request_id was already used with different parameters", field="request_id")
        if state == "finished":
            return Claim(job_id, replay=result, created=False)
        if state == "failed" and not (result or {}).get("retryable"):
            return Claim(job_id, replay=result, created=False)
        if state in ("running", "cancelled") and lapsed:
            reaper.settle_dead(job_id, "abandoned")  # its owner died: settle it, then claim it again
            continue
        if state == "failed" or (state == "cancelled" and lapsed is None):  # a cancelled run still going waits
            owner = new_owner()
            if _reclaim(job_id, state, owner):
                return Claim(job_id, owner)
            continue
        if time.monotonic() >= deadline:
            raise RequestError(409, "a request with this request_id is still in progress; retry later",
                               field="request_id", headers={"Location": f"/ai/jobs/{job_id}"})
        time.sleep(POLL_SECONDS)


def _reclaim(job_id, state, owner):
    """Atomically move a retryable failed (or a cancelled, settled) claim to ``owner``; False if another
    request got there first."""
    result = db.session.execute(
        update(GenerationJob).where(GenerationJob.id == job_id, GenerationJob.status == state,
                                    GenerationJob.lease_expires_at.is_(None))
        .values(status="running", error=None, result=None, reservation=None, **hold_values(owner))
    )
    db.session.commit()
    return result.rowcount == 1


def hold(claim, record, reservation):
    """Put on the attempt's row what a record of it needs and the quota it holds, and commit:
    from here on a provider may be paid, and a crash leaves enough to settle it."""
    job = db.session.get(GenerationJob, claim.job_id, populate_existing=True)
    job.request = {**(job.request or {}), "record": record}
    job.reservation = reservation_json(reservation)
    db.session.commit()


def drop_attempt(claim):
    """Nothing was spent (the quota refused it): the row this call made goes, so a retry starts afresh."""
    db.session.rollback()
    if claim.created:
        db.session.execute(delete(GenerationJob).where(GenerationJob.id == claim.job_id,
                                                       GenerationJob.owner == claim.owner))
        db.session.commit()


def settle_job(job_id, status, result, error=None):
    """Record the outcome on the job row (in the caller's transaction); the lease ends. A job
    cancelled while it ran keeps saying so (and its cancellation's answer)."""
    if job_id is None:
        return
    ended = {"lease_expires_at": None, "reservation": None}
    db.session.execute(update(GenerationJob).where(GenerationJob.id == job_id, GenerationJob.status != "cancelled")
                       .values(status=status, result=result, error=error, **ended))
    db.session.execute(update(GenerationJob).where(GenerationJob.id == job_id, GenerationJob.status == "cancelled")
                       .values(**ended))
