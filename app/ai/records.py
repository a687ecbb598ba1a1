"""The ``generated_images`` record: seed 004's service functions and who may see what.

Visibility: a user sees their own images, an admin sees all, an anonymous
caller sees only images made anonymously (``user_id`` NULL).
"""

import uuid

from sqlalchemy import false, func, select

from app.extensions import db
from app.history.search import image_conditions, page_rows
from app.models import GeneratedImage
from app.storage import fresh_url

MAX_PAGE = 200


def _newest(conditions, limit, offset):
    """The seed 004 list helpers: one page, newest first, with ``limit``/``offset`` clamped."""
    limit = max(1, min(int(limit or 50), MAX_PAGE))
    offset = max(0, int(offset or 0))
    return page_rows(GeneratedImage, conditions, limit, offset)[0]


def save_generated_image(**fields):
    """Add a generated_images row to the session (the caller commits); returns it."""
    record = GeneratedImage(**fields)
    db.session.add(record)
    return record


def get_generated_image(image_id):
    """One record by id (a UUID or its text), or None."""
    try:
        return db.session.get(GeneratedImage, uuid.UUID(str(image_id)))
    except ValueError:
        return None


def set_image_tags(record, tags):
    """Replace a record's tags (already validated) and commit; returns the record."""
    record.tags = list(tags) or None
    db.session.commit()
    return record


def get_generated_image_metadata(image_id):
    """The record's metadata dict (seed 004's ``getGeneratedImageMetadata``), or None."""
    record = get_generated_image(image_id)
    return None if record is None else (record.meta or {})


def list_generated_images(limit=50, offset=0):
    """Newest first, every user."""
    return _newest([], limit, offset)


def count_generated_images():
    """How many records exist."""
    return db.session.scalar(select(func.count()).select_from(GeneratedImage))


def list_generated_images_by_user(user_id, limit=50, offset=0):
    """A user's records, newest first (``None`` lists anonymous ones)."""
    return _newest([_owner(user_id)], limit, offset)


def list_generated_images_by_tool(tool_name, limit=50, offset=0):
    """Records made by one tool (generateUserImage, renderChart…), newest first."""
    return _newest([GeneratedImage.tool_name == tool_name], limit, offset)


def list_failed_generated_images(limit=50, offset=0):
    """Failed generations (``status <> 'success'``), newest first."""
    return _newest([GeneratedImage.status != "success"], limit, offset)


def _owner(user_id):
    return GeneratedImage.user_id.is_(None) if user_id is None else GeneratedImage.user_id == user_id


def visible_to(principal):
    """The WHERE clause for what ``principal`` may list: their own, everything for admins, nothing for
    an anonymous caller (who reaches their images by the ids in their answers)."""
    if principal is None:
        return false()
    if principal.is_admin:
        return None
    return _owner(principal.user_id)


def query_generated_images(principal, limit=50, offset=0, cursor=None, dataset_id=None, status="success",
                           tool_name=None):
    """The list endpoint: what ``principal`` may see, filtered, newest first; (rows, total, next cursor)."""
    conditions = image_conditions({"dataset": dataset_id, "status": status, "tool": tool_name})
    conditions += [c for c in (visible_to(principal),) if c is not None]
    rows, next_cursor = page_rows(GeneratedImage, conditions, limit, offset, cursor)
    total = db.session.scalar(select(func.count()).select_from(GeneratedImage).where(*conditions))
    return rows, total, next_cursor


def find_visible_image(principal, image_id):
    """One record if ``principal`` may see it, else None."""
    record = get_generated_image(image_id)
    if record is None:
        return None
    if principal is not None and principal.is_admin:
        return record
    owner = principal.user_id if principal is not None else None
    return record if record.user_id == owner else None


def image_url_for(record):
    """The record's URL; presigned S3 URLs are signed afresh, since stored ones expire."""
    if not record.storage_key or record.status != "success":
        return record.image_url
    bucket = (record.meta or {}).get("bucket", "generated-images")
    return fresh_url(record.storage_provider, bucket, record.storage_key, record.image_url)
