"""Prompt templates, their versions, usages, favorites and posts."""

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

from .types import JSONType, Tags, UTCDateTime, UUIDType, new_uuid, utcnow


class Prompt(db.Model):
    __tablename__ = "prompts"
    __table_args__ = (Index("idx_prompts_active_usage", "is_active", "usage_count"),)

    id: Mapped[str] = mapped_column(String(100), primary_key=True)  # a slug
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    category: Mapped[str | None] = mapped_column(String(100), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    template: Mapped[str] = mapped_column(Text, nullable=False)
    negative_prompt: Mapped[str | None] = mapped_column(Text)
    tags = mapped_column(Tags)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default="1")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    settings = mapped_column(JSONType)  # saved generation settings of the current version
    # Counters moved by prompt_usage events, exactly once per event.
    usage_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    success_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class PromptVersion(db.Model):
    """A template as it was; the current one is also kept here."""

    __tablename__ = "prompt_versions"
    __table_args__ = (UniqueConstraint("prompt_id", "version", name="uq_prompt_versions_prompt_version"),)

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    prompt_id = mapped_column(String(100), ForeignKey("prompts.id", ondelete="CASCADE"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    template: Mapped[str] = mapped_column(Text, nullable=False)
    negative_prompt: Mapped[str | None] = mapped_column(Text)
    settings = mapped_column(JSONType)  # provider, model, size, quality, style, options
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Post(db.Model):
    __tablename__ = "posts"

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    user_id = mapped_column(UUIDType, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    character_id: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[str | None] = mapped_column(Text)
    prompt_id = mapped_column(String(100), ForeignKey("prompts.id", ondelete="SET NULL"), index=True)
    scene: Mapped[str | None] = mapped_column(Text)
    environment: Mapped[str | None] = mapped_column(Text)
    outfit: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(Text)
    prompt: Mapped[str | None] = mapped_column(Text)
    negative_prompt: Mapped[str | None] = mapped_column(Text)
    generated_image_id = mapped_column(
        UUIDType, ForeignKey("generated_images.id", ondelete="SET NULL")
    )
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class PromptUsage(db.Model):
    __tablename__ = "prompt_usage"
    __table_args__ = (
        Index("idx_prompt_usage_prompt_id_created_at", "prompt_id", "created_at"),
        Index("idx_prompt_usage_prompt_id_scene", "prompt_id", "scene"),
        Index("idx_prompt_usage_user_id", "user_id"),
    )

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    prompt_id = mapped_column(String(100), ForeignKey("prompts.id", ondelete="CASCADE"), nullable=False)
    prompt_version: Mapped[int | None] = mapped_column(Integer)
    prompt_label: Mapped[str | None] = mapped_column(String(50))  # the label that chose the version
    post_id = mapped_column(UUIDType)  # no FK: a usage may land before or after its post changes
    user_id = mapped_column(UUIDType, ForeignKey("users.id", ondelete="CASCADE"))
    character_id: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[str | None] = mapped_column(Text)
    scene: Mapped[str | None] = mapped_column(Text)
    environment: Mapped[str | None] = mapped_column(Text)
    outfit: Mapped[str | None] = mapped_column(Text)
    prompt: Mapped[str | None] = mapped_column(Text)
    negative_prompt: Mapped[str | None] = mapped_column(Text)
    success: Mapped[bool] = mapped_column(Boolean, nullable=False)
    generation_time_ms: Mapped[int | None] = mapped_column(Integer)
    error_message: Mapped[str | None] = mapped_column(Text)
    variables = mapped_column(JSONType)
    api_key_id = mapped_column(UUIDType)  # the key that asked; no FK: the ledger outlives a deleted key
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class PromptFavorite(db.Model):
    __tablename__ = "prompt_favorites"
    __table_args__ = (PrimaryKeyConstraint("user_id", "prompt_id"),)

    user_id = mapped_column(UUIDType, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    prompt_id = mapped_column(String(100), ForeignKey("prompts.id", ondelete="CASCADE"), nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
