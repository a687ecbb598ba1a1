"""The generation pipeline: plan (all 4xx checks), call the provider, store, record, log.

``generate_images(payload, caller, tool_name=…)`` is the one entry point:
``POST /ai/generate``, regenerate, the tools, the RQ job and an
OpenAI-compatible endpoint all call it and get the records back.
"""

import time
import uuid
from dataclasses import dataclass, field, fields

from flask import current_app

from app.extensions import db
from app.history import search
from app.history.files import keep_files
from app.models import Dataset
from app.prompts.settings import apply_settings
from app.provenance.service import pixels_sha256
from app.security.client import Caller
from app.security.quotas import quota_identity
from app.storage import get_storage
from app.storage.images import store_image
from app.tracking import record as record_event
from app.tracking.logger import GenerationLogger

from . import claims, records
from .catalog import ASPECT_RATIOS, TOOLS, Tool, resolve_size
from .errors import GenerationFailed, RequestError
from .outputs import encode_output
from .pricing import generation_price
from .prompting import build_full_prompt, render_prompt_template
from .providers import (
    PROVIDERS,
    ProviderError,
    ProviderRequest,
    UnsupportedOption,
    allowed_providers,
    get_provider,
)
from .providers.base import nearest_ratio
from .quota import outcome_cost, reserve_generation
from .responses import build_response, failure_body
from .sources import decode_output, load_reference_images

BUCKET = "generated-images"
EDIT_TOOLS = ("imageEditor", "openaiImagesEdits")  # their provider is asked to edit, not generate


@dataclass(frozen=True)
class GenerationOptions:
    """The request fields the pipeline reads after planning, typed, so only the entry points handle the JSON payload."""

    n: int = 1
    quality: str | None = None
    style: str | None = None
    aspect_ratio: str | None = None
    format: str | None = None
    request_id: str | None = None
    tags: list | None = None
    message_id: str | None = None
    variables: dict | None = None
    tool: str | None = None
    seed: int | None = None
    background: str | None = None
    moderation: str | None = None
    output_compression: int | None = None

    @classmethod
    def from_payload(cls, payload, *, style, aspect_ratio):
        """The options of a validated request body, with the style and aspect ratio planning resolved."""
        values = {option.name: payload.get(option.name) for option in fields(cls)}
        return cls(**{**values, "n": values["n"] or 1, "style": style, "aspect_ratio": aspect_ratio})


@dataclass
class Plan:
    options: GenerationOptions
    tool: Tool
    tool_name: str
    provider: str
    model: str | None
    prompt: str
    full_prompt: str
    negative_prompt: str | None
    width: int
    height: int
    dataset: Dataset | None = None
    template: object = None
    extra_meta: dict = field(default_factory=dict)
    country: str | None = None


@dataclass
class Run:
    """One run of a plan for its caller: what a record of it needs besides the plan itself.

    ``result``, ``price`` and ``duration_ms`` are filled in once the provider has answered.
    """

    plan: Plan
    caller: Caller
    parent_id: uuid.UUID | None = None
    job_id: uuid.UUID | None = None
    reference_count: int = 0
    result: object = None
    price: float | None = None
    duration_ms: int | None = None

@dataclass
class Outcome:
    records: list
    response: dict
    replayed: bool = False


def plan_generation(payload, principal, *, tool_name=None, provider=None):
    """Resolve and check everything a generation needs; raises RequestError (4xx) before any write."""
    from app.datasets.service import find_dataset

    config = current_app.config
    template = None
    if payload.get("prompt_id"):
        template = render_prompt_template(payload["prompt_id"], payload.get("variables"), payload.get("prompt"),
                                          label=payload.get("prompt_label"), version=payload.get("prompt_version"))
        payload = apply_settings(payload, template.settings)  # the request's own fields win
    tool = TOOLS[payload.get("tool") or "image"]
    provider = provider or payload.get("provider") or config["AI_PROVIDER"]
    if payload.get("provider") and provider not in allowed_providers(config):
        raise RequestError(422, f"provider must be one of {allowed_providers(config)}", field="provider")
    if provider not in PROVIDERS and provider != "pillow":
        raise RequestError(503, f"AI_PROVIDER {provider!r} is not a provider")
    prompt, negative = payload.get("prompt"), payload.get("negative_prompt")
    if template is not None:
        prompt, negative = template.text, negative or template.negative_prompt
    if not prompt:
        raise RequestError(422, "prompt is required (or a prompt_id)", field="prompt")
    dataset = None
    if payload.get("dataset_id"):
        dataset = find_dataset(principal, payload["dataset_id"])
        if dataset is None:
            raise RequestError(404, "dataset not found", field="dataset_id")
    width, height = resolve_size(payload.get("size"), payload.get("aspect_ratio"), tool)
    style = payload.get("style") or tool.style
    # No ratio asked: the provider derives one from the size and says which it used.
    options = GenerationOptions.from_payload(payload, style=style,
                                             aspect_ratio=tool.aspect_ratio or payload.get("aspect_ratio"))
    model = payload.get("model") or (config.get("AI_MODEL") if provider == config["AI_PROVIDER"] else None)
    plan = Plan(options, tool, tool_name or tool.tool_name, provider, model, prompt,
                build_full_prompt(prompt, style, dataset, tool), negative, width, height, dataset, template,
                template.ledger() if template else {})
    _check_provider_options(plan, config)
    return plan


def _check_provider_options(plan, config):
    """A 422 naming the field the provider's model would refuse, before anything is written or sent."""
    if plan.provider not in PROVIDERS:
        return
    try:
        get_provider(plan.provider, config).check(provider_request(plan), edit=plan.tool_name in EDIT_TOOLS)
    except UnsupportedOption as error:
        raise RequestError(422, error.message, field=error.field) from error


def provider_request(plan, references=()):
    """What the provider is asked for: the plan's prompt, size and options."""
    options = plan.options
    return ProviderRequest(
        prompt=plan.full_prompt, width=plan.width, height=plan.height, n=options.n,
        negative_prompt=plan.negative_prompt, quality=options.quality, style=options.style,
        aspect_ratio=options.aspect_ratio, model=plan.model, reference_images=list(references),
        seed=options.seed, output_format=options.format, background=options.background,
        moderation=options.moderation, output_compression=options.output_compression)


def generate_images(payload, caller, *, tool_name=None, provider=None, renderer=None, parent_id=None,
                    job_id=None, extra_meta=None, use_quota=False, reservation=None):
    """Plan, claim ``request_id``, generate, store, record for ``caller`` (a Caller); returns an Outcome or raises.

    ``renderer(provider_request) -> ProviderResult`` replaces the provider (edit, chart).
    ``job_id`` is a claim already held (an async job). Raises RequestError (4xx, nothing
    written) or GenerationFailed (the failed record was written). ``use_quota`` reserves
    the caller's daily quota (429 when spent); ``reservation`` is one already held (async).
    """
    principal = caller.principal
    try:
        plan = plan_generation(payload, principal, tool_name=tool_name, provider=provider)
        plan.extra_meta = {**plan.extra_meta, **(extra_meta or {})}
        plan.country = caller.country
        if use_quota and reservation is None and not _is_replay(payload, caller):
            reservation = reserve_generation(plan, caller)
        outcome = _claim_and_run(payload, plan, caller, renderer, parent_id, job_id)
    except BaseException:
        if reservation is not None:
            reservation.release()  # nothing was made: the units and the cost go back
        raise
    if reservation is not None:
        if outcome.replayed:
            reservation.release()  # a replay makes nothing new
        else:
            reservation.settle(outcome_cost(outcome.records))
    return outcome


def reserve_quota(payload, caller, *, tool_name=None, provider=None):
    """Reserve the quota ``payload`` needs before the caller's own expensive work (decoding uploads);
    pass the result to ``generate_images(reservation=…)``. None when unlimited or a replay."""
    plan = plan_generation(payload, caller.principal, tool_name=tool_name, provider=provider)
    return None if _is_replay(payload, caller) else reserve_generation(plan, caller)


def caller_identity(caller):
    """Whose ``request_id`` and quota this is: the user, or an anonymous caller's address."""
    return quota_identity(caller.principal, caller.address)


def _is_replay(payload, caller):
    request_id = payload.get("request_id")
    return bool(request_id) and claims.has_outcome(caller_identity(caller), request_id)


def _claim_and_run(payload, plan, caller, renderer, parent_id, job_id):
    """Claim ``request_id`` (fingerprinted as the caller sent it) and run, or replay its answer."""
    if job_id is None and payload.get("request_id"):
        stored = {"payload": payload, "fingerprint": claims.fingerprint({**payload, "tool_name": plan.tool_name})}
        claim = claims.claim_request(caller_identity(caller), caller.user_id, payload["request_id"], stored,
                                     current_app.config["IDEMPOTENCY_WAIT_SECONDS"])
        if claim.replay is not None:
            return _replay(claim.replay)
        job_id = claim.job_id
    db.session.rollback()  # hold no transaction (nor SQLite's write lock) while the provider works
    return _run(Run(plan, caller, parent_id, job_id), renderer)


def _replay(result):
    if result.get("failed"):
        raise GenerationFailed(result["http_status"], result["body"], result.get("headers"))
    found = [search.get_generated_image(uuid.UUID(i)) for i in result["image_ids"]]
    return Outcome(found, build_response(found), replayed=True)


def _run(run, renderer):
    config, plan = current_app.config, run.plan
    logger = GenerationLogger(user_id=run.caller.user_id,
                              job_id=str(run.job_id or plan.options.request_id or uuid.uuid4()))
    started = time.perf_counter()
    provider = None if renderer is not None else get_provider(plan.provider, config)
    model = plan.model or (provider.default_model if provider else "pillow")
    logger.start_job(style=plan.options.style, photo_size=f"{plan.width}x{plan.height}",
                     scene=plan.tool.template and plan.options.tool, tool_name=plan.tool_name,
                     provider=plan.provider, model=model, country=plan.country,
                     **(plan.template.log_fields() if plan.template else {}))
    stored, result, references, marks = [], None, [], []
    try:
        with logger.step("prompt_building"):
            references = load_reference_images(plan.dataset, config["MAX_REFERENCE_IMAGES"])
            run.reference_count = len(references)
            request = provider_request(plan, references)
        with logger.step("provider_call"):
            result = renderer(request) if renderer is not None else provider.generate(request)
        logger.add_tokens(**result.tokens)
        with logger.step("storage"):
            storage = get_storage()
            for index, image in enumerate(result.images):
                picture = image.image if image.image is not None else decode_output(image.data, plan.provider)
                image_id = uuid.uuid4()  # made before the record: the file's manifest names it
                data = encode_output(plan, result, image, picture, index, image_id)
                marks.append((image_id, pixels_sha256(picture)))
                try:
                    stored.append((store_image(storage, BUCKET, data), image, data))
                except Exception as error:  # boto3, git and disk errors alike: the bytes were not kept
                    raise OSError(f"{type(error).__name__}: {error}") from error
    except ProviderError as error:
        raise _fail(run, logger, error) from error
    except OSError as error:  # storage (and the fallback) refused the bytes
        failure = ProviderError("unavailable", f"storage failed: {error}", code="storage_unavailable")
        raise _fail(run, logger, failure) from error
    except Exception as error:  # a bug: record it and free the claim, then answer 500
        _fail(run, logger, ProviderError("bad_response", f"internal error: {error!r}"))
        raise
    first = stored[0][0]
    priced_size = result.info.get("size") or f"{first.width}x{first.height}"  # the size that was billed
    price = generation_price(config, plan.provider, result.model, priced_size,
                             result.info.get("quality") or plan.options.quality, result.tokens, len(stored))
    logger.add_cost("image", None if price is None else price * len(stored))
    run.result, run.price, run.duration_ms = result, price, int((time.perf_counter() - started) * 1000)
    saved = [_save(run, index, item, image) for index, (item, image, _data) in enumerate(stored)]
    _name_records(saved, marks)
    db.session.flush()
    claims.settle_job(run.job_id, "finished", {"image_ids": [str(r.id) for r in saved]})
    keep_files(storage, [(item, data) for item, _image, data in stored])  # a concurrent deletion may have taken one
    db.session.commit()
    logger.complete(image_id=saved[0].id)
    _record_prompt_usage(plan, run.caller.user_id, logger, True, run.duration_ms)
    return Outcome(saved, build_response(saved))


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
        reference_images_count=run.reference_count, country=plan.country,
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


def _fail(run, logger, error):
    """Write the failed record, settle the claim, log; return the GenerationFailed to raise."""
    plan = run.plan
    db.session.rollback()
    failed = records.save_generated_image(
        **_common(run), model=plan.model, status="failed",
        size=f"{plan.width}x{plan.height}", error=error.message[:2000],
        meta={"error_kind": error.kind, "error_code": error.code, "provider_status": error.provider_status,
              "job_id": str(run.job_id) if run.job_id else None, **plan.extra_meta})
    db.session.flush()
    body, headers = failure_body(error, failed.id)
    claims.settle_job(run.job_id, "failed", {"failed": True, "retryable": error.retryable, "http_status":
                                             error.http_status, "body": body, "headers": headers}, error.message)
    db.session.commit()
    logger.fail(error.message, image_id=failed.id)
    _record_prompt_usage(plan, run.caller.user_id, logger, False, None, error.message)
    return GenerationFailed(error.http_status, body, headers)


def _record_prompt_usage(plan, user_id, logger, success, duration_ms, error=None):
    if plan.template is None:
        return
    record_event("prompt_usage", prompt_id=plan.template.prompt_id, prompt_version=plan.template.version,
                 prompt_label=plan.template.label, success=success, generation_time_ms=duration_ms,
                 user_id=user_id, job_id=logger.job_id, prompt=plan.full_prompt, negative_prompt=plan.negative_prompt, error_message=error,
                 variables=plan.options.variables)
