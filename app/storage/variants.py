"""Image variants for the web: a stored image at a width from a fixed list, in WebP, AVIF, JPEG or PNG.

A variant is made once, on the first request, and kept in storage (bucket ``image-variants``) under a key
derived from its source's key and the parameters, so it never goes stale (sources never change) and a
second request reads the kept file. Widths, heights and qualities come from short lists: a client can
ask for a bounded number of variants of one image, never fill the disk. The ``image_variants`` rows
record each file; they go with their source (``app/history/files.py``).

A variant of a signed image is signed too: its manifest names the source as its parent ingredient with
a ``c2pa.resized`` action, so a reader follows the chain back to the ledger's record.
"""

import io
from dataclasses import dataclass

from PIL import Image, ImageOps
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import ImageVariant

BUCKET = "image-variants"
SIZES = (64, 128, 160, 256, 320, 480, 640, 768, 960, 1024, 1280, 1536, 2048)
QUALITIES = (50, 65, 80, 90)
FITS = ("contain", "cover")
FORMATS = {"webp": "image/webp", "avif": "image/avif", "jpeg": "image/jpeg", "png": "image/png"}
MIME_FORMATS = {mime: name for name, mime in FORMATS.items()}
DEFAULT_QUALITY = 80
PARAMS = ("w", "h", "fit", "format", "q")


@dataclass(frozen=True)
class VariantSpec:
    """What a variant request asks for, after ``format=auto`` has been decided."""

    width: int | None
    height: int | None
    fit: str
    format: str
    quality: int

    def key(self, source_bucket, source_key):
        stem = source_key.rsplit(".", 1)[0]
        return (f"{source_bucket}/{stem}/w{self.width or 0}-h{self.height or 0}-{self.fit}"
                f"-q{self.quality}.{self.format}")


def negotiate(requested, accept_mimetypes, source_mime):
    """``format=auto``: AVIF or WebP when the client names them in Accept (a ``*/*`` says nothing of
    them), else the source's own format."""
    if requested != "auto":
        return requested
    named = {value for value, quality in accept_mimetypes if quality > 0}
    for mime in ("image/avif", "image/webp"):
        if mime in named:
            return MIME_FORMATS[mime]
    return MIME_FORMATS.get(source_mime, "png")


def make_variant(data, spec):
    """(encoded bytes, width, height): ``data`` scaled down to fit (or cover) the box, never enlarged."""
    with Image.open(io.BytesIO(data)) as picture:
        picture.load()
        box_w = spec.width or picture.width
        box_h = spec.height or picture.height
        keep_alpha = spec.format != "jpeg" and picture.mode in ("RGBA", "LA", "P")
        picture = picture.convert("RGBA" if keep_alpha else "RGB")
        if spec.fit == "cover" and spec.width and spec.height:
            # Fill the box, cropping the centre; a source smaller than the box keeps the box's shape.
            enlarge = max(box_w / picture.width, box_h / picture.height)
            if enlarge > 1:
                box_w, box_h = max(1, round(box_w / enlarge)), max(1, round(box_h / enlarge))
            picture = ImageOps.fit(picture, (box_w, box_h), Image.Resampling.LANCZOS)
        else:
            picture.thumbnail((box_w, box_h), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        options = {"png": {"optimize": True}, "jpeg": {"quality": spec.quality, "optimize": True},
                   "webp": {"quality": spec.quality, "method": 4},
                   "avif": {"quality": spec.quality, "speed": 8}}[spec.format]
        picture.save(out, spec.format.upper(), **options)
        return out.getvalue(), picture.width, picture.height


def get_or_make(storage, source_bucket, source_key, spec, sign=None):
    """(bytes, mime type) of the variant: the kept file, else made from the source now and kept.

    ``sign(data, mime, source)`` signs a new variant (None: leave it unsigned). Raises when the
    source is not stored (FileNotFoundError).
    """
    key = spec.key(source_bucket, source_key)
    row = db.session.scalar(select(ImageVariant).where(ImageVariant.variant_key == key))
    if row is not None:
        try:
            return storage.get(BUCKET, key), row.mime_type
        except FileNotFoundError:
            pass  # the row outlived its file (a restore, a manual delete): make it again
    source = storage.get(source_bucket, source_key)
    data, width, height = make_variant(source, spec)
    mime = FORMATS[spec.format]
    if sign is not None:
        data = sign(data, mime, source)
    storage.put(BUCKET, key, data, mime)
    if row is None:
        db.session.add(ImageVariant(source_bucket=source_bucket, source_key=source_key, variant_key=key,
                                    mime_type=mime, width=width, height=height, byte_size=len(data)))
        try:
            db.session.commit()
        except IntegrityError:  # another request made the same variant first: its row stands
            db.session.rollback()
    return data, mime


def delete_variants(storage, source_bucket, source_key):
    """Delete the variants of a source whose file goes; returns how many."""
    keys = db.session.scalars(select(ImageVariant.variant_key).where(
        ImageVariant.source_bucket == source_bucket, ImageVariant.source_key == source_key)).all()
    for key in keys:
        storage.delete(BUCKET, key)
    if keys:
        db.session.execute(delete(ImageVariant).where(ImageVariant.source_bucket == source_bucket,
                                                      ImageVariant.source_key == source_key))
    return len(keys)
