"""Privacy (seed 001, "Privacy & Compliance"): IP anonymisation and GDPR deletion."""

import logging

from sqlalchemy import delete, select

from app.extensions import db
from app.models import (
    GeneratedImage,
    GenerationJob,
    GenerationLog,
    Post,
    PromptFavorite,
    PromptUsage,
)

log = logging.getLogger(__name__)

BUCKET = "generated-images"
BATCH = 500


def delete_user_data(user_id, storage):
    """Remove one user's logs, usages, favorites, posts, jobs and images (files first).

    Returns counts per table plus ``files``. Idempotent: a second call finds
    nothing and returns zeros. Files go before their rows, so an interrupted
    run leaves rows whose files are gone, which the next run finishes.
    """
    counts = {"generated_images": 0, "files": 0}
    while True:
        batch = db.session.execute(
            select(GeneratedImage.id, GeneratedImage.storage_key)
            .where(GeneratedImage.user_id == user_id)
            .limit(BATCH)
        ).all()
        if not batch:
            break
        for _image_id, key in batch:
            if key:
                storage.delete(BUCKET, key)
                counts["files"] += 1
        ids = [image_id for image_id, _key in batch]
        counts["generated_images"] += db.session.execute(
            delete(GeneratedImage).where(GeneratedImage.id.in_(ids))
        ).rowcount
        db.session.commit()
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
