"""Statistics from ``prompt_usage`` (per template, per version, top used).

Rates are percentages rounded to 2 decimals and averages are rounded to
2 decimals in Python, so that SQLite (float AVG) and PostgreSQL (numeric AVG)
answer the same.
"""

from sqlalchemy import case, func, select, text, update

from app.extensions import db
from app.models import Prompt, PromptUsage

from .ratings import prompt_rating_figures
from .templates import get_prompt, get_version


def success_rate(successes, total):
    """successes/total as a percentage, 0 when nothing was used."""
    return round(100.0 * successes / total, 2) if total else 0.0


def _average(value):
    return None if value is None else round(float(value), 2)


_successes = func.coalesce(func.sum(case((PromptUsage.success.is_(True), 1), else_=0)), 0)


def prompt_stats(prompt_id, version=None):
    """Usage, successes, failures, success rate, average time, last use and ratings of a template (or one version)."""
    get_prompt(prompt_id) if version is None else get_version(prompt_id, version)
    query = select(
        func.count(PromptUsage.id),
        _successes,
        func.avg(PromptUsage.generation_time_ms),
        func.max(PromptUsage.created_at),
    ).where(PromptUsage.prompt_id == prompt_id)
    if version is not None:
        query = query.where(PromptUsage.prompt_version == version)
    total, successes, average, last_used = db.session.execute(query).one()
    successes = int(successes)
    return {
        "prompt_id": prompt_id,
        "version": version,
        "total_usage": total,
        "success_count": successes,
        "failure_count": total - successes,
        "success_rate": success_rate(successes, total),
        "avg_generation_time_ms": _average(average),
        "last_used_at": last_used,
        **prompt_rating_figures(prompt_id, version),
    }


def top_used(limit=10):
    """The most used active templates (usage count, then id), each with its success rate."""
    return db.session.scalars(
        select(Prompt)
        .where(Prompt.is_active.is_(True))
        .order_by(Prompt.usage_count.desc(), Prompt.id)
        .limit(limit)
    ).all()


def average_times(prompt_ids):
    """{prompt_id: average generation time in ms (None when untimed)} for several templates at once."""
    if not prompt_ids:
        return {}
    rows = db.session.execute(
        select(PromptUsage.prompt_id, func.avg(PromptUsage.generation_time_ms))
        .where(PromptUsage.prompt_id.in_(list(prompt_ids)))
        .group_by(PromptUsage.prompt_id)
    ).all()
    found = {prompt_id: _average(average) for prompt_id, average in rows}
    return {prompt_id: found.get(prompt_id) for prompt_id in prompt_ids}


def scene_stats(prompt_id):
    """Usage count, average time and success rate per scene, most used first (null scene included)."""
    get_prompt(prompt_id)
    count = func.count(PromptUsage.id)
    rows = db.session.execute(
        select(PromptUsage.scene, count, _successes, func.avg(PromptUsage.generation_time_ms))
        .where(PromptUsage.prompt_id == prompt_id)
        .group_by(PromptUsage.scene)
        .order_by(count.desc(), PromptUsage.scene)
    ).all()
    return [
        {
            "scene": scene,
            "usage_count": total,
            "success_count": int(successes),
            "success_rate": success_rate(int(successes), total),
            "avg_generation_time_ms": _average(average),
        }
        for scene, total, successes, average in rows
    ]


def recount_counters():
    """Recompute usage_count/success_count from prompt_usage; returns [(id, (old), (new))] that drifted."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        # Writers insert usages and move counters in one transaction; SHARE mode
        # waits for those in flight and holds new ones until this commits.
        session.execute(text("LOCK TABLE prompt_usage IN SHARE MODE"))
    used = (
        select(func.count(PromptUsage.id)).where(PromptUsage.prompt_id == Prompt.id).scalar_subquery()
    )
    succeeded = (
        select(func.count(PromptUsage.id))
        .where(PromptUsage.prompt_id == Prompt.id, PromptUsage.success.is_(True))
        .scalar_subquery()
    )
    drifted = session.execute(
        select(Prompt.id, Prompt.usage_count, Prompt.success_count, used, succeeded)
        .where((Prompt.usage_count != used) | (Prompt.success_count != succeeded))
        .order_by(Prompt.id)
    ).all()
    if drifted:
        session.execute(
            update(Prompt)
            .where(Prompt.id.in_([row[0] for row in drifted]))
            .values(usage_count=used, success_count=succeeded),
            execution_options={"synchronize_session": False},
        )
    session.commit()
    return [(row[0], (row[1], row[2]), (row[3], row[4])) for row in drifted]
