"""Tools (``generated_images.tool_name``): the prompt tools shape /ai/generate; edit and chart draw with Pillow.

All of them go through ``generate_images``, so every output is stored,
recorded, logged and counted against the caller's daily quota (with the
provider's price when an instruction calls one) the same way.
"""

import base64
import binascii
import io

from flask import current_app
from PIL import Image

from app.datasets.service import validate_upload
from app.history.search import find_visible_image
from app.provenance.service import editing
from app.storage.images import record_bytes

from .chart import render_chart
from .editor import edit_image
from .errors import RequestError
from .pipeline import generate_images, reserve_quota
from .providers import ProviderImage, ProviderResult, get_provider


def _png(image):
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def _pillow_result(image):
    return ProviderResult([ProviderImage(None, image=image)], "pillow")


def _load_source(payload, principal):
    """(image, parent_id, bytes) to edit: a generated image the caller may see, or an uploaded one."""
    config = current_app.config
    if payload.get("image_id"):
        record = find_visible_image(principal, payload["image_id"])
        if record is None or record.status != "success":
            raise RequestError(404, "image not found", field="image_id")
        data = record_bytes(record)
        parent_id = record.id
    elif payload.get("image_base64"):
        try:
            data = base64.b64decode(payload["image_base64"], validate=True)
        except (binascii.Error, ValueError) as error:
            raise RequestError(422, "image_base64 is not valid base64", field="image_base64") from error
        validate_upload(data, config["MAX_UPLOAD_BYTES"], config["MAX_UPLOAD_PIXELS"])
        parent_id = None
    else:
        raise RequestError(422, "give image_id or image_base64", field="image_id")
    image = Image.open(io.BytesIO(data))
    image.load()
    return image, parent_id, data


def edit(payload, caller):
    """Edit an image with Pillow operations, then (with ``instruction``) a provider's edit endpoint.

    The quota is reserved before the source is decoded and edited: a caller over it costs nothing.
    """
    operations = payload.get("operations") or []
    request = {k: payload.get(k) for k in ("format", "request_id", "tags", "message_id", "model")}
    extra = {"operations": operations}
    name, provider = "pillow", None
    if payload.get("instruction"):
        config = current_app.config
        name = payload.get("provider") or config["AI_PROVIDER"]
        provider = get_provider(name, config) if name in ("openai", "gemini") else None
        if provider is None:
            raise RequestError(422, "instruction needs a provider that edits images (openai, gemini)",
                               field="provider")
        request.update(prompt=payload["instruction"], provider=payload.get("provider"))
    else:
        request["prompt"] = f"imageEditor: {', '.join(op['op'] for op in operations) or 'copy'}"
    reservation = reserve_quota(request, caller, tool_name="imageEditor", provider=name)
    try:
        source, parent_id, source_bytes = _load_source(payload, caller.principal)
        edited = edit_image(source, operations)
    except BaseException:
        if reservation is not None:
            reservation.release()
        raise
    if provider is not None:
        renderer = editing(source_bytes, lambda req: provider.edit(req, _png(edited)))
    else:
        renderer = editing(source_bytes, lambda req: _pillow_result(edited))
    return generate_images(request, caller, tool_name="imageEditor", provider=name, renderer=renderer,
                           parent_id=parent_id, extra_meta=extra, use_quota=True, reservation=reservation)


def chart(payload, caller):
    """Render a bar, line or pie chart from data and record it like any generation."""
    labels = payload["labels"]
    series = payload.get("series") or [{"name": payload.get("title") or "values", "values": payload.get("values")}]
    for item in series:
        values = item.get("values") or []
        if len(values) != len(labels):
            raise RequestError(422, "each series needs one value per label", field="series")
        if payload["type"] == "pie" and any(v < 0 for v in values):
            raise RequestError(422, "pie values must not be negative", field="values")
    image = render_chart(payload["type"], labels, series, payload.get("title"), payload.get("width", 1024),
                         payload.get("height", 640))
    prompt = payload.get("title") or f"{payload['type']} chart of {len(labels)} values"
    request = {"prompt": prompt, "format": payload.get("format"), "request_id": payload.get("request_id"),
               "tags": payload.get("tags"), "style": None}
    extra = {"chart": {"type": payload["type"], "labels": labels, "series": series}}
    return generate_images(request, caller, tool_name="renderChart", provider="pillow",
                           renderer=lambda req: _pillow_result(image), extra_meta=extra, use_quota=True)
