"""The OG render ledger (seed 000)."""

from sqlalchemy import Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

from .types import IPAddress, UTCDateTime, UUIDType, new_uuid, utcnow


class OgGeneration(db.Model):
    __tablename__ = "og_generations"
    __table_args__ = (
        Index("idx_og_generations_created_at", "created_at"),
        Index("idx_og_generations_seed", "seed"),
    )

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    seed: Mapped[str] = mapped_column(String(255), nullable=False)
    aspect_ratio: Mapped[str] = mapped_column(String(50), nullable=False)
    quote_text: Mapped[str | None] = mapped_column(Text)
    quote_author: Mapped[str | None] = mapped_column(String(255))
    custom_width: Mapped[int | None] = mapped_column(Integer)
    custom_height: Mapped[int | None] = mapped_column(Integer)
    shape_count: Mapped[int | None] = mapped_column(Integer)
    ip_address = mapped_column(IPAddress)
    user_agent: Mapped[str | None] = mapped_column(Text)
    # Beyond the seed: what was served and how long it took.
    format: Mapped[str | None] = mapped_column(String(10))
    theme: Mapped[str | None] = mapped_column(String(50))
    render_time_ms: Mapped[float | None] = mapped_column(Float)
    country: Mapped[str | None] = mapped_column(String(2))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
