"""Read side of the og_generations ledger (renders, top seeds, formats, countries)."""

import uuid
from datetime import UTC, datetime, time

from sqlalchemy import func, select

from app.extensions import db
from app.models import OgGeneration
from app.models.query import hour_bucket

TOP_ASPECTS = 5


def get_stats(now: datetime | None = None) -> dict:
    """total, today (since 00:00 UTC), unique_seeds and the most used aspect ratios."""
    now = now or datetime.now(UTC)
    midnight = datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
    total, today, unique_seeds = db.session.execute(select(
        func.count(),
        func.count().filter(OgGeneration.created_at >= midnight),
        func.count(func.distinct(OgGeneration.seed)),
    ).select_from(OgGeneration)).one()
    count = func.count().label("count")
    top = db.session.execute(
        select(OgGeneration.aspect_ratio, count).group_by(OgGeneration.aspect_ratio)
        .order_by(count.desc(), OgGeneration.aspect_ratio).limit(TOP_ASPECTS)
    ).all()
    return {
        "total": total,
        "today": today,
        "unique_seeds": unique_seeds,
        "top_aspect_ratios": [{"aspect_ratio": name, "count": n} for name, n in top],
    }


def list_generations(seed: str | None = None, limit: int = 50, offset: int = 0) -> dict:
    """A page of generations, newest first, optionally of one seed; with the matching total."""
    where = [] if seed is None else [OgGeneration.seed == seed]
    total = db.session.scalar(select(func.count()).select_from(OgGeneration).where(*where))
    rows = db.session.scalars(
        select(OgGeneration).where(*where)
        .order_by(OgGeneration.created_at.desc(), OgGeneration.id.desc())
        .limit(limit).offset(offset)
    ).all()
    return {"items": rows, "total": total, "limit": limit, "offset": offset}


def get_generation(generation_id: uuid.UUID) -> OgGeneration | None:
    """One generation by id, or None."""
    return db.session.get(OgGeneration, generation_id)


def renders_per_hour(since: datetime, until: datetime) -> list[dict]:
    """Card requests per UTC hour in [since, until): [{"hour", "renders"}], hours with none left out."""
    hour = hour_bucket(OgGeneration.created_at)
    rows = db.session.execute(
        select(hour.label("hour"), func.count().label("n"))
        .where(OgGeneration.created_at >= since, OgGeneration.created_at < until)
        .group_by(hour).order_by(hour)
    ).all()
    return [{"hour": row.hour, "renders": row.n} for row in rows]
