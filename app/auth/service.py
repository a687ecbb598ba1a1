"""Create users and keys; turn a bearer token into a principal."""

import hashlib
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.governance.access import parse_scopes
from app.governance.limits import limits_view
from app.models import ApiKey, User
from app.models.types import utcnow

log = logging.getLogger(__name__)

KEY_PREFIX = "imp_"
PREFIX_LENGTH = 12  # "imp_" + 8 characters, stored in clear to find the key
# A key's last use is written at most this often: one UPDATE a minute per key, not one per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user, the key they used, whether it is an admin key, and its scopes (None = all)."""

    user_id: object
    username: str
    key_id: object
    is_admin: bool
    scopes: frozenset | None = None


class UserExists(ValueError):
    pass


class KeyExpired(Exception):
    """The key is right but past its ``expires_at``."""

    def __init__(self, expires_at):
        super().__init__(f"this API key expired at {expires_at.isoformat()}")
        self.expires_at = expires_at


class SelfLockout(ValueError):
    """An admin tried to disable the user whose key they are using."""


def _as_uuid(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def hash_key(key):
    return hashlib.sha256(key.encode()).hexdigest()


def create_user(username, email=None, is_admin=False):
    """Create a user; raises UserExists when the name is taken."""
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise UserExists(f"user {username!r} already exists")
    user = User(username=username, email=email, is_admin=is_admin)
    db.session.add(user)
    db.session.commit()
    return user


def find_user(name_or_id):
    """A user by username or id, or None."""
    user = db.session.scalar(select(User).where(User.username == name_or_id))
    if user is None and _as_uuid(name_or_id) is not None:
        user = db.session.get(User, _as_uuid(name_or_id))
    return user


def create_api_key(user, name=None, is_admin=False):
    """Make a key for ``user``; returns (ApiKey, plaintext). The plaintext is never stored."""
    secret = secrets.token_urlsafe(32)
    plaintext = KEY_PREFIX + secret
    key = ApiKey(
        user_id=user.id,
        name=name,
        prefix=plaintext[:PREFIX_LENGTH],
        key_hash=hash_key(plaintext),
        is_admin=is_admin or user.is_admin,
    )
    db.session.add(key)
    db.session.commit()
    return key, plaintext


def revoke_api_key(prefix_or_id):
    """Revoke a key by its prefix or id; returns the key or None."""
    key = find_key(prefix_or_id)
    if key is not None and key.revoked_at is None:
        key.revoked_at = utcnow()
        db.session.commit()
    return key


def authenticate(token):
    """The Principal for a bearer token, or None if it is unknown, wrong or revoked; KeyExpired when expired."""
    if not token or not token.startswith(KEY_PREFIX) or len(token) > 200:
        # Still hash, so a malformed key takes as long as a wrong one.
        hmac.compare_digest(hash_key(token or ""), "0" * 64)
        return None
    row = db.session.execute(
        select(ApiKey, User)
        .join(User, User.id == ApiKey.user_id)
        .where(ApiKey.prefix == token[:PREFIX_LENGTH])
    ).first()
    expected = row.ApiKey.key_hash if row else "0" * 64
    matches = hmac.compare_digest(hash_key(token), expected)
    if not row or not matches or row.ApiKey.revoked_at is not None or not row.User.is_active:
        return None
    if is_expired(row.ApiKey):
        raise KeyExpired(row.ApiKey.expires_at)
    principal = _principal(row)
    mark_key_used(row.ApiKey)
    return principal


def is_expired(key, now=None):
    return key.expires_at is not None and key.expires_at <= (now or utcnow())


def _principal(row):
    return Principal(user_id=row.User.id, username=row.User.username, key_id=row.ApiKey.id,
                     is_admin=row.ApiKey.is_admin, scopes=parse_scopes(row.ApiKey.scopes))


def principal_for_key_id(key_id):
    """The Principal of a key by its id (a dashboard session), or None if unknown, revoked or inactive."""
    key_id = _as_uuid(key_id)
    if key_id is None:
        return None
    row = db.session.execute(
        select(ApiKey, User).join(User, User.id == ApiKey.user_id).where(ApiKey.id == key_id)
    ).first()
    if not row or row.ApiKey.revoked_at is not None or not row.User.is_active or is_expired(row.ApiKey):
        return None
    principal = _principal(row)
    mark_key_used(row.ApiKey)
    return principal


def list_users():
    """Every user, oldest first."""
    return db.session.scalars(select(User).order_by(User.created_at, User.username)).all()


def mark_key_used(key, now=None):
    """Record that ``key`` was used, unless that was already recorded within LAST_USED_RESOLUTION.

    Called before the view runs, so the session holds nothing else; a database that
    refuses the write (busy SQLite) costs the timestamp, never the request.
    """
    now = now or utcnow()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
        return
    stale = or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - LAST_USED_RESOLUTION)
    try:
        db.session.execute(update(ApiKey).where(ApiKey.id == key.id, stale).values(last_used_at=now),
                           execution_options={"synchronize_session": False})
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("could not record the last use of key %s: %s", key.prefix, error)


def set_user_active(user, is_active, acting=None):
    """Disable or enable ``user``; a disabled user's keys and sessions stop working at once, their ledger stays.

    ``acting`` is the Principal asking: an admin may not disable themselves (nobody could undo it from here).
    """
    if not is_active and acting is not None and acting.user_id == user.id:
        raise SelfLockout("you cannot disable your own user: its key is the one you are signed in with")
    user.is_active = bool(is_active)
    db.session.commit()
    return user


QUOTA_FIELDS = ("daily_generation_limit", "daily_cost_limit_usd", "requests_per_minute")


def set_user_quotas(user, values):
    """Set the quota overrides given in ``values`` (None restores the configured default)."""
    for name in QUOTA_FIELDS:
        if name in values:
            setattr(user, name, values[name])
    db.session.commit()
    return user


def list_keys(user=None):
    """[(ApiKey, User)], every key (or ``user``'s), newest first; the hash stays in the row."""
    query = select(ApiKey, User).join(User, User.id == ApiKey.user_id)
    if user is not None:
        query = query.where(ApiKey.user_id == user.id)
    return db.session.execute(query.order_by(ApiKey.created_at.desc(), ApiKey.prefix)).all()


def key_view(key, user):
    """A key as the API and the pages show it: never its hash."""
    return {"id": key.id, "name": key.name, "prefix": key.prefix, "user_id": user.id, "username": user.username,
            "is_admin": key.is_admin, "created_at": key.created_at, "last_used_at": key.last_used_at,
            "revoked_at": key.revoked_at, **limits_view(key)}


def find_key(prefix_or_id):
    """A key by its prefix or id, or None."""
    key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix_or_id))
    if key is None and _as_uuid(prefix_or_id) is not None:
        key = db.session.get(ApiKey, _as_uuid(prefix_or_id))
    return key
