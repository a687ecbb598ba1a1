"""Hourly spend rollups of generation_logs, by who paid and what for (app/spend/reports.py reads them).

Kept by the same refresh, watermark and dirty-hour marks as the other rollups
of generation_logs (app/history/rollup). Costs are integer micro-dollars, so
sums over any number of hours are exact on both databases.
"""

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

from .rollup import RowId
from .types import UTCDateTime, UUIDType


class _SpendMeasures:
    generations: Mapped[int] = mapped_column(Integer, nullable=False)
    failed: Mapped[int] = mapped_column(Integer, nullable=False)
    images: Mapped[int] = mapped_column(BigInteger, nullable=False)
    cost_micros: Mapped[int] = mapped_column(BigInteger, nullable=False)  # known costs, in 1e-6 USD
    unknown_cost: Mapped[int] = mapped_column(Integer, nullable=False)  # successes whose cost is unknown
    tokens_in: Mapped[int] = mapped_column(BigInteger, nullable=False)
    tokens_out: Mapped[int] = mapped_column(BigInteger, nullable=False)


class SpendHour(_SpendMeasures, db.Model):
    """generation_logs per hour × user × key × provider × model."""

    __tablename__ = "spend_hours"
    __table_args__ = (Index("idx_spend_hours_hour", "hour"),)

    id = mapped_column(RowId, primary_key=True, autoincrement=True)
    hour = mapped_column(UTCDateTime, nullable=False)
    user_id = mapped_column(UUIDType)
    api_key_id = mapped_column(UUIDType)
    provider: Mapped[str | None] = mapped_column(String(50))
    model: Mapped[str | None] = mapped_column(Text)


class SpendTagHour(_SpendMeasures, db.Model):
    """generation_logs per hour × tag × user × key (a row with several tags counts under each)."""

    __tablename__ = "spend_tag_hours"
    __table_args__ = (Index("idx_spend_tag_hours_hour", "hour"),)

    id = mapped_column(RowId, primary_key=True, autoincrement=True)
    hour = mapped_column(UTCDateTime, nullable=False)
    tag: Mapped[str] = mapped_column(Text, nullable=False)
    user_id = mapped_column(UUIDType)
    api_key_id = mapped_column(UUIDType)
