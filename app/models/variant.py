"""Variants of stored images: resized or re-encoded copies, made once on request and kept."""

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

from .types import UTCDateTime, UUIDType, new_uuid, utcnow


class ImageVariant(db.Model):
    """One variant file; it goes with the last row that references its source (app/history/files.py)."""

    __tablename__ = "image_variants"
    __table_args__ = (Index("idx_image_variants_source", "source_bucket", "source_key"),)

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    source_bucket: Mapped[str] = mapped_column(String(64), nullable=False)
    source_key: Mapped[str] = mapped_column(Text, nullable=False)
    variant_key: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    mime_type: Mapped[str] = mapped_column(String(32), nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    byte_size: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
