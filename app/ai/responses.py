"""The /ai/generate answer, built from the records, so a replay answers exactly like the first call."""

import math

from app.storage.images import image_url_for


def _image(record):
    return {
        "id": str(record.id), "image_url": image_url_for(record), "width": record.width,
        "height": record.height, "mime_type": record.mime_type, "bytes": record.bytes,
        "sha256": record.sha256, "storage_provider": record.storage_provider,
        "revised_prompt": (record.meta or {}).get("revised_prompt"),
    }


def build_response(records):
    """``id``, ``image_url``, ``caption``, ``prompt_used``… for the first image, ``images`` for all."""
    first = records[0]
    prices = [r.cost_usd for r in records]
    known = all(p is not None for p in prices)
    return {
        "id": str(first.id),
        "image_url": image_url_for(first),
        "caption": first.prompt,
        "prompt_used": first.full_prompt,
        "dataset_id": str(first.dataset_id) if first.dataset_id else None,
        "style": first.style,
        "aspect_ratio": first.aspect_ratio,
        "quality": first.quality,
        "format": first.format,
        "resolution": first.resolution,
        "reference_images_count": first.reference_images_count or 0,
        "negative_prompt": first.negative_prompt,
        "tool_name": first.tool_name,
        "provider": first.provider,
        "model": first.model,
        "size": first.size,
        "n": len(records),
        "request_id": first.request_id,
        "prompt_id": first.prompt_id,
        "parent_id": str(first.parent_id) if first.parent_id else None,
        "status": first.status,
        "cost": {"usd": float(sum(prices)) if known else None, "currency": "USD", "known": known,
                 "per_image_usd": float(prices[0]) if known else None},
        "tokens": (first.meta or {}).get("tokens"),
        "images": [_image(r) for r in records],
        "created_at": first.created_at.isoformat(),
    }


# A stable code per kind where the provider's own codes differ between providers.
STABLE_CODES = {"refused": "content_policy_violation", "misconfigured": "provider_misconfigured",
                "invalid_request": "provider_invalid_request"}
WAITS = ("rate_limited", "quota", "unavailable", "timeout")  # failures a later retry may cure


def failure_body(error, record_id):
    """The JSON error for a failed generation, and its headers (Retry-After when a wait is known)."""
    from werkzeug.http import HTTP_STATUS_CODES

    body = {
        "code": error.http_status, "status": HTTP_STATUS_CODES.get(error.http_status, "Error"),
        "message": error.message, "retryable": error.retryable, "error_kind": error.kind,
        "error_code": STABLE_CODES.get(error.kind) or error.code, "provider_code": error.code,
        "field": error.field, "id": str(record_id),
    }
    if error.kind == "misconfigured":
        body["message"] += " (run `flask doctor` on the server)"
    if error.kind == "invalid_request" and error.field:
        body["errors"] = {"json": {error.field: [error.message]}}
    headers = {}
    wait = error.retry_after
    if error.kind == "rate_limited" and wait is None:
        wait = 5
    if error.kind in WAITS and wait is not None:
        headers["Retry-After"] = str(max(1, math.ceil(wait)))
    return body, headers
