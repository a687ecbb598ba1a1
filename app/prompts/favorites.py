"""A user's favorite templates."""

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import Prompt, PromptFavorite

from .templates import get_prompt


def add_favorite(user_id, prompt_id):
    """Mark a template as a favorite of the user; idempotent. Returns True if it is new."""
    get_prompt(prompt_id)
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    # ON CONFLICT DO NOTHING: two clicks at once are one favorite, not an error.
    statement = (
        module.insert(PromptFavorite)
        .values(user_id=user_id, prompt_id=prompt_id)
        .on_conflict_do_nothing(index_elements=["user_id", "prompt_id"])
    )
    added = db.session.execute(statement).rowcount
    db.session.commit()
    return bool(added)


def remove_favorite(user_id, prompt_id):
    """Remove a favorite; returns True if there was one."""
    get_prompt(prompt_id)
    removed = db.session.execute(
        delete(PromptFavorite).where(PromptFavorite.user_id == user_id, PromptFavorite.prompt_id == prompt_id)
    ).rowcount
    db.session.commit()
    return bool(removed)


def list_favorites(user_id):
    """The user's favorite templates, most recently added first."""
    return db.session.scalars(
        select(Prompt)
        .join(PromptFavorite, PromptFavorite.prompt_id == Prompt.id)
        .where(PromptFavorite.user_id == user_id)
        .order_by(PromptFavorite.created_at.desc(), Prompt.id)
    ).all()
