"""The OG render ledger and the brand templates cards are rendered from."""

from sqlalchemy import (
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

from .types import IPAddress, JSONType, UTCDateTime, UUIDType, new_uuid, utcnow


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
    api_key_id = mapped_column(UUIDType)  # the key that asked; no FK: the ledger outlives a deleted key
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class OgTemplate(db.Model):
    """A brand's card template; its look lives in immutable versions, `current_version` is the newest."""

    __tablename__ = "og_templates"

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    current_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class OgTemplateVersion(db.Model):
    """One version of a template, never changed once written: URLs that name it keep rendering it."""

    __tablename__ = "og_template_versions"
    __table_args__ = (UniqueConstraint("template_id", "version"),)

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    template_id = mapped_column(UUIDType, ForeignKey("og_templates.id", ondelete="CASCADE"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    layout: Mapped[str] = mapped_column(String(20), nullable=False)
    background: Mapped[str] = mapped_column(String(7), nullable=False)
    text_colour: Mapped[str] = mapped_column(String(7), nullable=False)
    accent: Mapped[str] = mapped_column(String(7), nullable=False)
    font: Mapped[str] = mapped_column(String(40), nullable=False)  # a bundled family, or u<sha> of font_data
    font_data = mapped_column(LargeBinary)  # an uploaded OFL font, validated
    logo_kind: Mapped[str | None] = mapped_column(String(4))  # png | svg
    logo_data = mapped_column(LargeBinary)  # the PNG, or the sanitized SVG
    logo_png = mapped_column(LargeBinary)  # what the rasteriser pastes (the SVG rendered once)
    logo_width: Mapped[int | None] = mapped_column(Integer)
    logo_height: Mapped[int | None] = mapped_column(Integer)
    defaults = mapped_column(JSONType, nullable=False, default=dict)  # text parameters
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
