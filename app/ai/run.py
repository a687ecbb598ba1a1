"""The run of a plan: call the provider, store the images, write their records and the log.

``run_plan(run, renderer)`` is what happens once the request holds its claim
(and quota): every outcome leaves a ``generated_images`` row (success or
failed) and a ``generation_logs`` row.
"""

import time
import uuid
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.history.files import keep_files
from app.provenance.service import pixels_sha256
from app.security.client import Caller
from app.storage import get_storage
from app.storage.images import store_image
from app.tracking import record as record_event
from app.tracking.logger import GenerationLogger

from . import claims, records
from .catalog import ASPECT_RATIOS
from .errors import GenerationFailed
from .leases import log_id
from .outputs import encode_output
from .planning import SCENE_FIELDS, Plan, provider_request
from .pricing import generation_price
from .providers import ProviderError, get_provider
from .providers.base import nearest_ratio
from .quota import outcome_cost
from .responses import build_response, failure_body
from .route_run import price_attempts, run_route
from .sources import decode_output, load_reference_images

BUCKET = "generated-images"


@dataclass
class Run:
    """One run of a plan for its caller: what a record of it needs besides the plan itself.

    ``result``, ``price`` and ``duration_ms`` are filled in once the provider has answered.
    """

    plan: Plan
    caller: Caller
    parent_id: uuid.UUID | None = None
    job_id: uuid.UUID | None = None
    owner: str | None = None  # this process's hold on the job's row
    reference_count: int = 0
    result: object = None
    price: float | None = None
    duration_ms: int | None = None


@dataclass
class Outcome:
    """What a generation made (or replayed): its records, the answer, and the real cost (None: unknown)."""

    records: list
    response: dict
    replayed: bool = False
    cost: float | None = None


def run_plan(run, renderer):
    """Run ``run.plan`` (its attempt row is held); returns an Outcome or raises GenerationFailed.

    Whatever fails after the provider answered, the ``generation_logs`` row is written from
    the data in hand; a database that refuses the records leaves the attempt row to the reaper.
    """
    config, plan = current_app.config, run.plan
    logger = GenerationLogger(user_id=run.caller.user_id, job_id=str(run.job_id),
                              log_id=log_id(run.job_id, run.owner))
    started = time.perf_counter()
    provider = None if renderer is not None else get_provider(plan.provider, config)
    model = plan.model or (provider.default_model if provider else "pillow")
    options = plan.options
    logger.start_job(style=options.style, difficulty=options.difficulty, photo_size=f"{plan.width}x{plan.height}",
                     scene=options.scene or (plan.tool.template and options.tool), tool_name=plan.tool_name,
                     provider=plan.provider, model=model, country=plan.country, api_key_id=run.caller.key_id,
                     end_user=options.end_user, tags=options.tags,
                     **(plan.template.log_fields() if plan.template else {}))
    storage = get_storage()
    try:
        with logger.step("prompt_building"):
            references = load_reference_images(plan.dataset, config["MAX_REFERENCE_IMAGES"])
            run.reference_count = len(references)
            request = provider_request(plan, references)
            request.call_id = str(run.job_id)  # a provider that queues calls can find and cancel this one
        with logger.step("provider_call"):
            result = call_provider(plan, request, logger, renderer)
        logger.add_tokens(**result.tokens)
        with logger.step("storage"):
            stored, marks = _store(plan, result, storage)
        return _record(run, logger, storage, result, stored, marks, started)
    except ProviderError as error:
        raise _fail(run, logger, storage, error) from error
    except OSError as error:  # storage (and the fallback) refused the bytes
        failure = ProviderError("unavailable", f"storage failed: {error}", code="storage_unavailable")
        raise _fail(run, logger, storage, failure) from error
    except SQLAlchemyError as error:  # the database refused: log what we know, the reaper settles the row
        db.session.rollback()
        logger.fail(f"database unavailable: {type(error).__name__}")
        raise
    except Exception as error:  # a bug: record it and free the claim, then answer 500
        _fail(run, logger, storage, ProviderError("bad_response", f"internal error: {error!r}"))
        raise


def call_provider(plan, request, logger, renderer=None):
    """The one place a provider (or a local renderer) is asked for images.

    A provider is asked through the plan's route (``route_run``): each target in turn, all
    of them inside this run's attempt row and lease, every attempt listed on its one log.
    """
    return renderer(request) if renderer is not None else run_route(plan, request, logger)


def _store(plan, result, storage):
    """Encode and store each image; [(StoredImage, image, bytes)] and [(image id, pixel hash)]."""
    stored, marks = [], []
    for index, image in enumerate(result.images):
        picture = image.image if image.image is not None else decode_output(image.data, plan.provider)
        image_id = uuid.uuid4()  # made before the record: the file's manifest names it
        data = encode_output(plan, result, image, picture, index, image_id)
        marks.append((image_id, pixels_sha256(picture)))
        try:
            stored.append((store_image(storage, BUCKET, data), image, data))
        except Exception as error:  # boto3, git and disk errors alike: the bytes were not kept
            raise OSError(f"{type(error).__name__}: {error}") from error
    return stored, marks


def _record(run, logger, storage, result, stored, marks, started):
    """Write the success records and settle the attempt in one commit; the answer is built before it."""
    config, plan = current_app.config, run.plan
    first = stored[0][0]
    priced_size = result.info.get("size") or f"{first.width}x{first.height}"  # the size that was billed
    price = generation_price(config, plan.provider, result.model, priced_size,
                             result.info.get("quality") or plan.options.quality, result.tokens, len(stored))
    logger.add_cost("image", None if price is None else price * len(stored))
    price_attempts(logger, None if price is None else price * len(stored))
    run.result, run.price, run.duration_ms = result, price, int((time.perf_counter() - started) * 1000)
    saved = [_save(run, index, item, image) for index, (item, image, _data) in enumerate(stored)]
    _name_records(saved, marks)
    db.session.flush()
    claims.settle_job(run.job_id, "finished", {"image_ids": [str(r.id) for r in saved]})
    try:
        keep_files(storage, [(item, data) for item, _image, data in stored])  # a concurrent deletion may have taken one
    except (SQLAlchemyError, OSError):
        raise
    except Exception as error:  # S3 unreachable while checking the files: a storage fault, not a bug
        raise OSError(f"{type(error).__name__}: {error}") from error
    # Read everything the caller needs now: after the commit nothing is reloaded, so a database
    # lost right after it cannot turn a made image into an error.
    outcome = Outcome(saved, build_response(saved), cost=outcome_cost(saved))
    db.session.commit()
    # the model that answered, as the image row says
    logger.complete(image_id=saved[0].id, model=result.model, images=len(saved))
    _record_prompt_usage(run, logger, True, run.duration_ms)
    return outcome


def _name_records(saved, marks):
    """Each record takes the id its file's manifest names, and the hash of its pixels."""
    for record, (image_id, pixels) in zip(saved, marks, strict=True):
        record.id, record.meta = image_id, {**(record.meta or {}), "pixels_sha256": pixels}


def _common(run):
    plan, principal = run.plan, run.caller.principal
    options = plan.options
    return dict(
        request_id=options.request_id, user_id=run.caller.user_id,
        username=principal.username if principal else None, tool_name=plan.tool_name, prompt=plan.prompt,
        full_prompt=plan.full_prompt, negative_prompt=plan.negative_prompt, provider=plan.provider,
        quality=options.quality, style=options.style, n=options.n,
        tags=options.tags, message_id=options.message_id,
        dataset_id=plan.dataset.id if plan.dataset else None,
        prompt_id=plan.template.prompt_id if plan.template else None, parent_id=run.parent_id,
        aspect_ratio=_aspect_ratio(plan), format=options.format or "png",
        reference_images_count=run.reference_count, country=plan.country, api_key_id=run.caller.key_id,
        end_user=options.end_user,
        unique_visual_elements=(plan.dataset.unique_visual_elements or None) if plan.dataset else None,
    )


def _aspect_ratio(plan):
    """The ratio asked for, else the catalog's nearest to the size (edits and charts keep their own shape)."""
    if plan.options.aspect_ratio or plan.provider == "pillow":
        return plan.options.aspect_ratio
    return nearest_ratio(plan.width, plan.height, ASPECT_RATIOS)


def _save(run, index, item, image):
    """The record of the run's ``index``-th image (``item``: where it was stored)."""
    result = run.result
    meta = {"bucket": item.bucket, "deduplicated": item.deduplicated, "batch_index": index,
            "job_id": str(run.job_id) if run.job_id else None, "tokens": result.tokens or None,
            "revised_prompt": image.revised_prompt, "provider_info": result.info or None, **run.plan.extra_meta}
    common = _common(run)
    for name in ("aspect_ratio", "quality"):  # what the provider says it used, over what was asked
        common[name] = result.info.get(name) or common[name]
    return records.save_generated_image(
        **common, model=result.model,
        size=f"{item.width}x{item.height}", image_url=item.url, storage_url=item.storage_url,
        storage_provider=item.provider, storage_key=item.key, mime_type=item.mime_type, bytes=item.bytes,
        sha256=item.sha256, width=item.width, height=item.height, resolution=f"{item.width}x{item.height}",
        status="success", meta={k: v for k, v in meta.items() if v is not None}, cost_usd=run.price,
        duration_ms=run.duration_ms)


def _fail(run, logger, storage, error):
    """Write the failed record, settle the attempt, log; return the GenerationFailed to raise."""
    plan = run.plan
    db.session.rollback()
    try:
        failed = records.save_generated_image(
            **_common(run), model=logger.context.get("model") or plan.model, status="failed",
            storage_provider=storage.name,
            size=f"{plan.width}x{plan.height}", error=error.message[:2000],
            meta={"error_kind": error.kind, "error_code": error.code, "provider_status": error.provider_status,
                  "job_id": str(run.job_id) if run.job_id else None, **plan.extra_meta})
        db.session.flush()
        body, headers = failure_body(error, failed.id)
        claims.settle_job(run.job_id, "failed", {"failed": True, "retryable": error.retryable, "http_status":
                                                 error.http_status, "body": body, "headers": headers}, error.message)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        logger.fail(error.message)  # the log from the data in hand; the reaper writes the row
        raise
    logger.fail(error.message, image_id=failed.id)
    _record_prompt_usage(run, logger, False, None, error.message)
    return GenerationFailed(error.http_status, body, headers)


def _record_prompt_usage(run, logger, success, duration_ms, error=None):
    plan = run.plan
    if plan.template is None:
        return
    options = plan.options
    record_event("prompt_usage", prompt_id=plan.template.prompt_id, prompt_version=plan.template.version,
                 prompt_label=plan.template.label, success=success, generation_time_ms=duration_ms,
                 user_id=run.caller.user_id, job_id=logger.job_id, prompt=plan.full_prompt,
                 negative_prompt=plan.negative_prompt, error_message=error, variables=options.variables,
                 api_key_id=run.caller.key_id, **{name: getattr(options, name) for name in SCENE_FIELDS})


def attempt_record(run):
    """The record a run leaves if its process dies: the failed record's fields, as JSON for its attempt row."""
    plan = run.plan
    fields = {**_common(run), "model": plan.model, "size": f"{plan.width}x{plan.height}",
              "storage_provider": get_storage().name}
    return {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in fields.items() if v is not None}
