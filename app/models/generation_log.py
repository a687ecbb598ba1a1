"""One row per generation job, written by the progressive logger."""

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

from .types import JSONType, Tags, UTCDateTime, UUIDType, new_uuid, utcnow


class GenerationLog(db.Model):
    __tablename__ = "generation_logs"
    __table_args__ = (
        Index("idx_generation_logs_created_at", "created_at"),
        Index("idx_generation_logs_user_id_created_at", "user_id", "created_at"),
        Index("idx_generation_logs_style_created_at", "style", "created_at"),
        Index("idx_generation_logs_request_id", "request_id"),
        Index("idx_generation_logs_trace_id", "trace_id"),
    )

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    user_id = mapped_column(UUIDType, ForeignKey("users.id", ondelete="CASCADE"))
    job_id: Mapped[str | None] = mapped_column(Text)
    style: Mapped[str | None] = mapped_column(Text)
    difficulty: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    costs = mapped_column(JSONType)  # {"image": 0.04, "total": 0.04}; total absent = unknown
    tokens = mapped_column(JSONType)  # {"input": 10, "output": 0}
    success: Mapped[bool | None] = mapped_column(Boolean)
    error_message: Mapped[str | None] = mapped_column(Text)
    # Beyond the seed: the job's context and its step timings.
    scene: Mapped[str | None] = mapped_column(Text)
    photo_size: Mapped[str | None] = mapped_column(Text)
    tool_name: Mapped[str | None] = mapped_column(Text)
    provider: Mapped[str | None] = mapped_column(String(50))
    model: Mapped[str | None] = mapped_column(Text)
    image_id = mapped_column(UUIDType)  # no FK: the log outlives a deleted image
    steps = mapped_column(JSONType)  # {"prompt_building": 1.2, "provider_call": 830.0, ...} in ms
    country: Mapped[str | None] = mapped_column(String(2))
    # The template version a job rendered, and the label that chose it; no FK: logs outlive templates.
    prompt_id: Mapped[str | None] = mapped_column(String(100))
    prompt_version: Mapped[int | None] = mapped_column(Integer)
    prompt_label: Mapped[str | None] = mapped_column(String(50))
    # The request that asked for the job and its W3C trace: joins the row to log lines and provider calls.
    request_id: Mapped[str | None] = mapped_column(String(128))
    trace_id: Mapped[str | None] = mapped_column(String(32))
    # Each provider call of the job: [{"target", "provider", "model", "outcome", "error_kind", "error", "ms", "cost_usd"}]
    attempts = mapped_column(JSONType)
    # Attribution: the API key used (NULL: anonymous or CLI), the caller's end user, free tags, images made.
    api_key_id = mapped_column(UUIDType)  # no FK: the ledger outlives a deleted key
    end_user: Mapped[str | None] = mapped_column(Text)
    tags = mapped_column(Tags)
    images: Mapped[int | None] = mapped_column(Integer)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
