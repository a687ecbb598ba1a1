"""Hourly rollups of generation_logs and generated_images (analytics over long windows read these).

Maintained by ``flask history rollup`` (``app/rollup``). Database
triggers (migration ``rollup_1``) append to ``rollup_dirty_hours`` the hour
of every row inserted, updated or deleted in the two source tables, whoever
writes it; a query uses a rolled-up hour only when it is older than the
source's ``rolled_up_until`` and not dirty, and reads every other row live.
Rows here are replaced, never updated, so the group keys (style,
difficulty) may be NULL and need no unique constraint.
"""

from sqlalchemy import BigInteger, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

from .types import UTCDateTime, UUIDType

# BIGSERIAL on PostgreSQL; SQLite's INTEGER PRIMARY KEY is already 64-bit.
RowId = BigInteger().with_variant(Integer(), "sqlite")


class RollupState(db.Model):
    """How far each source ("logs", "images") is rolled up: every hour before ``rolled_up_until``."""

    __tablename__ = "rollup_state"

    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    rolled_up_until = mapped_column(UTCDateTime, nullable=False)
    refreshed_at = mapped_column(UTCDateTime, nullable=False)


class RollupDirtyHour(db.Model):
    """An hour of a source whose rows changed since it was rolled up (appended by triggers)."""

    __tablename__ = "rollup_dirty_hours"
    __table_args__ = (Index("idx_rollup_dirty_hours_source_hour", "source", "hour"),)

    id = mapped_column(RowId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    hour = mapped_column(UTCDateTime, nullable=False)


class GenerationLogHour(db.Model):
    """generation_logs per hour: generations, distinct users (exact within the hour), successes, known costs."""

    __tablename__ = "generation_log_hours"

    hour = mapped_column(UTCDateTime, primary_key=True)
    generations: Mapped[int] = mapped_column(Integer, nullable=False)
    unique_users: Mapped[int] = mapped_column(Integer, nullable=False)
    successes: Mapped[int] = mapped_column(Integer, nullable=False)
    cost_sum = mapped_column(Float)  # NULL when no cost of the hour is known
    cost_count: Mapped[int] = mapped_column(Integer, nullable=False)


class GenerationLogStyleHour(db.Model):
    """generation_logs per hour × style: generations, successes, sum and count of known costs."""

    __tablename__ = "generation_log_style_hours"
    __table_args__ = (Index("idx_generation_log_style_hours_hour", "hour"),)

    id = mapped_column(RowId, primary_key=True, autoincrement=True)
    hour = mapped_column(UTCDateTime, nullable=False)
    style: Mapped[str | None] = mapped_column(Text)
    generations: Mapped[int] = mapped_column(Integer, nullable=False)
    successes: Mapped[int] = mapped_column(Integer, nullable=False)
    cost_sum = mapped_column(Float)
    cost_count: Mapped[int] = mapped_column(Integer, nullable=False)


class GenerationLogDifficultyHour(db.Model):
    """Successful generation_logs per hour × difficulty: count, sum and count of known costs."""

    __tablename__ = "generation_log_difficulty_hours"
    __table_args__ = (Index("idx_generation_log_difficulty_hours_hour", "hour"),)

    id = mapped_column(RowId, primary_key=True, autoincrement=True)
    hour = mapped_column(UTCDateTime, nullable=False)
    difficulty: Mapped[int | None] = mapped_column(Integer)
    successes: Mapped[int] = mapped_column(Integer, nullable=False)
    cost_sum = mapped_column(Float)
    cost_count: Mapped[int] = mapped_column(Integer, nullable=False)


class GeneratedImageHour(db.Model):
    """generated_images per hour: images, successes, sum and count of known sizes."""

    __tablename__ = "generated_image_hours"

    hour = mapped_column(UTCDateTime, primary_key=True)
    images: Mapped[int] = mapped_column(Integer, nullable=False)
    successes: Mapped[int] = mapped_column(Integer, nullable=False)
    bytes_sum = mapped_column(BigInteger, nullable=False)
    bytes_count: Mapped[int] = mapped_column(Integer, nullable=False)


class RollupUserDay(db.Model):
    """Each user active on a day in a source, with their first and last row of that day.

    Distinct users cannot be summed over hours; this table answers them for
    whole days, and ``first_at``/``last_at`` answer a window that starts or
    ends inside a day exactly. The day's row covers only the rolled-up part
    of the day (before ``rolled_up_until``).
    """

    __tablename__ = "rollup_user_days"

    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    day = mapped_column(UTCDateTime, primary_key=True)
    user_id = mapped_column(UUIDType, primary_key=True)
    first_at = mapped_column(UTCDateTime, nullable=False)
    last_at = mapped_column(UTCDateTime, nullable=False)


class RollupUser(db.Model):
    """Each user of a source's rolled-up rows: their first and last row before the watermark.

    Answers distinct users of a window open at either end, or reaching past
    the watermark, from one row per user (``first_at < until``, ``last_at >= since``).
    """

    __tablename__ = "rollup_users"

    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    user_id = mapped_column(UUIDType, primary_key=True)
    first_at = mapped_column(UTCDateTime, nullable=False)
    last_at = mapped_column(UTCDateTime, nullable=False)
