"""Translation between OpenAI's Images API and Imprint's pipeline (``app.ai.pipeline.generate_images``).

Every call goes through the same pipeline as ``POST /ai/generate``: the daily
quota, one ``generated_images`` record per image, one ``generation_logs``
event, the stored file. ``tool_name`` tells the two endpoints apart
(``openaiImagesGenerations``, ``openaiImagesEdits``) and the record's
metadata says what the client asked: ``api``, ``endpoint``,
``requested_model``, ``end_user`` (``user`` or ``safety_identifier``),
``response_format`` and the OpenAI-only options.
"""

import base64
from urllib.parse import urljoin

from flask import current_app

from app.ai.catalog import ASPECT_RATIOS
from app.ai.pipeline import generate_images, reserve_quota
from app.ai.providers import get_provider
from app.provenance.service import editing
from app.storage import get_storage
from app.storage.images import image_url_for, record_bytes

from .editing import (
    check_mask,
    check_total_pixels,
    check_upload,
    describe_inputs,
    open_image,
    output_size,
    procedural_renderer,
    provider_renderer,
    read_mask,
)
from .errors import OpenAIError
from .routing import first_target
from .schemas import REPORTED_QUALITIES, REPORTED_SIZES

GENERATIONS_TOOL = "openaiImagesGenerations"
EDITS_TOOL = "openaiImagesEdits"
RECORDED_OPTIONS = ("response_format", "background", "moderation", "output_compression", "input_fidelity")


def resolve_route(routes, name):
    """The route of a requested model name; None = Imprint's default provider; unknown → 404."""
    if name is None:
        return None
    route = routes.get(name)
    if route is None:
        raise OpenAIError(404, f"The model '{name}' does not exist or is not routed by Imprint "
                          f"(GET /v1/models lists the models; OPENAI_COMPAT_MODELS maps them)",
                          param="model", code="model_not_found")
    return route


def list_models(routes):
    """The routed models in OpenAI's list shape."""
    return {"object": "list", "data": [model_view(route) for route in routes.values()]}


def model_view(route):
    """One routed model in OpenAI's shape (``owned_by`` names the provider that answers it)."""
    return {"id": route.name, "object": "model", "created": route.created, "owned_by": route.provider}


def _ratio(width, height):
    return next((name for name, dims in ASPECT_RATIOS.items() if dims[0] * height == dims[1] * width), None)


def _payload(fields, route):
    payload = {"prompt": fields["prompt"], "n": fields.get("n") or 1, "format": fields.get("output_format") or "png"}
    for name in ("quality", "style", "negative_prompt", "seed", "tags", "request_id", "background", "moderation",
                 "output_compression", "prompt_id", "prompt_label", "prompt_version", "variables"):
        if fields.get(name) is not None:
            payload[name] = fields[name]
    if fields.get("imprint_style"):
        payload["style"] = fields["imprint_style"]
    size = fields.get("size")
    if size and size != "auto":
        payload["size"] = size
        width, _, height = size.partition("x")
        ratio = _ratio(int(width), int(height))
        if ratio:
            payload["aspect_ratio"] = ratio
    if route is not None and route.model:
        payload["model"] = route.model
    end_user = fields.get("user") or fields.get("safety_identifier")
    if end_user:
        payload["end_user"] = end_user
    return payload


def _metadata(fields, endpoint, response_format):
    meta = {"api": "openai", "endpoint": endpoint, "requested_model": fields.get("model"),
            "end_user": fields.get("user") or fields.get("safety_identifier"),
            **{name: fields.get(name) for name in RECORDED_OPTIONS}, "response_format": response_format}
    return {key: value for key, value in meta.items() if value is not None}


def _response_format(fields):
    chosen = fields.get("response_format")
    if chosen:
        return chosen
    # OpenAI's GPT image models answer base64 only, so code written for them reads b64_json.
    return "b64_json" if (fields.get("model") or "").startswith("gpt-image") else "url"


def generate_openai_images(fields, caller, routes, *, base_url):
    """``POST /v1/images/generations``: generate through the pipeline; the answer in OpenAI's shape."""
    route = resolve_route(routes, fields.get("model"))
    response_format = _response_format(fields)
    outcome = generate_images(
        _payload(fields, route), caller, tool_name=GENERATIONS_TOOL,
        provider=route.provider if route else None,
        extra_meta=_metadata(fields, "images.generations", response_format), use_quota=True)
    return images_response(outcome.records, response_format, base_url)


def edit_openai_images(fields, images, mask, caller, routes, config, *, base_url):
    """``POST /v1/images/edits``: cheap checks first (counts, headers, total pixels, the quota),
    decode last, then edit with the routed provider and answer as OpenAI."""
    if not images:
        raise OpenAIError(400, "image is required (a multipart file field 'image' or 'image[]')",
                          param="image", code="missing_required_parameter")
    uploads = [check_upload(data, "image", config) for data in images]
    mask_upload = check_upload(mask, "mask", config) if mask is not None else None
    check_total_pixels(uploads + ([mask_upload] if mask_upload else []), config["MAX_EDIT_PIXELS"])
    if mask_upload is not None:
        check_mask(mask_upload, uploads[0])
    route = first_target(current_app, resolve_route(routes, fields.get("model")))
    provider_name = route.provider if route else config["AI_PROVIDER"]
    provider = get_provider(provider_name, config)
    if provider_name != "procedural" and not provider.supports_edit:
        raise OpenAIError(400, f"model {fields.get('model') or provider_name!r} ({provider_name}) cannot edit "
                          "images; route the model to openai, gemini or procedural", param="model",
                          code="model_not_supported")
    width, height = output_size(fields.get("size"), uploads[0])
    payload = _payload({**fields, "size": f"{width}x{height}"}, route)
    payload.setdefault("model", provider.default_model)  # the log and the record name the same model
    reservation = reserve_quota(payload, caller, tool_name=EDITS_TOOL, provider=provider_name)
    try:
        source = open_image(uploads[0], "image")  # decoding is the expensive part: last
        if provider_name == "procedural":
            alpha = read_mask(mask_upload) if mask_upload is not None else None
            renderer = procedural_renderer(source, alpha, [open_image(u, "image") for u in uploads[1:]])
        else:
            renderer = provider_renderer(provider, source, mask)
    except BaseException:
        if reservation is not None:
            reservation.release()
        raise
    response_format = _response_format(fields)
    meta = {**_metadata(fields, "images.edits", response_format), **describe_inputs(images, mask)}
    outcome = generate_images(payload, caller, tool_name=EDITS_TOOL, provider=provider_name,
                              renderer=editing(images[0], renderer), extra_meta=meta, use_quota=True,
                              reservation=reservation)
    return images_response(outcome.records, response_format, base_url)


def _revised_prompt(record):
    """The provider's revision, else the prompt Imprint sent when it differs from the request."""
    revised = (record.meta or {}).get("revised_prompt")
    if revised:
        return revised
    return record.full_prompt if record.full_prompt and record.full_prompt != record.prompt else None


def _usage(record):
    """OpenAI's usage with its required input_tokens_details, or None when it cannot be told.

    A generation's input is all text; an edit's split between text and image tokens is
    known only when the provider reported it (``input_text``/``input_image``)."""
    meta = record.meta or {}
    tokens = meta.get("tokens") or {}
    if not tokens:
        return None
    used_in, used_out = int(tokens.get("input") or 0), int(tokens.get("output") or 0)
    text, image = tokens.get("input_text"), tokens.get("input_image")
    if text is None and image is None:
        if meta.get("endpoint") == "images.edits":
            return None
        text, image = used_in, 0
    details = {"text_tokens": int(text or 0), "image_tokens": int(image or 0)}
    return {"input_tokens": used_in, "output_tokens": used_out, "total_tokens": used_in + used_out,
            "input_tokens_details": details}


def _reported(value, allowed):
    return value if value in allowed else None


def images_response(records, response_format, base_url):
    """OpenAI's ImagesResponse for stored records: absolute URLs or the stored bytes in base64."""
    storage = get_storage() if response_format == "b64_json" else None
    data = []
    for record in records:
        if storage is not None:
            item = {"b64_json": base64.b64encode(record_bytes(record, storage)).decode()}
        else:
            item = {"url": urljoin(base_url, image_url_for(record))}
        revised = _revised_prompt(record)
        if revised:
            item["revised_prompt"] = revised
        data.append(item)
    first = records[0]
    answer = {"created": int(first.created_at.timestamp()), "data": data,
              "background": "opaque",
              "output_format": first.format, "size": _reported(first.size, REPORTED_SIZES),
              "quality": _reported(first.quality, REPORTED_QUALITIES), "usage": _usage(first)}
    # OpenAI's schema has no nulls here: what does not apply is left out.
    return {name: value for name, value in answer.items() if value is not None}
