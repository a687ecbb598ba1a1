"""Webhook endpoints and the deliveries of events to them."""

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

from .types import JSONType, UTCDateTime, UUIDType, new_uuid, utcnow


class WebhookEndpoint(db.Model):
    """A URL that receives events, signed with its own ``whsec_`` secret.

    ``events`` null: an address a caller gave as ``webhook_url``, which receives
    only the events of the requests that named it. ``all_users``: an operator's
    endpoint, which receives everyone's events of its kinds.
    """

    __tablename__ = "webhook_endpoints"
    __table_args__ = (UniqueConstraint("user_id", "url", "events_key", name="uq_webhook_endpoints_user_url"),)

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    user_id = mapped_column(UUIDType, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text, nullable=False)
    secret: Mapped[str] = mapped_column(Text, nullable=False)
    events = mapped_column(JSONType)  # ["generation.succeeded", …]; null: a request's own webhook_url
    events_key: Mapped[str] = mapped_column(String(200), nullable=False, default="")  # sorted events, for uniqueness
    all_users: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    description: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class WebhookDelivery(db.Model):
    """One event for one endpoint: sent until the endpoint answers 2xx, for a day at most."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id", name="uq_webhook_deliveries_event_endpoint"),
        Index("idx_webhook_deliveries_status_next", "status", "next_attempt_at"),
        Index("idx_webhook_deliveries_user_created", "user_id", "created_at"),
    )

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    event_id: Mapped[str] = mapped_column(String(64), nullable=False)  # the webhook-id header
    event_type: Mapped[str] = mapped_column(String(64), nullable=False)
    endpoint_id = mapped_column(UUIDType, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False)
    user_id = mapped_column(UUIDType, ForeignKey("users.id", ondelete="CASCADE"))  # whose event it is
    payload = mapped_column(JSONType, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at = mapped_column(UTCDateTime)
    locked_until = mapped_column(UTCDateTime)  # a sender holds it until then
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_response_ms: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    delivered_at = mapped_column(UTCDateTime)
