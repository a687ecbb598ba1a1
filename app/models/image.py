"""Every image Imprint makes: the generation record and the stored-image history in one table."""

from sqlalchemy import CHAR, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

from .types import JSONType, Tags, UTCDateTime, UUIDType, new_uuid, utcnow


class GeneratedImage(db.Model):
    __tablename__ = "generated_images"
    __table_args__ = (
        # the generation
        Index("idx_generated_images_user_id", "user_id"),
        Index("idx_generated_images_dataset_id", "dataset_id"),
        Index("idx_generated_images_created_at", "created_at"),
        # the stored image and its history
        # B-tree indexes are read in both directions, so (created_at) serves
        # newest-first history listing ("created_at DESC") on both databases without an expression index.
        Index("idx_generated_images_user_id_created_at", "user_id", "created_at"),
        Index("idx_generated_images_request_id", "request_id"),
        Index(
            "idx_generated_images_status",
            "status",
            postgresql_where=text("status <> 'success'"),
            sqlite_where=text("status <> 'success'"),
        ),
        Index("idx_generated_images_storage_url", "storage_url"),
        Index("idx_generated_images_metadata_gin", "metadata", postgresql_using="gin")
        .ddl_if(dialect="postgresql"),
        Index("idx_generated_images_tags_gin", "tags", postgresql_using="gin")
        .ddl_if(dialect="postgresql"),
        # keyset paging: newest first, ties broken by id
        Index("idx_generated_images_created_at_id", "created_at", "id"),
    )

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    request_id: Mapped[str | None] = mapped_column(Text)
    user_id = mapped_column(UUIDType, ForeignKey("users.id", ondelete="CASCADE"))
    username: Mapped[str | None] = mapped_column(Text)
    tool_name: Mapped[str] = mapped_column(
        Text, nullable=False, default="generateUserImage", server_default="generateUserImage"
    )
    prompt: Mapped[str] = mapped_column(Text, nullable=False)
    full_prompt: Mapped[str | None] = mapped_column(Text)
    negative_prompt: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(Text)
    provider: Mapped[str | None] = mapped_column(String(50))
    size: Mapped[str | None] = mapped_column(String(20))
    quality: Mapped[str | None] = mapped_column(Text)
    style: Mapped[str | None] = mapped_column(Text)
    n: Mapped[int | None] = mapped_column(Integer, default=1, server_default="1")
    image_url: Mapped[str | None] = mapped_column(Text)
    storage_url: Mapped[str | None] = mapped_column(Text)
    storage_provider: Mapped[str | None] = mapped_column(
        String(50), default="local", server_default="local"
    )
    storage_key: Mapped[str | None] = mapped_column(Text)
    mime_type: Mapped[str | None] = mapped_column(String(50))
    bytes: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(CHAR(64))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    tags = mapped_column(Tags)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default="success", server_default="success"
    )
    error: Mapped[str | None] = mapped_column(Text)
    meta = mapped_column("metadata", JSONType)
    message_id: Mapped[str | None] = mapped_column(Text)
    dataset_id = mapped_column(UUIDType, ForeignKey("datasets.id", ondelete="SET NULL"))
    prompt_id = mapped_column(String(100), ForeignKey("prompts.id", ondelete="SET NULL"))
    parent_id = mapped_column(UUIDType, ForeignKey("generated_images.id", ondelete="SET NULL"))
    aspect_ratio: Mapped[str | None] = mapped_column(Text)
    format: Mapped[str | None] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(Text)
    reference_images_count: Mapped[int | None] = mapped_column(
        Integer, default=0, server_default="0"
    )
    unique_visual_elements = mapped_column(JSONType)
    cost_usd = mapped_column(Numeric(12, 6))  # NULL = unknown, never 0 by default
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    country: Mapped[str | None] = mapped_column(String(2))
    api_key_id = mapped_column(UUIDType)  # the key that made it; no FK: the ledger outlives a deleted key
    end_user: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class GenerationJob(db.Model):
    """An asynchronous generation: the database row is the record, not Redis."""

    __tablename__ = "generation_jobs"

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    user_id = mapped_column(UUIDType, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="queued")
    request = mapped_column(JSONType, nullable=False)
    result = mapped_column(JSONType)
    error: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    # Who runs it and until when, on the database's clock: a lapsed lease means the owner died.
    owner: Mapped[str | None] = mapped_column(String(80))
    lease_expires_at = mapped_column(UTCDateTime, index=True)
    reservation = mapped_column(JSONType)  # the quota held for it, given back if it never settles
