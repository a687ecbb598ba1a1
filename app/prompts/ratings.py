"""Ratings: a user rates an image a score of 1-5 or a thumb, with a comment; one rating per user
per image, changed by rating again. The image's template and version are copied onto the rating,
so the figures of a template version are one indexed query."""

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.history.search import find_visible_image
from app.models import ImageRating
from app.models.types import utcnow

from .syntax import PromptError

EMPTY = {"rating_count": 0, "average_score": None, "thumbs_up": 0, "thumbs_down": 0}


class ImageNotRatable(PromptError, LookupError):
    """No image the caller may see has this id, or it failed."""


def _figures_columns():
    return (
        func.count(ImageRating.id),
        func.avg(ImageRating.score),
        func.coalesce(func.sum(case((ImageRating.thumbs_up.is_(True), 1), else_=0)), 0),
        func.coalesce(func.sum(case((ImageRating.thumbs_up.is_(False), 1), else_=0)), 0),
    )


def _figures(count, average, up, down):
    # Rounded in Python: SQLite's float AVG and PostgreSQL's numeric AVG then agree.
    return {"rating_count": int(count or 0), "average_score": None if average is None else round(float(average), 2),
            "thumbs_up": int(up or 0), "thumbs_down": int(down or 0)}


def rate_image(principal, image_id, *, score=None, thumb=None, comment=None):
    """Rate an image the caller may see (a new rating or a change of theirs); returns the rating."""
    image = _ratable(principal, image_id)
    meta = image.meta or {}
    rating = _mine(principal, image_id)
    if rating is None:
        rating = ImageRating(image_id=image.id, user_id=principal.user_id)
        db.session.add(rating)
    rating.prompt_id, rating.prompt_version = image.prompt_id, meta.get("prompt_version")
    rating.score = score
    rating.thumbs_up = None if thumb is None else thumb == "up"
    rating.comment, rating.updated_at = comment, utcnow()
    try:
        db.session.commit()
    except IntegrityError:  # the same user rated the same image at the same moment: change that one
        db.session.rollback()
        return rate_image(principal, image_id, score=score, thumb=thumb, comment=comment)
    return rating


def remove_rating(principal, image_id):
    """Take back the caller's rating of an image (idempotent)."""
    _ratable(principal, image_id)
    rating = _mine(principal, image_id)
    if rating is not None:
        db.session.delete(rating)
        db.session.commit()


def image_ratings(principal, image_id, limit=100):
    """An image's figures, the caller's own rating, and the latest ratings with their comments."""
    _ratable(principal, image_id)
    ratings = db.session.scalars(
        select(ImageRating).where(ImageRating.image_id == image_id)
        .order_by(ImageRating.updated_at.desc(), ImageRating.id).limit(limit)
    ).all()
    return {"image_id": image_id, "figures": figures_by_image([image_id])[image_id],
            "mine": _mine(principal, image_id), "ratings": ratings}


def figures_by_image(image_ids):
    """{image_id: rating figures} for several images at once (empty figures for unrated ones)."""
    ids = list(image_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(ImageRating.image_id, *_figures_columns())
        .where(ImageRating.image_id.in_(ids)).group_by(ImageRating.image_id)
    ).all()
    found = {row[0]: _figures(*row[1:]) for row in rows}
    return {image_id: found.get(image_id, dict(EMPTY)) for image_id in ids}


def prompt_rating_figures(prompt_id, version=None):
    """The rating figures of a template's images (or of one version's)."""
    query = select(*_figures_columns()).where(ImageRating.prompt_id == prompt_id)
    if version is not None:
        query = query.where(ImageRating.prompt_version == version)
    return _figures(*db.session.execute(query).one())


def merge_figures(figures):
    """The figures of several images taken together."""
    figures = list(figures)
    scored = [(f["average_score"], f["rating_count"] - f["thumbs_up"] - f["thumbs_down"]) for f in figures]
    weight = sum(count for average, count in scored if average is not None)
    total = sum(average * count for average, count in scored if average is not None)
    return {"rating_count": sum(f["rating_count"] for f in figures),
            "average_score": round(total / weight, 2) if weight else None,
            "thumbs_up": sum(f["thumbs_up"] for f in figures), "thumbs_down": sum(f["thumbs_down"] for f in figures)}


def _ratable(principal, image_id):
    image = find_visible_image(principal, image_id)
    if image is None:
        raise ImageNotRatable(f"no image {image_id} that you may see")
    if image.status != "success":
        raise ImageNotRatable(f"image {image_id} failed; only made images can be rated")
    return image


def _mine(principal, image_id):
    return db.session.scalars(
        select(ImageRating).where(ImageRating.image_id == image_id, ImageRating.user_id == principal.user_id)
    ).first()
