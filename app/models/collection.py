"""Curation of generated images: favourites and collections (boards) a user makes and may share."""

from sqlalchemy import ForeignKey, Index, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

from .types import UTCDateTime, UUIDType, new_uuid, utcnow


class ImageFavorite(db.Model):
    __tablename__ = "image_favorites"
    __table_args__ = (PrimaryKeyConstraint("user_id", "image_id"), Index("idx_image_favorites_image_id", "image_id"))

    user_id = mapped_column(UUIDType, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    image_id = mapped_column(UUIDType, ForeignKey("generated_images.id", ondelete="CASCADE"), nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Collection(db.Model):
    """A named board of images; ``share_token`` set: anyone with its link may look, read-only."""

    __tablename__ = "collections"

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    user_id = mapped_column(UUIDType, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    share_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class CollectionImage(db.Model):
    __tablename__ = "collection_images"
    __table_args__ = (PrimaryKeyConstraint("collection_id", "image_id"),
                      Index("idx_collection_images_image_id", "image_id"))

    collection_id = mapped_column(UUIDType, ForeignKey("collections.id", ondelete="CASCADE"), nullable=False)
    image_id = mapped_column(UUIDType, ForeignKey("generated_images.id", ondelete="CASCADE"), nullable=False)
    added_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
