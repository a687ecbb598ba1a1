"""What a generation's webhooks say: ``generation.succeeded`` with the answer, ``generation.failed`` with the error."""

from app.webhooks.events import emit


def _common(payload, caller, job_id):
    return {"job_id": str(job_id) if job_id else None, "request_id": payload.get("request_id")}, \
        caller.user_id, payload.get("webhook_url")


def announce_success(outcome, payload, caller, job_id=None):
    """Record ``generation.succeeded`` for the endpoints that receive it; never raises."""
    data, user_id, url = _common(payload, caller, job_id)
    emit("generation.succeeded", {**data, "image_ids": [str(r.id) for r in outcome.records],
                                  "result": outcome.response}, user_id=user_id, webhook_url=url)


def announce_failure(failure, payload, caller, job_id=None):
    """Record ``generation.failed`` with the error the caller got; never raises."""
    data, user_id, url = _common(payload, caller, job_id)
    emit("generation.failed", {**data, "status": failure.status, "error": failure.body},
         user_id=user_id, webhook_url=url)
