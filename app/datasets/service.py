"""Datasets: a brand's identity and its reference images.

A dataset belongs to the user who made it; admins see all. Uploads are
checked by Pillow before anything is stored: real images only (PNG, JPEG,
WebP, GIF), at most ``MAX_UPLOAD_BYTES`` and ``MAX_UPLOAD_PIXELS``, and
decompression bombs refused from the header, before decoding.
"""

import io
import uuid
import warnings

from flask import current_app
from PIL import Image
from sqlalchemy import func, select

from app.errors import RequestError
from app.extensions import db
from app.history.files import delete_unreferenced, keep_files
from app.models import Dataset, DatasetImage
from app.storage import get_storage
from app.storage.images import store_image

BUCKET = "dataset-images"
ALLOWED_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}


def _visible(principal):
    if principal is None:
        return Dataset.id.is_(None)  # anonymous callers have no datasets
    return None if principal.is_admin else Dataset.user_id == principal.user_id


def find_dataset(principal, dataset_id):
    """A dataset ``principal`` may use, or None."""
    try:
        dataset = db.session.get(Dataset, uuid.UUID(str(dataset_id)))
    except ValueError:
        return None
    if dataset is None or principal is None:
        return None
    return dataset if principal.is_admin or dataset.user_id == principal.user_id else None


def create_dataset(principal, fields):
    """Create a dataset owned by ``principal``."""
    dataset = Dataset(user_id=principal.user_id, **fields)
    if not dataset.name:
        dataset.name = dataset.brand_name
    db.session.add(dataset)
    db.session.commit()
    return dataset


def list_datasets(principal, limit=50, offset=0):
    """The datasets ``principal`` may see, newest first."""
    condition = _visible(principal)
    query = select(Dataset).order_by(Dataset.created_at.desc(), Dataset.id.desc())
    if condition is not None:
        query = query.where(condition)
    return list(db.session.scalars(query.limit(min(limit, 200)).offset(offset)))


def delete_dataset(dataset):
    """Delete a dataset, its reference rows and the files no other row uses; generated images keep
    their record (dataset_id NULL)."""
    keys = db.session.scalars(select(DatasetImage.storage_key).where(DatasetImage.dataset_id == dataset.id)).all()
    db.session.delete(dataset)
    db.session.flush()
    delete_unreferenced(get_storage(), BUCKET, keys)
    db.session.commit()


def inspect_upload(data, max_bytes, max_pixels):
    """(PIL format, width, height, mode, info) from the header only, nothing decoded; RequestError
    (413/422) naming ``file`` for a file too big, not an image, of another format or too many pixels."""
    if len(data) > max_bytes:
        raise RequestError(413, f"file is larger than {max_bytes} bytes", field="file")
    if not data:
        raise RequestError(422, "file is empty", field="file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:  # reads the header only
                fmt, width, height, mode, info = image.format, image.width, image.height, image.mode, dict(image.info)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise RequestError(413, "image is too large to decode (decompression bomb refused)", field="file") from error
    except Exception as error:
        raise RequestError(422, "file is not a readable image", field="file") from error
    if fmt not in ALLOWED_FORMATS:
        raise RequestError(422, f"file must be PNG, JPEG, WebP or GIF, not {fmt}", field="file")
    if width * height > max_pixels:
        raise RequestError(413, f"image has {width * height} pixels; at most {max_pixels}", field="file")
    return fmt, width, height, mode, info


def decode_upload(data):
    """The decoded image of bytes ``inspect_upload`` accepted; RequestError(422) if truncated or corrupt."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as error:
        raise RequestError(422, "file is not a readable image", field="file") from error
    return image


def validate_upload(data, max_bytes, max_pixels):
    """(PIL format, width, height) of an upload checked from its header and then decoded."""
    fmt, width, height, _mode, _info = inspect_upload(data, max_bytes, max_pixels)
    decode_upload(data).close()
    return fmt, width, height


def add_dataset_image(dataset, data):
    """Validate and store a reference image; returns its DatasetImage row."""
    config = current_app.config
    count = db.session.scalar(select(func.count()).select_from(DatasetImage)
                              .where(DatasetImage.dataset_id == dataset.id))
    if count >= config["MAX_DATASET_IMAGES"]:
        raise RequestError(422, f"a dataset holds at most {config['MAX_DATASET_IMAGES']} images", field="file")
    validate_upload(data, config["MAX_UPLOAD_BYTES"], config["MAX_UPLOAD_PIXELS"])
    stored = store_image(get_storage(), BUCKET, data)
    image = DatasetImage(dataset_id=dataset.id, bucket=BUCKET, storage_key=stored.key,
                         storage_provider=stored.provider, image_url=stored.url, mime_type=stored.mime_type,
                         bytes=stored.bytes, sha256=stored.sha256, width=stored.width, height=stored.height)
    db.session.add(image)
    try:
        db.session.flush()
        keep_files(get_storage(), [(stored, data)])
        db.session.commit()
    except Exception:
        db.session.rollback()
        delete_unreferenced(get_storage(), BUCKET, [stored.key])  # no orphan file when the row was not written
        db.session.commit()
        raise
    return image


def delete_dataset_image(dataset, image_id):
    """Remove one reference image row; False if it is not in ``dataset``."""
    image = db.session.get(DatasetImage, image_id)
    if image is None or image.dataset_id != dataset.id:
        return False
    db.session.delete(image)
    db.session.flush()
    delete_unreferenced(get_storage(), BUCKET, [image.storage_key])
    db.session.commit()
    return True


def import_dataset_image(dataset, url, fetch=None):
    """Fetch a reference image from a client's URL through the SSRF guard, then store it.

    ``fetch`` replaces the guarded fetch in tests that need a stand-in public host.
    """
    from app.security.ssrf import UnsafeURL, fetch_url

    config = current_app.config
    fetch = fetch or fetch_url
    try:
        data, _content_type = fetch(url, max_bytes=config["MAX_UPLOAD_BYTES"], timeout=config["URL_FETCH_TIMEOUT"])
    except UnsafeURL as error:
        raise RequestError(422, f"url refused: {error}", field="url") from error
    except OSError as error:  # refused, timed out, not 200
        raise RequestError(422, f"url could not be fetched: {error}", field="url") from error
    return add_dataset_image(dataset, data)
