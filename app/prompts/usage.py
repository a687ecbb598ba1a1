"""Recording that a template was used (when a post or a generation names it).

A usage is a tracking event: ``app.tracking.record("prompt_usage", …)`` writes
the row and moves ``prompts.usage_count``/``success_count`` exactly once per
event id, so this module never touches the counters itself.
"""

import logging

from sqlalchemy import select

from app import tracking
from app.extensions import db
from app.models import Prompt

log = logging.getLogger(__name__)

CONTEXT_FIELDS = (
    "post_id",
    "user_id",
    "character_id",
    "job_id",
    "scene",
    "environment",
    "outfit",
    "prompt",
    "negative_prompt",
    "generation_time_ms",
    "error_message",
    "variables",
)


def record_usage(prompt_id, *, success, version=None, **context):
    """Record one usage of a template; returns the event id, or None. Never raises.

    ``version`` defaults to the template's current version; ``context`` takes
    prompt_usage's other columns (post_id, user_id, scene, generation_time_ms, …).
    """
    try:
        unknown = set(context) - set(CONTEXT_FIELDS)
        if unknown:
            raise TypeError(f"unknown usage fields {sorted(unknown)}")
        if version is None:
            version = db.session.scalar(select(Prompt.version).where(Prompt.id == prompt_id))
        fields = {name: value for name, value in context.items() if value is not None}
        if fields.get("error_message"):
            fields["error_message"] = str(fields["error_message"])[:2000]
        return tracking.record(
            "prompt_usage", prompt_id=prompt_id, prompt_version=version, success=bool(success), **fields
        )
    except Exception:
        # Tracking never fails the caller.
        log.exception("prompt usage of %r not recorded", prompt_id)
        return None
