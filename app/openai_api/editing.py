"""``/v1/images/edits``: the uploads, checked like every upload, and how each provider edits.

A provider with an edit endpoint (openai, gemini) receives the first image
(openai also the mask). The offline ``procedural`` provider edits
deterministically: it draws its art for the prompt at the output size (the
other uploaded images tint the palette, as dataset references do) and puts
it where the mask is transparent — or, without a mask, blends it over the
whole image at ``BLEND`` — so the same inputs always give the same pixels.
"""

import base64
import binascii
import hashlib
import io
from dataclasses import replace

from PIL import Image, ImageOps

from app.ai.datasets import validate_upload
from app.ai.errors import RequestError
from app.ai.providers import ProviderImage, ProviderResult
from app.ai.providers.procedural import ProceduralProvider, render

from .errors import OpenAIError, from_request_error

BLEND = 0.45  # share of the procedural art in an edit without a mask
MAX_OUTPUT_SIDE = 2048  # an edit without ``size`` keeps the image's shape, at most this long


def check_upload(data, param, config):
    """Validate one uploaded image (size, pixels, format, bombs); returns (width, height)."""
    try:
        _fmt, width, height = validate_upload(data, config["MAX_UPLOAD_BYTES"], config["MAX_UPLOAD_PIXELS"])
    except RequestError as error:
        error.message = f"Invalid '{param}': {error.message}"
        raise from_request_error(error, param=param) from error
    return width, height


def image_from_ref(ref, param):
    """The bytes of an ImageRefParam (a JSON edit's image): a base64 data URL, decoded.

    File ids and remote URLs are refused by name: Imprint has no Files API and does not
    fetch URLs a client names (it would reach whatever the URL points at)."""
    if "file_id" in ref:
        raise OpenAIError(400, f"Invalid '{param}.file_id': Imprint has no Files API; send the image as a "
                          "data URL (data:image/png;base64,...) or as a multipart upload",
                          param=param, code="unsupported_parameter")
    url = ref["image_url"]
    scheme, _, rest = url.partition(":")
    if scheme.lower() != "data":
        raise OpenAIError(400, f"Invalid '{param}.image_url': Imprint does not fetch image URLs; send a "
                          "data URL (data:image/png;base64,...) or a multipart upload",
                          param=param, code="unsupported_parameter")
    header, comma, payload = rest.partition(",")
    try:
        if not comma or not header.lower().endswith(";base64"):
            raise ValueError
        return base64.b64decode(payload, validate=True)
    except (ValueError, binascii.Error) as error:
        raise OpenAIError(400, f"Invalid '{param}.image_url': not a base64 data URL "
                          "(data:image/png;base64,...)", param=param, code="invalid_value") from error


def open_image(data):
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def describe_inputs(images, mask):
    """What the ledger keeps about the inputs: their SHA-256 and sizes, not their bytes."""
    described = {"input_images": [{"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                                  for data in images]}
    if mask is not None:
        described["mask_sha256"] = hashlib.sha256(mask).hexdigest()
    return described


def output_size(size, source):
    """(width, height): the requested size, else the source's shape scaled to fit MAX_OUTPUT_SIDE."""
    if size and size != "auto":
        width, _, height = size.partition("x")
        return int(width), int(height)
    scale = min(1.0, MAX_OUTPUT_SIDE / max(source.width, source.height))
    return max(1, round(source.width * scale)), max(1, round(source.height * scale))


def read_mask(data, source):
    """The mask's alpha channel (255 keeps the source, 0 takes the new art), checked as OpenAI does:
    a PNG with an alpha channel, the size of the image."""
    mask = open_image(data)
    is_png = mask.format == "PNG"
    if is_png and "transparency" in mask.info:  # a palette or grey PNG with a transparent colour
        mask = mask.convert("RGBA")
    if not is_png or "A" not in mask.getbands():
        raise OpenAIError(400, "mask must be a PNG with an alpha channel (transparent where to edit)",
                          param="mask", code="invalid_image")
    if mask.size != source.size:
        raise OpenAIError(400, f"mask must be the size of the image ({source.width}x{source.height})",
                          param="mask", code="invalid_image")
    return mask.getchannel("A")


def procedural_renderer(source, alpha_mask, references):
    """A pipeline renderer that edits ``source`` with the procedural art (see the module docstring)."""

    def run(request):
        size = (request.width, request.height)
        canvas = ImageOps.fit(source.convert("RGB"), size, Image.Resampling.LANCZOS)
        alpha = None
        if alpha_mask is not None:
            alpha = ImageOps.fit(alpha_mask, size, Image.Resampling.BILINEAR)
        art_request = replace(request, reference_images=list(references))
        images = []
        for index in range(request.n):
            art = render(art_request, index)
            edited = Image.composite(canvas, art, alpha) if alpha is not None else Image.blend(canvas, art, BLEND)
            images.append(ProviderImage(None, "image/png", image=edited))
        return ProviderResult(images, request.model or ProceduralProvider.default_model,
                              info={"edit": "mask" if alpha is not None else "blend"})

    return run


def provider_renderer(provider, source, mask):
    """A pipeline renderer that sends the first image (and, to openai, the mask) to ``provider.edit``."""
    png = io.BytesIO()
    source.convert("RGBA" if "A" in source.getbands() else "RGB").save(png, "PNG")
    image = png.getvalue()

    def run(request):
        if mask is not None and provider.name == "openai":
            return provider.edit(request, image, mask=mask)
        return provider.edit(request, image)

    return run
