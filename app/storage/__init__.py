"""Where image bytes live: one interface, backends chosen by ``STORAGE_BACKEND``.

``local`` (files under ``STORAGE_ROOT``), ``s3`` (any S3-compatible service)
or ``git`` (a repository, committed and pushed); ``STORAGE_FALLBACK`` names a
second backend that takes a put when the first fails.
"""

import os

from app.extensions import held

from .base import BUCKETS, InvalidKey, StoredObject, safe_key
from .local import LocalStorage

__all__ = ["BUCKETS", "InvalidKey", "LocalStorage", "StoredObject", "get_storage", "safe_key"]


def _build_one(backend, config):
    if backend == "local":
        return LocalStorage(config["STORAGE_ROOT"], base_url=config.get("PUBLIC_BASE_URL") or "",
                            signer=url_signer(config))
    if backend == "s3":
        from .s3 import S3Storage, parse_bucket_map

        return S3Storage(
            endpoint_url=config.get("S3_ENDPOINT_URL"), region=config.get("S3_REGION") or "us-east-1",
            access_key_id=config.get("S3_ACCESS_KEY_ID"), secret_access_key=config.get("S3_SECRET_ACCESS_KEY"),
            bucket=config.get("S3_BUCKET"), bucket_map=parse_bucket_map(config.get("S3_BUCKET_MAP")),
            public_url=config.get("S3_PUBLIC_URL"), url_expires=config.get("S3_URL_EXPIRES") or 3600,
            max_attempts=config.get("S3_MAX_ATTEMPTS") or 3, timeout=config.get("S3_TIMEOUT") or 10.0,
            style=config.get("S3_ADDRESSING_STYLE"), private=bool(config.get("STORAGE_PRIVATE")),
        )
    if backend == "git":
        from .git import GitStorage

        if not config.get("GIT_STORAGE_REMOTE"):
            raise ValueError("STORAGE_BACKEND=git needs GIT_STORAGE_REMOTE")
        work_dir = config.get("GIT_STORAGE_DIR") or os.path.join(
            os.path.dirname(config["STORAGE_ROOT"]), "git-storage", "clone")
        return GitStorage(
            config["GIT_STORAGE_REMOTE"], work_dir, branch=config.get("GIT_STORAGE_BRANCH") or "main",
            prefix=config.get("GIT_STORAGE_PREFIX") or "", raw_url=config.get("GIT_STORAGE_RAW_URL"),
            base_url=config.get("PUBLIC_BASE_URL") or "", author=config.get("GIT_STORAGE_AUTHOR") or "Imprint <imprint@localhost>",
        )
    raise ValueError(f"unknown storage backend {backend!r} (local, s3, git)")


def url_signer(config):
    """The signer of /storage URLs when stored images are private, else None."""
    if not config.get("STORAGE_PRIVATE"):
        return None
    from .private import UrlSigner

    return UrlSigner(config["SECRET_KEY"], config.get("STORAGE_URL_EXPIRES") or 3600)


def build_backend(name, config):
    """One backend by name (``local``, ``s3``, ``git``), without a fallback: copies between backends use it."""
    return _build_one(name, config)


def build_storage(config):
    """Make the configured backend (with its fallback, if any) from a config mapping."""
    primary = _build_one(config.get("STORAGE_BACKEND") or "local", config)
    fallback_name = config.get("STORAGE_FALLBACK")
    if not fallback_name or fallback_name == primary.name:
        return primary
    from .fallback import FallbackStorage

    return FallbackStorage(primary, _build_one(fallback_name, config))


def get_storage(app=None):
    """The app's storage backend, built once per app."""
    return held("imprint_storage", app, lambda app: build_storage(app.config))


def fresh_url(provider, bucket, key, stored_url):
    """An object's URL to hand out now: signed afresh where the backend signs (S3 presigned, private
    images), since signed URLs expire; else the URL stored with the row."""
    backend = get_storage().backend(provider or "") if key else None
    if backend is not None and getattr(backend, "signs_urls", False):
        return backend.url(bucket, key)
    return stored_url
