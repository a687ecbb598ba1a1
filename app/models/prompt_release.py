"""Releases of prompt templates: labels naming versions, the record of label moves, side-by-side
comparisons of versions, and users' ratings of the images they made."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

from .types import JSONType, UTCDateTime, UUIDType, new_uuid, utcnow


class PromptLabel(db.Model):
    """A label (``production``, ``staging``, a custom one) names one version of a template at a time."""

    __tablename__ = "prompt_labels"
    __table_args__ = (PrimaryKeyConstraint("prompt_id", "label"),)

    prompt_id = mapped_column(String(100), ForeignKey("prompts.id", ondelete="CASCADE"), nullable=False)
    label: Mapped[str] = mapped_column(String(50), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_by = mapped_column(UUIDType, ForeignKey("users.id", ondelete="SET NULL"))
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class PromptLabelMove(db.Model):
    """Who moved a label, when, from which version to which (None: the label was set or removed)."""

    __tablename__ = "prompt_label_moves"
    __table_args__ = (Index("idx_prompt_label_moves_prompt_id_moved_at", "prompt_id", "moved_at"),)

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    prompt_id = mapped_column(String(100), ForeignKey("prompts.id", ondelete="CASCADE"), nullable=False)
    label: Mapped[str] = mapped_column(String(50), nullable=False)
    from_version: Mapped[int | None] = mapped_column(Integer)
    to_version: Mapped[int | None] = mapped_column(Integer)
    moved_by = mapped_column(UUIDType, ForeignKey("users.id", ondelete="SET NULL"))
    moved_by_name: Mapped[str | None] = mapped_column(Text)  # kept when the user is deleted
    moved_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class PromptComparison(db.Model):
    """One side-by-side run: the same variables and seeds through several arms (versions or models)."""

    __tablename__ = "prompt_comparisons"
    __table_args__ = (Index("idx_prompt_comparisons_prompt_id_created_at", "prompt_id", "created_at"),)

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    prompt_id = mapped_column(String(100), ForeignKey("prompts.id", ondelete="CASCADE"), nullable=False)
    user_id = mapped_column(UUIDType, ForeignKey("users.id", ondelete="SET NULL"))
    caller = mapped_column(JSONType)  # who asked, for a worker that has no request
    arms = mapped_column(JSONType, nullable=False)  # [{"version": 1}, {"label": "staging", "model": …}]
    seeds = mapped_column(JSONType, nullable=False)
    variables = mapped_column(JSONType)
    shared = mapped_column(JSONType)  # the other fields every cell shares: prompt, size
    n: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="queued")  # queued, running, finished
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    finished_at = mapped_column(UTCDateTime)


class PromptComparisonImage(db.Model):
    """One cell of a comparison: an arm and a seed, with the image made (or the reason none was)."""

    __tablename__ = "prompt_comparison_images"
    __table_args__ = (Index("idx_prompt_comparison_images_comparison_id", "comparison_id", "arm", "seed"),)

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    comparison_id = mapped_column(UUIDType, ForeignKey("prompt_comparisons.id", ondelete="CASCADE"), nullable=False)
    arm: Mapped[int] = mapped_column(Integer, nullable=False)
    seed: Mapped[int] = mapped_column(BigInteger, nullable=False)
    image_id = mapped_column(UUIDType, ForeignKey("generated_images.id", ondelete="SET NULL"), index=True)
    prompt_version: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ImageRating(db.Model):
    """A user's rating of an image: a score of 1-5 or a thumb, and a comment; one per user per image."""

    __tablename__ = "image_ratings"
    __table_args__ = (
        UniqueConstraint("image_id", "user_id", name="uq_image_ratings_image_user"),
        Index("idx_image_ratings_prompt_id_version", "prompt_id", "prompt_version"),
    )

    id = mapped_column(UUIDType, primary_key=True, default=new_uuid)
    image_id = mapped_column(UUIDType, ForeignKey("generated_images.id", ondelete="CASCADE"), nullable=False)
    user_id = mapped_column(UUIDType, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    # Copied from the image when rated, so statistics per version need no JSON query.
    prompt_id = mapped_column(String(100), ForeignKey("prompts.id", ondelete="SET NULL"))
    prompt_version: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[int | None] = mapped_column(SmallInteger)
    thumbs_up: Mapped[bool | None] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
