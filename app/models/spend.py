"""Weekly, daily, quarter-day and hourly spend rollups of generation_logs, by who paid and what for
(app/spend/reports.py reads them; app/rollup/spend.py keeps them).

Kept by the same refresh, watermark and dirty-hour marks as the other rollups
of generation_logs. A report reads its whole weeks from the weekly rows, its
other whole days from the daily ones, the whole quarters of a day and then the
whole hours at its edges from the quarter-day and hourly ones, and only what is left (the partial hours, the hours after the
watermark) from the logs. Costs are integer
micro-dollars, so sums over any number of rows are exact on both databases.
"""

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

from .rollup import RowId
from .types import UTCDateTime


class _SpendMeasures:
    generations: Mapped[int] = mapped_column(Integer, nullable=False)
    failed: Mapped[int] = mapped_column(Integer, nullable=False)
    images: Mapped[int] = mapped_column(BigInteger, nullable=False)
    cost_micros: Mapped[int] = mapped_column(BigInteger, nullable=False)  # known costs, in 1e-6 USD
    unknown_cost: Mapped[int] = mapped_column(Integer, nullable=False)  # successes whose cost is unknown
    tokens_in: Mapped[int] = mapped_column(BigInteger, nullable=False)
    tokens_out: Mapped[int] = mapped_column(BigInteger, nullable=False)


class SpendDay(_SpendMeasures, db.Model):
    """generation_logs per UTC day and one dimension's value: ``user`` (user id), ``key`` (API key id),
    ``provider``, ``model``, ``tag`` (a row with several tags counts under each) or ``day`` (value NULL).

    A row covers its day's logs before the rollup watermark; reports read only days wholly before it."""

    __tablename__ = "spend_days"
    __table_args__ = (Index("idx_spend_days_dimension_day", "dimension", "day"),)

    id = mapped_column(RowId, primary_key=True, autoincrement=True)
    day = mapped_column(UTCDateTime, nullable=False)
    dimension: Mapped[str] = mapped_column(String(10), nullable=False)
    value: Mapped[str | None] = mapped_column(Text)


class SpendHour(_SpendMeasures, db.Model):
    """generation_logs per UTC hour and one dimension's value, as SpendDay is per day (``day``: one row
    per hour, value NULL). A row covers a whole hour before the rollup watermark."""

    __tablename__ = "spend_hours"
    __table_args__ = (Index("idx_spend_hours_dimension_hour", "dimension", "hour"),)

    id = mapped_column(RowId, primary_key=True, autoincrement=True)
    hour = mapped_column(UTCDateTime, nullable=False)
    dimension: Mapped[str] = mapped_column(String(10), nullable=False)
    value: Mapped[str | None] = mapped_column(Text)


class SpendQuarter(_SpendMeasures, db.Model):
    """The SpendHour rows of a quarter of a day (00, 06, 12, 18 h UTC) added up, per dimension and value
    (``day`` included): a window's edge days read a few quarters and hours instead of up to 23 hours.
    Rebuilt from the hour rows whenever one of its days is."""

    __tablename__ = "spend_quarters"
    __table_args__ = (Index("idx_spend_quarters_dimension_quarter", "dimension", "quarter"),)

    id = mapped_column(RowId, primary_key=True, autoincrement=True)
    quarter = mapped_column(UTCDateTime, nullable=False)
    dimension: Mapped[str] = mapped_column(String(10), nullable=False)
    value: Mapped[str | None] = mapped_column(Text)


class SpendWeek(_SpendMeasures, db.Model):
    """The SpendDay rows of a week (from Monday, UTC) added up, per dimension and value (no ``day``
    dimension: a day report reads days). Rebuilt from the day rows whenever one of its days is."""

    __tablename__ = "spend_weeks"
    __table_args__ = (Index("idx_spend_weeks_dimension_week", "dimension", "week"),)

    id = mapped_column(RowId, primary_key=True, autoincrement=True)
    week = mapped_column(UTCDateTime, nullable=False)
    dimension: Mapped[str] = mapped_column(String(10), nullable=False)
    value: Mapped[str | None] = mapped_column(Text)
