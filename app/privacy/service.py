"""Privacy: IP anonymisation and GDPR deletion of a user's data."""

import logging

from sqlalchemy import delete, select

from app.extensions import db
from app.history import files
from app.models import (
    Dataset,
    DatasetImage,
    GeneratedImage,
    GenerationJob,
    GenerationLog,
    Post,
    PromptFavorite,
    PromptUsage,
)
from app.storage.thumbnails import remove_thumbnails

log = logging.getLogger(__name__)

BUCKET = "generated-images"
DATASET_BUCKET = "dataset-images"
BATCH = 500


def delete_user_data(user_id, storage, app):
    """Remove everything of one user: images, datasets and their reference images, files and thumbnails
    no other row uses, posts, favorites, usages, logs and jobs.

    Returns counts per table plus ``files`` (generated images), ``dataset_files``
    and ``thumbnails``. A file shared with another user's row (identical bytes)
    stays. Idempotent: a second call finds nothing and returns zeros.
    """
    counts = {"generated_images": 0, "files": 0, "thumbnails": 0}
    while True:
        batch = db.session.execute(
            select(GeneratedImage.id, GeneratedImage.storage_key, GeneratedImage.sha256)
            .where(GeneratedImage.user_id == user_id)
            .limit(BATCH)
        ).all()
        if not batch:
            break
        counts["generated_images"] += db.session.execute(
            delete(GeneratedImage).where(GeneratedImage.id.in_([row.id for row in batch]))
        ).rowcount
        counts["files"] += files.delete_unreferenced(storage, BUCKET, [row.storage_key for row in batch])
        for name in files.unused_names([row.sha256 or str(row.id) for row in batch]):
            counts["thumbnails"] += remove_thumbnails(app, name)
        db.session.commit()
    counts.update(_delete_datasets(user_id, storage))
    for name, model in (
        ("posts", Post),
        ("prompt_favorites", PromptFavorite),
        ("prompt_usage", PromptUsage),
        ("generation_logs", GenerationLog),
        ("generation_jobs", GenerationJob),
    ):
        counts[name] = db.session.execute(delete(model).where(model.user_id == user_id)).rowcount
    db.session.commit()
    log.info("deleted the data of user %s: %s", user_id, counts)
    return counts


def _delete_datasets(user_id, storage):
    owned = select(Dataset.id).where(Dataset.user_id == user_id)
    keys = db.session.scalars(select(DatasetImage.storage_key).where(DatasetImage.dataset_id.in_(owned))).all()
    counts = {"dataset_images": db.session.execute(
        delete(DatasetImage).where(DatasetImage.dataset_id.in_(owned))).rowcount}
    counts["dataset_files"] = files.delete_unreferenced(storage, DATASET_BUCKET, keys)
    counts["datasets"] = db.session.execute(delete(Dataset).where(Dataset.user_id == user_id)).rowcount
    db.session.commit()
    return counts
