"""Settling generations whose owner died: ``flask ai reap``, the worker's upkeep, a failed RQ job.

A row still ``running`` past its lease, or a queued job RQ gave up on, is
settled once (the UPDATE that moves it is the lock): its status becomes
``failed`` (retryable, so its ``request_id`` may run again; a job cancelled
while it ran stays ``cancelled``), the quota it held
goes back and, when a provider may have been paid (the row holds its record),
a ``generated_images`` row with status ``abandoned`` and its
``generation_logs`` row are written (the log under the run's own id, so a run
that logged before it died still has one).
"""

import logging
import uuid
from datetime import timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.models import GeneratedImage, GenerationJob
from app.models.types import utcnow
from app.tracking.logger import GenerationLogger

from .leases import is_lapsed, log_id
from .quota import reservation_from_json

log = logging.getLogger(__name__)
REASONS = {
    "abandoned": "the process running this generation stopped before it finished",
    "job_failed": "the worker running this job failed before the generation finished",
    "lost": "the queue lost this job before a worker ran it",
}
_UUID_FIELDS = ("user_id", "dataset_id", "parent_id", "api_key_id")


def settle_dead(job_id, reason, error_detail=None):
    """Settle job ``job_id`` as failed for ``reason`` if it is still unsettled; True if this call did."""
    condition = GenerationJob.status == "running" if reason == "abandoned" else \
        GenerationJob.status.in_(("queued", "running"))
    if reason == "abandoned":
        condition = condition & is_lapsed()
    message = REASONS[reason] + (f": {error_detail}" if error_detail else "")
    body = {"code": 503, "status": "Service Unavailable", "message": message, "retryable": True,
            "error_kind": "unavailable", "error_code": reason, "id": None}
    moved = db.session.execute(
        update(GenerationJob).where(GenerationJob.id == job_id, condition)
        .values(status="failed", error=message[:2000], lease_expires_at=None,
                result={"failed": True, "retryable": True, "http_status": 503, "body": body})
    ).rowcount
    if not moved and reason == "abandoned":  # cancelled while it ran, then its owner died: it stays cancelled
        moved = db.session.execute(
            update(GenerationJob).where(GenerationJob.id == job_id, GenerationJob.status == "cancelled", is_lapsed())
            .values(lease_expires_at=None)).rowcount
    if not moved:
        db.session.rollback()
        return False
    job = db.session.get(GenerationJob, job_id, populate_existing=True)
    held, record, user_id, owner = job.reservation, (job.request or {}).get("record"), job.user_id, job.owner
    image_id = _write_abandoned(job, record, message) if record else None
    if image_id is not None and job.status == "failed":
        job.result = {**job.result, "body": {**body, "id": str(image_id)}}
    job.reservation = None
    db.session.commit()
    reservation = reservation_from_json(held)
    if reservation is not None:
        try:
            reservation.release()
        except Exception as error:  # Redis away: the counters are rebuilt from the rows
            log.warning("generation %s: its quota could not be given back: %s", job_id, error)
    db.session.rollback()  # no transaction open: the log is handed on at once, not when the context ends
    if record:  # under the run's own log id: if the run logged already (maybe still in the spool), one row
        logger = GenerationLogger(user_id=user_id, job_id=str(job_id), log_id=log_id(job_id, owner))
        logger.start_job(style=record.get("style"), tool_name=record.get("tool_name"),
                         provider=record.get("provider"), model=record.get("model"), country=record.get("country"),
                         api_key_id=record.get("api_key_id"), end_user=record.get("end_user"), tags=record.get("tags"))
        logger.fail(message, image_id=image_id)
    log.warning("generation %s settled as failed: %s", job_id, message)
    return True


def _write_abandoned(job, record, message):
    fields = {k: (uuid.UUID(v) if k in _UUID_FIELDS and v else v) for k, v in record.items()}
    row = GeneratedImage(**fields, status="abandoned", error=message[:2000],
                         meta={"error_kind": "unavailable", "error_code": "abandoned", "job_id": str(job.id)})
    db.session.add(row)
    db.session.flush()
    return row.id


def reap(queue_lookup=None, queued_grace_seconds=300, limit=500):
    """Settle every lapsed running row, and queued jobs RQ no longer holds; returns {reason: count}.

    ``queue_lookup(job_id) -> "failed" | "missing" | other`` asks RQ about a queued job (None: skip them).
    """
    counts = {"abandoned": 0, "job_failed": 0, "lost": 0}
    lapsed = db.session.scalars(select(GenerationJob.id).where(GenerationJob.status.in_(("running", "cancelled")),
                                                               is_lapsed())
                                .limit(limit)).all()
    db.session.rollback()
    for job_id in lapsed:
        counts["abandoned"] += settle_dead(job_id, "abandoned")
    if queue_lookup is not None:
        cutoff = utcnow() - timedelta(seconds=queued_grace_seconds)
        queued = db.session.scalars(select(GenerationJob.id).where(
            GenerationJob.status == "queued", GenerationJob.updated_at < cutoff).limit(limit)).all()
        db.session.rollback()
        for job_id in queued:
            state = queue_lookup(job_id)
            if state in ("failed", "missing"):
                counts["job_failed" if state == "failed" else "lost"] += settle_dead(
                    job_id, "job_failed" if state == "failed" else "lost")
    return counts
