"""Move stored objects between backends, and the rows that name them with them.

Every object a row references (generated images, the datasets' reference
images) is read from the backend its row names, checked against its SHA-256,
written to the target backend (or found there already), read back and
checked again; only then are the rows' ``storage_provider`` and URLs
rewritten, in one transaction per object. A row already rewritten is not
selected again, so a run cut short resumes where it stopped. With ``move``
the source object goes once no row names it on the source backend (the rule
of ``app/history/files.py``). The fallback's reconcile is the same move, from
the fallback backend to the primary.

Image variants (``image_variants``) name no backend: each is looked for on
the source backends and copied with its bytes compared after the read-back;
one that is nowhere is skipped (a variant is made again on its next request).

OG template logos and fonts are rows (``og_template_versions``), not objects:
they travel with the database copy; gallery thumbnails are a cache rebuilt
from the images.
"""

import hashlib
import logging
import mimetypes
from dataclasses import dataclass, field

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import DatasetImage, GeneratedImage, ImageVariant
from app.storage.images import record_bucket
from app.storage.variants import BUCKET as VARIANTS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reference:
    """A table whose rows name stored objects: which columns say where."""

    model: type
    url_columns: tuple

    def bucket_of(self, row):
        if self.model is DatasetImage:
            return row.bucket
        return record_bucket(row)


REFERENCES = (
    Reference(GeneratedImage, ("image_url", "storage_url")),
    Reference(DatasetImage, ("image_url",)),
)


@dataclass
class MoveReport:
    objects: int = 0
    bytes: int = 0
    rows: int = 0
    already_there: int = 0
    removed: int = 0
    variants: int = 0
    failed: list = field(default_factory=list)  # (bucket, key, reason)


class IntegrityError(ValueError):
    """Bytes whose SHA-256 is not the one their row records."""


def expected_sha256(row, key):
    """The row's recorded SHA-256, else the one the key is named by (``ab/<sha>.png``)."""
    if row.sha256:
        return row.sha256
    name = key.rsplit("/", 1)[-1].split(".", 1)[0]
    return name if len(name) == 64 else None


def _check(data, sha, where):
    if sha is not None and hashlib.sha256(data).hexdigest() != sha:
        raise IntegrityError(f"{where}: SHA-256 differs from the recorded {sha[:12]}…")


def pending(source_name, target_name):
    """Rows naming ``source_name`` (any backend but the target when None), grouped by (bucket, key)."""
    objects = {}
    for reference in REFERENCES:
        model = reference.model
        query = select(model).where(model.storage_key.is_not(None))
        if source_name is None:
            query = query.where(func.coalesce(model.storage_provider, "") != target_name)
        else:
            query = query.where(model.storage_provider == source_name)
        for row in db.session.scalars(query.order_by(model.created_at, model.id)):
            bucket = reference.bucket_of(row)
            entry = objects.setdefault((bucket, row.storage_key), {"sha": None, "providers": set()})
            entry["sha"] = entry["sha"] or expected_sha256(row, row.storage_key)
            entry["providers"].add(row.storage_provider or "local")
    db.session.rollback()
    return objects


def count_pending(source_name, target_name=None):
    """How many rows name ``source_name`` (the fallback: files that wait to be moved)."""
    total = 0
    for reference in REFERENCES:
        model = reference.model
        total += db.session.scalar(select(func.count()).select_from(model).where(
            model.storage_key.is_not(None), model.storage_provider == source_name)) or 0
    return total


def _rewrite_rows(bucket, key, provider, stored):
    """Point every row of (bucket, key) on ``provider`` at the stored copy; returns how many."""
    changed = 0
    for reference in REFERENCES:
        model = reference.model
        candidates = db.session.scalars(select(model).where(
            model.storage_key == key, func.coalesce(model.storage_provider, "local") == provider))
        ids = [row.id for row in candidates if reference.bucket_of(row) == bucket]
        if not ids:
            continue
        values = {"storage_provider": stored.provider, "image_url": stored.url}
        if "storage_url" in reference.url_columns:
            values["storage_url"] = stored.storage_url
        changed += db.session.execute(update(model).where(model.id.in_(ids)).values(**values)).rowcount
    return changed


def _still_named(bucket, key, provider):
    for reference in REFERENCES:
        model = reference.model
        rows = db.session.scalars(select(model).where(
            model.storage_key == key, func.coalesce(model.storage_provider, "local") == provider))
        if any(reference.bucket_of(row) == bucket for row in rows):
            return True
    return False


def move_variants(sources, target, report, *, move=False):
    """Copy each variant file found on one of ``sources`` (and not yet on ``target``) to ``target``."""
    keys = db.session.scalars(select(ImageVariant.variant_key).order_by(ImageVariant.variant_key)).all()
    db.session.rollback()
    for key in keys:
        try:
            if target.exists(VARIANTS, key):
                continue
            for source in sources:
                try:
                    data = source.get(VARIANTS, key)
                except FileNotFoundError:
                    continue
                target.put(VARIANTS, key, data, _content_type(key))
                _check(target.get(VARIANTS, key), hashlib.sha256(data).hexdigest(),
                       f"{target.name}:{VARIANTS}/{key} read back")
                report.variants += 1
                report.bytes += len(data)
                if move:
                    source.delete(VARIANTS, key)
                break
        except Exception as error:  # reported; the variant is made again on its next request anyway
            log.warning("storage copy: variant %s not copied: %s", key, error)
            report.failed.append((VARIANTS, key, str(error)))


def move_objects(backend_for, target, *, source_name=None, move=False, variant_sources=(), echo=print):
    """Copy (or move) every referenced object not on ``target`` to it; returns a MoveReport.

    ``backend_for(name)`` gives the backend a row's ``storage_provider`` names; variants are looked
    for on ``variant_sources``.
    """
    from app.history.files import lock_keys

    report = MoveReport()
    objects = pending(source_name, target.name)
    echo(f"{len(objects)} objects to {'move' if move else 'copy'} to {target.name}")
    for number, ((bucket, key), entry) in enumerate(sorted(objects.items()), 1):
        try:
            for provider in sorted(entry["providers"]):
                source = backend_for(provider)
                data = source.get(bucket, key)
                _check(data, entry["sha"], f"{provider}:{bucket}/{key}")
                stored = target.find(bucket, key)
                if stored is not None and hashlib.sha256(target.get(bucket, key)).hexdigest() == entry["sha"]:
                    report.already_there += 1
                else:
                    stored = target.put(bucket, key, data, _content_type(key))
                    _check(target.get(bucket, key), entry["sha"], f"{target.name}:{bucket}/{key} read back")
                lock_keys(bucket, [key])
                report.rows += _rewrite_rows(bucket, key, provider, stored)
                db.session.commit()
                report.objects += 1
                report.bytes += len(data)
                if move and source.name != target.name:
                    lock_keys(bucket, [key])
                    if not _still_named(bucket, key, provider):
                        source.delete(bucket, key)
                        report.removed += 1
                    db.session.commit()
        except Exception as error:  # one bad object must not stop the others; it is reported
            db.session.rollback()
            log.warning("storage copy: %s/%s not copied: %s", bucket, key, error)
            report.failed.append((bucket, key, str(error)))
        if number % 100 == 0 or number == len(objects):
            echo(f"  {number}/{len(objects)} objects, {report.bytes / 1e6:,.1f} MB")
    move_variants([s for s in variant_sources if s.name != target.name], target, report, move=move)
    return report


def _content_type(key):
    return mimetypes.guess_type(key)[0] or "application/octet-stream"
