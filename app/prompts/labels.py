"""Labels: ``production``, ``staging`` or a custom name points at one version of a template.

Which version a request uses: ``prompt_version`` when given, else the version its
``prompt_label`` names, else the ``production`` label's, else the latest version.
``latest`` always names the newest version and is never moved by hand. Every lookup
reads the database (one indexed row), so a moved label takes effect on every process
at its next request; there is no cache to fall behind.
"""

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Prompt, PromptLabel, PromptLabelMove, PromptVersion
from app.models.types import utcnow

from .syntax import PromptError
from .templates import MAX_VERSION, PromptNotFound, VersionNotFound, get_prompt, get_version

LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,48}[a-z0-9])?$")
LATEST = "latest"
PRODUCTION = "production"
MAX_HISTORY = 200


class LabelNotFound(PromptError, LookupError):
    def __init__(self, prompt_id, label):
        super().__init__(f"prompt template {prompt_id!r} has no label {label!r}")


class LabelError(PromptError, ValueError):
    """A label that cannot be moved or named so."""


@dataclass(frozen=True)
class Resolved:
    """The version a request uses, and the label that chose it (None when a version was asked for)."""

    source: Prompt | PromptVersion  # both carry template, negative_prompt, settings and version
    label: str | None

    @property
    def version(self):
        return self.source.version


def check_label(label):
    """Raise LabelError unless ``label`` is a usable name."""
    if not LABEL.match(label or ""):
        raise LabelError("a label is 1-50 lowercase letters, digits, '.', '_' or '-', starting and ending "
                         "with a letter or digit")


def resolve_version(prompt_id, *, label=None, version=None):
    """The version to render: ``version``, else ``label``'s, else production's, else the latest."""
    prompt = get_prompt(prompt_id)
    if version is not None:
        return Resolved(get_version(prompt_id, version), None)
    if label is not None and label != LATEST:
        pinned = _label_version(prompt_id, label)
        if pinned is None:
            raise LabelNotFound(prompt_id, label)
        return Resolved(get_version(prompt_id, pinned), label)
    if label is None:
        pinned = _label_version(prompt_id, PRODUCTION)
        if pinned is not None:
            return Resolved(get_version(prompt_id, pinned), PRODUCTION)
    return Resolved(prompt, LATEST)  # the template itself holds its latest version's text and settings


def _label_version(prompt_id, label):
    return db.session.scalar(
        select(PromptLabel.version).where(PromptLabel.prompt_id == prompt_id, PromptLabel.label == label)
    )


def list_labels(prompt_id):
    """Every label of a template with its version, ``latest`` included, by name."""
    prompt = get_prompt(prompt_id)
    rows = db.session.scalars(
        select(PromptLabel).where(PromptLabel.prompt_id == prompt_id).order_by(PromptLabel.label)
    ).all()
    found = [{"label": row.label, "version": row.version, "updated_at": row.updated_at,
              "updated_by": row.updated_by, "is_automatic": False} for row in rows]
    found.append({"label": LATEST, "version": prompt.version, "updated_at": prompt.updated_at,
                  "updated_by": None, "is_automatic": True})
    return sorted(found, key=lambda item: item["label"])


def labels_by_version(prompt_id):
    """{version: [labels]} of a template, ``latest`` included."""
    named = {}
    for item in list_labels(prompt_id):
        named.setdefault(item["version"], []).append(item["label"])
    return named


def move_label(prompt_id, label, version, principal):
    """Point ``label`` at ``version`` (admin), recording who moved it from which version; returns the move."""
    check_label(label)
    if label == LATEST:
        raise LabelError("latest always names the newest version; it cannot be moved")
    if not 1 <= version <= MAX_VERSION:
        raise VersionNotFound(prompt_id, version)
    _lock(prompt_id)
    get_version(prompt_id, version)
    row = db.session.get(PromptLabel, (prompt_id, label))
    previous = row.version if row is not None else None
    if row is None:
        row = PromptLabel(prompt_id=prompt_id, label=label)
        db.session.add(row)
    row.version, row.updated_by, row.updated_at = version, principal.user_id, utcnow()
    move = _record(prompt_id, label, previous, version, principal)
    _commit(prompt_id)
    return move


def remove_label(prompt_id, label, principal):
    """Take ``label`` off its version (admin), recorded as a move to no version; returns the move."""
    if label == LATEST:
        raise LabelError("latest always names the newest version; it cannot be removed")
    _lock(prompt_id)
    row = db.session.get(PromptLabel, (prompt_id, label))
    if row is None:
        raise LabelNotFound(prompt_id, label)
    move = _record(prompt_id, label, row.version, None, principal)
    db.session.delete(row)
    _commit(prompt_id)
    return move


def label_history(prompt_id, label=None, limit=50):
    """The recorded moves of a template's labels (or of one label), newest first."""
    get_prompt(prompt_id)
    query = select(PromptLabelMove).where(PromptLabelMove.prompt_id == prompt_id)
    if label is not None:
        query = query.where(PromptLabelMove.label == label)
    order = (PromptLabelMove.moved_at.desc(), PromptLabelMove.id.desc())
    return db.session.scalars(query.order_by(*order).limit(min(limit, MAX_HISTORY))).all()


def _lock(prompt_id):
    """Serialise moves of one template's labels (PostgreSQL row lock; SQLite has one writer anyway)."""
    locked = select(Prompt.id).where(Prompt.id == prompt_id).with_for_update()
    if db.session.scalar(locked) is None:
        raise PromptNotFound(prompt_id)


def _record(prompt_id, label, from_version, to_version, principal):
    move = PromptLabelMove(prompt_id=prompt_id, label=label, from_version=from_version, to_version=to_version,
                           moved_by=principal.user_id if principal else None,
                           moved_by_name=principal.username if principal else None)
    db.session.add(move)
    return move


def _commit(prompt_id):
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise LabelError(f"labels of {prompt_id!r} were moved concurrently; retry") from error
