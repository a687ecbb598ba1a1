"""Create users and keys; turn a bearer token into a principal."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import ApiKey, User
from app.models.types import utcnow

KEY_PREFIX = "imp_"
PREFIX_LENGTH = 12  # "imp_" + 8 characters, stored in clear to find the key


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user, the key they used, and whether it is an admin key."""

    user_id: object
    username: str
    key_id: object
    is_admin: bool


class UserExists(ValueError):
    pass


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
    if user is None:
        try:
            import uuid

            user = db.session.get(User, uuid.UUID(str(name_or_id)))
        except ValueError:
            return None
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
    key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix_or_id))
    if key is None:
        try:
            import uuid

            key = db.session.get(ApiKey, uuid.UUID(str(prefix_or_id)))
        except ValueError:
            return None
    if key is not None and key.revoked_at is None:
        key.revoked_at = utcnow()
        db.session.commit()
    return key


def authenticate(token):
    """The Principal for a bearer token, or None if it is unknown, wrong or revoked."""
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
    return Principal(
        user_id=row.User.id,
        username=row.User.username,
        key_id=row.ApiKey.id,
        is_admin=row.ApiKey.is_admin,
    )


def principal_for_key_id(key_id):
    """The Principal of a key by its id (a dashboard session), or None if unknown, revoked or inactive."""
    try:
        import uuid

        key_id = uuid.UUID(str(key_id))
    except ValueError:
        return None
    row = db.session.execute(
        select(ApiKey, User).join(User, User.id == ApiKey.user_id).where(ApiKey.id == key_id)
    ).first()
    if not row or row.ApiKey.revoked_at is not None or not row.User.is_active:
        return None
    return Principal(user_id=row.User.id, username=row.User.username, key_id=row.ApiKey.id,
                     is_admin=row.ApiKey.is_admin)


def list_users():
    """Every user, oldest first."""
    return db.session.scalars(select(User).order_by(User.created_at, User.username)).all()
