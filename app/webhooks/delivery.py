"""Sending due deliveries: signed POSTs, each attempt recorded, retried with exponential backoff for a day.

A sender takes a delivery by moving its ``locked_until`` forward in one
UPDATE, so two workers never send the same one at once; a delivered one is
never sent again. Waits: 5 s, 20 s, 80 s … (×4, at most ``WEBHOOK_MAX_BACKOFF``)
until ``WEBHOOK_RETRY_SECONDS`` after the event; then it is ``failed``.
"""

import http.client
import json
import logging
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint
from app.models.types import utcnow
from app.redis_client import get_redis
from app.security.ssrf import UnsafeURL, checked_address, pinned_connection

from .endpoints import guard
from .signing import signed_headers

log = logging.getLogger(__name__)
DELIVER_JOB = "app.webhooks.queued.deliver_due_job"
LOCK = timedelta(minutes=2)  # longer than one attempt's timeout: a sender that died lets go after it
FIRST_WAIT, FACTOR = 5.0, 4
MAX_RESPONSE = 64 * 1024  # bytes of the receiver's answer read (and dropped)
BATCH = 100


def backoff(attempts, config):
    """Seconds before the next attempt after ``attempts`` failed ones."""
    return min(FIRST_WAIT * FACTOR ** (attempts - 1), float(config["WEBHOOK_MAX_BACKOFF"]))


def delivery_queue(app):
    """The RQ queue the generation worker runs (JSON serializer), or None without Redis."""
    connection = get_redis(app)
    if connection is None:
        return None
    from rq import Queue
    from rq.serializers import JSONSerializer

    return Queue(app.config["GENERATION_QUEUE"], connection=connection, serializer=JSONSerializer)


def deliver_due(now=None, limit=BATCH):
    """Send the deliveries due at ``now``; returns how many were delivered and how many attempts failed."""
    now = now or utcnow()
    ids = db.session.scalars(
        select(WebhookDelivery.id).where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now,
                                         or_(WebhookDelivery.locked_until.is_(None),
                                             WebhookDelivery.locked_until < now))
        .order_by(WebhookDelivery.next_attempt_at).limit(limit)).all()
    db.session.rollback()
    delivered = failed = 0
    for delivery_id in ids:
        if not _take(delivery_id, now):
            continue
        if _attempt(delivery_id, now):
            delivered += 1
        else:
            failed += 1
    return delivered, failed


def _take(delivery_id, now):
    taken = db.session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending",
                                      or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now))
        .values(locked_until=now + LOCK))
    db.session.commit()
    return taken.rowcount == 1


def post(url, body, headers, config):
    """POST ``body`` to ``url`` through the SSRF guard; (status, milliseconds). Redirects are not followed."""
    parts, address, port = checked_address(url, guard(url, config))
    started = time.perf_counter()
    connection = pinned_connection(parts, address, port, float(config["WEBHOOK_TIMEOUT"]))
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", path, body=body, headers={
            **headers, "Host": parts.netloc, "Content-Type": "application/json", "User-Agent": "Imprint-Webhooks"})
        response = connection.getresponse()
        response.read(MAX_RESPONSE)
        return response.status, int((time.perf_counter() - started) * 1000)
    finally:
        connection.close()


def _attempt(delivery_id, now):
    config = current_app.config
    delivery = db.session.get(WebhookDelivery, delivery_id)
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    status = response_ms = error = None
    try:
        # Signed at send time: receivers refuse a timestamp minutes old.
        status, response_ms = post(endpoint.url, body, signed_headers(endpoint.secret, delivery.event_id,
                                                                      time.time(), body), config)
        ok = 200 <= status < 300
        if not ok:
            error = f"HTTP {status}"
    except (UnsafeURL, OSError, http.client.HTTPException) as failure:
        ok, error = False, f"{type(failure).__name__}: {failure}"[:500]
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_response_ms, delivery.last_error = status, response_ms, error
    delivery.locked_until = None
    if ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
    else:
        wait = timedelta(seconds=backoff(delivery.attempts, config))
        give_up = delivery.created_at + timedelta(seconds=float(config["WEBHOOK_RETRY_SECONDS"]))
        if now + wait > give_up:
            delivery.status, delivery.next_attempt_at = "failed", None
        else:
            delivery.next_attempt_at = now + wait
            _schedule(wait)
    db.session.commit()
    log.info("webhook %s to %s: %s", delivery.event_id, endpoint.url, "delivered" if ok else error)
    return ok


def _schedule(wait):
    """With Redis, the worker's scheduler runs the next attempt on time; without, ``flask webhooks deliver``."""
    queue = delivery_queue(current_app)
    if queue is None:
        return
    try:
        queue.enqueue_in(wait, DELIVER_JOB, result_ttl=0, failure_ttl=3600)
    except Exception as error:
        log.warning("webhooks: could not schedule the retry (%s); `flask webhooks deliver` sends it", error)
