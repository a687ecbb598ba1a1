"""Datasets: a brand's identity and its reference images."""

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

from .types import JSONType, UTCDateTime, UUIDType, new_uuid, utcnow


class Dataset(db.Model):
    __tablename__ = "datasets"

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    user_id = mapped_column(UUIDType, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    brand_name: Mapped[str | None] = mapped_column(String(200))
    vibe: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    unique_visual_elements = mapped_column(JSONType)  # a list of strings
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    images = relationship(
        "DatasetImage", back_populates="dataset", passive_deletes=True,
        order_by="DatasetImage.created_at",
    )


class DatasetImage(db.Model):
    """A reference image, stored in the ``dataset-images`` bucket."""

    __tablename__ = "dataset_images"

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    dataset_id = mapped_column(
        UUIDType, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False, index=True
    )
    bucket: Mapped[str] = mapped_column(String(50), nullable=False, default="dataset-images")
    storage_key: Mapped[str] = mapped_column(Text, nullable=False)
    storage_provider: Mapped[str | None] = mapped_column(String(50))
    image_url: Mapped[str] = mapped_column(Text, nullable=False)
    mime_type: Mapped[str | None] = mapped_column(String(50))
    bytes: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    dataset = relationship("Dataset", back_populates="images")
