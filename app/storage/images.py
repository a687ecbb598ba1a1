"""Store an image once: key from its SHA-256, facts read with Pillow; a stored record's URL.

``encode_image`` writes the generation parameters into a PNG ``tEXt`` chunk
named ``parameters`` (as AUTOMATIC1111 does), so they travel with the file.
"""

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, PngImagePlugin

from . import fresh_url, get_storage

MIME_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}
FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}


@dataclass(frozen=True)
class StoredImage:
    provider: str  # the backend that holds the bytes
    bucket: str
    key: str
    url: str
    storage_url: str
    mime_type: str
    bytes: int
    sha256: str
    width: int
    height: int
    deduplicated: bool  # identical bytes were already stored


def encode_image(image, fmt="png", parameters=None, xmp=None):
    """Encode a PIL image as png/jpeg/webp; PNG gets a ``parameters`` text chunk, any an XMP packet."""
    out = io.BytesIO()
    pil_format = FORMATS[fmt]
    if pil_format == "PNG":
        info = PngImagePlugin.PngInfo()
        if parameters:
            info.add_text("parameters", parameters)
        if xmp:
            info.add_itxt("XML:com.adobe.xmp", xmp.decode())
        image.save(out, "PNG", pnginfo=info)
    else:
        extra = {"xmp": xmp} if xmp else {}
        image.convert("RGB").save(out, pil_format, quality=90, **extra)
    return out.getvalue()


def inspect_image(data):
    """(mime_type, width, height) of encoded image bytes; raises ValueError if not an image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return MIME_TYPES.get(image.format, "application/octet-stream"), image.width, image.height
    except Exception as error:
        raise ValueError("not a readable image") from error


def store_image(storage, bucket, data, mime_type=None):
    """Put ``data`` under ``<sha[:2]>/<sha>.<ext>`` unless those bytes are already stored."""
    detected, width, height = inspect_image(data)
    mime_type = mime_type or detected
    sha = hashlib.sha256(data).hexdigest()
    key = f"{sha[:2]}/{sha}.{EXTENSIONS.get(mime_type, 'bin')}"
    found = storage.find(bucket, key)
    stored = found or storage.put(bucket, key, data, mime_type)
    return StoredImage(stored.provider, bucket, key, stored.url, stored.storage_url, mime_type,
                       len(data), sha, width, height, deduplicated=found is not None)


def read_parameters(data):
    """The ``parameters`` text chunk of a PNG, or None."""
    with Image.open(io.BytesIO(data)) as image:
        return image.info.get("parameters")


def record_bucket(record):
    """The bucket of a generated image's file: the one its metadata names, else generated-images."""
    return (record.meta or {}).get("bucket", "generated-images")


def record_bytes(record, storage=None):
    """The stored file of a generated image (raises what the storage backend raises)."""
    return (storage or get_storage()).get(record_bucket(record), record.storage_key)


def image_url_for(record):
    """The record's URL; presigned S3 URLs are signed afresh, since stored ones expire."""
    if not record.storage_key or record.status != "success":
        return record.image_url
    return fresh_url(record.storage_provider, record_bucket(record), record.storage_key, record.image_url)
