"""Rows for the history tests, built directly with the models."""

import itertools
from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import (
    GeneratedImage,
    GenerationLog,
    OgGeneration,
    Post,
    Prompt,
    PromptFavorite,
    PromptUsage,
    User,
)

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
_serial = itertools.count()


def _save(row):
    """Commit and load the row, so that tests can read it after the app context ends."""
    db.session.add(row)
    db.session.commit()
    db.session.refresh(row)
    return row


def at(minutes=0, hours=0, days=0):
    """A fixed time relative to NOW (negative = in the past)."""
    return NOW + timedelta(minutes=minutes, hours=hours, days=days)


def make_user(username=None, is_admin=False):
    user = User(username=username or f"user{next(_serial)}", is_admin=is_admin)
    return _save(user)


def make_image(user_id=None, **fields):
    fields.setdefault("prompt", "a red fox in the snow")
    fields.setdefault("created_at", at(minutes=-next(_serial)))
    image = GeneratedImage(user_id=user_id, **fields)
    return _save(image)


def make_log(user_id=None, cost=None, **fields):
    fields.setdefault("created_at", at(minutes=-1))
    fields.setdefault("success", True)
    if cost is not None:
        fields["costs"] = {"image": cost, "total": cost}
    row = GenerationLog(user_id=user_id, **fields)
    return _save(row)


def make_prompt(slug="portrait-selfie-casual"):
    prompt = db.session.get(Prompt, slug) or Prompt(id=slug, name=slug, template="a {subject}")
    return _save(prompt)


def make_usage(user_id, prompt_id, **fields):
    fields.setdefault("success", True)
    usage = PromptUsage(user_id=user_id, prompt_id=prompt_id, **fields)
    return _save(usage)


def make_favorite(user_id, prompt_id):
    favorite = PromptFavorite(user_id=user_id, prompt_id=prompt_id)
    return _save(favorite)


def make_post(user_id, **fields):
    post = Post(user_id=user_id, **fields)
    return _save(post)


def make_og(**fields):
    fields.setdefault("seed", f"seed-{next(_serial)}")
    fields.setdefault("aspect_ratio", "default")
    og = OgGeneration(**fields)
    return _save(og)
