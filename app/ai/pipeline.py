"""The generation pipeline's entry point: plan, claim, reserve quota, run.

``generate_images(payload, caller, tool_name=…)`` is the one entry point:
``POST /ai/generate``, regenerate, the tools, the RQ job and an
OpenAI-compatible endpoint all call it and get the records back. Planning is
in ``planning``, the attempt row and idempotency in ``claims``, the run itself
in ``run``. The order is what keeps paid work on record: the attempt row is
committed first (a repeat of the request finds it and reserves nothing), then
the quota is reserved and noted on it, and only then is the provider called,
under a lease the process renews while it works.
"""

import uuid
from dataclasses import replace

from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.history import search
from app.security.tags import TagsInvalid, merge_tags

from . import claims
from .announce import announce_failure, announce_success
from .errors import GenerationFailed, RequestError
from .leases import Heartbeat
from .planning import plan_generation
from .quota import reserve_generation
from .responses import build_response
from .run import Outcome, Run, attempt_record, run_plan


def generate_images(payload, caller, *, tool_name=None, provider=None, renderer=None, parent_id=None,
                    job_id=None, owner=None, extra_meta=None, use_quota=False, reservation=None):
    """Plan, claim, generate, store, record for ``caller`` (a Caller); returns an Outcome or raises.

    ``renderer(provider_request) -> ProviderResult`` replaces the provider (edit, chart).
    ``job_id``/``owner`` is an attempt row already held (an async job). Raises RequestError
    (4xx, nothing written) or GenerationFailed (the failed record was written). ``use_quota``
    reserves the caller's daily quota (429 when spent); ``reservation`` is one already held.
    """
    try:
        plan = plan_generation(payload, caller.principal, tool_name=tool_name, provider=provider)
        plan.extra_meta = {**plan.extra_meta, **(extra_meta or {})}
        plan.country = caller.country
        if caller.tags:
            plan.options = replace(plan.options, tags=_caller_tags(plan.options.tags, caller.tags))
        claim = claims.begin_attempt(payload, plan.tool_name, caller, job_id, owner)
    except BaseException:
        _release(reservation)
        raise
    if claim.replay is not None:
        _release(reservation)  # a replay makes nothing new
        return _replay(claim.replay)  # a replay is not announced again: it was when it happened
    run = Run(plan, caller, parent_id, claim.job_id, claim.owner)
    try:
        if use_quota and reservation is None:
            reservation = reserve_generation(plan, caller)
        claims.hold(claim, attempt_record(run), reservation)
    except BaseException:
        _release(reservation)
        claims.drop_attempt(claim)
        raise
    db.session.rollback()  # hold no transaction (nor SQLite's write lock) while the provider works
    try:
        with Heartbeat(claim.job_id, claim.owner):
            outcome = run_plan(run, renderer)
    except SQLAlchemyError:
        raise  # the attempt row still holds the quota: the reaper gives it back when its lease lapses
    except Exception as error:
        _release(reservation)  # the row was settled as failed: the units and the cost go back
        if isinstance(error, GenerationFailed):
            announce_failure(error, payload, caller, job_id)
        raise
    if reservation is not None:
        reservation.settle(outcome.cost)
    announce_success(outcome, payload, caller, job_id)
    return outcome


def _caller_tags(body_tags, header_tags):
    try:
        return merge_tags(body_tags, header_tags)
    except TagsInvalid as error:
        raise RequestError(400, str(error), field="tags") from error


def reserve_quota(payload, caller, *, tool_name=None, provider=None):
    """Reserve the quota ``payload`` needs before the caller's own expensive work (decoding uploads);
    pass the result to ``generate_images(reservation=…)``. None when unlimited or a replay."""
    plan = plan_generation(payload, caller.principal, tool_name=tool_name, provider=provider)
    return None if claims.is_replay(payload, caller) else reserve_generation(plan, caller)


def _release(reservation):
    if reservation is not None:
        reservation.release()


def _replay(result):
    if result.get("failed"):
        raise GenerationFailed(result["http_status"], result["body"], result.get("headers"))
    found = [search.get_generated_image(uuid.UUID(i)) for i in result["image_ids"]]
    return Outcome(found, build_response(found), replayed=True)
