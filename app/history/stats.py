"""The image generation stats (total, users, successes, failures, size) over any filter of the history."""

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import GeneratedImage
from app.rollup import images as rolled

from .search import image_conditions


def image_stats(criteria, user_id=None):
    """total_images, unique_users, successful, failed and avg_file_size of the matching images:
    from the hourly rollups when they can answer, else counted from the rows."""
    answer = rolled.image_stats(criteria, user_id)
    return answer if answer is not None else counted_image_stats(criteria, user_id)


def counted_image_stats(criteria, user_id=None):
    """``image_stats`` counted from the generated_images rows."""
    image = GeneratedImage
    successful = func.coalesce(func.sum(case((image.status == "success", 1), else_=0)), 0)
    query = select(
        func.count().label("total_images"),
        func.count(image.user_id.distinct()).label("unique_users"),
        successful.label("successful"),
        func.avg(image.bytes).label("avg_file_size"),
    ).where(*image_conditions(criteria, user_id))
    row = db.session.execute(query).one()
    return {
        "total_images": row.total_images,
        "unique_users": row.unique_users,
        "successful": int(row.successful),
        "failed": row.total_images - int(row.successful),
        "avg_file_size": None if row.avg_file_size is None else round(float(row.avg_file_size), 2),
    }
