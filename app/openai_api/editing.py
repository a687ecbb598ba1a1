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
from dataclasses import dataclass, replace

from PIL import Image, ImageOps

from app.ai.errors import RequestError
from app.ai.providers import ProviderImage, ProviderResult
from app.ai.providers.procedural import ProceduralProvider, render
from app.datasets.service import decode_upload, inspect_upload

from .errors import OpenAIError, from_request_error

BLEND = 0.45  # share of the procedural art in an edit without a mask
MAX_OUTPUT_SIDE = 2048  # an edit without ``size`` keeps the image's shape, at most this long


@dataclass(frozen=True)
class Upload:
    """An uploaded image as its header describes it: nothing decoded yet."""

    data: bytes
    format: str
    width: int
    height: int
    mode: str
    info: dict

    @property
    def pixels(self):
        return self.width * self.height


def _as_openai_error(error, param):
    error.message = f"Invalid '{param}': {error.message}"
    return from_request_error(error, param=param)


def check_upload(data, param, config):
    """Check one uploaded image from its header (bytes, format, pixels, bombs); returns an Upload."""
    try:
        fmt, width, height, mode, info = inspect_upload(data, config["MAX_UPLOAD_BYTES"], config["MAX_UPLOAD_PIXELS"])
    except RequestError as error:
        raise _as_openai_error(error, param) from error
    return Upload(data, fmt, width, height, mode, info)


def check_total_pixels(uploads, limit):
    """Refuse a request whose images and mask hold more than ``limit`` pixels together (each decode costs)."""
    total = sum(upload.pixels for upload in uploads)
    if total > limit:
        raise OpenAIError(400, f"Invalid 'image': the images and mask hold {total} pixels together; "
                          f"at most {limit} per request (MAX_EDIT_PIXELS)", param="image", code="image_too_large")


def check_mask(mask, source):
    """The mask rules OpenAI applies, from the headers: a PNG with an alpha channel, the size of the image."""
    if mask.format != "PNG" or not ("A" in mask.mode or "transparency" in mask.info):
        raise OpenAIError(400, "mask must be a PNG with an alpha channel (transparent where to edit)",
                          param="mask", code="invalid_image")
    if (mask.width, mask.height) != (source.width, source.height):
        raise OpenAIError(400, f"mask must be the size of the image ({source.width}x{source.height})",
                          param="mask", code="invalid_image")


def open_image(upload, param):
    """Decode a checked upload (the expensive step, done last)."""
    try:
        return decode_upload(upload.data)
    except RequestError as error:
        raise _as_openai_error(error, param) from error


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


def describe_inputs(images, mask):
    """What the ledger keeps about the inputs: their SHA-256 and sizes, not their bytes."""
    described = {"input_images": [{"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                                  for data in images]}
    if mask is not None:
        described["mask_sha256"] = hashlib.sha256(mask).hexdigest()
    return described


def output_size(size, source):  # source: anything with width and height
    """(width, height): the requested size, else the source's shape scaled to fit MAX_OUTPUT_SIDE."""
    if size and size != "auto":
        width, _, height = size.partition("x")
        return int(width), int(height)
    scale = min(1.0, MAX_OUTPUT_SIDE / max(source.width, source.height))
    return max(1, round(source.width * scale)), max(1, round(source.height * scale))


def read_mask(mask_upload):
    """The alpha channel of a mask ``check_mask`` accepted (255 keeps the source, 0 takes the new art)."""
    mask = open_image(mask_upload, "mask")
    if "transparency" in mask.info:  # a palette or grey PNG with a transparent colour
        mask = mask.convert("RGBA")
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


def provider_renderer(provider, source, mask):  # mask: the uploaded bytes
    """A pipeline renderer that sends the first image (and, to openai, the mask) to ``provider.edit``."""
    png = io.BytesIO()
    source.convert("RGBA" if "A" in source.getbands() else "RGB").save(png, "PNG")
    image = png.getvalue()

    def run(request):
        if mask is not None and provider.name == "openai":
            return provider.edit(request, image, mask=mask)
        return provider.edit(request, image)

    return run
