"""What a user may do to the images they see: an owner (or an admin) deletes, tags, favourites and
collects; files go only when no row references them (app/history/files.py). A deleted image's
``generation_logs`` row stays: the ledger keeps what was spent."""

import secrets
import uuid

from flask import current_app
from sqlalchemy import func, select

from app.ai import records
from app.extensions import db
from app.history import files, search
from app.models import Collection, CollectionImage, GeneratedImage, ImageFavorite
from app.storage import get_storage
from app.storage.thumbnails import remove_thumbnails

BUCKET = "generated-images"
MAX_COLLECTIONS = 200  # per user


class NotFound(LookupError):
    """No such image or collection, or not the caller's: the same answer, so ids are not probed."""


class Conflict(ValueError):
    """The request contradicts what is there (a full set of collections, a name in use)."""


def owned_image(principal, image_id):
    """The record if ``principal`` owns it or is an admin; anonymous callers curate nothing."""
    if principal is None:
        raise NotFound("image not found")
    record = search.find_visible_image(principal, image_id)
    if record is None:
        raise NotFound("image not found")
    return record


def delete_images(principal, image_ids):
    """Delete these images (each the caller's or, for an admin, anyone's); returns the ids deleted."""
    rows = [owned_image(principal, image_id) for image_id in image_ids]
    keys = [row.storage_key for row in rows if row.storage_key]
    names = [row.sha256 or str(row.id) for row in rows]
    for row in rows:
        db.session.delete(row)
    files.delete_unreferenced(get_storage(), BUCKET, keys)
    gone = files.unused_names(names)
    db.session.commit()
    for name in gone:
        remove_thumbnails(current_app, name)
    return [str(row.id) for row in rows]


def set_tags(principal, image_id, tags):
    return records.set_image_tags(owned_image(principal, image_id), tags)


def add_tags(principal, image_ids, tags, remove=False):
    """Add (or remove) ``tags`` on each image, keeping its other tags; returns how many changed."""
    changed = 0
    for image_id in image_ids:
        row = owned_image(principal, image_id)
        current = list(row.tags or [])
        updated = [t for t in current if t not in tags] if remove else current + [t for t in tags if t not in current]
        if len(updated) > 20:
            raise Conflict(f"image {row.id}: at most 20 tags")
        if updated != current:
            row.tags = updated or None
            changed += 1
    db.session.commit()
    return changed


def set_favorite(principal, image_ids, on=True):
    for image_id in image_ids:
        row = owned_image(principal, image_id)
        existing = db.session.get(ImageFavorite, (principal.user_id, row.id))
        if on and existing is None:
            db.session.add(ImageFavorite(user_id=principal.user_id, image_id=row.id))
        elif not on and existing is not None:
            db.session.delete(existing)
    db.session.commit()


def favorite_ids(principal, image_ids):
    """Of these image ids, those the caller has favourited."""
    if principal is None or not image_ids:
        return set()
    return {str(i) for i in db.session.scalars(select(ImageFavorite.image_id).where(
        ImageFavorite.user_id == principal.user_id, ImageFavorite.image_id.in_(image_ids)))}


def list_favorites(principal, limit, offset):
    query = (select(GeneratedImage).join(ImageFavorite, ImageFavorite.image_id == GeneratedImage.id)
             .where(ImageFavorite.user_id == principal.user_id)
             .order_by(ImageFavorite.created_at.desc(), GeneratedImage.id))
    total = db.session.scalar(select(func.count()).select_from(ImageFavorite)
                              .where(ImageFavorite.user_id == principal.user_id))
    return db.session.scalars(query.limit(limit).offset(offset)).all(), total


# collections

def _collection(principal, collection_id):
    if principal is None:
        raise NotFound("collection not found")
    try:
        row = db.session.get(Collection, uuid.UUID(str(collection_id)))
    except ValueError:
        row = None
    if row is None or (row.user_id != principal.user_id and not principal.is_admin):
        raise NotFound("collection not found")
    return row


def create_collection(principal, name):
    count = db.session.scalar(select(func.count()).select_from(Collection).where(
        Collection.user_id == principal.user_id))
    if count >= MAX_COLLECTIONS:
        raise Conflict(f"name: at most {MAX_COLLECTIONS} collections a user")
    row = Collection(user_id=principal.user_id, name=name)
    db.session.add(row)
    db.session.commit()
    return row


def list_collections(principal):
    counts = (select(CollectionImage.collection_id, func.count().label("n"))
              .group_by(CollectionImage.collection_id).subquery())
    rows = db.session.execute(
        select(Collection, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.collection_id == Collection.id)
        .where(Collection.user_id == principal.user_id).order_by(Collection.created_at.desc())).all()
    return [_view(row, n) for row, n in rows]


def _view(row, image_count=None):
    if image_count is None:
        image_count = db.session.scalar(select(func.count()).select_from(CollectionImage)
                                        .where(CollectionImage.collection_id == row.id))
    return {"id": row.id, "name": row.name, "created_at": row.created_at, "image_count": image_count,
            "shared": row.share_token is not None,
            "share_path": f"/shared/collections/{row.share_token}" if row.share_token else None}


def get_collection(principal, collection_id):
    return _view(_collection(principal, collection_id))


def rename_collection(principal, collection_id, name):
    row = _collection(principal, collection_id)
    row.name = name
    db.session.commit()
    return _view(row)


def delete_collection(principal, collection_id):
    """The collection goes; its images stay."""
    db.session.delete(_collection(principal, collection_id))
    db.session.commit()


def collect(principal, collection_id, image_ids, remove=False):
    """Add (or remove) images the caller may curate; returns how many changed."""
    row = _collection(principal, collection_id)
    changed = 0
    for image_id in image_ids:
        image = owned_image(principal, image_id)
        link = db.session.get(CollectionImage, (row.id, image.id))
        if remove and link is not None:
            db.session.delete(link)
            changed += 1
        elif not remove and link is None:
            db.session.add(CollectionImage(collection_id=row.id, image_id=image.id))
            changed += 1
    db.session.commit()
    return changed


def collection_images(collection, limit, offset):
    query = (select(GeneratedImage).join(CollectionImage, CollectionImage.image_id == GeneratedImage.id)
             .where(CollectionImage.collection_id == collection.id)
             .order_by(CollectionImage.added_at.desc(), GeneratedImage.id))
    return db.session.scalars(query.limit(limit).offset(offset)).all()


def images_of(principal, collection_id, limit, offset):
    return collection_images(_collection(principal, collection_id), limit, offset)


def share(principal, collection_id, on=True):
    """A fresh read-only link (any earlier one stops working), or none."""
    row = _collection(principal, collection_id)
    row.share_token = secrets.token_urlsafe(24) if on else None
    db.session.commit()
    return _view(row)


def shared_collection(token):
    """The collection behind a share link, or NotFound."""
    row = db.session.scalar(select(Collection).where(Collection.share_token == token)) if token else None
    if row is None:
        raise NotFound("no shared collection at this link")
    return row



def shared_image(collection, image_id):
    """An image of this (shared) collection, or NotFound."""
    found = db.session.scalar(select(GeneratedImage).join(
        CollectionImage, CollectionImage.image_id == GeneratedImage.id).where(
        CollectionImage.collection_id == collection.id, GeneratedImage.id == image_id))
    if found is None or not found.storage_key:
        raise NotFound("image not found in this collection")
    return found
