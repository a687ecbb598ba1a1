"""Gallery thumbnails: made with Pillow from the stored image, cached on disk under instance/.

A thumbnail is keyed by the image's SHA-256 (identical bytes share one) and
its size, so it never goes stale: the bytes of a generated image never change.
Files are written to a temporary name and renamed, so a reader never sees
half a file, and two requests making the same thumbnail do no harm.
"""

import io
import os
import tempfile

from PIL import Image

from app.storage import get_storage
from app.storage.images import record_bytes

SIZES = {"small": 360, "large": 1024}


class NoImage(LookupError):
    """The record has no stored bytes (a failed generation) or the storage lost them."""


def thumbnail_dir(app):
    return os.path.join(app.instance_path, "dashboard-thumbnails")


def thumbnail_path(app, record, size):
    """Where the ``size`` thumbnail of ``record`` is cached."""
    return _path(app, record.sha256 or str(record.id), size)


def _path(app, name, size):
    return os.path.join(thumbnail_dir(app), name[:2], f"{name}-{SIZES[size]}.webp")


def remove_thumbnails(app, name):
    """Delete the cached thumbnails of the image named ``name`` (its SHA-256 or id); returns how many."""
    removed = 0
    for size in SIZES:
        try:
            os.remove(_path(app, name, size))
            removed += 1
        except FileNotFoundError:
            pass
    return removed


def make_thumbnail(data, edge):
    """WebP bytes of ``data`` scaled to fit an ``edge``×``edge`` box (never enlarged)."""
    with Image.open(io.BytesIO(data)) as picture:
        picture.draft("RGB", (edge, edge))  # JPEG: decode at a reduced scale
        picture = picture.convert("RGBA" if picture.mode in ("RGBA", "LA", "P") else "RGB")
        picture.thumbnail((edge, edge), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        picture.save(out, "WEBP", quality=82, method=4)
        return out.getvalue()


def get_thumbnail(app, record, size="small"):
    """The path of the cached thumbnail, made now if missing; NoImage if there are no bytes."""
    path = thumbnail_path(app, record, size)
    if os.path.exists(path):
        return path
    if record.status != "success" or not record.storage_key:
        raise NoImage(record.id)
    try:
        storage = get_storage(app)
        data = record_bytes(record, storage.backend(record.storage_provider or "") or storage)
    except Exception as error:  # a missing file or an unreachable bucket: no thumbnail, not a 500
        raise NoImage(record.id) from error
    thumb = make_thumbnail(data, SIZES[size])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(thumb)
    os.replace(temporary, path)
    return path
