"""Alert firings and resolutions (error rate, p95 latency, cost spike, rate limits)."""

from sqlalchemy import Float, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

from .types import JSONType, UTCDateTime, UUIDType, new_uuid, utcnow


class AlertEvent(db.Model):
    __tablename__ = "alert_events"
    __table_args__ = (Index("idx_alert_events_rule_started_at", "rule", "started_at"),)

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    rule: Mapped[str] = mapped_column(String(50), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)  # firing | resolved
    value: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str | None] = mapped_column(Text)
    details = mapped_column(JSONType)
    started_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    resolved_at = mapped_column(UTCDateTime)
    notified_at = mapped_column(UTCDateTime)
