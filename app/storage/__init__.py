"""Where image bytes live: one interface, backends chosen by ``STORAGE_BACKEND``."""

from flask import current_app

from .base import BUCKETS, InvalidKey, StoredObject, safe_key
from .local import LocalStorage

__all__ = ["BUCKETS", "InvalidKey", "LocalStorage", "StoredObject", "get_storage", "safe_key"]


def build_storage(config):
    """Make the configured backend from a config mapping."""
    backend = config.get("STORAGE_BACKEND", "local")
    if backend == "local":
        return LocalStorage(config["STORAGE_ROOT"], base_url=config.get("PUBLIC_BASE_URL") or "")
    raise ValueError(f"unknown STORAGE_BACKEND {backend!r}")


def get_storage(app=None):
    """The app's storage backend, built once per app."""
    app = app or current_app
    storage = app.extensions.get("imprint_storage")
    if storage is None:
        storage = app.extensions["imprint_storage"] = build_storage(app.config)
    return storage
