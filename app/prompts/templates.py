"""Prompt templates: create, edit (every text edit is a new version), restore, delete, render.

Other features (``POST /ai/generate``) render through ``rendering.render_prompt``, which
chooses the version (by number or label) and fills it with ``render_texts``.
"""

import re

from sqlalchemy import literal, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Prompt, PromptFavorite, PromptVersion
from app.models.query import has_tag

from .syntax import (
    MissingVariables,
    PromptError,
    fill,
    parse_template,
    template_variables,
)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Paths under /prompts/ that a template id would shadow.
RESERVED_IDS = {"favorites", "top"}
MAX_SLUG = 100
# A template id as the API document states it: a slug, not a reserved word (as a lookahead, not a
# ``not``/``enum``: a generator breaking the rule on purpose would send exactly /prompts/favorites,
# another documented operation).
ID_PATTERN = "^(?!(?:" + "|".join(sorted(RESERVED_IDS)) + ")$)" + SLUG.pattern.lstrip("^")
VERSIONED = ("name", "template", "negative_prompt", "settings")
EDITABLE = VERSIONED + ("category", "description", "tags", "is_active")
MAX_VERSION = 2_147_483_647  # versions are INTEGER columns: a larger number cannot exist (nor reach SQL)

__all__ = [
    "MissingVariables",
    "PromptError",
    "PromptExists",
    "PromptNotFound",
    "VersionNotFound",
]


class PromptNotFound(PromptError, LookupError):
    """No template has this id."""

    def __init__(self, prompt_id):
        super().__init__(f"no prompt template {prompt_id!r}")
        self.prompt_id = prompt_id


class VersionNotFound(PromptError, LookupError):
    def __init__(self, prompt_id, version):
        super().__init__(f"prompt template {prompt_id!r} has no version {version}")


class PromptExists(PromptError):
    """The id is taken, or a concurrent edit took the version number."""


def check_slug(prompt_id):
    """Raise ValueError unless ``prompt_id`` is a usable slug."""
    if not SLUG.match(prompt_id or "") or len(prompt_id) > MAX_SLUG:
        raise ValueError("must be a slug: lowercase letters, digits and single hyphens, at most 100 characters")
    if prompt_id in RESERVED_IDS:
        raise ValueError(f"{prompt_id!r} is reserved (it is a path under /prompts/)")


def get_prompt(prompt_id):
    """The template with this id, or raise PromptNotFound."""
    prompt = db.session.get(Prompt, prompt_id)
    if prompt is None:
        raise PromptNotFound(prompt_id)
    return prompt


def _check_texts(values):
    parse_template(values["template"], "template")
    parse_template(values.get("negative_prompt") or "", "negative_prompt")


def _snapshot(prompt):
    return PromptVersion(
        prompt_id=prompt.id,
        version=prompt.version,
        name=prompt.name,
        template=prompt.template,
        negative_prompt=prompt.negative_prompt,
        settings=prompt.settings,
    )


def _commit(prompt_id):
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise PromptExists(f"prompt template {prompt_id!r} exists or was edited concurrently; retry") from error


def create_prompt(prompt_id, name, template, negative_prompt=None, category=None, description=None,
                  tags=None, is_active=True, settings=None):
    """Create a template at version 1 (validated); raise PromptExists if the id is taken."""
    check_slug(prompt_id)
    values = {"template": template, "negative_prompt": negative_prompt}
    _check_texts(values)
    if db.session.get(Prompt, prompt_id) is not None:
        raise PromptExists(f"prompt template {prompt_id!r} already exists")
    prompt = Prompt(id=prompt_id, name=name, template=template, negative_prompt=negative_prompt,
                    category=category, description=description, tags=tags or [], is_active=is_active,
                    version=1, settings=settings or None)
    db.session.add(prompt)
    db.session.flush()
    db.session.add(_snapshot(prompt))
    _commit(prompt_id)
    return prompt


def update_prompt(prompt_id, **changes):
    """Apply changes; a change to name, template or negative prompt makes a new version."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    locked = select(Prompt).where(Prompt.id == prompt_id).with_for_update()
    prompt = db.session.scalars(locked.execution_options(populate_existing=True)).first()
    if prompt is None:
        raise PromptNotFound(prompt_id)
    if "settings" in changes:
        changes["settings"] = changes["settings"] or None  # {} and null both mean "no saved settings"
    merged = {name: changes.get(name, getattr(prompt, name)) for name in VERSIONED}
    _check_texts(merged)
    is_new_version = any(merged[name] != getattr(prompt, name) for name in VERSIONED)
    for name, value in changes.items():
        if name == "tags" and value is None:
            value = []
        setattr(prompt, name, value)
    if is_new_version:
        prompt.version += 1
        db.session.add(_snapshot(prompt))
    _commit(prompt_id)
    return prompt


def delete_prompt(prompt_id):
    """Delete a template with its versions, usages and favorites (posts keep, unlinked)."""
    prompt = get_prompt(prompt_id)
    db.session.delete(prompt)
    db.session.commit()


def list_versions(prompt_id):
    """Every version of a template, newest first."""
    get_prompt(prompt_id)
    return db.session.scalars(
        select(PromptVersion).where(PromptVersion.prompt_id == prompt_id).order_by(PromptVersion.version.desc())
    ).all()


def get_version(prompt_id, version):
    """One version of a template, or raise PromptNotFound / VersionNotFound."""
    get_prompt(prompt_id)
    if not 1 <= version <= MAX_VERSION:
        raise VersionNotFound(prompt_id, version)
    row = db.session.scalars(
        select(PromptVersion).where(PromptVersion.prompt_id == prompt_id, PromptVersion.version == version)
    ).first()
    if row is None:
        raise VersionNotFound(prompt_id, version)
    return row


def restore_version(prompt_id, version):
    """Make an old version current again, as a new version with its text."""
    old = get_version(prompt_id, version)
    return update_prompt(prompt_id, name=old.name, template=old.template, negative_prompt=old.negative_prompt,
                         settings=old.settings)


def list_prompts(category=None, tag=None, include_inactive=False, favorites_of=None, favorites_first=False,
                 limit=50, offset=0):
    """Templates by name; returns [(prompt, is_favorite)], the caller's favorites first if asked."""
    if favorites_of is None:  # anonymous: nobody's favorites
        query = select(Prompt, literal(False))
    else:
        query = select(Prompt, PromptFavorite.prompt_id.isnot(None)).outerjoin(
            PromptFavorite, (PromptFavorite.prompt_id == Prompt.id) & (PromptFavorite.user_id == favorites_of)
        )
    if not include_inactive:
        query = query.where(Prompt.is_active.is_(True))
    if category:
        query = query.where(Prompt.category == category)
    if tag:
        query = query.where(has_tag(Prompt.tags, tag))
    order = [Prompt.name, Prompt.id]
    if favorites_first and favorites_of is not None:
        order.insert(0, PromptFavorite.prompt_id.is_(None))  # false (a favorite) sorts first
    rows = db.session.execute(query.order_by(*order).limit(limit).offset(offset)).all()
    return [(prompt, bool(is_favorite)) for prompt, is_favorite in rows]


def render_texts(template, negative_prompt, variables):
    """Fill a template and its negative prompt; MissingVariables names all that are missing."""
    missing = [name for name in template_variables(template, negative_prompt) if name not in variables]
    if missing:
        raise MissingVariables(missing)
    return fill(template, variables), fill(negative_prompt, variables, "negative_prompt")
