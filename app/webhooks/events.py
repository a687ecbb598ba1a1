"""Recording an event: one delivery row per endpoint that receives it, then a sender is woken.

Called after the work it reports on is committed, and it never raises into
that work: a delivery never blocks or fails a generation.
"""

import logging
import threading
import uuid

from flask import current_app

from app.extensions import db
from app.models import WebhookDelivery
from app.models.types import utcnow

from .endpoints import request_endpoint, subscribers

log = logging.getLogger(__name__)


def emit(event_type, data, *, user_id=None, webhook_url=None):
    """Record ``event_type`` with ``data`` for its subscribers (and a request's ``webhook_url``); returns the
    event id, or None when nobody receives it. Never raises."""
    try:
        return _emit(event_type, data, user_id, webhook_url)
    except Exception:  # a webhook must not fail the work it reports
        log.exception("webhooks: could not record %s", event_type)
        db.session.rollback()
        return None


def _emit(event_type, data, user_id, webhook_url):
    endpoints = subscribers(event_type, user_id)
    if webhook_url and user_id is not None:
        endpoints.append(request_endpoint(user_id, webhook_url))
    if not endpoints:
        db.session.rollback()  # end the read: no transaction is held after the work it reports
        return None
    now = utcnow()
    event_id = f"msg_{uuid.uuid4().hex}"
    payload = {"type": event_type, "timestamp": now.isoformat(), "data": data}
    for endpoint in {e.id: e for e in endpoints}.values():
        db.session.add(WebhookDelivery(event_id=event_id, event_type=event_type, endpoint_id=endpoint.id,
                                       user_id=user_id, payload=payload, next_attempt_at=now))
    db.session.commit()
    wake_sender(current_app._get_current_object())
    return event_id


def wake_sender(app):
    """Send what is due now: an RQ job with Redis, else a thread of this process (retries: the worker's
    scheduler, or ``flask webhooks deliver``)."""
    from .delivery import DELIVER_JOB, deliver_due, delivery_queue

    queue = delivery_queue(app)
    if queue is not None:
        try:
            queue.enqueue_call(DELIVER_JOB, result_ttl=0, failure_ttl=3600)
            return
        except Exception as error:  # Redis down: this process sends
            log.warning("webhooks: enqueue failed (%s); sending from this process", error)

    def run():
        with app.app_context():
            try:
                deliver_due()
            finally:
                db.session.remove()

    threading.Thread(target=run, name="webhook-sender", daemon=True).start()
