"""Searching the ledger: filters on generated_images and generation_logs, newest first.

Two ways to page: ``limit``/``offset`` for the endpoints that take them, and a keyset cursor on
``(created_at, id)`` whose cost does not grow with the page number (the
``idx_generated_images_created_at_id`` index serves it); given both, the offset skips rows after the cursor.
"""

import uuid

from sqlalchemy import literal, select, tuple_

from app.extensions import db
from app.models import GeneratedImage, GenerationLog
from app.models.query import has_tag, json_text

from .cursor import encode_cursor


def like_pattern(text):
    """``%text%`` with LIKE's wildcards in ``text`` taken literally (escape character ``\\``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _range(column, criteria):
    clauses = []
    if criteria.get("date_from"):
        clauses.append(column >= criteria["date_from"])
    if criteria.get("date_to"):
        clauses.append(column <= criteria["date_to"])
    return clauses


def image_conditions(criteria, user_id=None):
    """WHERE clauses for generated_images; ``user_id`` (when not None) limits to one owner."""
    image = GeneratedImage
    clauses = _range(image.created_at, criteria)
    owner = user_id or criteria.get("user")
    if owner:
        clauses.append(image.user_id == owner)
    if criteria.get("tool"):
        clauses.append(image.tool_name == criteria["tool"])
    if criteria.get("status") == "success":
        clauses.append(image.status == "success")
    elif criteria.get("status") == "failed":
        clauses.append(image.status != "success")
    if criteria.get("tag"):
        clauses.append(has_tag(image.tags, criteria["tag"]))
    if criteria.get("dataset"):
        clauses.append(image.dataset_id == criteria["dataset"])
    if criteria.get("model"):
        clauses.append(image.model == criteria["model"])
    if criteria.get("provider"):
        clauses.append(image.provider == criteria["provider"])
    if "meta_key" in criteria:
        clauses.append(json_text(image.meta, criteria["meta_key"]) == criteria["meta_value"])
    if criteria.get("q"):
        clauses.append(image.prompt.ilike(like_pattern(criteria["q"]), escape="\\"))
    return clauses


def log_conditions(criteria, user_id=None):
    """WHERE clauses for generation_logs; ``user_id`` (when not None) limits to one user."""
    log = GenerationLog
    clauses = _range(log.created_at, criteria)
    owner = user_id or criteria.get("user")
    if owner:
        clauses.append(log.user_id == owner)
    for name, column in (("tool", log.tool_name), ("style", log.style), ("model", log.model),
                         ("provider", log.provider), ("job_id", log.job_id),
                         ("request_id", log.request_id), ("trace_id", log.trace_id)):
        if criteria.get(name):
            clauses.append(column == criteria[name])
    if criteria.get("difficulty") is not None:
        clauses.append(log.difficulty == criteria["difficulty"])
    if criteria.get("status") == "success":
        clauses.append(log.success.is_(True))
    elif criteria.get("status") == "failed":
        clauses.append(log.success.is_not(True))
    if criteria.get("q"):
        clauses.append(log.error_message.ilike(like_pattern(criteria["q"]), escape="\\"))
    return clauses


def page_rows(model, clauses, limit, offset=0, cursor=None):
    """One page of ``model`` rows, newest first, and the cursor of the next page (or None)."""
    query = select(model).where(*clauses)
    if cursor is not None:
        after = tuple_(literal(cursor[0], model.created_at.type), literal(cursor[1], model.id.type))
        query = query.where(tuple_(model.created_at, model.id) < after)
    query = query.order_by(model.created_at.desc(), model.id.desc()).offset(offset).limit(limit + 1)
    rows = db.session.scalars(query).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id)
    return rows, next_cursor


def search_images(criteria, user_id=None, limit=50, offset=0, cursor=None):
    """A page of generated images matching ``criteria`` (the schema's filters)."""
    return page_rows(GeneratedImage, image_conditions(criteria, user_id), limit, offset, cursor)


def search_logs(criteria, user_id=None, limit=50, offset=0, cursor=None):
    """A page of generation logs matching ``criteria``."""
    return page_rows(GenerationLog, log_conditions(criteria, user_id), limit, offset, cursor)


def find_image_log(image_id, job_id=None):
    """The generation log of an image (by ``image_id``, else by ``job_id``), or None."""
    log = GenerationLog
    match = log.image_id == image_id
    if job_id:
        match = match | (log.job_id == str(job_id))
    query = select(log).where(match).order_by(log.created_at.desc()).limit(1)
    return db.session.scalars(query).first()


def get_generated_image(image_id):
    """One record by id (a UUID or its text), or None."""
    try:
        return db.session.get(GeneratedImage, uuid.UUID(str(image_id)))
    except ValueError:
        return None


def find_visible_image(principal, image_id):
    """One generated_images record if ``principal`` may see it (their own; any for an admin; an anonymous
    caller's for an anonymous caller), else None."""
    record = get_generated_image(image_id)
    if record is None:
        return None
    if principal is not None and principal.is_admin:
        return record
    owner = principal.user_id if principal is not None else None
    return record if record.user_id == owner else None
