"""Retention (logs kept RETENTION_DAYS, 90 by default) and the cleanup of old, unused images.

Deletes run in batches of ids, one short transaction each, so a cleanup of
millions of rows never holds a long lock or a huge transaction.
"""

from datetime import timedelta

from sqlalchemy import and_, delete, exists, select

from app.extensions import db
from app.history.files import delete_unreferenced
from app.models import (
    GeneratedImage,
    GenerationLog,
    OgGeneration,
    Post,
    PromptFavorite,
    PromptUsage,
)
from app.models.types import utcnow
from app.privacy.service import BUCKET

EVENT_TABLES = {"generation_logs": GenerationLog, "og_generations": OgGeneration, "prompt_usage": PromptUsage}


def _delete_in_batches(model, condition, batch_size, on_progress):
    removed = 0
    while True:
        ids = db.session.scalars(select(model.id).where(condition).limit(batch_size)).all()
        if not ids:
            return removed
        deleted = db.session.execute(
            delete(model).where(model.id.in_(ids)).execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        removed += deleted
        on_progress(deleted)


def purge_expired_events(days, batch_size=5000, now=None, dry_run=False, on_progress=None):
    """Delete tracking events older than ``days``; returns the count per table.

    ``on_progress(n)`` is called after each committed batch with the rows it deleted."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    counts = {}
    for name, model in EVENT_TABLES.items():
        condition = model.created_at < cutoff
        if dry_run:
            counts[name] = db.session.scalar(select(db.func.count()).where(condition))
        else:
            counts[name] = _delete_in_batches(model, condition, batch_size, on_progress or _ignore)
    return counts


def _ignore(_count):
    pass


def unused_images_query(older_than_days, now=None):
    """Images older than the cutoff, not in a post and not made from a prompt their owner favorited."""
    image = GeneratedImage
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    in_post = exists().where(Post.generated_image_id == image.id)
    favorited = exists().where(and_(
        PromptFavorite.prompt_id == image.prompt_id, PromptFavorite.user_id == image.user_id
    ))
    return select(image.id, image.storage_key, image.created_at, image.user_id).where(
        image.created_at < cutoff, ~in_post, ~favorited
    ).order_by(image.created_at, image.id)


def list_unused_images(older_than_days, limit=None, now=None):
    """The images the cleanup would delete (dry run)."""
    query = unused_images_query(older_than_days, now)
    if limit:
        query = query.limit(limit)
    return db.session.execute(query).all()


def count_unused_images(older_than_days, now=None):
    """How many images the cleanup would delete."""
    return db.session.scalar(select(db.func.count()).select_from(unused_images_query(older_than_days, now)
                                                                  .order_by(None).subquery()))


def delete_unused_images(older_than_days, storage, batch_size=500, now=None, on_progress=None):
    """Delete the unused old images and the files no other row uses; returns (images, files) removed.

    ``on_progress(n)`` is called after each committed batch with the images it deleted."""
    images = files = 0
    while True:
        batch = db.session.execute(unused_images_query(older_than_days, now).limit(batch_size)).all()
        if not batch:
            return images, files
        deleted = db.session.execute(
            delete(GeneratedImage).where(GeneratedImage.id.in_([row.id for row in batch]))
            .execution_options(synchronize_session=False)
        ).rowcount
        # A file shared with a row that stays (identical bytes) is kept.
        files += delete_unreferenced(storage, BUCKET, [row.storage_key for row in batch])
        db.session.commit()
        images += deleted
        (on_progress or _ignore)(deleted)
