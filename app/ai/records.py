"""The ``generated_images`` record: saving one, tagging one, listing what a caller may see.

Visibility: a user sees their own images, an admin sees all, an anonymous
caller lists none and reaches their images by id (``history.search.find_visible_image``).
"""

from sqlalchemy import false, func, select

from app.extensions import db
from app.history.search import image_conditions, page_rows
from app.models import GeneratedImage


def save_generated_image(**fields):
    """Add a generated_images row to the session (the caller commits); returns it."""
    record = GeneratedImage(**fields)
    db.session.add(record)
    return record


def set_image_tags(record, tags):
    """Replace a record's tags (already validated) and commit; returns the record."""
    record.tags = list(tags) or None
    db.session.commit()
    return record


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
