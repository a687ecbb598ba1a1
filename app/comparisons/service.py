"""Side-by-side runs: the same variables and seeds through several arms of one template (versions,
or one version through other providers or models), N images each, recorded as one comparison.

Each arm's version is fixed when the comparison starts (a label is read once), every cell goes
through the generation pipeline (quota, ledger, usage), and ``prompt_comparison_images`` links
the images to the comparison. Large comparisons run on the generation queue; the row is the record.
"""

import logging
import uuid

from flask import current_app
from sqlalchemy import select

from app.ai.errors import GenerationFailed, RequestError
from app.ai.jobs import generation_queue
from app.ai.pipeline import generate_images, plan_generation
from app.auth import Principal
from app.extensions import db
from app.models import GeneratedImage, PromptComparison, PromptComparisonImage
from app.models.types import utcnow
from app.prompts.labels import resolve_version
from app.prompts.ratings import figures_by_image, merge_figures
from app.prompts.templates import get_prompt
from app.security.client import Caller
from app.storage.images import image_url_for

log = logging.getLogger(__name__)
JOB_FUNCTION = "app.comparisons.queued.run_comparison_job"
SYNC_CELLS = 8  # comparisons up to this many generations run in the request even when async is asked


class ComparisonNotFound(LookupError):
    pass


def start_comparison(prompt_id, caller, *, arms, seeds, variables, n=1, prompt=None, size=None, run_async=False):
    """Check every arm (4xx before anything is written), commit the comparison, run it now or queue it.

    Returns (comparison, queued).
    """
    get_prompt(prompt_id)
    fixed = [_fix_arm(prompt_id, arm) for arm in arms]
    shared = {name: value for name, value in (("prompt", prompt), ("size", size)) if value is not None}
    comparison = PromptComparison(prompt_id=prompt_id, user_id=caller.user_id, caller=_caller_json(caller),
                                  arms=fixed, seeds=list(seeds), variables=variables or {}, shared=shared, n=n,
                                  status="queued")
    for arm in fixed:
        plan_generation(_cell_payload(comparison, arm, seeds[0]), caller.principal)
    db.session.rollback()
    db.session.add(comparison)
    db.session.commit()
    queue = generation_queue() if run_async and len(fixed) * len(seeds) > SYNC_CELLS else None
    if queue is not None:
        try:
            queue.enqueue_call(JOB_FUNCTION, args=(str(comparison.id),), job_id=f"comparison-{comparison.id}",
                               timeout=int(current_app.config["PROVIDER_TIMEOUT"] * 3 * len(fixed) * len(seeds)) + 60,
                               result_ttl=3600, failure_ttl=86400)
            return comparison, True
        except Exception as error:  # Redis down: run it now rather than lose it
            log.warning("comparison: enqueue failed (%s); running %s now", error, comparison.id)
    run_comparison(comparison.id)
    return db.session.get(PromptComparison, comparison.id, populate_existing=True), False


def _fix_arm(prompt_id, arm):
    """The arm with its version fixed (a label is read once, when the comparison starts)."""
    try:
        resolved = resolve_version(prompt_id, label=arm.get("label"), version=arm.get("version"))
    except LookupError as error:
        raise RequestError(404, str(error), field="arms") from error
    return {"version": resolved.version, "label": resolved.label if arm.get("label") else None,
            "provider": arm.get("provider"), "model": arm.get("model")}


def _cell_payload(comparison, arm, seed):
    payload = {**(comparison.shared or {}), "prompt_id": comparison.prompt_id, "variables": comparison.variables,
               "n": comparison.n, "prompt_version": arm["version"], "seed": seed, "provider": arm.get("provider"),
               "model": arm.get("model")}
    return {name: value for name, value in payload.items() if value is not None}


def _caller_json(caller):
    principal = caller.principal
    if principal is None:
        return {"country": caller.country}
    return {"user_id": str(principal.user_id), "username": principal.username, "is_admin": principal.is_admin,
            "key_id": str(principal.key_id) if principal.key_id else None, "country": caller.country}


def _caller(data):
    data = data or {}
    principal = None
    if data.get("user_id"):
        key_id = uuid.UUID(data["key_id"]) if data.get("key_id") else None
        principal = Principal(uuid.UUID(data["user_id"]), data["username"], key_id, data["is_admin"])
    return Caller(principal, country=data.get("country"))


def run_comparison(comparison_id):
    """Generate every cell not yet made (arm by seed), linking each image to the comparison."""
    comparison = db.session.get(PromptComparison, comparison_id)
    if comparison is None or comparison.status == "finished":
        return comparison.status if comparison else "missing"
    comparison.status = "running"
    db.session.commit()
    caller, payloads, done = _caller(comparison.caller), {}, _done_cells(comparison_id)
    for index, arm in enumerate(comparison.arms):
        for seed in comparison.seeds:
            if (index, seed) not in done:
                payloads[index, seed] = (arm["version"], _cell_payload(comparison, arm, seed))
    for (index, seed), (version, payload) in payloads.items():
        _run_cell(comparison_id, caller, payload, index, seed, version)
    comparison = db.session.get(PromptComparison, comparison_id)
    comparison.status, comparison.finished_at = "finished", utcnow()
    db.session.commit()
    return "finished"


def _done_cells(comparison_id):
    rows = db.session.execute(select(PromptComparisonImage.arm, PromptComparisonImage.seed)
                              .where(PromptComparisonImage.comparison_id == comparison_id)).all()
    return {(arm, seed) for arm, seed in rows}


def _run_cell(comparison_id, caller, payload, index, seed, version):
    """One arm and seed: its images linked, or the failed record (or the refusal) kept in their place."""
    link = {"comparison_id": comparison_id, "arm": index, "seed": seed, "prompt_version": version}
    meta = {"comparison_id": str(comparison_id), "comparison_arm": index}
    try:
        outcome = generate_images(payload, caller, extra_meta=meta, use_quota=True)
        rows = [PromptComparisonImage(**link, image_id=record.id) for record in outcome.records]
    except GenerationFailed as error:  # its failed record exists: link it
        failed_id = error.body.get("id")
        rows = [PromptComparisonImage(**link, image_id=uuid.UUID(failed_id) if failed_id else None,
                                      error=str(error.body.get("message")))]
    except RequestError as error:  # e.g. the quota ran out part way
        db.session.rollback()
        rows = [PromptComparisonImage(**link, error=error.message)]
    db.session.add_all(rows)
    db.session.commit()


def find_comparison(principal, prompt_id, comparison_id):
    """A comparison of this template that the caller may see (theirs, or any for an admin)."""
    comparison = db.session.get(PromptComparison, comparison_id)
    if comparison is None or comparison.prompt_id != prompt_id:
        raise ComparisonNotFound(f"no comparison {comparison_id} of {prompt_id!r}")
    if not principal.is_admin and comparison.user_id != principal.user_id:
        raise ComparisonNotFound(f"no comparison {comparison_id} of {prompt_id!r}")
    return comparison


def list_comparisons(principal, prompt_id, limit=20):
    """The caller's comparisons of a template (an admin's: everyone's), newest first."""
    get_prompt(prompt_id)
    query = select(PromptComparison).where(PromptComparison.prompt_id == prompt_id)
    if not principal.is_admin:
        query = query.where(PromptComparison.user_id == principal.user_id)
    return db.session.scalars(query.order_by(PromptComparison.created_at.desc()).limit(limit)).all()


def comparison_view(comparison):
    """The grid: every cell with its image, cost, time and rating, and each arm's totals."""
    links = db.session.scalars(select(PromptComparisonImage)
                               .where(PromptComparisonImage.comparison_id == comparison.id)
                               .order_by(PromptComparisonImage.arm, PromptComparisonImage.seed,
                                         PromptComparisonImage.created_at)).all()
    image_ids = [link.image_id for link in links if link.image_id is not None]
    images = {image.id: image for image in db.session.scalars(
        select(GeneratedImage).where(GeneratedImage.id.in_(image_ids)))} if image_ids else {}
    ratings = figures_by_image(image_ids)
    cells = [_cell(link, images.get(link.image_id), ratings) for link in links]
    arms = [_arm_summary(index, arm, [c for c in cells if c["arm"] == index])
            for index, arm in enumerate(comparison.arms)]
    return {"id": comparison.id, "prompt_id": comparison.prompt_id, "status": comparison.status, "arms": arms,
            "seeds": comparison.seeds, "n": comparison.n, "variables": comparison.variables, "cells": cells,
            "created_at": comparison.created_at, "finished_at": comparison.finished_at}


def _cell(link, image, ratings):
    made = image is not None and image.status == "success"
    return {"arm": link.arm, "seed": link.seed, "prompt_version": link.prompt_version, "image_id": link.image_id,
            "image_url": image_url_for(image) if made else None, "status": "success" if made else "failed",
            "error": link.error or (image.error if image is not None else None),
            "cost_usd": float(image.cost_usd) if made and image.cost_usd is not None else None,
            "duration_ms": image.duration_ms if image is not None else None,
            "rating": ratings.get(link.image_id) or merge_figures([])}


def _arm_summary(index, arm, cells):
    made = [cell for cell in cells if cell["status"] == "success"]
    costs = [cell["cost_usd"] for cell in made]
    times = [cell["duration_ms"] for cell in made if cell["duration_ms"] is not None]
    return {"arm": index, "version": arm.get("version"), "label": arm.get("label"), "provider": arm.get("provider"),
            "model": arm.get("model"), "images": len(made), "failures": len(cells) - len(made),
            "cost_usd": None if None in costs else round(sum(costs), 6),
            "avg_duration_ms": round(sum(times) / len(times), 2) if times else None,
            "rating": merge_figures(cell["rating"] for cell in made)}
