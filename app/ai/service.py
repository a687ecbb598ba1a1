"""The AI service as views and commands use it: generate (sync or queued), regenerate, jobs.

The generated-image record functions live in ``records``; the pipeline in
``pipeline``; datasets in ``datasets``; tools in ``tools``.
"""

import random
import uuid
from dataclasses import dataclass

from flask import current_app

from app.history import search
from app.redis_client import get_redis

from .catalog import ASPECT_RATIOS, SIZES, STYLES, TOOLS
from .errors import RequestError
from .jobs import submit_generation_job
from .pipeline import generate_images
from .providers import allowed_providers
from .responses import build_response
from .run import Outcome

__all__ = ["Generated", "Queued", "generate", "generate_images", "job_view", "regenerate_image"]

ASYNC_UNAVAILABLE = "asynchronous mode needs Redis (REDIS_URL); the generation ran synchronously"


def plain_payload(payload):
    """JSON-safe request fields (UUIDs as strings), without the async switch."""
    return {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in payload.items()
            if k != "run_async" and v is not None}


@dataclass(frozen=True)
class Generated:
    """The generation ran here: its outcome, and a notice when async was asked for but not possible."""

    outcome: Outcome
    notice: str | None = None


@dataclass(frozen=True)
class Queued:
    """The generation waits in the queue (or runs there): its ``generation_jobs`` row."""

    job: object


def generate(payload, caller, run_async=False, tool_name=None):
    """Generate now, or queue it, for ``caller``; returns Generated or Queued."""
    payload = plain_payload(payload)
    if payload.get("webhook_url"):
        check_webhook_url(payload["webhook_url"], caller)
    if run_async and get_redis() is not None:
        job, queued = submit_generation_job(payload, caller, tool_name=tool_name)
        if queued or job.status != "finished":
            return Queued(job)
        found = [search.get_generated_image(uuid.UUID(i)) for i in job.result["image_ids"]]
        return Generated(Outcome(found, build_response(found)), "Redis refused the job; it ran synchronously")
    outcome = generate_images(payload, caller, tool_name=tool_name, use_quota=True)
    return Generated(outcome, ASYNC_UNAVAILABLE if run_async else None)


def check_webhook_url(url, caller):
    """A 422 naming ``webhook_url`` when it may not receive events (the SSRF guard), 401 for anonymous callers."""
    from app.webhooks.endpoints import EndpointError, check_url

    if caller.principal is None:
        raise RequestError(401, "webhook_url needs an API key: its deliveries are signed with your endpoint's secret",
                           field="webhook_url")
    try:
        check_url(url, current_app.config, field="webhook_url")
    except EndpointError as error:
        raise RequestError(422, error.message, field="webhook_url") from error


def regenerate_image(caller, image_id, overrides):
    """A new generation with a record's saved settings (overrides win), linked by ``parent_id``.

    A new seed is drawn unless one is given, so the result is a new variation.
    """
    original = search.find_visible_image(caller.principal, image_id)
    if original is None:
        raise RequestError(404, "image not found")
    tool = next((key for key, spec in TOOLS.items() if spec.tool_name == original.tool_name), "image")
    if tool in ("edit", "chart") or original.tool_name == "openaiImagesEdits":
        raise RequestError(422, f"{original.tool_name} images are not regenerated; run the tool again")
    config = current_app.config
    saved = {
        "prompt": original.prompt, "negative_prompt": original.negative_prompt, "tool": tool,
        "style": original.style if original.style in STYLES else None,
        "aspect_ratio": original.aspect_ratio if original.aspect_ratio in ASPECT_RATIOS else None,
        "size": original.size if original.size in SIZES else None, "quality": original.quality,
        "format": original.format, "n": original.n or 1, "tags": original.tags,
        "dataset_id": str(original.dataset_id) if original.dataset_id else None,
        "provider": original.provider if original.provider in allowed_providers(config) else None,
        "model": original.model if original.provider in allowed_providers(config) else None,
        "seed": random.SystemRandom().randrange(2**32),
    }
    payload = {**{k: v for k, v in saved.items() if v is not None}, **plain_payload(overrides)}
    return generate_images(payload, caller, tool_name=original.tool_name, parent_id=original.id,
                           extra_meta={"regenerated_from": str(original.id)}, use_quota=True)


def job_view(job):
    """A generation job as GET /ai/jobs/<id> shows it; a finished one carries the sync answer."""
    view = {"id": job.id, "status": job.status, "mode": (job.request or {}).get("mode", "async"), "created_at": job.created_at,
            "updated_at": job.updated_at, "error": job.error, "result": None, "failure": None}
    result = job.result or {}
    if job.status == "finished" and result.get("image_ids"):
        found = [search.get_generated_image(uuid.UUID(i)) for i in result["image_ids"]]
        if all(found):
            view["result"] = build_response(found)
    elif job.status == "failed":
        view["failure"] = result.get("body")
    return view
